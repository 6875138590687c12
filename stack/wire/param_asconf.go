package wire

import (
	"encoding/binary"
	"fmt"
)

// AddIPAddress asks the peer to add Address (*IPv4Address or *IPv6Address)
// to the association (RFC 5061 4.2.1).
//
//	Type = 0xC001 | Length = variable
//	ASCONF-Request Correlation ID
//	Address Parameter
type AddIPAddress struct {
	CorrelationID uint32
	Address       Param
}

// DeleteIPAddress asks the peer to remove Address (RFC 5061 4.2.2); same
// layout as AddIPAddress with Type = 0xC002.
type DeleteIPAddress struct {
	CorrelationID uint32
	Address       Param
}

// SetPrimaryAddress asks the peer to make Address primary (RFC 5061 4.2.4);
// same layout with Type = 0xC004.
type SetPrimaryAddress struct {
	CorrelationID uint32
	Address       Param
}

// ErrorCauseIndication reports the failure of an ASCONF request (RFC 5061
// 4.2.3).
//
//	Type = 0xC003 | Length = variable
//	ASCONF-Request Correlation ID
//	Error Cause(s)
type ErrorCauseIndication struct {
	CorrelationID uint32
	Causes        []Cause
}

// SuccessIndication reports the success of an ASCONF request (RFC 5061
// 4.2.5).
//
//	Type = 0xC005 | Length = 8
//	ASCONF-Request Correlation ID
type SuccessIndication struct{ CorrelationID uint32 }

func (*AddIPAddress) ParamType() ParamType         { return ParamAddIPAddress }
func (*DeleteIPAddress) ParamType() ParamType      { return ParamDeleteIPAddress }
func (*SetPrimaryAddress) ParamType() ParamType    { return ParamSetPrimaryAddress }
func (*ErrorCauseIndication) ParamType() ParamType { return ParamErrorCauseIndication }
func (*SuccessIndication) ParamType() ParamType    { return ParamSuccessIndication }

// AppendTo writes the request; Address must be non-nil (a nil Address
// yields a request the peer will find malformed).
func (p *AddIPAddress) AppendTo(b []byte) []byte {
	return appendAddressRequest(b, ParamAddIPAddress, p.CorrelationID, p.Address)
}

// AppendTo: see AddIPAddress.AppendTo.
func (p *DeleteIPAddress) AppendTo(b []byte) []byte {
	return appendAddressRequest(b, ParamDeleteIPAddress, p.CorrelationID, p.Address)
}

// AppendTo: see AddIPAddress.AppendTo.
func (p *SetPrimaryAddress) AppendTo(b []byte) []byte {
	return appendAddressRequest(b, ParamSetPrimaryAddress, p.CorrelationID, p.Address)
}

func (p *SuccessIndication) AppendTo(b []byte) []byte {
	return appendParamU32(b, ParamSuccessIndication, p.CorrelationID)
}

// AppendTo writes the causes; the length counts to the end of the last
// cause, its padding excluded, as RFC 9260 3.2 does for a chunk's last
// element.
func (p *ErrorCauseIndication) AppendTo(b []byte) []byte {
	start := len(b)
	b = appendParamHeader(b, ParamErrorCauseIndication, 4)
	b = binary.BigEndian.AppendUint32(b, p.CorrelationID)
	end := len(b)
	for _, c := range p.Causes {
		s := len(b)
		b = c.AppendTo(b)
		end = tlvEnd(b, s)
		b = appendPadding(b, s)
	}
	setLength(b, start, end)
	return b
}

func appendAddressRequest(b []byte, t ParamType, id uint32, a Param) []byte {
	start := len(b)
	b = appendParamHeader(b, t, 4)
	b = binary.BigEndian.AppendUint32(b, id)
	end := len(b)
	if a != nil {
		s := len(b)
		b = a.AppendTo(b)
		end = tlvEnd(b, s)
		b = appendPadding(b, s)
	}
	setLength(b, start, end)
	return b
}

// decodeAddressRequest decodes the value shared by Add IP Address, Delete IP
// Address and Set Primary Address: a correlation ID and exactly one IPv4 or
// IPv6 Address parameter.
func decodeAddressRequest(v []byte, off int, t ParamType) (uint32, Param, error) {
	if len(v) < 4 {
		return 0, nil, truncated(t.String(), off, fmt.Sprintf("value of %d bytes < 4", len(v)))
	}
	id := binary.BigEndian.Uint32(v)
	a, err := decodeAddressParam(v[4:], off+4, t)
	return id, a, err
}

// decodeAddressParam decodes b as exactly one IPv4 or IPv6 Address
// parameter (the address of an ASCONF chunk or of an address request).
func decodeAddressParam(b []byte, off int, in fmt.Stringer) (Param, error) {
	if len(b) == 0 {
		return nil, malformed(in.String(), off, "no address parameter")
	}
	a, n, err := decodeParam(b, off)
	if err != nil {
		return nil, err
	}
	if _, ok := addressOf(a); !ok {
		return nil, malformed(in.String(), off, fmt.Sprintf("%v where an address parameter belongs", a.ParamType()))
	}
	if n != len(b) {
		return nil, malformed(in.String(), off+n, fmt.Sprintf("%d bytes after the address parameter", len(b)-n))
	}
	return a, nil
}

func decodeErrorCauseIndication(v []byte, off int) (Param, error) {
	if len(v) < 4 {
		return nil, truncated("Error Cause Indication", off, fmt.Sprintf("value of %d bytes < 4", len(v)))
	}
	cs, err := decodeCauses(v[4:], off+4)
	if err != nil {
		return nil, err
	}
	return &ErrorCauseIndication{CorrelationID: binary.BigEndian.Uint32(v), Causes: cs}, nil
}
