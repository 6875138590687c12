package wire

// UnknownChunk is a chunk of a type this package does not decode, kept as
// raw bytes so the association can apply Type.UnrecognizedAction() and
// quote it in an "Unrecognized Chunk Type" cause.
type UnknownChunk struct {
	ChunkType ChunkType
	Flags     uint8
	Value     []byte
}

func (u *UnknownChunk) Type() ChunkType { return u.ChunkType }

func (u *UnknownChunk) AppendTo(b []byte) []byte {
	return appendBytesChunk(b, u.ChunkType, u.Flags, u.Value)
}

func (u *UnknownChunk) Decode(raw RawChunk) error {
	*u = UnknownChunk{ChunkType: raw.Type, Flags: raw.Flags, Value: nilIfEmpty(raw.Value)}
	return nil
}
