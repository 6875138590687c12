package wire

import (
	"encoding/binary"
	"fmt"
)

// IData is an I-DATA chunk (RFC 8260 2.1): DATA with a 32-bit Message
// Identifier instead of the SSN, so messages can be interleaved.
//
//	Type = 64 | Res|I|U|B|E | Length
//	TSN
//	Stream Identifier | Reserved
//	Message Identifier
//	Payload Protocol Identifier / Fragment Sequence Number
//	User Data
type IData struct {
	TSN       TSN
	Stream    uint16
	MID       MID
	PPID      uint32 // present when Beginning
	FSN       uint32 // present when !Beginning
	Unordered bool
	Beginning bool
	Ending    bool
	Immediate bool
	UserData  []byte
}

// idataHeaderLen is the I-DATA value before the user data.
const idataHeaderLen = 16

func (*IData) Type() ChunkType { return TypeIData }

// AppendTo writes PPID when Beginning is set and FSN otherwise (RFC 8260
// 2.1: the first fragment has FSN 0 implicitly).
func (d *IData) AppendTo(b []byte) []byte {
	start := len(b)
	b = appendChunkHeader(b, TypeIData, dataFlags(d.Unordered, d.Beginning, d.Ending, d.Immediate), idataHeaderLen+len(d.UserData))
	b = binary.BigEndian.AppendUint32(b, uint32(d.TSN))
	b = binary.BigEndian.AppendUint16(b, d.Stream)
	b = append(b, 0, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(d.MID))
	if d.Beginning {
		b = binary.BigEndian.AppendUint32(b, d.PPID)
	} else {
		b = binary.BigEndian.AppendUint32(b, d.FSN)
	}
	b = append(b, d.UserData...)
	return appendPadding(b, start)
}

func (d *IData) Decode(raw RawChunk) error {
	v := raw.Value
	if len(v) < idataHeaderLen {
		return truncated("I-DATA chunk", raw.valueOffset(), fmt.Sprintf("value of %d bytes < 16", len(v)))
	}
	*d = IData{
		TSN:       TSN(binary.BigEndian.Uint32(v[0:4])),
		Stream:    binary.BigEndian.Uint16(v[4:6]),
		MID:       MID(binary.BigEndian.Uint32(v[8:12])),
		Unordered: raw.Flags&flagUnordered != 0,
		Beginning: raw.Flags&flagBeginning != 0,
		Ending:    raw.Flags&flagEnding != 0,
		Immediate: raw.Flags&flagImmediate != 0,
		UserData:  nilIfEmpty(v[idataHeaderLen:]),
	}
	if d.Beginning {
		d.PPID = binary.BigEndian.Uint32(v[12:16])
	} else {
		d.FSN = binary.BigEndian.Uint32(v[12:16])
	}
	return nil
}
