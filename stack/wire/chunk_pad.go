package wire

// Pad is a PAD chunk (RFC 4820 3); its content is ignored by the receiver.
type Pad struct {
	Padding []byte
}

func (*Pad) Type() ChunkType { return TypePad }

func (p *Pad) AppendTo(b []byte) []byte { return appendBytesChunk(b, TypePad, 0, p.Padding) }

func (p *Pad) Decode(raw RawChunk) error {
	p.Padding = nilIfEmpty(raw.Value)
	return nil
}
