package wire

import (
	"encoding/binary"
	"fmt"
)

// Heartbeat is a HEARTBEAT chunk (RFC 9260 3.3.5). Info is the value of its
// Heartbeat Info parameter (type 1): opaque sender data the peer echoes.
// A nil Info stands for a chunk without the parameter, which pion/sctp sends
// although RFC 9260 requires it; an empty non-nil Info is a parameter of
// length 4.
type Heartbeat struct {
	Info []byte
}

// HeartbeatAck is a HEARTBEAT ACK chunk (RFC 9260 3.3.6) echoing Info.
type HeartbeatAck struct {
	Info []byte
}

func (*Heartbeat) Type() ChunkType    { return TypeHeartbeat }
func (*HeartbeatAck) Type() ChunkType { return TypeHeartbeatAck }

func (h *Heartbeat) AppendTo(b []byte) []byte    { return appendHeartbeat(b, TypeHeartbeat, h.Info) }
func (h *HeartbeatAck) AppendTo(b []byte) []byte { return appendHeartbeat(b, TypeHeartbeatAck, h.Info) }

func (h *Heartbeat) Decode(raw RawChunk) error {
	info, err := decodeHeartbeat(raw)
	h.Info = info
	return err
}

func (h *HeartbeatAck) Decode(raw RawChunk) error {
	info, err := decodeHeartbeat(raw)
	h.Info = info
	return err
}

// appendHeartbeat appends a HEARTBEAT (ACK) holding one Heartbeat Info
// parameter; the chunk length leaves out the parameter's padding (RFC 9260
// 3.2: the last parameter's padding is not counted). A nil info writes no
// parameter at all, echoing a peer that sent none.
func appendHeartbeat(b []byte, t ChunkType, info []byte) []byte {
	if info == nil {
		return appendChunkHeader(b, t, 0, 0)
	}
	start := len(b)
	b = appendChunkHeader(b, t, 0, paramHeaderLen+len(info))
	l := paramHeaderLen + len(info)
	b = append(b, byte(ParamHeartbeatInfo>>8), byte(ParamHeartbeatInfo), byte(l>>8), byte(l))
	b = append(b, info...)
	return appendPadding(b, start)
}

// decodeHeartbeat returns the value of the Heartbeat Info parameter that
// RFC 9260 3.3.5 and 3.3.6 require as the chunk's only content. Real peers
// also send the chunk empty (pion/sctp's heartbeats, and usrsctp's echo of
// them): that decodes as a nil info, while a parameter with an empty value
// decodes as a non-nil empty one, so both re-serialize as they came.
func decodeHeartbeat(raw RawChunk) ([]byte, error) {
	v := raw.Value
	off := raw.valueOffset()
	what := raw.Type.String() + " chunk"
	if len(v) == 0 {
		return nil, nil
	}
	if len(v) < paramHeaderLen {
		return nil, truncated(what, off, fmt.Sprintf("value of %d bytes lacks the Heartbeat Info parameter", len(v)))
	}
	if t := ParamType(binary.BigEndian.Uint16(v[0:2])); t != ParamHeartbeatInfo {
		return nil, malformed(what, off, fmt.Sprintf("%v instead of Heartbeat Info", t))
	}
	l := int(binary.BigEndian.Uint16(v[2:4]))
	switch {
	case l < paramHeaderLen:
		return nil, malformed("Heartbeat Info length", off, fmt.Sprintf("length %d < 4", l))
	case l > len(v):
		return nil, truncated("Heartbeat Info", off, fmt.Sprintf("length %d > %d bytes left", l, len(v)))
	}
	// Anything after the parameter may only be its padding (if the sender
	// counted it in the chunk length).
	if len(v) != l && len(v) != (l+3)&^3 {
		return nil, malformed(what, off+l, fmt.Sprintf("%d bytes after the Heartbeat Info parameter", len(v)-l))
	}
	return v[paramHeaderLen:l:l], nil
}
