package assoc

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

func TestHeartbeatAndPeerDeath(t *testing.T) {
	cfg := Config{HeartbeatInterval: 5 * time.Second, AssocMaxRetrans: 3, PathMaxRetrans: 2, RTOMax: 4 * time.Second}
	h := newHarness(t, cfg, Config{HeartbeatInterval: -1})
	h.established()
	h.run(20 * time.Second)
	hbs := h.count("client", wire.TypeHeartbeat)
	if hbs < 2 || h.count("server", wire.TypeHeartbeatAck) != hbs {
		t.Fatalf("%d HEARTBEATs, %d acks", hbs, h.count("server", wire.TypeHeartbeatAck))
	}
	if h.count("server", wire.TypeHeartbeat) != 0 {
		t.Fatal("server sent heartbeats although off")
	}
	// The HEARTBEAT carries our Info and gives an RTT sample.
	if p := h.c.a.Paths()[0]; p.SRTT != 20*time.Millisecond || p.ErrorCount != 0 {
		t.Fatalf("path %+v", p)
	}
	// The peer goes silent: Path.Max.Retrans+1 lost heartbeats make the
	// path unreachable, Association.Max.Retrans+1 end the association.
	h.drop = func(from *side, p *wire.Packet) bool { return from == h.s }
	dead := h.now
	h.run(5 * time.Minute)
	if !h.c.a.Closed() || !h.c.has(isChange(CommLost)) || !errors.Is(h.c.a.Err(), ErrPeerUnreachable) {
		t.Fatalf("state %v events %v", h.c.a.State(), h.c.events)
	}
	if !h.c.has(func(e Event) bool { c, ok := e.(PeerAddrChange); return ok && c.State == AddrUnreachable }) {
		t.Fatal("no AddrUnreachable")
	}
	// Each probe waits RTO (backed off, max 4s) + 5s ± jitter: 4 probes
	// are lost within 4 * (4s*1.5 + 5s) plus the first wait.
	if el := h.c.a.now.Sub(dead); el > 4*(6*time.Second+5*time.Second)+11*time.Second {
		t.Fatalf("COMM_LOST after %v", el)
	}
}

func TestMultihomedPathConfirmation(t *testing.T) {
	// The server lists a second address; the client confirms it by
	// heartbeat before using it (RFC 9260 5.4).
	h := newHarness(t, Config{HeartbeatInterval: 2 * time.Second}, Config{})
	alt := netip.MustParseAddr("127.0.0.3")
	h.alias = map[netip.Addr]*side{alt: h.s}
	h.s.ep.SetLocalAddrs([]netip.Addr{h.s.addr.Addr(), alt})
	h.established()
	paths := h.c.a.Paths()
	if len(paths) != 2 || paths[1].State != PathUnconfirmed || paths[1].Addr != netip.AddrPortFrom(alt, 9899) {
		t.Fatalf("paths %+v", paths)
	}
	h.run(time.Second)
	if !h.c.has(func(e Event) bool {
		c, ok := e.(PeerAddrChange)
		return ok && c.State == AddrConfirmed && c.Addr.Addr() == alt
	}) {
		t.Fatalf("alternate not confirmed: %v", h.c.events)
	}
	if p := h.c.a.Paths()[1]; p.State != PathActive || p.Primary {
		t.Fatalf("alt %+v", p)
	}
	if err := h.c.a.SetPrimary(netip.MustParseAddr("127.0.0.99")); err == nil {
		t.Fatal("SetPrimary to an unknown address")
	}
}

func TestPathUnconfirmedHeartbeatConfirms(t *testing.T) {
	h := newHarness(t, Config{HeartbeatInterval: time.Second}, Config{})
	h.s.ep.SetLocalAddrs([]netip.Addr{netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("::ffff:127.0.0.2")})
	h.established()
	if n := len(h.c.a.Paths()); n != 1 {
		t.Fatalf("%d paths (mapped duplicate not folded)", n)
	}
	if err := h.c.a.SetPrimary(netip.MustParseAddr("127.0.0.2")); err != nil {
		t.Fatal(err)
	}
}

