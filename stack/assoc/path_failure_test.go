package assoc

import (
	"encoding/binary"
	"math/rand/v2"
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
	p.learnLocal(l1) // a packet from the server arrives on l1
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

	// Healed; the server sends from its primary address again (it had
	// learned to answer from the alternate the client's packets came to).
	cut = false
	h.s.a.paths[0].learnLocal(h.s.addr.Addr())
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

// TestMultihomedRandomCuts is TestMultihomedRandomFailures of package stack
// on the sans-IO core, where a seed fixes the whole run: two endpoints with
// two addresses each carry a flow both ways over a 1% lossy wire while
// random address pairs are cut and healed every 20-300 ms, one pair always
// up. Every message arrives once and in order, the association survives,
// and 3 s after the last heal every path is active again. Before the
// fixes above 101 of seeds 1-4000 (41 and 44 among these 50) ended the
// association on Association.Max.Retrans; 4000 pass now.
func TestMultihomedRandomCuts(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		multihomedRandomCuts(t, seed)
	}
}

func multihomedRandomCuts(t *testing.T, seed uint64) {
	cfg := Config{
		RTOInitial: 100 * time.Millisecond, RTOMin: 100 * time.Millisecond, RTOMax: 400 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond, PathMaxRetrans: 1, AssocMaxRetrans: 10,
	}
	ccfg, scfg := cfg, cfg
	ccfg.Rand, scfg.Rand = seeded(seed), seeded(seed+1000)
	h := newHarness(t, ccfg, scfg)
	h.delay = 5 * time.Millisecond
	c2, s2 := netip.MustParseAddr("127.0.0.5"), netip.MustParseAddr("127.0.0.6")
	cAddrs := []netip.Addr{h.c.addr.Addr(), c2}
	sAddrs := []netip.Addr{h.s.addr.Addr(), s2}
	h.c.ep.SetLocalAddrs(cAddrs)
	h.s.ep.SetLocalAddrs(sAddrs)
	h.alias = map[netip.Addr]*side{c2: h.c, s2: h.s}

	rng := rand.New(rand.NewPCG(seed, 0x6d68))
	type pair struct{ c, s netip.Addr }
	var pairs []pair
	for _, c := range cAddrs {
		for _, s := range sAddrs {
			pairs = append(pairs, pair{c, s})
		}
	}
	cut := map[pair]bool{}
	h.drop = func(from *side, _ *wire.Packet) bool {
		p := pair{h.lastLocal, h.lastRemote.Addr()}
		if from == h.s {
			p = pair{h.lastRemote.Addr(), h.lastLocal}
		}
		return cut[p] || rng.IntN(100) == 0
	}
	h.established()
	h.run(time.Second) // the second addresses confirmed

	const total = 200
	sent := [2]uint32{}
	next := [2]time.Time{h.now, h.now}
	chaosAt, chaosEnd := h.now, h.now.Add(time.Minute)
	// Cut and heal until every message is in, as in the stack test.
	in := func(sd *side) int {
		n := 0
		for _, e := range sd.events {
			if _, ok := e.(Message); ok {
				n++
			}
		}
		return n
	}
	for in(h.c) < total || in(h.s) < total {
		if h.now.After(chaosEnd.Add(time.Minute)) {
			t.Fatalf("seed %d: stalled: %d and %d messages in", seed, in(h.c), in(h.s))
		}
		for i, sd := range []*side{h.c, h.s} {
			if sent[i] < total && !h.now.Before(next[i]) {
				mustSend(t, h, sd, OutMessage{Data: binary.BigEndian.AppendUint32(nil, sent[i])})
				sent[i]++
				next[i] = h.now.Add(time.Duration(2+rng.IntN(8)) * time.Millisecond)
			}
		}
		if !h.now.Before(chaosAt) && h.now.Before(chaosEnd) {
			p := pairs[rng.IntN(len(pairs))]
			switch {
			case cut[p]:
				delete(cut, p)
			case len(cut) < len(pairs)-1:
				cut[p] = true
			}
			chaosAt = h.now.Add(time.Duration(20+rng.IntN(280)) * time.Millisecond)
		}
		h.run(time.Millisecond)
		if h.c.a.Closed() || h.s.a.Closed() {
			t.Fatalf("seed %d: association ended at %v with %d cut pairs: %v %v", seed, h.now.Sub(t0), len(cut), h.c.a.Err(), h.s.a.Err())
		}
	}
	clear(cut)
	for _, sd := range []*side{h.c, h.s} {
		for i, m := range sd.messages() {
			if got := binary.BigEndian.Uint32(m.Data); got != uint32(i) {
				t.Fatalf("seed %d: %s got message %d, want %d (lost, duplicated or reordered)", seed, sd.name, got, i)
			}
		}
	}
	h.run(3 * time.Second)
	for _, sd := range []*side{h.c, h.s} {
		require.False(t, sd.a.Closed(), "seed %d: %s: %v", seed, sd.name, sd.a.Err())
		for _, p := range sd.a.Paths() {
			require.Equal(t, PathActive, p.State, "seed %d: %s's path to %v", seed, sd.name, p.Addr)
		}
	}
}
