package assoc

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"hash"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// RFC 4895 (SCTP-AUTH), as far as RFC 5061 needs it: ASCONF and ASCONF ACK
// must travel authenticated (RFC 5061 4.1). Only the null endpoint-pair
// shared key (key identifier 0) exists; no user keys.

// authRandomLen is the size of our RANDOM (RFC 4895 3.1 recommends 32).
const authRandomLen = 32

// authChunks are the chunk types we ask the peer to authenticate.
var authChunks = []wire.ChunkType{wire.TypeAsconf, wire.TypeAsconfAck}

// authHMACs is our HMAC-ALGO list, preferred first; SHA-1 is mandatory
// (RFC 4895 3.3).
var authHMACs = []uint16{wire.HMACSHA256, wire.HMACSHA1}

// authState is an association's AUTH state (RFC 4895 6).
type authState struct {
	on         bool             // both sides sent RANDOM and HMAC-ALGO with a common HMAC
	localRand  []byte           // our RANDOM value, for the key vector
	peerChunks []wire.ChunkType // what the peer wants authenticated
	hmacID     uint16           // the HMAC we send with: the peer's first we support
	key        []byte           // association shared key (6.1)
	scratch    []byte           // packet copy for HMAC computation
}

// authPeer is what a peer's INIT or INIT ACK says about AUTH: the three
// parameters, nil when absent. The cookie carries it for the INIT.
type authPeer struct {
	random  []byte
	chunks  []wire.ChunkType
	hasList bool // a CHUNKS parameter was present (even empty)
	hmacs   []uint16
}

// authPeerFrom collects the AUTH parameters of an INIT or INIT ACK.
func authPeerFrom(ps []wire.Param) authPeer {
	var ap authPeer
	for _, p := range ps {
		switch v := p.(type) {
		case *wire.Random:
			ap.random = append([]byte(nil), v.Data...)
		case *wire.ChunkList:
			ap.chunks = append([]wire.ChunkType(nil), v.Types...)
			ap.hasList = true
		case *wire.RequestedHMACAlgo:
			ap.hmacs = append([]uint16(nil), v.IDs...)
		}
	}
	return ap
}

// hashFor returns the hash of an HMAC identifier we support (RFC 4895 3.3).
func hashFor(id uint16) func() hash.Hash {
	switch id {
	case wire.HMACSHA1:
		return sha1.New
	case wire.HMACSHA256:
		return sha256.New
	}
	return nil
}

// authParams are the parameters our INIT or INIT ACK carries for AUTH with
// random as RANDOM (RFC 4895 3).
func authParams(random []byte) []wire.Param {
	return []wire.Param{
		&wire.Random{Data: random},
		&wire.ChunkList{Types: authChunks},
		&wire.RequestedHMACAlgo{IDs: authHMACs},
	}
}

// newAuthRandom draws a RANDOM value.
func newAuthRandom(r func() uint32) []byte {
	b := make([]byte, authRandomLen)
	for i := 0; i < authRandomLen; i += 4 {
		binary.BigEndian.PutUint32(b[i:], r())
	}
	return b
}

// keyVector concatenates RANDOM, CHUNKS and HMAC-ALGO as sent, padding
// omitted, parameters not sent left out (RFC 4895 6.1).
func keyVector(random []byte, chunks []wire.ChunkType, hasList bool, hmacs []uint16) []byte {
	var v []byte
	add := func(p wire.Param) {
		s := len(v)
		v = p.AppendTo(v)
		n := int(binary.BigEndian.Uint16(v[s+2:]))
		v = v[:s+n]
	}
	add(&wire.Random{Data: random})
	if hasList {
		add(&wire.ChunkList{Types: chunks})
	}
	add(&wire.RequestedHMACAlgo{IDs: hmacs})
	return v
}

// compareVectors compares two key vectors as big-endian unsigned integers,
// the shorter one read with leading zeros (RFC 4895 6.1).
func compareVectors(a, b []byte) int {
	a, b = bytes.TrimLeft(a, "\x00"), bytes.TrimLeft(b, "\x00")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return bytes.Compare(a, b)
}

// associationKey derives the association shared key from the null
// endpoint-pair shared key and both key vectors: the smaller vector first
// (RFC 4895 6.1).
func associationKey(local, peer []byte) []byte {
	first, second := local, peer
	if compareVectors(local, peer) > 0 {
		first, second = peer, local
	}
	k := make([]byte, 0, len(first)+len(second))
	k = append(k, first...)
	return append(k, second...)
}

// setupAuth turns AUTH on when we offered it and the peer's INIT or INIT ACK
// (or the cookie's copy of the INIT's parameters) did too with an HMAC we
// support (RFC 4895 6.1). A peer's RANDOM without HMAC-ALGO is no offer.
func (a *Association) setupAuth(localRand []byte, peer authPeer) {
	a.auth = authState{localRand: localRand}
	if localRand == nil || len(peer.random) == 0 || len(peer.hmacs) == 0 {
		return
	}
	for _, id := range peer.hmacs {
		if hashFor(id) != nil {
			a.auth.hmacID = id
			break
		}
	}
	if a.auth.hmacID == 0 {
		return
	}
	local := keyVector(localRand, authChunks, true, authHMACs)
	pv := keyVector(peer.random, peer.chunks, peer.hasList, peer.hmacs)
	a.auth.key = associationKey(local, pv)
	a.auth.peerChunks = peer.chunks
	a.auth.on = true
}

