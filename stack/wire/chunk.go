package wire

import (
	"encoding/binary"
	"fmt"
)

// ChunkType is the chunk type byte (RFC 9260 3.2 and the extensions' IANA
// registrations).
type ChunkType uint8

// Chunk types.
const (
	TypeData             ChunkType = 0    // RFC 9260 3.3.1
	TypeInit             ChunkType = 1    // RFC 9260 3.3.2
	TypeInitAck          ChunkType = 2    // RFC 9260 3.3.3
	TypeSack             ChunkType = 3    // RFC 9260 3.3.4
	TypeHeartbeat        ChunkType = 4    // RFC 9260 3.3.5
	TypeHeartbeatAck     ChunkType = 5    // RFC 9260 3.3.6
	TypeAbort            ChunkType = 6    // RFC 9260 3.3.7
	TypeShutdown         ChunkType = 7    // RFC 9260 3.3.8
	TypeShutdownAck      ChunkType = 8    // RFC 9260 3.3.9
	TypeError            ChunkType = 9    // RFC 9260 3.3.10
	TypeCookieEcho       ChunkType = 10   // RFC 9260 3.3.11
	TypeCookieAck        ChunkType = 11   // RFC 9260 3.3.12
	TypeECNE             ChunkType = 12   // RFC 9260 appendix A
	TypeCWR              ChunkType = 13   // RFC 9260 appendix A
	TypeShutdownComplete ChunkType = 14   // RFC 9260 3.3.13
	TypeAuth             ChunkType = 15   // RFC 4895 4.1
	TypeIData            ChunkType = 64   // RFC 8260 2.1
	TypeAsconfAck        ChunkType = 0x80 // RFC 5061 4.1.2
	TypeReconfig         ChunkType = 130  // RFC 6525 3.1
	TypePad              ChunkType = 0x84 // RFC 4820 3
	TypeForwardTSN       ChunkType = 0xC0 // RFC 3758 3.2
	TypeAsconf           ChunkType = 0xC1 // RFC 5061 4.1.1
	TypeIForwardTSN      ChunkType = 0xC2 // RFC 8260 2.3.1
)

var chunkNames = map[ChunkType]string{
	TypeData: "DATA", TypeInit: "INIT", TypeInitAck: "INIT ACK", TypeSack: "SACK",
	TypeHeartbeat: "HEARTBEAT", TypeHeartbeatAck: "HEARTBEAT ACK", TypeAbort: "ABORT",
	TypeShutdown: "SHUTDOWN", TypeShutdownAck: "SHUTDOWN ACK", TypeError: "ERROR",
	TypeCookieEcho: "COOKIE ECHO", TypeCookieAck: "COOKIE ACK", TypeECNE: "ECNE",
	TypeCWR: "CWR", TypeShutdownComplete: "SHUTDOWN COMPLETE", TypeAuth: "AUTH",
	TypeIData: "I-DATA", TypeAsconfAck: "ASCONF ACK", TypeReconfig: "RE-CONFIG",
	TypePad: "PAD", TypeForwardTSN: "FORWARD TSN", TypeAsconf: "ASCONF",
	TypeIForwardTSN: "I-FORWARD TSN",
}

func (t ChunkType) String() string {
	if s, ok := chunkNames[t]; ok {
		return s
	}
	return fmt.Sprintf("chunk type %d", uint8(t))
}

// Known reports whether this package decodes chunks of type t into a typed
// value (all others decode as *UnknownChunk).
func (t ChunkType) Known() bool { _, ok := chunkNames[t]; return ok }

// Action is what a receiver does with a chunk or parameter type it does not
// recognize, encoded in the type's two high-order bits (RFC 9260 3.2, 3.2.1).
type Action uint8

// Actions of RFC 9260 3.2 / 3.2.1, in bit order 00, 01, 10, 11.
const (
	// ActionStop: stop processing this packet (chunk) or this chunk
	// (parameter) and discard it.
	ActionStop Action = iota
	// ActionStopReport: as ActionStop, and report the chunk in an ERROR with
	// an "Unrecognized Chunk Type" cause (for a parameter: report it in an
	// "Unrecognized Parameter" of the INIT ACK or an ERROR).
	ActionStopReport
	// ActionSkip: skip it and continue.
	ActionSkip
	// ActionSkipReport: skip it, continue, and report it as above.
	ActionSkipReport
)

// Stops reports whether processing stops at the unrecognized item.
func (a Action) Stops() bool { return a == ActionStop || a == ActionStopReport }

// Reports reports whether the unrecognized item is reported to the peer.
func (a Action) Reports() bool { return a == ActionStopReport || a == ActionSkipReport }

// UnrecognizedAction returns what RFC 9260 3.2 says to do with a chunk of
// this type when it is not recognized.
func (t ChunkType) UnrecognizedAction() Action { return Action(t >> 6) }

// Chunk is one decoded chunk. The implementations are pointer types
// (*Data, *Sack, ...); Decode fills the value in place, reusing its slices,
// so the receive path need not allocate.
type Chunk interface {
	Type() ChunkType
	// AppendTo appends the whole chunk (header, value and zero padding to a
	// multiple of 4 bytes) to b.
	AppendTo(b []byte) []byte
	// Decode replaces the receiver's contents with raw's. Slices in the
	// result alias raw.Value.
	Decode(raw RawChunk) error
}

