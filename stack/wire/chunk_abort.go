package wire

// Abort is an ABORT chunk (RFC 9260 3.3.7).
type Abort struct {
	// T: the verification tag is the one the receiver expects of itself
	// (reflected), not the peer's (RFC 9260 8.5.1).
	T      bool
	Causes []Cause
}

// flagT is the T bit of ABORT and SHUTDOWN COMPLETE (RFC 9260 3.3.7,
// 3.3.13).
const flagT = 0x01

func (*Abort) Type() ChunkType { return TypeAbort }

func (a *Abort) AppendTo(b []byte) []byte {
	var f uint8
	if a.T {
		f = flagT
	}
	return appendCausesChunk(b, TypeAbort, f, a.Causes)
}

func (a *Abort) Decode(raw RawChunk) error {
	cs, err := decodeCauses(raw.Value, raw.valueOffset())
	if err != nil {
		return err
	}
	*a = Abort{T: raw.Flags&flagT != 0, Causes: cs}
	return nil
}

// appendCausesChunk appends an ABORT or ERROR chunk. Its length leaves out
// the last cause's padding (RFC 9260 3.2), which follows as chunk padding.
func appendCausesChunk(b []byte, t ChunkType, flags uint8, cs []Cause) []byte {
	start := len(b)
	b = appendChunkHeader(b, t, flags, 0)
	b, l := appendCausesValue(b, cs, start)
	b[start+2], b[start+3] = byte(l>>8), byte(l)
	return b
}