// AuthEnabled reports whether RFC 4895 AUTH was negotiated.
func (a *Association) AuthEnabled() bool { return a.auth.on }

// peerWantsAuth reports whether a chunk of type t must be sent
// authenticated: the peer listed it, or it is ASCONF / ASCONF ACK, which
// always are (RFC 5061 4.1).
func (s *authState) peerWantsAuth(t wire.ChunkType) bool {
	if !s.on {
		return false
	}
	if t == wire.TypeAsconf || t == wire.TypeAsconfAck {
		return true
	}
	for _, c := range s.peerChunks {
		if c == t && t != wire.TypeInit && t != wire.TypeInitAck && t != wire.TypeShutdownComplete && t != wire.TypeAuth {
			return true // 4895 3.2: these four are never authenticated
		}
	}
	return false
}

// weWantAuth reports whether a received chunk of type t must have come
// after a valid AUTH chunk (we listed it in our CHUNKS).
func (s *authState) weWantAuth(t wire.ChunkType) bool {
	return s.on && (t == wire.TypeAsconf || t == wire.TypeAsconfAck)
}

// macLen is the HMAC size of id (0: unsupported).
func macLen(id uint16) int {
	switch id {
	case wire.HMACSHA1:
		return sha1.Size
	case wire.HMACSHA256:
		return sha256.Size
	}
	return 0
}

// authOverhead is the size of an AUTH chunk with the HMAC we send.
func (s *authState) authOverhead() int { return 8 + macLen(s.hmacID) }

// computeMAC writes the HMAC of pkt[off:] into mac (RFC 4895 6.2), the
// AUTH chunk at off having its HMAC field zeroed already.
func (s *authState) computeMAC(id uint16, pkt []byte, mac []byte) {
	m := hmac.New(hashFor(id), s.key)
	m.Write(pkt)
	copy(mac, m.Sum(nil))
}

// authenticate inserts an AUTH chunk before the first chunk of the packet
// body b[start:] that the peer wants authenticated, and fills its HMAC over
// the AUTH chunk and every chunk after it (RFC 4895 6.2). Called before the
// checksum is written.
func (a *Association) authenticate(b []byte, start int) []byte {
	if !a.auth.on {
		return b
	}
	at := -1
	it := wire.NewChunkIter(b[start:], start)
	for it.Next() {
		c := it.Chunk()
		if c.Type == wire.TypeAuth {
			return b // already authenticated
		}
		if a.auth.peerWantsAuth(c.Type) {
			at = c.Offset
			break
		}
	}
	if at < 0 {
		return b
	}
	n := macLen(a.auth.hmacID)
	auth := (&wire.Auth{HMACID: a.auth.hmacID, HMAC: make([]byte, n)}).AppendTo(nil)
	tail := append(a.auth.scratch[:0], b[at:]...)
	a.auth.scratch = tail
	b = append(b[:at], auth...)
	b = append(b, tail...)
	a.auth.computeMAC(a.auth.hmacID, b[at:], b[at+8:at+8+n])
	return b
}

// verifyAuth checks an AUTH chunk received at raw.Offset of pkt (RFC 4895
// 6.3). It reports whether the chunks after it are authenticated; false
// means the rest of the packet is discarded. An unknown HMAC identifier is
// answered with an ERROR (Unsupported HMAC Identifier).
func (a *Association) verifyAuth(raw wire.RawChunk, pkt []byte) bool {
	var c wire.Auth
	if c.Decode(raw) != nil || c.KeyID != 0 {
		return false // only the null key (identifier 0) exists here
	}
	n := macLen(c.HMACID)
	if n == 0 || !supportedHMAC(c.HMACID) {
		e := &wire.Error{Causes: []wire.Cause{&wire.UnsupportedHMACIdentifier{HMACID: c.HMACID}}}
		a.queueCtrl(e.AppendTo(nil), nil)
		return false
	}
	if len(c.HMAC) != n || raw.Offset+8+n > len(pkt) {
		return false
	}
	got := append([]byte(nil), c.HMAC...)
	buf := append(a.auth.scratch[:0], pkt[raw.Offset:]...)
	a.auth.scratch = buf
	clear(buf[8 : 8+n])
	want := make([]byte, n)
	a.auth.computeMAC(c.HMACID, buf, want)
	return hmac.Equal(got, want)
}

// supportedHMAC: id is in our HMAC-ALGO list.
func supportedHMAC(id uint16) bool {
	for _, x := range authHMACs {
		if x == id {
			return true
		}
	}
	return false
}

// authRoom is the packet room kept for an AUTH chunk: when the peer wants
// chunks authenticated that any packet may carry, or a queued control chunk
// needs one.
func (a *Association) authRoom() int {
	if !a.auth.on {
		return 0
	}
	for _, t := range a.auth.peerChunks {
		if a.auth.peerWantsAuth(t) && t != wire.TypeAsconf && t != wire.TypeAsconfAck {
			return a.auth.authOverhead()
		}
	}
	for _, c := range a.ctrl {
		if len(c.b) > 0 && a.auth.peerWantsAuth(wire.ChunkType(c.b[0])) {
			return a.auth.authOverhead()
		}
	}
	return 0
}
