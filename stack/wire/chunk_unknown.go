package wire

// UnknownChunk is a chunk of a type this package does not decode, kept as
// raw bytes so the association can apply Type.UnrecognizedAction() and
// quote it in an "Unrecognized Chunk Type" cause.
type UnknownChunk struct {
	ChunkType ChunkType
	Flags     uint8
	Value     []byte
}
