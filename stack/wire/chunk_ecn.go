package wire

import "encoding/binary"

// ECNE is an ECN-Echo chunk (RFC 9260 appendix A).
type ECNE struct {
	LowestTSN TSN
}

// CWR is a Congestion Window Reduced chunk (RFC 9260 appendix A).
type CWR struct {
	LowestTSN TSN
}

func (*ECNE) Type() ChunkType { return TypeECNE }
func (*CWR) Type() ChunkType  { return TypeCWR }

func (e *ECNE) AppendTo(b []byte) []byte { return appendU32Chunk(b, TypeECNE, uint32(e.LowestTSN)) }
func (c *CWR) AppendTo(b []byte) []byte  { return appendU32Chunk(b, TypeCWR, uint32(c.LowestTSN)) }

func (e *ECNE) Decode(raw RawChunk) error {
	if err := fixedValue(raw, 4); err != nil {
		return err
	}
	e.LowestTSN = TSN(binary.BigEndian.Uint32(raw.Value))
	return nil
}

func (c *CWR) Decode(raw RawChunk) error {
	if err := fixedValue(raw, 4); err != nil {
		return err
	}
	c.LowestTSN = TSN(binary.BigEndian.Uint32(raw.Value))
	return nil
}
