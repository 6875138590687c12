package wire

import (
	"encoding/binary"
	"fmt"
)

// ParamType is the type of a TLV parameter (RFC 9260 3.2.1 and the
// extensions' IANA registrations).
type ParamType uint16

// Parameter types.
const (
	ParamHeartbeatInfo          ParamType = 1      // RFC 9260 3.3.5
	ParamIPv4Address            ParamType = 5      // RFC 9260 3.3.2.1
	ParamIPv6Address            ParamType = 6      // RFC 9260 3.3.2.1
	ParamStateCookie            ParamType = 7      // RFC 9260 3.3.3.1
	ParamUnrecognized           ParamType = 8      // RFC 9260 3.3.3.1
	ParamCookiePreservative     ParamType = 9      // RFC 9260 3.3.2.1
	ParamHostNameAddress        ParamType = 11     // RFC 9260 3.3.2.1 (deprecated)
	ParamSupportedAddrTypes     ParamType = 12     // RFC 9260 3.3.2.1
	ParamOutgoingSSNReset       ParamType = 13     // RFC 6525 4.1
	ParamIncomingSSNReset       ParamType = 14     // RFC 6525 4.2
	ParamSSNTSNReset            ParamType = 15     // RFC 6525 4.3
	ParamReconfigResponse       ParamType = 16     // RFC 6525 4.4
	ParamAddOutgoingStreams     ParamType = 17     // RFC 6525 4.5
	ParamAddIncomingStreams     ParamType = 18     // RFC 6525 4.6
	ParamECNCapable             ParamType = 0x8000 // RFC 9260 appendix A
	ParamZeroChecksumAcceptable ParamType = 0x8001 // RFC 9653 4
	ParamRandom                 ParamType = 0x8002 // RFC 4895 3.1
	ParamChunkList              ParamType = 0x8003 // RFC 4895 3.2
	ParamRequestedHMACAlgo      ParamType = 0x8004 // RFC 4895 3.3
	ParamPadding                ParamType = 0x8005 // RFC 4820 4
	ParamSupportedExtensions    ParamType = 0x8008 // RFC 5061 4.2.7
	ParamForwardTSNSupported    ParamType = 0xC000 // RFC 3758 3.1
	ParamAddIPAddress           ParamType = 0xC001 // RFC 5061 4.2.1
	ParamDeleteIPAddress        ParamType = 0xC002 // RFC 5061 4.2.2
	ParamErrorCauseIndication   ParamType = 0xC003 // RFC 5061 4.2.3
	ParamSetPrimaryAddress      ParamType = 0xC004 // RFC 5061 4.2.4
	ParamSuccessIndication      ParamType = 0xC005 // RFC 5061 4.2.5
	ParamAdaptationLayerInd     ParamType = 0xC006 // RFC 5061 4.2.6
)

func (t ParamType) String() string {
	if s, ok := paramNames[t]; ok {
		return s
	}
	return fmt.Sprintf("param 0x%04x", uint16(t))
}

// UnrecognizedAction returns what RFC 9260 3.2.1 says to do with a parameter
// of this type when it is not recognized (the two high-order bits).
func (t ParamType) UnrecognizedAction() Action { return Action(t >> 14) }

// Param is one decoded TLV parameter. Implementations are pointer types.
type Param interface {
	ParamType() ParamType
	// AppendTo appends the whole parameter (header, value, zero padding
	// to 4 bytes) to b.
	AppendTo(b []byte) []byte
}

// paramHeaderLen is the length of type and length (RFC 9260 3.2.1).
const paramHeaderLen = 4

