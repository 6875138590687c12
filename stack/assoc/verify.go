package assoc

import "github.com/udpsctp/udpsctp/stack/wire"

// Verification tag rules (RFC 9260 8.5, 8.5.1) beyond the plain "the tag
// is ours" check in HandlePacket, and the action bits of unknown chunks.

// abortTagOK applies RFC 9260 8.5.1 B/C to an ABORT or SHUTDOWN COMPLETE.
func (a *Association) abortTagOK(tag uint32, flags uint8) bool {
	if flags&1 != 0 {
		return a.peerTag != 0 && tag == a.peerTag
	}
	return tag == a.localTag
}

// unrecognized applies the action bits of an unknown chunk type (RFC 9260
// 3.2) and reports whether processing of the packet stops.
func (a *Association) unrecognized(raw wire.RawChunk) bool {
	act := raw.Type.UnrecognizedAction()
	if act.Reports() {
		// Quote the chunk, cut so that the ERROR fits one packet: common
		// header 12, ERROR chunk header 4, cause header 4, padding 3.
		quote := raw.Bytes
		if room := a.cfg.MTU - 12 - 4 - 4 - 3; len(quote) > room {
			quote = quote[:max(room, 0)]
		}
		c := &wire.Error{Causes: []wire.Cause{&wire.UnrecognizedChunk{Chunk: append([]byte(nil), quote...)}}}
		a.queueCtrl(c.AppendTo(nil), nil)
	}
	return act.Stops()
}
