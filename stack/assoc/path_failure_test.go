package assoc

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// withAlternate gives the client a second, confirmed path to the server at
// 127.0.0.4 (as if the INIT ACK had listed it) and routes it to the server.
func withAlternate(h *harness) *path {
	alt := netip.MustParseAddrPort("127.0.0.4:9899")
	p := h.c.a.newPath(alt, true)
	h.c.a.scheduleHeartbeat(p, false)
	h.alias = map[netip.Addr]*side{alt.Addr(): h.s}
	return p
}

func isPeerAddr(st PeerAddrState, addr netip.AddrPort) func(Event) bool {
	return func(e Event) bool {
		c, ok := e.(PeerAddrChange)
		return ok && c.State == st && c.Addr == addr
	}
}

// TestAlternateHeartbeatLossSparesAssociation: RFC 9260 8.1 — unanswered
// HEARTBEATs on a path other than the one data goes to do not count
// against Association.Max.Retrans. An idle association whose primary
// answers every probe survives an alternate that never answers.
func TestAlternateHeartbeatLossSparesAssociation(t *testing.T) {
	cfg := Config{
		HeartbeatInterval: 200 * time.Millisecond, PathMaxRetrans: 1, AssocMaxRetrans: 1,
		RTOInitial: 100 * time.Millisecond, RTOMin: 100 * time.Millisecond, RTOMax: 100 * time.Millisecond,
	}
	h := newHarness(t, cfg, Config{})
	h.established()
	alt := withAlternate(h)
	h.drop = func(from *side, _ *wire.Packet) bool { return from == h.c && h.lastRemote == alt.remote }
	h.run(2 * time.Minute)
	require.False(t, h.c.a.Closed(), "association ended by the alternate's lost heartbeats: %v", h.c.a.Err())
	require.True(t, h.c.has(isPeerAddr(AddrUnreachable, alt.remote)), "alternate not reported unreachable")
	require.Equal(t, PathActive, h.c.a.Paths()[0].State)
	require.Greater(t, h.count("client", wire.TypeHeartbeat), 400, "the alternate is still probed")
}

// TestRotateLocalKeepsHeardPair: after a timeout the source address moves
// on to the next local address, unless a packet arrived on the current one
// since the previous timeout: that pair works, and the lost packet left
// from another.
func TestRotateLocalKeepsHeardPair(t *testing.T) {
	l1, l2 := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.5")
	h := newHarness(t, Config{}, Config{})
	h.c.ep.SetLocalAddrs([]netip.Addr{l1, l2})
	h.alias = map[netip.Addr]*side{l2: h.c}
	h.established()
	p := h.c.a.paths[0]
	require.Equal(t, l1, p.local, "learned from the packets of the handshake")
	h.c.a.rotateLocal(p)
	require.Equal(t, l1, p.local, "a packet arrived on l1 since: kept")
	h.c.a.rotateLocal(p)
	require.Equal(t, l2, p.local, "no packet since the last timeout: next address")
	h.c.a.rotateLocal(p)
	require.Equal(t, l1, p.local)
	p.learnLocal(l2)
	h.c.a.rotateLocal(p)
	require.Equal(t, l2, p.local, "learned again: kept")
}

// TestInactivePathProbedOnArrival: a packet from the address of an
// inactive path brings a HEARTBEAT to it at once, so the path is active
// again within a round trip instead of after the heartbeat interval; one
// such probe per RTO.Min however many packets arrive.
func TestInactivePathProbedOnArrival(t *testing.T) {
	cfg := Config{
		HeartbeatInterval: 30 * time.Second, PathMaxRetrans: 1, AssocMaxRetrans: 20,
		RTOInitial: 100 * time.Millisecond, RTOMin: 100 * time.Millisecond, RTOMax: 400 * time.Millisecond, NoDelay: true,
	}
	h := newHarness(t, cfg, Config{HeartbeatInterval: -1, NoDelay: true})
	h.established()
	withAlternate(h)
	primary := h.c.a.paths[0]
	cut := true
	h.drop = func(from *side, _ *wire.Packet) bool {
		return cut && from == h.c && h.lastRemote == h.s.addr
	}
	for i := range 5 {
		mustSend(t, h, h.c, OutMessage{PPID: uint32(i), Data: []byte("to the alternate")})
	}
	h.runUntil(10*time.Second, func() bool { return len(h.s.messages()) == 5 && !primary.active })
	h.run(time.Second)
	require.False(t, primary.active)

	// Healed: the server's messages come from the primary address.
	cut = false
	hbs := h.count("client", wire.TypeHeartbeat)
	healed := h.now
	for i := range 10 {
		mustSend(t, h, h.s, OutMessage{PPID: uint32(i), Data: []byte("from the primary address")})
		h.flush()
	}
	h.runUntil(time.Second, func() bool { return primary.active })
	require.Less(t, h.now.Sub(healed), 50*time.Millisecond, "the primary came back by the regular heartbeat only")
	require.Equal(t, hbs+1, h.count("client", wire.TypeHeartbeat), "one probe for ten packets")
	require.True(t, h.c.has(isPeerAddr(AddrAvailable, h.s.addr)))
	require.False(t, h.c.a.Closed())
}