var paramNames = map[ParamType]string{
	ParamHeartbeatInfo: "Heartbeat Info", ParamIPv4Address: "IPv4 Address",
	ParamIPv6Address: "IPv6 Address", ParamStateCookie: "State Cookie",
	ParamUnrecognized: "Unrecognized Parameter", ParamCookiePreservative: "Cookie Preservative",
	ParamHostNameAddress: "Host Name Address", ParamSupportedAddrTypes: "Supported Address Types",
	ParamOutgoingSSNReset: "Outgoing SSN Reset Request", ParamIncomingSSNReset: "Incoming SSN Reset Request",
	ParamSSNTSNReset: "SSN/TSN Reset Request", ParamReconfigResponse: "Re-configuration Response",
	ParamAddOutgoingStreams: "Add Outgoing Streams Request", ParamAddIncomingStreams: "Add Incoming Streams Request",
	ParamECNCapable: "ECN Capable", ParamZeroChecksumAcceptable: "Zero Checksum Acceptable",
	ParamRandom: "Random", ParamChunkList: "Chunk List", ParamRequestedHMACAlgo: "Requested HMAC Algorithm",
	ParamPadding: "Padding", ParamSupportedExtensions: "Supported Extensions",
	ParamForwardTSNSupported: "Forward-TSN-Supported", ParamAddIPAddress: "Add IP Address",
	ParamDeleteIPAddress: "Delete IP Address", ParamErrorCauseIndication: "Error Cause Indication",
	ParamSetPrimaryAddress: "Set Primary Address", ParamSuccessIndication: "Success Indication",
	ParamAdaptationLayerInd: "Adaptation Layer Indication",
}

// Known reports whether this package decodes parameters of type t into a
// typed value (all others decode as *UnknownParam).
func (t ParamType) Known() bool { _, ok := paramNames[t]; return ok }

// Parameter padding (RFC 9260 3.2.1): "The Parameter Length does not include
// any padding bytes"; a sender pads each parameter with zero bytes to a
// multiple of 4 (at most 3), and "the receiver MUST ignore the padding
// bytes". RFC 9260 3.2: "The Chunk Length value does not include terminating
// padding of the chunk. However, it does include padding of any
// variable-length parameter except the last parameter in the chunk", and "a
// robust implementation is expected to accept the chunk whether or not the
// final padding has been included in the Chunk Length". So the encoder pads
// every parameter but leaves the last one's padding out of the enclosing
// length; the decoder accepts the last parameter with or without it.

// decodeParam decodes the parameter at the start of b. It returns the
// parameter and the bytes it takes, padding included (the last parameter of
// b may lack its padding). base is the offset of b for error messages.
// Types this package does not know decode as *UnknownParam.
func decodeParam(b []byte, base int) (Param, int, error) {
	if len(b) < paramHeaderLen {
		return nil, 0, truncated("parameter header", base, fmt.Sprintf("%d bytes left", len(b)))
	}
	t := ParamType(binary.BigEndian.Uint16(b[0:2]))
	l := int(binary.BigEndian.Uint16(b[2:4]))
	if l < paramHeaderLen {
		return nil, 0, malformed("parameter length", base, fmt.Sprintf("%v: length %d < 4", t, l))
	}
	if l > len(b) {
		return nil, 0, truncated("parameter", base, fmt.Sprintf("%v: length %d > %d bytes left", t, l, len(b)))
	}
	n := (l + 3) &^ 3
	if n > len(b) {
		if l != len(b) {
			return nil, 0, malformed("parameter padding", base+l, fmt.Sprintf("%v: %d stray bytes", t, len(b)-l))
		}
		n = l
	}
	p, err := decodeParamValue(t, b[paramHeaderLen:l:l], base+paramHeaderLen)
	if err != nil {
		return nil, 0, err
	}
	return p, n, nil
}

// decodeParams decodes the parameters filling b, in order.
func decodeParams(b []byte, base int) ([]Param, error) {
	var ps []Param
	for len(b) > 0 {
		p, n, err := decodeParam(b, base)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
		b = b[n:]
		base += n
	}
	return ps, nil
}

// appendParams appends each parameter, every one padded to 4 bytes.
func appendParams(b []byte, ps []Param) []byte {
	b, _ = appendParamsEnd(b, ps)
	return b
}

