package wire

import (
	"encoding/binary"
	"fmt"
)

// Packet is a whole decoded SCTP packet: the common header and its chunks
// in wire order. The receive path that must not allocate uses ParseHeader
// and ChunkIter instead; Packet is for tests, tools and the cold paths.
type Packet struct {
	Header Header
	Chunks []Chunk
}

// ParsePacket decodes the header and every chunk of b into typed values
// (chunk types this package does not know become *UnknownChunk). It enforces
// RFC 9260 6.10: INIT, INIT ACK and SHUTDOWN COMPLETE travel alone
// (ErrBundling). It does not verify the checksum: see VerifyChecksum.
// The chunks alias b.
func ParsePacket(b []byte) (*Packet, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return nil, err
	}
	p := &Packet{Header: h}
	it := NewChunkIter(b[HeaderLen:], HeaderLen)
	lone := -1 // offset of an INIT, INIT ACK or SHUTDOWN COMPLETE
	var loneType ChunkType
	for it.Next() {
		raw := it.Chunk()
		c, err := DecodeChunk(raw)
		if err != nil {
			return nil, err
		}
		if t := raw.Type; lone < 0 && (t == TypeInit || t == TypeInitAck || t == TypeShutdownComplete) {
			lone, loneType = raw.Offset, t
		}
		p.Chunks = append(p.Chunks, c)
	}
	if err := it.Err(); err != nil {
		return nil, err
	}
	if lone >= 0 && len(p.Chunks) > 1 {
		return nil, &ParseError{What: loneType.String() + " chunk", Offset: lone, Err: ErrBundling,
			Detail: fmt.Sprintf("bundled with %d other chunks", len(p.Chunks)-1)}
	}
	return p, nil
}

// AppendTo appends the serialized packet to b: header, chunks, and the
// CRC32c over them (Finish).
func (p *Packet) AppendTo(b []byte) []byte {
	start := len(b)
	b = AppendHeader(b, p.Header)
	for _, c := range p.Chunks {
		b = c.AppendTo(b)
	}
	Finish(b[start:])
	return b
}

// DecodeChunk decodes raw into a new typed value; chunk types this package
// does not know become *UnknownChunk, so the caller can apply
// raw.Type.UnrecognizedAction().
func DecodeChunk(raw RawChunk) (Chunk, error) {
	var c Chunk
	switch raw.Type {
	case TypeData:
		c = new(Data)
	case TypeInit:
		c = new(Init)
	case TypeInitAck:
		c = new(InitAck)
	case TypeSack:
		c = new(Sack)
	case TypeHeartbeat:
		c = new(Heartbeat)
	case TypeHeartbeatAck:
		c = new(HeartbeatAck)
	case TypeAbort:
		c = new(Abort)
	case TypeShutdown:
		c = new(Shutdown)
	case TypeShutdownAck:
		c = new(ShutdownAck)
	case TypeError:
		c = new(Error)
	case TypeCookieEcho:
		c = new(CookieEcho)
	case TypeCookieAck:
		c = new(CookieAck)
	case TypeECNE:
		c = new(ECNE)
	case TypeCWR:
		c = new(CWR)
	case TypeShutdownComplete:
		c = new(ShutdownComplete)
	case TypeAuth:
		c = new(Auth)
	case TypeIData:
		c = new(IData)
	case TypeAsconfAck:
		c = new(AsconfAck)
	case TypeReconfig:
		c = new(Reconfig)
	case TypePad:
		c = new(Pad)
	case TypeForwardTSN:
		c = new(ForwardTSN)
	case TypeAsconf:
		c = new(Asconf)
	case TypeIForwardTSN:
		c = new(IForwardTSN)
	default:
		c = new(UnknownChunk)
	}
	if err := c.Decode(raw); err != nil {
		return nil, err
	}
	return c, nil
}

// CheckChecksum returns nil when packet b carries a correct CRC32c (RFC
// 9260 6.8), else an error wrapping ErrChecksum (or ErrTruncated when b is
// shorter than the common header).
func CheckChecksum(b []byte) error {
	if len(b) < HeaderLen {
		return truncated("common header", 0, fmt.Sprintf("%d bytes < 12", len(b)))
	}
	if !VerifyChecksum(b) {
		return &ParseError{What: "checksum", Offset: 8, Err: ErrChecksum,
			Detail: fmt.Sprintf("got %#08x, want %#08x", binary.LittleEndian.Uint32(b[8:12]), Checksum(b))}
	}
	return nil
}
