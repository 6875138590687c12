package wire

import (
	"fmt"
	"net/netip"
)

// IPv4Address is an IPv4 Address parameter (RFC 9260 3.3.2.1).
//
//	Type = 5 | Length = 8
//	IPv4 Address
type IPv4Address struct{ Addr netip.Addr }

// IPv6Address is an IPv6 Address parameter (RFC 9260 3.3.2.1).
//
//	Type = 6 | Length = 20
//	IPv6 Address (128 bits)
type IPv6Address struct{ Addr netip.Addr }

// HostNameAddress is the deprecated Host Name Address parameter (RFC 9260
// 3.3.2.1); kept so an INIT carrying it can be answered with an
// "Unresolvable Address" error. Name is the value as sent (a NUL-terminated
// host name).
type HostNameAddress struct{ Name []byte }

// SupportedAddrTypes is the Supported Address Types parameter (RFC 9260
// 3.3.2.1): Type = 12, then one 16-bit address parameter type per entry.
type SupportedAddrTypes struct{ Types []ParamType }

func (*IPv4Address) ParamType() ParamType        { return ParamIPv4Address }
func (*IPv6Address) ParamType() ParamType        { return ParamIPv6Address }
func (*HostNameAddress) ParamType() ParamType    { return ParamHostNameAddress }
func (*SupportedAddrTypes) ParamType() ParamType { return ParamSupportedAddrTypes }

// AppendTo writes the 4-byte address. An IPv4-mapped IPv6 address is
// unmapped; an Addr that is not IPv4 at all (a caller's bug) is written as
// 0.0.0.0 rather than panicking.
func (p *IPv4Address) AppendTo(b []byte) []byte {
	b = appendParamHeader(b, ParamIPv4Address, 4)
	a := p.Addr.Unmap()
	if !a.Is4() {
		return append(b, 0, 0, 0, 0)
	}
	v := a.As4()
	return append(b, v[:]...)
}

// AppendTo writes the 16-byte address; an IPv4 Addr is written in its
// IPv4-mapped form, the zero Addr as ::.
func (p *IPv6Address) AppendTo(b []byte) []byte {
	v := p.Addr.As16()
	return append(appendParamHeader(b, ParamIPv6Address, 16), v[:]...)
}

func (p *HostNameAddress) AppendTo(b []byte) []byte {
	return appendParamBytes(b, ParamHostNameAddress, p.Name)
}

func (p *SupportedAddrTypes) AppendTo(b []byte) []byte {
	start := len(b)
	b = appendParamHeader(b, ParamSupportedAddrTypes, 2*len(p.Types))
	b = appendU16List(b, p.Types)
	return appendPadding(b, start)
}

func decodeIPv4Address(v []byte, off int) (Param, error) {
	if len(v) != 4 {
		return nil, malformed("IPv4 Address", off, fmt.Sprintf("value of %d bytes, want 4", len(v)))
	}
	return &IPv4Address{Addr: netip.AddrFrom4([4]byte(v))}, nil
}

func decodeIPv6Address(v []byte, off int) (Param, error) {
	if len(v) != 16 {
		return nil, malformed("IPv6 Address", off, fmt.Sprintf("value of %d bytes, want 16", len(v)))
	}
	return &IPv6Address{Addr: netip.AddrFrom16([16]byte(v))}, nil
}

// AddressParam returns the address parameter for a: *IPv4Address for an
// IPv4 (or IPv4-mapped) address, *IPv6Address otherwise.
func AddressParam(a netip.Addr) Param {
	if a.Unmap().Is4() {
		return &IPv4Address{Addr: a.Unmap()}
	}
	return &IPv6Address{Addr: a}
}

// addressOf returns the address carried by an IPv4 or IPv6 Address
// parameter.
func addressOf(p Param) (netip.Addr, bool) {
	switch a := p.(type) {
	case *IPv4Address:
		return a.Addr, true
	case *IPv6Address:
		return a.Addr, true
	}
	return netip.Addr{}, false
}
