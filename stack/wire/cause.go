package wire

import (
	"encoding/binary"
	"fmt"
)

// CauseCode is an error cause code (RFC 9260 3.3.10 and extensions).
type CauseCode uint16

// Error cause codes.
const (
	CauseInvalidStream           CauseCode = 1  // RFC 9260 3.3.10.1
	CauseMissingMandatoryParam   CauseCode = 2  // 3.3.10.2
	CauseStaleCookie             CauseCode = 3  // 3.3.10.3
	CauseOutOfResource           CauseCode = 4  // 3.3.10.4
	CauseUnresolvableAddress     CauseCode = 5  // 3.3.10.5
	CauseUnrecognizedChunk       CauseCode = 6  // 3.3.10.6
	CauseInvalidMandatoryParam   CauseCode = 7  // 3.3.10.7
	CauseUnrecognizedParams      CauseCode = 8  // 3.3.10.8
	CauseNoUserData              CauseCode = 9  // 3.3.10.9
	CauseCookieWhileShuttingDown CauseCode = 10 // 3.3.10.10
	CauseRestartWithNewAddresses CauseCode = 11 // 3.3.10.11
	CauseUserInitiatedAbort      CauseCode = 12 // 3.3.10.12
	CauseProtocolViolation       CauseCode = 13 // 3.3.10.13
	// CauseRestartWithNewEncapPort: draft-tuexen-tsvwg-sctp-udp-encaps-cons
	// (section 4), as Linux sends it (SCTP_ERROR_NEW_ENCAP_PORT); IANA
	// has not assigned 14.
	CauseRestartWithNewEncapPort   CauseCode = 14
	CauseDeleteLastAddress         CauseCode = 0x00A0 // RFC 5061 5.1
	CauseResourceShortage          CauseCode = 0x00A1 // RFC 5061
	CauseDeleteSourceAddress       CauseCode = 0x00A2 // RFC 5061
	CauseIllegalAsconfAck          CauseCode = 0x00A3 // RFC 5061
	CauseNoAuthorization           CauseCode = 0x00A4 // RFC 5061
	CauseUnsupportedHMACIdentifier CauseCode = 0x0105 // RFC 4895 6.1
)

func (c CauseCode) String() string { return fmt.Sprintf("cause %d", uint16(c)) }

// Cause is one decoded error cause. Implementations are pointer types.
type Cause interface {
	CauseCode() CauseCode
	// AppendTo appends the whole cause (code, length, value, zero padding
	// to 4 bytes) to b.
	AppendTo(b []byte) []byte
}

// InvalidStream: data for a stream that does not exist.
type InvalidStream struct{ Stream uint16 }

// MissingMandatoryParam lists the missing parameter types.
type MissingMandatoryParam struct{ Types []ParamType }

// StaleCookie reports how late the cookie was, in microseconds.
type StaleCookie struct{ Staleness uint32 }

// OutOfResource has no value.
type OutOfResource struct{}

// UnresolvableAddress quotes the address parameter (whole TLV).
type UnresolvableAddress struct{ Address []byte }

// UnrecognizedChunk quotes the whole unrecognized chunk.
type UnrecognizedChunk struct{ Chunk []byte }

// InvalidMandatoryParam has no value.
type InvalidMandatoryParam struct{}

// UnrecognizedParams quotes the unrecognized parameters (whole TLVs).
type UnrecognizedParams struct{ Params []byte }

// NoUserData names the TSN of a DATA chunk without user data.
type NoUserData struct{ TSN TSN }

// CookieWhileShuttingDown has no value.
type CookieWhileShuttingDown struct{}

// RestartWithNewAddresses quotes the new address parameters (whole TLVs).
type RestartWithNewAddresses struct{ Addresses []byte }

// RestartWithNewEncapPort refuses an INIT that arrived for an existing
// association from a known peer address but another UDP source port
// (draft-tuexen-tsvwg-sctp-udp-encaps-cons): CurrentPort is the remote UDP
// encapsulation port the association uses for that address, NewPort the
// source port of the INIT. (Linux's sctp_make_new_encap_port fills the two
// the other way round; neither side acts on the values.)
type RestartWithNewEncapPort struct{ CurrentPort, NewPort uint16 }

// UserInitiatedAbort carries the upper layer's reason.
type UserInitiatedAbort struct{ Reason []byte }

// ProtocolViolation carries additional information.
type ProtocolViolation struct{ Info []byte }

// DeleteLastAddress quotes the ASCONF parameter (RFC 5061).
type DeleteLastAddress struct{ Param []byte }

