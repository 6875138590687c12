package wire

import (
	"encoding/binary"
	"fmt"
)

// Data is a DATA chunk (RFC 9260 3.3.1; I bit from RFC 7053).
//
//	Type = 0 | Reserved|I|U|B|E | Length
//	TSN
//	Stream Identifier S | Stream Sequence Number n
//	Payload Protocol Identifier
//	User Data (seq n of Stream S)
type Data struct {
	TSN       TSN
	Stream    uint16
	SSN       SSN
	PPID      uint32
	Unordered bool // U bit
	Beginning bool // B bit: first fragment
	Ending    bool // E bit: last fragment
	Immediate bool // I bit (RFC 7053): the receiver should SACK at once
	UserData  []byte
}

// DATA and I-DATA flag bits (RFC 9260 3.3.1, RFC 7053 3, RFC 8260 2.1).
const (
	flagEnding    = 0x01
	flagBeginning = 0x02
	flagUnordered = 0x04
	flagImmediate = 0x08
)

// dataHeaderLen is the DATA value before the user data.
const dataHeaderLen = 12

func dataFlags(u, b, e, i bool) uint8 {
	var f uint8
	if e {
		f |= flagEnding
	}
	if b {
		f |= flagBeginning
	}
	if u {
		f |= flagUnordered
	}
	if i {
		f |= flagImmediate
	}
	return f
}

func (*Data) Type() ChunkType { return TypeData }

func (d *Data) AppendTo(b []byte) []byte {
	start := len(b)
	b = appendChunkHeader(b, TypeData, dataFlags(d.Unordered, d.Beginning, d.Ending, d.Immediate), dataHeaderLen+len(d.UserData))
	b = binary.BigEndian.AppendUint32(b, uint32(d.TSN))
	b = binary.BigEndian.AppendUint16(b, d.Stream)
	b = binary.BigEndian.AppendUint16(b, uint16(d.SSN))
	b = binary.BigEndian.AppendUint32(b, d.PPID)
	b = append(b, d.UserData...)
	return appendPadding(b, start)
}

// Decode accepts empty user data: RFC 9260 6.2 has the association answer
// it with a "No User Data" cause, so it is not a parse error.
func (d *Data) Decode(raw RawChunk) error {
	v := raw.Value
	if len(v) < dataHeaderLen {
		return truncated("DATA chunk", raw.valueOffset(), fmt.Sprintf("value of %d bytes < 12", len(v)))
	}
	*d = Data{
		TSN:       TSN(binary.BigEndian.Uint32(v[0:4])),
		Stream:    binary.BigEndian.Uint16(v[4:6]),
		SSN:       SSN(binary.BigEndian.Uint16(v[6:8])),
		PPID:      binary.BigEndian.Uint32(v[8:12]),
		Unordered: raw.Flags&flagUnordered != 0,
		Beginning: raw.Flags&flagBeginning != 0,
		Ending:    raw.Flags&flagEnding != 0,
		Immediate: raw.Flags&flagImmediate != 0,
		UserData:  nilIfEmpty(v[dataHeaderLen:]),
	}
	return nil
}