func TestFailoverToAlternatePath(t *testing.T) {
	h := newHarness(t, Config{HeartbeatInterval: time.Second, PathMaxRetrans: 1, AssocMaxRetrans: 20, RTOMax: 2 * time.Second, NoDelay: true}, Config{})
	h.established()
	// Give the client a second, confirmed path to the server (as if the
	// INIT ACK had listed it): the harness routes 127.0.0.4 to the server.
	altAddr := netip.MustParseAddrPort("127.0.0.4:9899")
	p := h.c.a.newPath(altAddr, true)
	h.c.a.scheduleHeartbeat(p, false)
	h.alias = map[netip.Addr]*side{altAddr.Addr(): h.s}
	deadPrimary := true
	// Drop everything the client sends to the primary.
	h.drop = func(from *side, pk *wire.Packet) bool {
		return deadPrimary && from == h.c && h.lastRemote == h.s.addr
	}
	for i := range 5 {
		mustSend(t, h, h.c, OutMessage{PPID: uint32(i), Data: []byte("via the alternate")})
	}
	h.runUntil(30*time.Second, func() bool { return len(h.s.messages()) == 5 })
	if h.now.Sub(t0) > 5*time.Second {
		t.Fatalf("failover took until %v", h.now.Sub(t0))
	}
	h.run(30 * time.Second)
	if !h.c.has(func(e Event) bool {
		c, ok := e.(PeerAddrChange)
		return ok && c.State == AddrUnreachable && c.Addr == h.s.addr
	}) {
		t.Fatalf("primary not reported unreachable: %v", h.c.events)
	}
	if h.c.a.Closed() {
		t.Fatal("association died although the alternate works")
	}
	if err := h.c.a.SetPrimary(altAddr.Addr()); err != nil {
		t.Fatal(err)
	}
	h.flush()
	if !h.c.has(func(e Event) bool { c, ok := e.(PeerAddrChange); return ok && c.State == AddrMadePrimary }) {
		t.Fatal("no MadePrimary")
	}
}

func TestRemotePortLearnedFromPackets(t *testing.T) {
	// RFC 6951 5.5: the UDP port follows the packets that pass the tag
	// check; an INIT for the association does not change it.
	h := newHarness(t, Config{}, Config{})
	h.established()
	a := h.s.a
	moved := netip.AddrPortFrom(h.c.addr.Addr(), 40000)
	hb := &wire.Heartbeat{Info: []byte("x")}
	a.HandlePacket(h.now, Inbound{Remote: moved, Packet: mkPacket(5000, 5001, a.LocalTag()^7, hb)})
	if a.PeerAddrs()[0].Port() != 9899 {
		t.Fatal("port taken from a packet with a wrong tag")
	}
	init := &wire.Init{InitiateTag: 5, ARwnd: 1000, OutStreams: 1, InStreams: 1, InitialTSN: 1}
	a.HandlePacket(h.now, Inbound{Remote: moved, Packet: mkPacket(5000, 5001, 0, init)})
	if a.PeerAddrs()[0].Port() != 9899 {
		t.Fatal("port taken from an INIT")
	}
	a.HandlePacket(h.now, Inbound{Remote: moved, Packet: mkPacket(5000, 5001, a.LocalTag(), hb)})
	if a.PeerAddrs()[0].Port() != 40000 {
		t.Fatal("port not learned")
	}
	// The HEARTBEAT ACK goes to the new port.
	for {
		tr, ok := a.PollTransmit(h.now, make([]byte, 1500))
		if !ok {
			t.Fatal("no HEARTBEAT ACK")
		}
		p, _ := wire.ParsePacket(tr.Packet)
		if p.Chunks[0].Type() == wire.TypeHeartbeatAck {
			if tr.Remote != moved {
				t.Fatalf("HEARTBEAT ACK to %v", tr.Remote)
			}
			break
		}
	}
}

// TestHeartbeatTimeoutKeepsLearnedSource: a lost HEARTBEAT moves its path
// to another source address only when no packet from the peer address has
// shown a working local address since it was sent (learnLocal); otherwise
// a peer heartbeating out of phase with us would flip the path back to the
// cut pair at every timeout.
func TestHeartbeatTimeoutKeepsLearnedSource(t *testing.T) {
	h := newHarness(t, Config{HeartbeatInterval: time.Second}, Config{})
	h.established()
	a3, a4 := netip.MustParseAddr("127.0.0.3"), netip.MustParseAddr("127.0.0.4")
	h.c.ep.SetLocalAddrs([]netip.Addr{a3, a4})
	a := h.c.a
	p := a.paths[0]
	p.local = a3
	a.sendHeartbeat(p) // leaves from 127.0.0.3 and is lost
	p.learnLocal(a4)   // a packet from the peer arrives on 127.0.0.4
	a.onHeartbeatTimer(p)
	if p.local != a4 {
		t.Fatalf("after the timeout the path sends from %v; want 127.0.0.4, the address just learned", p.local)
	}
	// The HEARTBEAT from 127.0.0.4 is lost too, and nothing was learned:
	// the next timeout tries the other address.
	a.onHeartbeatTimer(p)
	if p.local != a3 {
		t.Fatalf("after a second timeout the path sends from %v; want 127.0.0.3", p.local)
	}
}