// ResourceShortage quotes the ASCONF parameter (RFC 5061).
type ResourceShortage struct{ Param []byte }

// DeleteSourceAddress quotes the ASCONF parameter (RFC 5061).
type DeleteSourceAddress struct{ Param []byte }

// IllegalAsconfAck has no value (RFC 5061).
type IllegalAsconfAck struct{}

// NoAuthorization quotes the ASCONF parameter (RFC 5061).
type NoAuthorization struct{ Param []byte }

// UnsupportedHMACIdentifier names the HMAC identifier (RFC 4895 6.1).
type UnsupportedHMACIdentifier struct{ HMACID uint16 }

// UnknownCause is a cause this package does not decode, kept raw.
type UnknownCause struct {
	Code  CauseCode
	Value []byte
}

// Error cause TLVs (RFC 9260 3.3.10): Cause Code (16 bits), Cause Length
// (16 bits, header included, padding excluded), value, zero padding to a
// multiple of 4 bytes.

// causeHeaderLen is the length of code and length.
const causeHeaderLen = 4

func (*InvalidStream) CauseCode() CauseCode             { return CauseInvalidStream }
func (*MissingMandatoryParam) CauseCode() CauseCode     { return CauseMissingMandatoryParam }
func (*StaleCookie) CauseCode() CauseCode               { return CauseStaleCookie }
func (*OutOfResource) CauseCode() CauseCode             { return CauseOutOfResource }
func (*UnresolvableAddress) CauseCode() CauseCode       { return CauseUnresolvableAddress }
func (*UnrecognizedChunk) CauseCode() CauseCode         { return CauseUnrecognizedChunk }
func (*InvalidMandatoryParam) CauseCode() CauseCode     { return CauseInvalidMandatoryParam }
func (*UnrecognizedParams) CauseCode() CauseCode        { return CauseUnrecognizedParams }
func (*NoUserData) CauseCode() CauseCode                { return CauseNoUserData }
func (*CookieWhileShuttingDown) CauseCode() CauseCode   { return CauseCookieWhileShuttingDown }
func (*RestartWithNewAddresses) CauseCode() CauseCode   { return CauseRestartWithNewAddresses }
func (*RestartWithNewEncapPort) CauseCode() CauseCode   { return CauseRestartWithNewEncapPort }
func (*UserInitiatedAbort) CauseCode() CauseCode        { return CauseUserInitiatedAbort }
func (*ProtocolViolation) CauseCode() CauseCode         { return CauseProtocolViolation }
func (*DeleteLastAddress) CauseCode() CauseCode         { return CauseDeleteLastAddress }
func (*ResourceShortage) CauseCode() CauseCode          { return CauseResourceShortage }
func (*DeleteSourceAddress) CauseCode() CauseCode       { return CauseDeleteSourceAddress }
func (*IllegalAsconfAck) CauseCode() CauseCode          { return CauseIllegalAsconfAck }
func (*NoAuthorization) CauseCode() CauseCode           { return CauseNoAuthorization }
func (*UnsupportedHMACIdentifier) CauseCode() CauseCode { return CauseUnsupportedHMACIdentifier }
func (c *UnknownCause) CauseCode() CauseCode            { return c.Code }

// appendCause appends one cause TLV with value v, padded.
func appendCause(b []byte, code CauseCode, v []byte) []byte {
	start := len(b)
	l := causeHeaderLen + len(v)
	b = append(b, byte(code>>8), byte(code), byte(l>>8), byte(l))
	b = append(b, v...)
	return appendPadding(b, start)
}

// appendCauseU32 appends a cause whose value is one 32-bit integer.
func appendCauseU32(b []byte, code CauseCode, v uint32) []byte {
	return binary.BigEndian.AppendUint32(append(b, byte(code>>8), byte(code), 0, 8), v)
}

// RFC 9260 3.3.10.1: Stream Identifier, 16 bits reserved.
func (c *InvalidStream) AppendTo(b []byte) []byte {
	return append(b, 0, byte(CauseInvalidStream), 0, 8, byte(c.Stream>>8), byte(c.Stream), 0, 0)
}

// RFC 9260 3.3.10.2: Number of missing params (32 bits), then the types.
func (c *MissingMandatoryParam) AppendTo(b []byte) []byte {
	start := len(b)
	l := causeHeaderLen + 4 + 2*len(c.Types)
	b = append(b, 0, byte(CauseMissingMandatoryParam), byte(l>>8), byte(l))
	b = binary.BigEndian.AppendUint32(b, uint32(len(c.Types)))
	for _, t := range c.Types {
		b = binary.BigEndian.AppendUint16(b, uint16(t))
	}
	return appendPadding(b, start)
}

