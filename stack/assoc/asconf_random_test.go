package assoc

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// TestAsconfRandomRequests applies seeded random Add, Delete and Set
// Primary requests (the wildcard and the packet's source among them) to an
// association with DATA in flight, checking after each that the paths stay
// numbered, the primary is one of them, at least one is left, and the
// flight counted per path adds up; then that every message still arrives.
func TestAsconfRandomRequests(t *testing.T) {
	h := newHarness(t, Config{HeartbeatInterval: -1}, Config{HeartbeatInterval: -1})
	h.alias = map[netip.Addr]*side{}
	h.established()
	for d := byte(3); d <= 8; d++ {
		h.alias[netip.AddrFrom4([4]byte{127, 0, 0, d})] = h.c
	}
	r := rand.New(rand.NewPCG(5, 6))
	a := h.s.a
	sent := 0
	for i := range 2000 {
		if i%50 == 0 {
			mustSend(t, h, h.s, OutMessage{Data: []byte{byte(i)}})
			sent++
			h.flush()
		}
		addr := netip.AddrFrom4([4]byte{127, 0, 0, byte(1 + r.IntN(8))})
		if r.IntN(10) == 0 {
			addr = netip.IPv4Unspecified()
		}
		from := h.c.addr.Addr()
		if r.IntN(3) == 0 {
			from = netip.AddrFrom4([4]byte{127, 0, 0, byte(3 + r.IntN(6))})
		}
		ap := wire.AddressParam(addr)
		var req wire.Param
		switch r.IntN(3) {
		case 0:
			req = &wire.AddIPAddress{CorrelationID: uint32(i), Address: ap}
		case 1:
			req = &wire.DeleteIPAddress{CorrelationID: uint32(i), Address: ap}
		default:
			req = &wire.SetPrimaryAddress{CorrelationID: uint32(i), Address: ap}
		}
		if resp, _ := a.asconfRequest(req, from, 9899); resp == nil {
			t.Fatalf("request %d: no answer", i)
		}
		if len(a.paths) == 0 {
			t.Fatalf("request %d: no path left", i)
		}
		total, found := 0, a.primary == nil
		for j, p := range a.paths {
			if p.idx != j {
				t.Fatalf("request %d: path %d numbered %d", i, j, p.idx)
			}
			found = found || p == a.primary
			total += a.flight(p)
		}
		if !found {
			t.Fatalf("request %d: the primary is no path", i)
		}
		if total != a.out.OutstandingTotal() {
			t.Fatalf("request %d: flight per path %d, total %d", i, total, a.out.OutstandingTotal())
		}
		if r.IntN(20) == 0 {
			h.run(50 * time.Millisecond)
		}
	}
	// Whatever is left, 127.0.0.1 (the client's own address) must carry
	// the rest: make sure it is there, confirmed, and primary.
	if a.findPath(h.c.addr.Addr()) == nil {
		a.newPath(h.c.addr, true)
	}
	a.findPath(h.c.addr.Addr()).confirmed = true
	if err := a.SetPrimary(h.c.addr.Addr()); err != nil {
		t.Fatal(err)
	}
	h.runUntil(60*time.Second, func() bool { return len(h.c.messages()) == sent })
}