// appendParamsEnd appends ps like appendParams and returns where the last
// parameter ends before its padding (len(b) on entry when ps is empty): the
// end that the enclosing chunk's or parameter's length field counts to.
func appendParamsEnd(b []byte, ps []Param) ([]byte, int) {
	end := len(b)
	for _, p := range ps {
		s := len(b)
		b = p.AppendTo(b)
		end = tlvEnd(b, s)
		b = appendPadding(b, s)
	}
	return b, end
}

// tlvEnd returns the end, padding excluded, of the TLV written at b[s:]
// according to its length field.
func tlvEnd(b []byte, s int) int {
	if len(b)-s < paramHeaderLen {
		return len(b)
	}
	e := s + int(binary.BigEndian.Uint16(b[s+2:s+4]))
	if e < s+paramHeaderLen || e > len(b) {
		return len(b)
	}
	return e
}

// appendParamHeader starts a parameter of type t whose value has n bytes.
func appendParamHeader(b []byte, t ParamType, n int) []byte {
	l := paramHeaderLen + n
	return append(b, byte(t>>8), byte(t), byte(l>>8), byte(l))
}

// appendParamBytes appends a whole parameter whose value is v, padded.
func appendParamBytes(b []byte, t ParamType, v []byte) []byte {
	start := len(b)
	b = appendParamHeader(b, t, len(v))
	b = append(b, v...)
	return appendPadding(b, start)
}

// appendParamU32 appends a parameter whose value is one 32-bit integer.
func appendParamU32(b []byte, t ParamType, v uint32) []byte {
	return binary.BigEndian.AppendUint32(appendParamHeader(b, t, 4), v)
}

// setLength writes the length end-start into the TLV header at b[start:].
func setLength(b []byte, start, end int) {
	binary.BigEndian.PutUint16(b[start+2:start+4], uint16(end-start))
}

// FindParam returns the first parameter of type P in ps, if any:
//
//	if sc, ok := wire.FindParam[*wire.StateCookie](ack.Params); ok { ... }
func FindParam[P Param](ps []Param) (P, bool) {
	for _, p := range ps {
		if q, ok := p.(P); ok {
			return q, true
		}
	}
	var zero P
	return zero, false
}

// decodeParamValue decodes the value v of a parameter of type t; off is the
// offset of v for error messages. Values whose size the RFC fixes must have
// exactly that size (ErrMalformed otherwise); values with a fixed head and a
// variable tail report a short head as ErrTruncated.
func decodeParamValue(t ParamType, v []byte, off int) (Param, error) {
	switch t {
	case ParamIPv4Address:
		return decodeIPv4Address(v, off)
	case ParamIPv6Address:
		return decodeIPv6Address(v, off)
	case ParamHostNameAddress:
		return &HostNameAddress{Name: v}, nil
	case ParamSupportedAddrTypes:
		ts, err := decodeU16List[ParamType](v, off, t)
		return &SupportedAddrTypes{Types: ts}, err
	case ParamStateCookie:
		return &StateCookie{Cookie: v}, nil
	case ParamUnrecognized:
		return &UnrecognizedParam{Param: v}, nil
	case ParamCookiePreservative:
		x, err := decodeU32(v, off, t)
		return &CookiePreservative{Increment: x}, err
	case ParamECNCapable:
		return &ECNCapable{}, checkEmpty(v, off, t)
	case ParamForwardTSNSupported:
		return &ForwardTSNSupported{}, checkEmpty(v, off, t)
	case ParamSupportedExtensions:
		return &SupportedExtensions{Types: decodeChunkTypes(v)}, nil
	case ParamZeroChecksumAcceptable:
		x, err := decodeU32(v, off, t)
		return &ZeroChecksumAcceptable{EDMID: x}, err
	case ParamAdaptationLayerInd:
		x, err := decodeU32(v, off, t)
		return &AdaptationLayerIndication{Indication: x}, err
	case ParamPadding:
		return &Padding{Padding: v}, nil
	case ParamHeartbeatInfo:
		return &HeartbeatInfo{Info: v}, nil
	case ParamRandom:
		return &Random{Data: v}, nil
	case ParamChunkList:
		return &ChunkList{Types: decodeChunkTypes(v)}, nil
	case ParamRequestedHMACAlgo:
		ids, err := decodeU16List[uint16](v, off, t)
		return &RequestedHMACAlgo{IDs: ids}, err
	case ParamOutgoingSSNReset:
		return decodeOutgoingSSNReset(v, off)
	case ParamIncomingSSNReset:
		return decodeIncomingSSNReset(v, off)
	case ParamSSNTSNReset:
		x, err := decodeU32(v, off, t)
		return &SSNTSNReset{ReqSeq: x}, err
	case ParamReconfigResponse:
		return decodeReconfigResponse(v, off)
	case ParamAddOutgoingStreams:
		seq, n, err := decodeAddStreams(v, off, t)
		return &AddOutgoingStreams{ReqSeq: seq, NewStreams: n}, err
	case ParamAddIncomingStreams:
		seq, n, err := decodeAddStreams(v, off, t)
		return &AddIncomingStreams{ReqSeq: seq, NewStreams: n}, err
	case ParamAddIPAddress:
		id, a, err := decodeAddressRequest(v, off, t)
		return &AddIPAddress{CorrelationID: id, Address: a}, err
	case ParamDeleteIPAddress:
		id, a, err := decodeAddressRequest(v, off, t)
		return &DeleteIPAddress{CorrelationID: id, Address: a}, err
	case ParamSetPrimaryAddress:
		id, a, err := decodeAddressRequest(v, off, t)
		return &SetPrimaryAddress{CorrelationID: id, Address: a}, err
	case ParamErrorCauseIndication:
		return decodeErrorCauseIndication(v, off)
	case ParamSuccessIndication:
		x, err := decodeU32(v, off, t)
		return &SuccessIndication{CorrelationID: x}, err
	default:
		return &UnknownParam{Type: t, Value: v}, nil
	}
}

