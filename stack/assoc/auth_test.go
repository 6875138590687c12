package assoc

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// TestKeyVectorLayout: RANDOM, CHUNKS and HMAC-ALGO as sent, padding
// omitted (RFC 4895 6.1), derived by hand for a 4-byte RANDOM.
func TestKeyVectorLayout(t *testing.T) {
	v := keyVector([]byte{1, 2, 3, 4}, []wire.ChunkType{wire.TypeAsconf, wire.TypeAsconfAck}, true, []uint16{3, 1})
	want := []byte{
		0x80, 0x02, 0x00, 0x08, 1, 2, 3, 4, // RANDOM
		0x80, 0x03, 0x00, 0x06, 0xc1, 0x80, // CHUNKS, 2 bytes of padding omitted
		0x80, 0x04, 0x00, 0x08, 0x00, 0x03, 0x00, 0x01, // HMAC-ALGO
	}
	require.Equal(t, want, v)
	// No CHUNKS parameter sent: left out.
	v = keyVector([]byte{9}, nil, false, []uint16{1})
	require.Equal(t, []byte{0x80, 0x02, 0x00, 0x05, 9, 0x80, 0x04, 0x00, 0x06, 0x00, 0x01}, v)
}

// TestAssociationKeyOrder: the numerically smaller vector comes first, a
// shorter one read with leading zeros (RFC 4895 6.1); both sides derive
// the same key.
func TestAssociationKeyOrder(t *testing.T) {
	small, big := []byte{0x00, 0x00, 0x05}, []byte{0x04, 0x00}
	require.Equal(t, 1, compareVectors(big, small), "0x0400 > 0x000005")
	require.Equal(t, []byte{0, 0, 5, 4, 0}, associationKey(big, small))
	require.Equal(t, []byte{0, 0, 5, 4, 0}, associationKey(small, big))
	require.Equal(t, 0, compareVectors([]byte{0, 7}, []byte{7}))
	require.Equal(t, -1, compareVectors([]byte{1, 2}, []byte{1, 3}))
}

// TestAuthNegotiation: two stacks of ours negotiate AUTH and ASCONF, and
// derive the same association key; either side disabling it turns both off.
func TestAuthNegotiation(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	require.True(t, h.c.a.AuthEnabled())
	require.True(t, h.s.a.AuthEnabled())
	require.True(t, h.c.a.AsconfEnabled())
	require.True(t, h.s.a.AsconfEnabled())
	require.Equal(t, h.c.a.auth.key, h.s.a.auth.key)
	require.Equal(t, uint16(wire.HMACSHA256), h.c.a.auth.hmacID)
	require.Len(t, h.c.a.auth.key, 2*(36+6+8))

	for _, side := range []string{"client", "server"} {
		cc, sc := Config{}, Config{}
		if side == "client" {
			cc.DisableAddrReconfig = true
		} else {
			sc.DisableAddrReconfig = true
		}
		h := newHarness(t, cc, sc)
		h.established()
		require.False(t, h.c.a.AsconfEnabled(), side)
		require.False(t, h.s.a.AsconfEnabled(), side)
		require.ErrorIs(t, h.c.a.AddLocalAddr(h.now, netip.MustParseAddr("127.0.0.5")), ErrNoAsconf)
		// Removing still stops sending from the address.
		h.c.a.paths[0].local = netip.MustParseAddr("127.0.0.1")
		require.ErrorIs(t, h.c.a.RemoveLocalAddr(h.now, netip.MustParseAddr("127.0.0.1")), ErrNoAsconf)
		require.False(t, h.c.a.paths[0].local.IsValid())
	}
}

// asconfPacket has the client queue an Add IP Address and returns the
// packet it sends (AUTH + ASCONF), not delivered.
func asconfPacket(t *testing.T, h *harness, addr string) []byte {
	t.Helper()
	require.NoError(t, h.c.a.AddLocalAddr(h.now, netip.MustParseAddr(addr)))
	tr, ok := h.c.a.PollTransmit(h.now, make([]byte, 2048))
	require.True(t, ok)
	p, err := wire.ParsePacket(tr.Packet)
	require.NoError(t, err)
	require.Equal(t, []wire.ChunkType{wire.TypeAuth, wire.TypeAsconf}, chunksOf(p))
	return append([]byte(nil), tr.Packet...)
}

// TestAuthHMACCoversFromAuthChunk recomputes the HMAC of a sent AUTH chunk
// by hand: HMAC-SHA256 under the association key over the AUTH chunk (HMAC
// zeroed) and every chunk after it (RFC 4895 6.2).
func TestAuthHMACCoversFromAuthChunk(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	pkt := asconfPacket(t, h, "127.0.0.5")
	off := wire.HeaderLen
	require.Equal(t, byte(wire.TypeAuth), pkt[off])
	require.Equal(t, []byte{0, 0, 0, 3}, pkt[off+4:off+8], "key 0, HMAC-SHA256")
	got := append([]byte(nil), pkt[off+8:off+8+32]...)
	body := append([]byte(nil), pkt[off:]...)
	clear(body[8 : 8+32])
	m := hmac.New(sha256.New, h.c.a.auth.key)
	m.Write(body)
	require.Equal(t, m.Sum(nil), got)
}

