package assoc

import (
	"encoding/binary"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// cookieExt is what the State Cookie carries for AUTH (RFC 4895) and
// ASCONF (RFC 5061), so that the INIT receiver stays stateless until the
// COOKIE ECHO: our RANDOM from the INIT ACK, the INIT's RANDOM, CHUNKS and
// HMAC-ALGO, and whether the INIT listed ASCONF and ASCONF ACK.
//
// Layout after the address list: flags (1: peer ASCONF, 2: peer CHUNKS
// present), then four length-prefixed fields: local RANDOM (1-byte length),
// peer RANDOM (1-byte length), peer CHUNKS (1-byte count), peer HMAC-ALGO
// (1-byte count of 16-bit IDs). A peer RANDOM over 255 bytes is not kept:
// AUTH is then off for the association.
type cookieExt struct {
	localRand  []byte
	peer       authPeer
	peerASCONF bool
}

func (x *cookieExt) appendTo(b []byte) []byte {
	var flags byte
	if x.peerASCONF {
		flags |= 1
	}
	if x.peer.hasList {
		flags |= 2
	}
	b = append(b, flags)
	lr := x.localRand
	pr, pc, ph := x.peer.random, x.peer.chunks, x.peer.hmacs
	if len(lr) > 255 || len(pr) > 255 || len(pc) > 255 || len(ph) > 255 {
		lr, pr, pc, ph = nil, nil, nil, nil
	}
	b = append(b, byte(len(lr)))
	b = append(b, lr...)
	b = append(b, byte(len(pr)))
	b = append(b, pr...)
	b = append(b, byte(len(pc)))
	for _, t := range pc {
		b = append(b, byte(t))
	}
	b = append(b, byte(len(ph)))
	for _, id := range ph {
		b = binary.BigEndian.AppendUint16(b, id)
	}
	return b
}

// read decodes the section; false when it is malformed. An empty section
// (a cookie of a peer without the extensions) is valid.
func (x *cookieExt) read(b []byte) bool {
	*x = cookieExt{}
	if len(b) == 0 {
		return true
	}
	flags := b[0]
	b = b[1:]
	x.peerASCONF = flags&1 != 0
	x.peer.hasList = flags&2 != 0
	field := func(size int) ([]byte, bool) {
		if len(b) < 1 || len(b) < 1+int(b[0])*size {
			return nil, false
		}
		n := int(b[0]) * size
		v := b[1 : 1+n]
		b = b[1+n:]
		return v, true
	}
	lr, ok1 := field(1)
	pr, ok2 := field(1)
	pc, ok3 := field(1)
	ph, ok4 := field(2)
	if !ok1 || !ok2 || !ok3 || !ok4 || len(b) != 0 {
		return false
	}
	if len(lr) > 0 {
		x.localRand = append([]byte(nil), lr...)
	}
	if len(pr) > 0 {
		x.peer.random = append([]byte(nil), pr...)
	}
	for _, t := range pc {
		x.peer.chunks = append(x.peer.chunks, wire.ChunkType(t))
	}
	for i := 0; i+1 < len(ph); i += 2 {
		x.peer.hmacs = append(x.peer.hmacs, binary.BigEndian.Uint16(ph[i:]))
	}
	return true
}

// applyCookieExt sets up AUTH and ASCONF from a verified cookie.
func (a *Association) applyCookieExt(c *cookie) {
	a.setupAuth(c.ext.localRand, c.ext.peer)
	a.setupAsconf(c.ext.peerASCONF, c.localTSN, c.peerTSN)
}
