package assoc

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// asconfWorks checks that both sides derived the same AUTH key and that an
// authenticated ASCONF from the client is applied by the server.
func asconfWorks(t *testing.T, h *harness, addr string) {
	t.Helper()
	require.True(t, h.c.a.AsconfEnabled())
	require.True(t, h.s.a.AsconfEnabled())
	require.Equal(t, h.c.a.auth.key, h.s.a.auth.key, "association shared keys")
	require.NoError(t, h.c.a.AddLocalAddr(h.now, netip.MustParseAddr(addr)))
	h.runUntil(5*time.Second, func() bool { return h.s.has(addrChange(addr, AddrAdded)) })
}

// TestAuthAfterCollisionAndRestart: the INIT collisions of RFC 9260 5.2.1
// and 5.2.4 B and a peer restart (5.2.4 A) leave both sides with the same
// key: the INIT ACK answering a crossing INIT carries the RANDOM of the
// original INIT, and the cookie brings the rest.
func TestAuthAfterCollisionAndRestart(t *testing.T) {
	t.Run("both cookie-echoed", func(t *testing.T) {
		h := newHarness(t, Config{}, Config{})
		simultaneous(t, h)
		h.run(5 * time.Second)
		asconfWorks(t, h, "127.0.0.5")
	})
	t.Run("row B", func(t *testing.T) {
		h := newHarness(t, Config{}, Config{})
		simultaneous(t, h)
		drop := true
		h.drop = func(from *side, p *wire.Packet) bool {
			return drop && p.Chunks[0].Type() == wire.TypeInitAck && from == h.s
		}
		h.run(500 * time.Millisecond)
		drop = false
		h.run(5 * time.Second)
		asconfWorks(t, h, "127.0.0.5")
	})
	t.Run("restart", func(t *testing.T) {
		h := newHarness(t, Config{}, Config{})
		h.established()
		h.connect()
		h.runUntil(5*time.Second, func() bool { return h.c.a.State() == Established })
		h.run(10 * time.Millisecond)
		require.True(t, h.s.has(isChange(Restart)))
		asconfWorks(t, h, "127.0.0.5")
	})
}
