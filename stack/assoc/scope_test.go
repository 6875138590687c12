package assoc

import (
	"net/netip"
	"testing"
)

// TestAcceptPeerAddrFrom: the client's filter sees each address the INIT
// ACK lists with the INIT ACK's source, and a refused address gets no
// path; on the server AcceptPeerAddr, being set, takes precedence.
func TestAcceptPeerAddrFrom(t *testing.T) {
	type call struct{ addr, src netip.Addr }
	var cli, srv []call
	alt := netip.MustParseAddr("127.0.0.9")
	h := newHarness(t,
		Config{AcceptPeerAddrFrom: func(a, s netip.Addr) bool { cli = append(cli, call{a, s}); return a != alt }},
		Config{AcceptPeerAddrFrom: func(a, s netip.Addr) bool { srv = append(srv, call{a, s}); return false },
			AcceptPeerAddr: func(netip.Addr) bool { return true }})
	h.c.ep.SetLocalAddrs([]netip.Addr{h.c.addr.Addr(), netip.MustParseAddr("127.0.0.7")})
	h.s.ep.SetLocalAddrs([]netip.Addr{h.s.addr.Addr(), alt})
	h.alias = map[netip.Addr]*side{netip.MustParseAddr("127.0.0.7"): h.c}
	h.established()
	if len(srv) != 0 {
		t.Fatalf("AcceptPeerAddrFrom called although AcceptPeerAddr is set: %v", srv)
	}
	if len(h.s.a.PeerAddrs()) != 2 {
		t.Fatalf("server paths %v: AcceptPeerAddr accepts all", h.s.a.PeerAddrs())
	}
	found := false
	for _, c := range cli {
		if c.src != h.s.addr.Addr() {
			t.Fatalf("client filter saw %v from %v, want the INIT ACK's source %v", c.addr, c.src, h.s.addr.Addr())
		}
		found = found || c.addr == alt
	}
	if !found {
		t.Fatalf("client filter never saw %v: %v", alt, cli)
	}
	for _, p := range h.c.a.PeerAddrs() {
		if p.Addr() == alt {
			t.Fatalf("refused address %v got a path", alt)
		}
	}
}
