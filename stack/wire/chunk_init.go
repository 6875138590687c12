package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Init is an INIT chunk (RFC 9260 3.3.2). Its parameters keep their order
// on the wire so that a decoded INIT re-serializes to the same bytes.
//
//	Type = 1 | Chunk Flags | Chunk Length
//	Initiate Tag
//	Advertised Receiver Window Credit (a_rwnd)
//	Number of Outbound Streams | Number of Inbound Streams
//	Initial TSN
//	Optional/Variable-Length Parameters
//
// Whether the values make sense (a zero Initiate Tag, zero stream counts,
// a State Cookie in an INIT) is the association's question (RFC 9260
// 3.3.2: it answers those with an ABORT); the codec accepts them.
type Init struct {
	InitiateTag uint32
	ARwnd       uint32
	OutStreams  uint16
	InStreams   uint16 // MIS
	InitialTSN  TSN
	Params      []Param
}

// InitAck is an INIT ACK chunk (RFC 9260 3.3.3); it carries the State Cookie
// among its parameters. Its layout is INIT's with Type = 2.
type InitAck struct {
	InitiateTag uint32
	ARwnd       uint32
	OutStreams  uint16
	InStreams   uint16
	InitialTSN  TSN
	Params      []Param
}

// initFixedLen is the length of the fixed fields after the chunk header.
const initFixedLen = 16

func (*Init) Type() ChunkType    { return TypeInit }
func (*InitAck) Type() ChunkType { return TypeInitAck }

func (c *Init) AppendTo(b []byte) []byte { return c.appendAs(b, TypeInit) }

func (c *InitAck) AppendTo(b []byte) []byte { return (*Init)(c).appendAs(b, TypeInitAck) }

func (c *Init) Decode(raw RawChunk) error { return c.decodeAs(raw, "INIT") }

func (c *InitAck) Decode(raw RawChunk) error { return (*Init)(c).decodeAs(raw, "INIT ACK") }

// appendAs writes c as a chunk of type t. The chunk length leaves out the
// last parameter's padding (RFC 9260 3.2); the padding itself is written.
func (c *Init) appendAs(b []byte, t ChunkType) []byte {
	start := len(b)
	b = appendChunkHeader(b, t, 0, 0)
	b = binary.BigEndian.AppendUint32(b, c.InitiateTag)
	b = binary.BigEndian.AppendUint32(b, c.ARwnd)
	b = binary.BigEndian.AppendUint16(b, c.OutStreams)
	b = binary.BigEndian.AppendUint16(b, c.InStreams)
	b = binary.BigEndian.AppendUint32(b, uint32(c.InitialTSN))
	b, end := appendParamsEnd(b, c.Params)
	setLength(b, start, end)
	return appendPadding(b, start)
}

func (c *Init) decodeAs(raw RawChunk, what string) error {
	v := raw.Value
	off := raw.Offset + chunkHeaderLen
	if len(v) < initFixedLen {
		return truncated(what, off, fmt.Sprintf("value of %d bytes < %d", len(v), initFixedLen))
	}
	ps, err := decodeParams(v[initFixedLen:], off+initFixedLen)
	if err != nil {
		return err
	}
	*c = Init{
		InitiateTag: binary.BigEndian.Uint32(v[0:4]),
		ARwnd:       binary.BigEndian.Uint32(v[4:8]),
		OutStreams:  binary.BigEndian.Uint16(v[8:10]),
		InStreams:   binary.BigEndian.Uint16(v[10:12]),
		InitialTSN:  TSN(binary.BigEndian.Uint32(v[12:16])),
		Params:      ps,
	}
	return nil
}

// Accessors for the parameters the association reads from an INIT or INIT
// ACK. Each looks at the first parameter of its type; repeated parameters
// (other than addresses) are the association's concern.

// Addresses returns the addresses of the IPv4 and IPv6 Address parameters,
// in order (RFC 9260 5.1.2: the source address of the packet is added by
// the receiver, not listed here).
func (c *Init) Addresses() []netip.Addr { return addresses(c.Params) }

// Addresses: see Init.Addresses.
func (c *InitAck) Addresses() []netip.Addr { return addresses(c.Params) }

// CookiePreservative returns the suggested cookie life-span increment in
// milliseconds, if present.
func (c *Init) CookiePreservative() (uint32, bool) {
	p, ok := FindParam[*CookiePreservative](c.Params)
	if !ok {
		return 0, false
	}
	return p.Increment, true
}

