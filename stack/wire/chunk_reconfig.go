package wire

import "fmt"

// Reconfig is a RE-CONFIG chunk (RFC 6525 3.1) carrying one or two
// re-configuration parameters.
//
//	Type = 130 | Chunk Flags | Chunk Length
//	Re-configuration Parameter
//	Re-configuration Parameter (optional)
type Reconfig struct {
	Params []Param
}

func (*Reconfig) Type() ChunkType { return TypeReconfig }

func (c *Reconfig) AppendTo(b []byte) []byte {
	start := len(b)
	b = appendChunkHeader(b, TypeReconfig, 0, 0)
	b, end := appendParamsEnd(b, c.Params)
	setLength(b, start, end)
	return appendPadding(b, start)
}

// Decode checks the parameter count and combination of RFC 6525 3.1: one
// parameter, or one of the pairs it lists (in either order, as Linux
// accepts them). A parameter of a type this package does not know counts
// but is left to the association's UnrecognizedAction handling.
func (c *Reconfig) Decode(raw RawChunk) error {
	off := raw.Offset + chunkHeaderLen
	ps, err := decodeParams(raw.Value, off)
	if err != nil {
		return err
	}
	if len(ps) == 0 || len(ps) > 2 {
		return malformed("RE-CONFIG", off, fmt.Sprintf("%d parameters, want 1 or 2", len(ps)))
	}
	for _, p := range ps {
		if t := p.ParamType(); t.Known() && !isReconfigParam(t) {
			return malformed("RE-CONFIG", off, fmt.Sprintf("%v is no re-configuration parameter", t))
		}
	}
	if len(ps) == 2 && !reconfigPairOK(ps[0].ParamType(), ps[1].ParamType()) {
		return malformed("RE-CONFIG", off, fmt.Sprintf("%v with %v", ps[0].ParamType(), ps[1].ParamType()))
	}
	c.Params = ps
	return nil
}

func isReconfigParam(t ParamType) bool {
	return t >= ParamOutgoingSSNReset && t <= ParamAddIncomingStreams
}

// reconfigPairOK reports whether RFC 6525 3.1 allows parameters of types a
// and b in one chunk: Outgoing + Incoming SSN Reset, Add Outgoing + Add
// Incoming Streams, Response + Outgoing SSN Reset, Response + Response.
func reconfigPairOK(a, b ParamType) bool {
	if !a.Known() || !b.Known() {
		return true
	}
	if a > b {
		a, b = b, a
	}
	switch {
	case a == ParamOutgoingSSNReset && b == ParamIncomingSSNReset,
		a == ParamAddOutgoingStreams && b == ParamAddIncomingStreams,
		a == ParamOutgoingSSNReset && b == ParamReconfigResponse,
		a == ParamReconfigResponse && b == ParamReconfigResponse:
		return true
	}
	return false
}
