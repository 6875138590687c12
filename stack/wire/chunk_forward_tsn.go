package wire

import (
	"encoding/binary"
	"fmt"
)

// ForwardTSN is a FORWARD TSN chunk (RFC 3758 3.2).
type ForwardTSN struct {
	NewCumTSN TSN
	Streams   []ForwardTSNStream
}

// ForwardTSNStream names the last SSN skipped on an ordered stream.
type ForwardTSNStream struct {
	Stream uint16
	SSN    SSN
}

// IForwardTSN is an I-FORWARD TSN chunk (RFC 8260 2.3.1).
type IForwardTSN struct {
	NewCumTSN TSN
	Streams   []IForwardTSNStream
}

// IForwardTSNStream names the last MID skipped on a stream.
type IForwardTSNStream struct {
	Stream    uint16
	Unordered bool // U flag
	MID       MID
}

func (*ForwardTSN) Type() ChunkType  { return TypeForwardTSN }
func (*IForwardTSN) Type() ChunkType { return TypeIForwardTSN }

func (f *ForwardTSN) AppendTo(b []byte) []byte {
	b = appendChunkHeader(b, TypeForwardTSN, 0, 4+4*len(f.Streams))
	b = binary.BigEndian.AppendUint32(b, uint32(f.NewCumTSN))
	for _, s := range f.Streams {
		b = binary.BigEndian.AppendUint16(b, s.Stream)
		b = binary.BigEndian.AppendUint16(b, uint16(s.SSN))
	}
	return b
}

// Decode reuses f.Streams.
func (f *ForwardTSN) Decode(raw RawChunk) error {
	v, err := forwardTSNValue(raw, 4)
	if err != nil {
		return err
	}
	f.NewCumTSN = TSN(binary.BigEndian.Uint32(v))
	f.Streams = f.Streams[:0]
	for p := v[4:]; len(p) > 0; p = p[4:] {
		f.Streams = append(f.Streams, ForwardTSNStream{
			Stream: binary.BigEndian.Uint16(p[0:2]),
			SSN:    SSN(binary.BigEndian.Uint16(p[2:4])),
		})
	}
	return nil
}

// iForwardU is the U flag in the low bit of the Reserved/U field (RFC 8260
// 2.3.1).
const iForwardU = 0x0001

func (f *IForwardTSN) AppendTo(b []byte) []byte {
	b = appendChunkHeader(b, TypeIForwardTSN, 0, 4+8*len(f.Streams))
	b = binary.BigEndian.AppendUint32(b, uint32(f.NewCumTSN))
	for _, s := range f.Streams {
		var u uint16
		if s.Unordered {
			u = iForwardU
		}
		b = binary.BigEndian.AppendUint16(b, s.Stream)
		b = binary.BigEndian.AppendUint16(b, u)
		b = binary.BigEndian.AppendUint32(b, uint32(s.MID))
	}
	return b
}

// Decode reuses f.Streams; reserved bits are ignored.
func (f *IForwardTSN) Decode(raw RawChunk) error {
	v, err := forwardTSNValue(raw, 8)
	if err != nil {
		return err
	}
	f.NewCumTSN = TSN(binary.BigEndian.Uint32(v))
	f.Streams = f.Streams[:0]
	for p := v[4:]; len(p) > 0; p = p[8:] {
		f.Streams = append(f.Streams, IForwardTSNStream{
			Stream:    binary.BigEndian.Uint16(p[0:2]),
			Unordered: binary.BigEndian.Uint16(p[2:4])&iForwardU != 0,
			MID:       MID(binary.BigEndian.Uint32(p[4:8])),
		})
	}
	return nil
}

// forwardTSNValue checks a (I-)FORWARD TSN value: the new cumulative TSN,
// then whole entries of entryLen bytes.
func forwardTSNValue(raw RawChunk, entryLen int) ([]byte, error) {
	v := raw.Value
	what := raw.Type.String() + " chunk"
	if len(v) < 4 {
		return nil, truncated(what, raw.valueOffset(), fmt.Sprintf("value of %d bytes < 4", len(v)))
	}
	if r := (len(v) - 4) % entryLen; r != 0 {
		return nil, truncated(what+" stream entry", raw.valueOffset()+len(v)-r, fmt.Sprintf("%d bytes of a %d-byte entry", r, entryLen))
	}
	return v, nil
}