// SupportedAddrTypes returns the Supported Address Types list, if present
// (RFC 9260 5.1.2: absent means the sender supports every type).
func (c *Init) SupportedAddrTypes() ([]ParamType, bool) {
	p, ok := FindParam[*SupportedAddrTypes](c.Params)
	if !ok {
		return nil, false
	}
	return p.Types, true
}

// HostName returns the (deprecated) Host Name Address, if present; RFC 9260
// 5.1.2 has the receiver abort with an "Unresolvable Address" error.
func (c *Init) HostName() ([]byte, bool) { return hostName(c.Params) }

// HostName: see Init.HostName.
func (c *InitAck) HostName() ([]byte, bool) { return hostName(c.Params) }

// StateCookie returns the State Cookie (RFC 9260 3.3.3.1), if present.
func (c *InitAck) StateCookie() ([]byte, bool) {
	p, ok := FindParam[*StateCookie](c.Params)
	if !ok {
		return nil, false
	}
	return p.Cookie, true
}

// Extensions returns the chunk types of the Supported Extensions parameter
// (RFC 5061 4.2.7), if present.
func (c *Init) Extensions() ([]ChunkType, bool) { return extensions(c.Params) }

// Extensions: see Init.Extensions.
func (c *InitAck) Extensions() ([]ChunkType, bool) { return extensions(c.Params) }

// SupportsExtension reports whether the Supported Extensions parameter lists
// chunk type t.
func (c *Init) SupportsExtension(t ChunkType) bool { return supportsExtension(c.Params, t) }

// SupportsExtension: see Init.SupportsExtension.
func (c *InitAck) SupportsExtension(t ChunkType) bool { return supportsExtension(c.Params, t) }

// ForwardTSNSupported reports whether the Forward-TSN-Supported parameter
// (RFC 3758 3.1) is present. Peers also list FORWARD TSN among their
// Supported Extensions; check SupportsExtension(TypeForwardTSN) for that.
func (c *Init) ForwardTSNSupported() bool { return hasParam[*ForwardTSNSupported](c.Params) }

// ForwardTSNSupported: see Init.ForwardTSNSupported.
func (c *InitAck) ForwardTSNSupported() bool { return hasParam[*ForwardTSNSupported](c.Params) }

// ECNCapable reports whether the ECN Capable parameter is present.
func (c *Init) ECNCapable() bool { return hasParam[*ECNCapable](c.Params) }

// ECNCapable: see Init.ECNCapable.
func (c *InitAck) ECNCapable() bool { return hasParam[*ECNCapable](c.Params) }

// ZeroChecksumAcceptable returns the EDMID of the Zero Checksum Acceptable
// parameter (RFC 9653), if present.
func (c *Init) ZeroChecksumAcceptable() (uint32, bool) { return zeroChecksum(c.Params) }

// ZeroChecksumAcceptable: see Init.ZeroChecksumAcceptable.
func (c *InitAck) ZeroChecksumAcceptable() (uint32, bool) { return zeroChecksum(c.Params) }

// Unknown returns the parameters of types this package does not know, for
// the association to apply ParamType.UnrecognizedAction() (RFC 9260 3.2.1).
func (c *Init) Unknown() []*UnknownParam { return unknownParams(c.Params) }

// Unknown: see Init.Unknown.
func (c *InitAck) Unknown() []*UnknownParam { return unknownParams(c.Params) }

func addresses(ps []Param) []netip.Addr {
	var as []netip.Addr
	for _, p := range ps {
		if a, ok := addressOf(p); ok {
			as = append(as, a)
		}
	}
	return as
}

func hostName(ps []Param) ([]byte, bool) {
	p, ok := FindParam[*HostNameAddress](ps)
	if !ok {
		return nil, false
	}
	return p.Name, true
}

func extensions(ps []Param) ([]ChunkType, bool) {
	p, ok := FindParam[*SupportedExtensions](ps)
	if !ok {
		return nil, false
	}
	return p.Types, true
}

func supportsExtension(ps []Param, t ChunkType) bool {
	ts, _ := extensions(ps)
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

func zeroChecksum(ps []Param) (uint32, bool) {
	p, ok := FindParam[*ZeroChecksumAcceptable](ps)
	if !ok {
		return 0, false
	}
	return p.EDMID, true
}

func unknownParams(ps []Param) []*UnknownParam {
	var us []*UnknownParam
	for _, p := range ps {
		if u, ok := p.(*UnknownParam); ok {
			us = append(us, u)
		}
	}
	return us
}

func hasParam[P Param](ps []Param) bool {
	_, ok := FindParam[P](ps)
	return ok
}