func (c *StaleCookie) AppendTo(b []byte) []byte {
	return appendCauseU32(b, CauseStaleCookie, c.Staleness)
}
func (c *OutOfResource) AppendTo(b []byte) []byte { return appendCause(b, CauseOutOfResource, nil) }
func (c *UnresolvableAddress) AppendTo(b []byte) []byte {
	return appendCause(b, CauseUnresolvableAddress, c.Address)
}
func (c *UnrecognizedChunk) AppendTo(b []byte) []byte {
	return appendCause(b, CauseUnrecognizedChunk, c.Chunk)
}
func (c *InvalidMandatoryParam) AppendTo(b []byte) []byte {
	return appendCause(b, CauseInvalidMandatoryParam, nil)
}
func (c *UnrecognizedParams) AppendTo(b []byte) []byte {
	return appendCause(b, CauseUnrecognizedParams, c.Params)
}
func (c *NoUserData) AppendTo(b []byte) []byte {
	return appendCauseU32(b, CauseNoUserData, uint32(c.TSN))
}
func (c *CookieWhileShuttingDown) AppendTo(b []byte) []byte {
	return appendCause(b, CauseCookieWhileShuttingDown, nil)
}
func (c *RestartWithNewAddresses) AppendTo(b []byte) []byte {
	return appendCause(b, CauseRestartWithNewAddresses, c.Addresses)
}

// Current Encapsulation Port (16 bits), New Encapsulation Port (16 bits).
func (c *RestartWithNewEncapPort) AppendTo(b []byte) []byte {
	return append(b, 0, byte(CauseRestartWithNewEncapPort), 0, 8,
		byte(c.CurrentPort>>8), byte(c.CurrentPort), byte(c.NewPort>>8), byte(c.NewPort))
}
func (c *UserInitiatedAbort) AppendTo(b []byte) []byte {
	return appendCause(b, CauseUserInitiatedAbort, c.Reason)
}
func (c *ProtocolViolation) AppendTo(b []byte) []byte {
	return appendCause(b, CauseProtocolViolation, c.Info)
}
func (c *DeleteLastAddress) AppendTo(b []byte) []byte {
	return appendCause(b, CauseDeleteLastAddress, c.Param)
}
func (c *ResourceShortage) AppendTo(b []byte) []byte {
	return appendCause(b, CauseResourceShortage, c.Param)
}
func (c *DeleteSourceAddress) AppendTo(b []byte) []byte {
	return appendCause(b, CauseDeleteSourceAddress, c.Param)
}
func (c *IllegalAsconfAck) AppendTo(b []byte) []byte {
	return appendCause(b, CauseIllegalAsconfAck, nil)
}
func (c *NoAuthorization) AppendTo(b []byte) []byte {
	return appendCause(b, CauseNoAuthorization, c.Param)
}

// RFC 4895 6.1: HMAC Identifier, 16 bits padding.
func (c *UnsupportedHMACIdentifier) AppendTo(b []byte) []byte {
	return appendCause(b, CauseUnsupportedHMACIdentifier, []byte{byte(c.HMACID >> 8), byte(c.HMACID)})
}
func (c *UnknownCause) AppendTo(b []byte) []byte { return appendCause(b, c.Code, c.Value) }

// appendCauses appends each cause, every one padded to 4 bytes.
func appendCauses(b []byte, cs []Cause) []byte {
	for _, c := range cs {
		b = c.AppendTo(b)
	}
	return b
}

// appendCausesValue appends cs as the value of a chunk that starts at
// chunkStart and returns b and the chunk's length field: RFC 9260 3.2 counts
// the padding of every cause but the last one.
func appendCausesValue(b []byte, cs []Cause, chunkStart int) ([]byte, int) {
	end := len(b)
	for _, c := range cs {
		s := len(b)
		b = c.AppendTo(b)
		end = s + int(binary.BigEndian.Uint16(b[s+2:s+4]))
	}
	return b, end - chunkStart
}

// decodeCauses decodes the cause TLVs in b. base is the offset of b in the
// packet, for error messages. The last cause may lack its padding (RFC 9260
// 3.2: a chunk's length does not count the padding of its last element).
func decodeCauses(b []byte, base int) ([]Cause, error) {
	var cs []Cause
	for len(b) > 0 {
		c, n, err := decodeCause(b, base)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c)
		b = b[n:]
		base += n
	}
	return cs, nil
}