// chunkHeaderLen is the length of type, flags and length (RFC 9260 3.2).
const chunkHeaderLen = 4

// RawChunk is a chunk as it stands in the packet: its header fields and its
// value (the bytes after the 4-byte header, without padding).
type RawChunk struct {
	Type  ChunkType
	Flags uint8
	Value []byte
	// Bytes is the whole chunk as it stands, header and padding included
	// (what an "Unrecognized Chunk Type" cause quotes).
	Bytes []byte
	// Offset of the chunk in the packet, for error messages.
	Offset int
}

// ChunkIter walks the chunks of a packet without allocating.
//
//	it := wire.NewChunkIter(pkt[wire.HeaderLen:], wire.HeaderLen)
//	for it.Next() { c := it.Chunk(); ... }
//	if err := it.Err(); err != nil { ... }
type ChunkIter struct {
	b   []byte
	off int // offset of b[0] within the packet
	cur RawChunk
	err error
}

// NewChunkIter returns an iterator over the chunks in b. base is the offset
// of b within the packet and only feeds error messages.
func NewChunkIter(b []byte, base int) ChunkIter { return ChunkIter{b: b, off: base} }

// Next advances to the next chunk. It returns false at the end of the input
// or on an error (see Err).
func (it *ChunkIter) Next() bool {
	if it.err != nil || len(it.b) == 0 {
		return false
	}
	if len(it.b) < chunkHeaderLen {
		it.err = truncated("chunk header", it.off, fmt.Sprintf("%d bytes left", len(it.b)))
		return false
	}
	l := int(binary.BigEndian.Uint16(it.b[2:4]))
	if l < chunkHeaderLen {
		it.err = malformed("chunk length", it.off, fmt.Sprintf("length %d < 4", l))
		return false
	}
	if l > len(it.b) {
		it.err = truncated("chunk", it.off, fmt.Sprintf("length %d > %d bytes left", l, len(it.b)))
		return false
	}
	padded := (l + 3) &^ 3
	if padded > len(it.b) {
		// RFC 9260 3.2: the sender MUST pad every chunk, the last one too.
		it.err = malformed("chunk padding", it.off+l, fmt.Sprintf("chunk of length %d lacks its %d padding bytes", l, padded-l))
		return false
	}
	// The padding's content is not checked: RFC 9260 3.2 says the receiver
	// MUST ignore the padding bytes.
	it.cur = RawChunk{
		Type:   ChunkType(it.b[0]),
		Flags:  it.b[1],
		Value:  it.b[chunkHeaderLen:l:l],
		Bytes:  it.b[:padded:padded],
		Offset: it.off,
	}
	it.b = it.b[padded:]
	it.off += padded
	return true
}

// Chunk returns the current chunk; valid after Next returned true.
func (it *ChunkIter) Chunk() RawChunk { return it.cur }

// Err returns the error that stopped the iteration, if any.
func (it *ChunkIter) Err() error { return it.err }

// appendChunkHeader appends a chunk header for a value of valueLen bytes.
func appendChunkHeader(b []byte, t ChunkType, flags uint8, valueLen int) []byte {
	return append(b, byte(t), flags, byte((valueLen+chunkHeaderLen)>>8), byte(valueLen+chunkHeaderLen))
}

// appendPadding pads b with zeros to a multiple of 4 bytes, counted from
// start (the chunk's or parameter's first byte).
func appendPadding(b []byte, start int) []byte {
	for (len(b)-start)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// valueOffset is the offset of a chunk's value in the packet.
func (r RawChunk) valueOffset() int { return r.Offset + chunkHeaderLen }

// noValue checks that a chunk which carries nothing has an empty value.
func noValue(raw RawChunk) error {
	if len(raw.Value) != 0 {
		return malformed(raw.Type.String()+" chunk", raw.valueOffset(), fmt.Sprintf("value of %d bytes, want 0", len(raw.Value)))
	}
	return nil
}

// fixedValue checks that a chunk value has exactly n bytes.
func fixedValue(raw RawChunk, n int) error {
	switch {
	case len(raw.Value) < n:
		return truncated(raw.Type.String()+" chunk", raw.valueOffset(), fmt.Sprintf("value of %d bytes < %d", len(raw.Value), n))
	case len(raw.Value) > n:
		return malformed(raw.Type.String()+" chunk", raw.valueOffset(), fmt.Sprintf("value of %d bytes > %d", len(raw.Value), n))
	}
	return nil
}

// nilIfEmpty keeps decoded values comparable: an absent field is nil, not
// an empty slice of the input.
func nilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// appendU32Chunk appends a chunk whose value is one 32-bit integer.
func appendU32Chunk(b []byte, t ChunkType, v uint32) []byte {
	return binary.BigEndian.AppendUint32(appendChunkHeader(b, t, 0, 4), v)
}

// appendBytesChunk appends a chunk whose value is v, padded.
func appendBytesChunk(b []byte, t ChunkType, flags uint8, v []byte) []byte {
	start := len(b)
	b = appendChunkHeader(b, t, flags, len(v))
	return appendPadding(append(b, v...), start)
}
