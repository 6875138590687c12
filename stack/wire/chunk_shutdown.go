package wire

import "encoding/binary"

// Shutdown is a SHUTDOWN chunk (RFC 9260 3.3.8).
type Shutdown struct {
	CumTSNAck TSN
}

// ShutdownAck is a SHUTDOWN ACK chunk (RFC 9260 3.3.9).
type ShutdownAck struct{}

// ShutdownComplete is a SHUTDOWN COMPLETE chunk (RFC 9260 3.3.13).
type ShutdownComplete struct {
	T bool // tag reflected (RFC 9260 8.5.1)
}

func (*Shutdown) Type() ChunkType         { return TypeShutdown }
func (*ShutdownAck) Type() ChunkType      { return TypeShutdownAck }
func (*ShutdownComplete) Type() ChunkType { return TypeShutdownComplete }

func (s *Shutdown) AppendTo(b []byte) []byte {
	return appendU32Chunk(b, TypeShutdown, uint32(s.CumTSNAck))
}

func (s *Shutdown) Decode(raw RawChunk) error {
	if err := fixedValue(raw, 4); err != nil {
		return err
	}
	s.CumTSNAck = TSN(binary.BigEndian.Uint32(raw.Value))
	return nil
}

func (*ShutdownAck) AppendTo(b []byte) []byte { return appendChunkHeader(b, TypeShutdownAck, 0, 0) }

func (*ShutdownAck) Decode(raw RawChunk) error { return noValue(raw) }

func (s *ShutdownComplete) AppendTo(b []byte) []byte {
	var f uint8
	if s.T {
		f = flagT
	}
	return appendChunkHeader(b, TypeShutdownComplete, f, 0)
}

func (s *ShutdownComplete) Decode(raw RawChunk) error {
	if err := noValue(raw); err != nil {
		return err
	}
	s.T = raw.Flags&flagT != 0
	return nil
}