// decodeCause decodes the cause at the start of b and returns it and the
// number of bytes it takes, padding included.
func decodeCause(b []byte, base int) (Cause, int, error) {
	if len(b) < causeHeaderLen {
		return nil, 0, truncated("error cause header", base, fmt.Sprintf("%d bytes left", len(b)))
	}
	code := CauseCode(binary.BigEndian.Uint16(b[0:2]))
	l := int(binary.BigEndian.Uint16(b[2:4]))
	if l < causeHeaderLen {
		return nil, 0, malformed("error cause length", base, fmt.Sprintf("length %d < 4", l))
	}
	if l > len(b) {
		return nil, 0, truncated("error cause", base, fmt.Sprintf("length %d > %d bytes left", l, len(b)))
	}
	n := (l + 3) &^ 3
	if n > len(b) {
		if l != len(b) {
			return nil, 0, malformed("error cause padding", base+l, fmt.Sprintf("%d stray bytes", len(b)-l))
		}
		n = l
	}
	v := b[causeHeaderLen:l:l]
	vb := base + causeHeaderLen
	what := code.String()
	fixed := func(want int) error {
		if len(v) != want {
			return malformed(what, vb, fmt.Sprintf("value of %d bytes, want %d", len(v), want))
		}
		return nil
	}
	var c Cause
	switch code {
	case CauseInvalidStream:
		if err := fixed(4); err != nil {
			return nil, 0, err
		}
		c = &InvalidStream{Stream: binary.BigEndian.Uint16(v)}
	case CauseMissingMandatoryParam:
		if len(v) < 4 {
			return nil, 0, malformed(what, vb, fmt.Sprintf("value of %d bytes < 4", len(v)))
		}
		cnt := binary.BigEndian.Uint32(v)
		if uint64(cnt)*2 != uint64(len(v)-4) {
			return nil, 0, malformed(what, vb, fmt.Sprintf("%d missing types in %d bytes", cnt, len(v)-4))
		}
		ts := make([]ParamType, cnt)
		for i := range ts {
			ts[i] = ParamType(binary.BigEndian.Uint16(v[4+2*i:]))
		}
		c = &MissingMandatoryParam{Types: ts}
	case CauseStaleCookie:
		if err := fixed(4); err != nil {
			return nil, 0, err
		}
		c = &StaleCookie{Staleness: binary.BigEndian.Uint32(v)}
	case CauseOutOfResource:
		if err := fixed(0); err != nil {
			return nil, 0, err
		}
		c = &OutOfResource{}
	case CauseUnresolvableAddress:
		c = &UnresolvableAddress{Address: v}
	case CauseUnrecognizedChunk:
		c = &UnrecognizedChunk{Chunk: v}
	case CauseInvalidMandatoryParam:
		if err := fixed(0); err != nil {
			return nil, 0, err
		}
		c = &InvalidMandatoryParam{}
	case CauseUnrecognizedParams:
		c = &UnrecognizedParams{Params: v}
	case CauseNoUserData:
		if err := fixed(4); err != nil {
			return nil, 0, err
		}
		c = &NoUserData{TSN: TSN(binary.BigEndian.Uint32(v))}
	case CauseCookieWhileShuttingDown:
		if err := fixed(0); err != nil {
			return nil, 0, err
		}
		c = &CookieWhileShuttingDown{}
	case CauseRestartWithNewAddresses:
		c = &RestartWithNewAddresses{Addresses: v}
	case CauseRestartWithNewEncapPort:
		if err := fixed(4); err != nil {
			return nil, 0, err
		}
		c = &RestartWithNewEncapPort{CurrentPort: binary.BigEndian.Uint16(v), NewPort: binary.BigEndian.Uint16(v[2:])}
	case CauseUserInitiatedAbort:
		c = &UserInitiatedAbort{Reason: v}
	case CauseProtocolViolation:
		c = &ProtocolViolation{Info: v}
	case CauseDeleteLastAddress:
		c = &DeleteLastAddress{Param: v}
	case CauseResourceShortage:
		c = &ResourceShortage{Param: v}
	case CauseDeleteSourceAddress:
		c = &DeleteSourceAddress{Param: v}
	case CauseIllegalAsconfAck:
		if err := fixed(0); err != nil {
			return nil, 0, err
		}
		c = &IllegalAsconfAck{}
	case CauseNoAuthorization:
		c = &NoAuthorization{Param: v}
	case CauseUnsupportedHMACIdentifier:
		if err := fixed(2); err != nil {
			return nil, 0, err
		}
		c = &UnsupportedHMACIdentifier{HMACID: binary.BigEndian.Uint16(v)}
	default:
		c = &UnknownCause{Code: code, Value: v}
	}
	return c, n, nil
}
