package wire

// Error is an ERROR chunk (RFC 9260 3.3.10).
type Error struct {
	Causes []Cause
}

func (*Error) Type() ChunkType { return TypeError }

func (e *Error) AppendTo(b []byte) []byte { return appendCausesChunk(b, TypeError, 0, e.Causes) }

func (e *Error) Decode(raw RawChunk) error {
	cs, err := decodeCauses(raw.Value, raw.valueOffset())
	if err != nil {
		return err
	}
	e.Causes = cs
	return nil
}