func deliverRaw(h *harness, to *side, from netip.AddrPort, pkt []byte) {
	to.a.HandlePacket(h.now, Inbound{Local: to.addr, Remote: from, Packet: pkt})
}

// serverAddedPath reports whether the server has a path to addr.
func serverHasPath(h *harness, addr string) bool {
	return h.s.a.findPath(netip.MustParseAddr(addr)) != nil
}

// TestAuthTamperedDropped: an ASCONF whose HMAC does not verify, or that
// comes without AUTH, is discarded; the genuine one is applied.
func TestAuthTamperedDropped(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	pkt := asconfPacket(t, h, "127.0.0.5")

	tampered := append([]byte(nil), pkt...)
	tampered[len(tampered)-1] ^= 1 // last byte of the address to add
	wire.Finish(tampered)
	deliverRaw(h, h.s, h.c.addr, tampered)
	require.False(t, serverHasPath(h, "127.0.0.5"))
	_, ok := h.s.a.PollTransmit(h.now, make([]byte, 2048))
	require.False(t, ok, "no ASCONF ACK to a tampered ASCONF")

	// The ASCONF alone, AUTH cut out.
	authLen := 8 + 32
	bare := append(append([]byte(nil), pkt[:wire.HeaderLen]...), pkt[wire.HeaderLen+authLen:]...)
	wire.Finish(bare)
	deliverRaw(h, h.s, h.c.addr, bare)
	require.False(t, serverHasPath(h, "127.0.0.5"))

	// A wrong key identifier.
	badKey := append([]byte(nil), pkt...)
	badKey[wire.HeaderLen+5] = 1
	wire.Finish(badKey)
	deliverRaw(h, h.s, h.c.addr, badKey)
	require.False(t, serverHasPath(h, "127.0.0.5"))

	deliverRaw(h, h.s, h.c.addr, pkt)
	require.True(t, serverHasPath(h, "127.0.0.5"))
	tr, ok := h.s.a.PollTransmit(h.now, make([]byte, 2048))
	require.True(t, ok)
	p, err := wire.ParsePacket(tr.Packet)
	require.NoError(t, err)
	require.Equal(t, []wire.ChunkType{wire.TypeAuth, wire.TypeAsconfAck}, chunksOf(p))
}

// TestAuthUnsupportedHMAC: an AUTH with an HMAC identifier we did not offer
// gets an ERROR with Unsupported HMAC Identifier, and what follows is
// dropped (RFC 4895 6.3).
func TestAuthUnsupportedHMAC(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	pkt := asconfPacket(t, h, "127.0.0.5")
	bad := append([]byte(nil), pkt...)
	bad[wire.HeaderLen+7] = 2 // HMAC identifier 2: reserved
	wire.Finish(bad)
	deliverRaw(h, h.s, h.c.addr, bad)
	require.False(t, serverHasPath(h, "127.0.0.5"))
	tr, ok := h.s.a.PollTransmit(h.now, make([]byte, 2048))
	require.True(t, ok)
	p, err := wire.ParsePacket(tr.Packet)
	require.NoError(t, err)
	require.Equal(t, []wire.ChunkType{wire.TypeError}, chunksOf(p))
	require.True(t, bytes.Contains(tr.Packet, []byte{0x01, 0x05}), "cause 0x0105")
}

// TestCookieExtRoundTrip: what the cookie carries for AUTH and ASCONF
// comes back intact, and a cookie without the section reads as none.
func TestCookieExtRoundTrip(t *testing.T) {
	x := cookieExt{
		localRand:  bytes.Repeat([]byte{7}, 32),
		peer:       authPeer{random: []byte{1, 2, 3}, chunks: []wire.ChunkType{0xc1, 0x80}, hasList: true, hmacs: []uint16{1, 3}},
		peerASCONF: true,
	}
	var y cookieExt
	require.True(t, y.read(x.appendTo(nil)))
	require.Equal(t, x, y)
	require.True(t, y.read(nil))
	require.Equal(t, cookieExt{}, y)
	b := x.appendTo(nil)
	for n := 1; n < len(b); n++ {
		require.False(t, y.read(b[:n]), "prefix of %d bytes", n)
	}
}

// TestAuthPeerListsData: a peer that wants DATA and SACK authenticated
// gets an AUTH chunk before them in every packet, packets stay within the
// MTU, and the data arrives.
func TestAuthPeerListsData(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	h.c.a.auth.peerChunks = []wire.ChunkType{wire.TypeData, wire.TypeSack}
	big := bytes.Repeat([]byte{7}, 5000)
	mustSend(t, h, h.c, OutMessage{Data: big})
	mustSend(t, h, h.c, OutMessage{Data: []byte("small")})
	from := len(h.sent)
	h.runUntil(5*time.Second, func() bool { return len(h.s.messages()) == 2 })
	require.Equal(t, big, h.s.messages()[0].Data)
	n := 0
	for i, p := range h.sent[from:] {
		if h.sentBy[from+i] != "client" {
			continue
		}
		cs := chunksOf(p)
		for j, c := range cs {
			if c == wire.TypeData || c == wire.TypeSack {
				require.Contains(t, cs[:j], wire.TypeAuth, "packet %v", cs)
				n++
			}
		}
	}
	require.Greater(t, n, 3)
	for _, p := range h.sent {
		require.LessOrEqual(t, len(p.AppendTo(nil)), h.c.a.cfg.MTU)
	}
}
