package assoc

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// addrOverHarness is an established pair where the client has a second,
// confirmed path to the server at 127.0.0.4 (as if the INIT ACK had listed
// it), and first records where the first transmission of each TSN went.
func addrOverHarness(t *testing.T) (h *harness, alt *path, ppidAt map[uint32]netip.Addr) {
	h = newHarness(t, Config{NoDelay: true, HeartbeatInterval: -1}, Config{HeartbeatInterval: -1})
	h.established()
	alt = h.c.a.newPath(netip.MustParseAddrPort("127.0.0.4:9899"), true)
	h.alias = map[netip.Addr]*side{alt.remote.Addr(): h.s}
	first := map[wire.TSN]netip.Addr{}
	ppidAt = map[uint32]netip.Addr{}
	h.drop = func(from *side, p *wire.Packet) bool {
		if from != h.c {
			return false
		}
		for _, c := range p.Chunks {
			if d, ok := c.(*wire.Data); ok {
				if _, seen := first[d.TSN]; !seen {
					first[d.TSN] = h.lastRemote.Addr()
					ppidAt[d.PPID] = h.lastRemote.Addr()
				}
			}
		}
		return false
	}
	return h, alt, ppidAt
}

// TestAddrOverSendsOnChosenPath: messages with Dest go to that peer address
// for their first transmission, the others to the primary, and the stream
// keeps its order with nothing lost.
func TestAddrOverSendsOnChosenPath(t *testing.T) {
	h, alt, ppidAt := addrOverHarness(t)
	primary := h.s.addr.Addr()
	const n = 8
	for i := range uint32(n) {
		m := OutMessage{PPID: i, Data: []byte("message")}
		if i%2 == 1 {
			m.Dest = alt.remote.Addr()
		}
		mustSend(t, h, h.c, m)
	}
	h.runUntil(10*time.Second, func() bool { return len(h.s.messages()) == n })
	for i, m := range h.s.messages() {
		if m.PPID != uint32(i) {
			t.Fatalf("message %d has PPID %d: reordered", i, m.PPID)
		}
	}
	for i := range uint32(n) {
		want := primary
		if i%2 == 1 {
			want = alt.remote.Addr()
		}
		if got := ppidAt[i]; got != want {
			t.Fatalf("message %d first sent to %v, want %v", i, got, want)
		}
	}
}

// TestAddrOverBadDest: a Dest that is no address of the peer is refused and
// nothing is queued.
func TestAddrOverBadDest(t *testing.T) {
	h, _, _ := addrOverHarness(t)
	err := h.c.a.Send(h.now, OutMessage{Data: []byte("x"), Dest: netip.MustParseAddr("127.0.0.99")})
	if !errors.Is(err, ErrNoPath) {
		t.Fatalf("Send to a foreign address: %v", err)
	}
	if !h.c.a.sq.Empty() {
		t.Fatal("refused message queued")
	}
}

// TestAddrOverUnusablePath: an override to an inactive or unconfirmed path
// falls back to the data path (see addr_over.go for why).
func TestAddrOverUnusablePath(t *testing.T) {
	h, alt, ppidAt := addrOverHarness(t)
	unconfirmed := h.c.a.newPath(netip.MustParseAddrPort("127.0.0.5:9899"), false)
	alt.active = false
	mustSend(t, h, h.c, OutMessage{PPID: 1, Data: []byte("to an inactive path"), Dest: alt.remote.Addr()})
	mustSend(t, h, h.c, OutMessage{PPID: 2, Data: []byte("to an unconfirmed path"), Dest: unconfirmed.remote.Addr()})
	h.runUntil(10*time.Second, func() bool { return len(h.s.messages()) == 2 })
	for _, ppid := range []uint32{1, 2} {
		if got := ppidAt[ppid]; got != h.s.addr.Addr() {
			t.Fatalf("message %d sent to %v, want the primary", ppid, got)
		}
	}
}
