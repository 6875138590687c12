package wire

import (
	"encoding/binary"
	"fmt"
)

// Sack is a SACK chunk (RFC 9260 3.3.4).
type Sack struct {
	CumTSNAck TSN
	ARwnd     uint32
	Gaps      []GapBlock // offsets relative to CumTSNAck
	Dups      []TSN      // duplicate TSNs received since the last SACK
}

// GapBlock is one Gap Ack Block: TSNs CumTSNAck+Start .. CumTSNAck+End
// were received.
type GapBlock struct {
	Start, End uint16
}

// sackHeaderLen is the SACK value before the gap blocks (RFC 9260 3.3.4).
const sackHeaderLen = 12

func (*Sack) Type() ChunkType { return TypeSack }

func (s *Sack) AppendTo(b []byte) []byte {
	b = appendChunkHeader(b, TypeSack, 0, sackHeaderLen+4*len(s.Gaps)+4*len(s.Dups))
	b = binary.BigEndian.AppendUint32(b, uint32(s.CumTSNAck))
	b = binary.BigEndian.AppendUint32(b, s.ARwnd)
	b = binary.BigEndian.AppendUint16(b, uint16(len(s.Gaps)))
	b = binary.BigEndian.AppendUint16(b, uint16(len(s.Dups)))
	for _, g := range s.Gaps {
		b = binary.BigEndian.AppendUint16(b, g.Start)
		b = binary.BigEndian.AppendUint16(b, g.End)
	}
	for _, d := range s.Dups {
		b = binary.BigEndian.AppendUint32(b, uint32(d))
	}
	return b
}

// Decode reuses s.Gaps and s.Dups. The block counts must account for the
// chunk length exactly: counts beyond it are truncation, bytes left over
// are malformed. Whether the gaps make sense is the association's question.
func (s *Sack) Decode(raw RawChunk) error {
	v := raw.Value
	off := raw.valueOffset()
	if len(v) < sackHeaderLen {
		return truncated("SACK chunk", off, fmt.Sprintf("value of %d bytes < 12", len(v)))
	}
	ng := int(binary.BigEndian.Uint16(v[8:10]))
	nd := int(binary.BigEndian.Uint16(v[10:12]))
	want := sackHeaderLen + 4*ng + 4*nd
	switch {
	case want > len(v):
		return truncated("SACK blocks", off+sackHeaderLen, fmt.Sprintf("%d gap blocks and %d dup TSNs need %d bytes, have %d", ng, nd, want-sackHeaderLen, len(v)-sackHeaderLen))
	case want < len(v):
		return malformed("SACK blocks", off+want, fmt.Sprintf("%d bytes beyond %d gap blocks and %d dup TSNs", len(v)-want, ng, nd))
	}
	s.CumTSNAck = TSN(binary.BigEndian.Uint32(v[0:4]))
	s.ARwnd = binary.BigEndian.Uint32(v[4:8])
	s.Gaps = s.Gaps[:0]
	p := v[sackHeaderLen:]
	for range ng {
		s.Gaps = append(s.Gaps, GapBlock{Start: binary.BigEndian.Uint16(p[0:2]), End: binary.BigEndian.Uint16(p[2:4])})
		p = p[4:]
	}
	s.Dups = s.Dups[:0]
	for range nd {
		s.Dups = append(s.Dups, TSN(binary.BigEndian.Uint32(p[0:4])))
		p = p[4:]
	}
	return nil
}
