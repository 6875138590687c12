package wire

import (
	"encoding/binary"
	"fmt"
)

// Asconf is an ASCONF chunk (RFC 5061 4.1.1). Address is the mandatory
// address parameter (*IPv4Address or *IPv6Address); Params are the ASCONF
// parameters that follow it.
//
//	Type = 0xC1 | Chunk Flags | Chunk Length
//	Sequence Number
//	Address Parameter
//	ASCONF Parameter #1 ... #N
type Asconf struct {
	Seq     uint32
	Address Param
	Params  []Param
}

// AsconfAck is an ASCONF ACK chunk (RFC 5061 4.1.2).
//
//	Type = 0x80 | Chunk Flags | Chunk Length
//	Sequence Number
//	ASCONF Parameter Response #1 ... #N
type AsconfAck struct {
	Seq    uint32
	Params []Param
}

func (*Asconf) Type() ChunkType    { return TypeAsconf }
func (*AsconfAck) Type() ChunkType { return TypeAsconfAck }

// AppendTo writes the chunk; Address must be non-nil (without it the peer
// finds the chunk malformed).
func (c *Asconf) AppendTo(b []byte) []byte {
	start := len(b)
	b = appendChunkHeader(b, TypeAsconf, 0, 0)
	b = binary.BigEndian.AppendUint32(b, c.Seq)
	end := len(b)
	if c.Address != nil {
		b, end = appendParamsEnd(b, []Param{c.Address})
	}
	if len(c.Params) > 0 {
		b, end = appendParamsEnd(b, c.Params)
	}
	setLength(b, start, end)
	return appendPadding(b, start)
}

// Decode checks that an address parameter follows the sequence number (RFC
// 5061 4.1.1); what the ASCONF parameters ask is the association's concern.
func (c *Asconf) Decode(raw RawChunk) error {
	v := raw.Value
	off := raw.Offset + chunkHeaderLen
	if len(v) < 4 {
		return truncated("ASCONF", off, fmt.Sprintf("value of %d bytes < 4", len(v)))
	}
	if len(v) == 4 {
		return malformed("ASCONF", off+4, "no address parameter")
	}
	a, n, err := decodeParam(v[4:], off+4)
	if err != nil {
		return err
	}
	if _, ok := addressOf(a); !ok {
		return malformed("ASCONF", off+4, fmt.Sprintf("%v where the address parameter belongs", a.ParamType()))
	}
	ps, err := decodeParams(v[4+n:], off+4+n)
	if err != nil {
		return err
	}
	*c = Asconf{Seq: binary.BigEndian.Uint32(v), Address: a, Params: ps}
	return nil
}

func (c *AsconfAck) AppendTo(b []byte) []byte {
	start := len(b)
	b = appendChunkHeader(b, TypeAsconfAck, 0, 0)
	b = binary.BigEndian.AppendUint32(b, c.Seq)
	b, end := appendParamsEnd(b, c.Params)
	setLength(b, start, end)
	return appendPadding(b, start)
}

func (c *AsconfAck) Decode(raw RawChunk) error {
	v := raw.Value
	off := raw.Offset + chunkHeaderLen
	if len(v) < 4 {
		return truncated("ASCONF ACK", off, fmt.Sprintf("value of %d bytes < 4", len(v)))
	}
	ps, err := decodeParams(v[4:], off+4)
	if err != nil {
		return err
	}
	*c = AsconfAck{Seq: binary.BigEndian.Uint32(v), Params: ps}
	return nil
}