// decodeU32 decodes a value that is exactly one 32-bit integer.
func decodeU32(v []byte, off int, t ParamType) (uint32, error) {
	if len(v) != 4 {
		return 0, malformed(t.String(), off, fmt.Sprintf("value of %d bytes, want 4", len(v)))
	}
	return binary.BigEndian.Uint32(v), nil
}

// checkEmpty checks that a flag parameter has no value.
func checkEmpty(v []byte, off int, t ParamType) error {
	if len(v) != 0 {
		return malformed(t.String(), off, fmt.Sprintf("value of %d bytes, want 0", len(v)))
	}
	return nil
}

// decodeU16List decodes a list of 16-bit values filling v. The list is
// sized from len(v), which the caller has checked against the input.
func decodeU16List[T ~uint16](v []byte, off int, t ParamType) ([]T, error) {
	if len(v)%2 != 0 {
		return nil, malformed(t.String(), off, fmt.Sprintf("odd list of %d bytes", len(v)))
	}
	if len(v) == 0 {
		return nil, nil
	}
	l := make([]T, len(v)/2)
	for i := range l {
		l[i] = T(binary.BigEndian.Uint16(v[2*i:]))
	}
	return l, nil
}

// appendU16List appends a list of 16-bit values.
func appendU16List[T ~uint16](b []byte, l []T) []byte {
	for _, x := range l {
		b = binary.BigEndian.AppendUint16(b, uint16(x))
	}
	return b
}

// decodeChunkTypes decodes a list of one-byte chunk types.
func decodeChunkTypes(v []byte) []ChunkType {
	if len(v) == 0 {
		return nil
	}
	l := make([]ChunkType, len(v))
	for i, x := range v {
		l[i] = ChunkType(x)
	}
	return l
}

// appendChunkTypeParam appends a parameter whose value lists chunk types.
func appendChunkTypeParam(b []byte, t ParamType, l []ChunkType) []byte {
	start := len(b)
	b = appendParamHeader(b, t, len(l))
	for _, x := range l {
		b = append(b, byte(x))
	}
	return appendPadding(b, start)
}
