package assoc

import (
	"net/netip"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// simultaneous makes both sides Connect at once (RFC 9260 5.2.1).
func simultaneous(t *testing.T, h *harness) {
	t.Helper()
	var err error
	h.c.a, err = h.c.ep.Connect(h.now, []netip.AddrPort{h.s.addr}, h.s.ep.Port())
	if err != nil {
		t.Fatal(err)
	}
	h.s.a, err = h.s.ep.Connect(h.now, []netip.AddrPort{h.c.addr}, h.c.ep.Port())
	if err != nil {
		t.Fatal(err)
	}
}

func countChange(sd *side, st AssocChangeState) int {
	n := 0
	for _, e := range sd.events {
		if c, ok := e.(AssocChange); ok && c.State == st {
			n++
		}
	}
	return n
}

func TestInitCollisionBothCookieEchoed(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	simultaneous(t, h)
	h.run(5 * time.Second)
	if h.c.a.State() != Established || h.s.a.State() != Established {
		t.Fatalf("states %v %v\n%s", h.c.a.State(), h.s.a.State(), h.dump())
	}
	if countChange(h.c, CommUp) != 1 || countChange(h.s, CommUp) != 1 {
		t.Fatalf("COMM_UP %v / %v", h.c.events, h.s.events)
	}
	if h.c.a.PeerTag() != h.s.a.LocalTag() || h.s.a.PeerTag() != h.c.a.LocalTag() {
		t.Fatal("tags")
	}
	// The INIT ACKs answering the crossing INITs keep the original tags.
	for i, p := range h.sent {
		if ack, ok := p.Chunks[0].(*wire.InitAck); ok {
			want := h.c.a.LocalTag()
			if h.sentBy[i] == "server" {
				want = h.s.a.LocalTag()
			}
			if ack.InitiateTag != want {
				t.Fatalf("INIT ACK tag %x, want %x", ack.InitiateTag, want)
			}
		}
	}
	sendBoth(t, h)
}

// sendBoth sends one message each way and checks both arrive.
func sendBoth(t *testing.T, h *harness) {
	t.Helper()
	mustSend(t, h, h.c, OutMessage{Data: []byte("ping")})
	mustSend(t, h, h.s, OutMessage{Data: []byte("pong")})
	nc, ns := len(h.c.messages()), len(h.s.messages())
	h.runUntil(5*time.Second, func() bool { return len(h.c.messages()) > nc && len(h.s.messages()) > ns })
}

func TestInitCollisionCookieWaitRowB(t *testing.T) {
	// INIT ACKs are lost: each side receives the other's COOKIE ECHO while
	// still in COOKIE-WAIT (5.2.4 row B, peer tag 0).
	h := newHarness(t, Config{}, Config{})
	simultaneous(t, h)
	dropAcks := true
	h.drop = func(from *side, p *wire.Packet) bool {
		return dropAcks && p.Chunks[0].Type() == wire.TypeInitAck && from == h.s
	}
	h.run(500 * time.Millisecond)
	dropAcks = false
	h.run(5 * time.Second)
	if h.c.a.State() != Established || h.s.a.State() != Established {
		t.Fatalf("states %v %v\n%s", h.c.a.State(), h.s.a.State(), h.dump())
	}
	if countChange(h.c, CommUp) != 1 || countChange(h.s, CommUp) != 1 {
		t.Fatalf("COMM_UP %v / %v", h.c.events, h.s.events)
	}
	sendBoth(t, h)
}

func TestPeerRestart(t *testing.T) {
	// 5.2.2 and 5.2.4 row A: the client restarts (a new association from
	// the same address and port); the server reports RESTART.
	h := newHarness(t, Config{}, Config{})
	h.established()
	mustSend(t, h, h.s, OutMessage{Data: []byte("lost in the restart")})
	oldServerTag := h.s.a.LocalTag()
	h.drop = func(from *side, p *wire.Packet) bool { return p.Chunks[0].Type() == wire.TypeData }
	h.flush()
	h.drop = nil
	h.connect() // replaces h.c.a
	h.runUntil(5*time.Second, func() bool { return h.c.a.State() == Established })
	h.run(10 * time.Millisecond)
	if !h.s.has(isChange(Restart)) {
		t.Fatalf("no RESTART: %v\n%s", h.s.events, h.dump())
	}
	if h.s.a.LocalTag() == oldServerTag || h.s.a.PeerTag() != h.c.a.LocalTag() || h.c.a.PeerTag() != h.s.a.LocalTag() {
		t.Fatal("tags after restart")
	}
	if !h.s.has(func(e Event) bool { f, ok := e.(SendFailed); return ok && string(f.Msg.Data) == "lost in the restart" }) {
		t.Fatal("undelivered message not reported")
	}
	// The INIT ACK to the restart INIT carried a new tag (5.2.2).
	var acks []*wire.InitAck
	for _, p := range h.sent {
		if a, ok := p.Chunks[0].(*wire.InitAck); ok {
			acks = append(acks, a)
		}
	}
	if len(acks) != 2 || acks[1].InitiateTag == oldServerTag {
		t.Fatal("restart INIT ACK reused the tag")
	}
	sendBoth(t, h)
}

func TestCookieEchoRowsCAndD(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	// Two INITs from the client (a retransmission) draw two INIT ACKs with
	// different tags from the stateless endpoint.
	c, err := h.c.ep.Connect(h.now, []netip.AddrPort{h.s.addr}, 5001)
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := c.PollTransmit(h.now, make([]byte, 1500))
	initPkt := append([]byte(nil), tr.Packet...)
	var cookies [][]byte
	var tags []uint32
	for range 2 {
		rep, ok, _ := h.s.ep.HandleUnmatched(h.now, Inbound{Remote: h.c.addr, Packet: initPkt}, true, make([]byte, 1500))
		if !ok {
			t.Fatal("no INIT ACK")
		}
		p, _ := wire.ParsePacket(rep.Packet)
		ack := p.Chunks[0].(*wire.InitAck)
		ck, _ := ack.StateCookie()
		cookies = append(cookies, append([]byte(nil), ck...))
		tags = append(tags, ack.InitiateTag)
	}
	if tags[0] == tags[1] {
		t.Fatal("stateless INIT ACKs share a tag")
	}
	echo := func(i int) []byte {
		return mkPacket(5000, 5001, tags[i], &wire.CookieEcho{Cookie: cookies[i]})
	}
	_, _, s := h.s.ep.HandleUnmatched(h.now, Inbound{Remote: h.c.addr, Packet: echo(1)}, true, make([]byte, 1500))
	if s == nil {
		t.Fatal("no association")
	}
	drain := func() (n int) {
		for {
			tr, ok := s.PollTransmit(h.now, make([]byte, 1500))
			if !ok {
				return n
			}
			p, _ := wire.ParsePacket(tr.Packet)
			if p.Chunks[0].Type() == wire.TypeCookieAck {
				n++
			}
		}
	}
	drain()
	for {
		if _, ok := s.PollEvent(); !ok {
			break
		}
	}
	// Row C: the late cookie of the first INIT ACK is discarded.
	s.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: echo(0)})
	if n := drain(); n != 0 || s.State() != Established {
		t.Fatalf("late cookie answered with %d COOKIE ACKs", n)
	}
	// Row D: a duplicate of the accepted cookie gets another COOKIE ACK.
	s.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: echo(1)})
	if n := drain(); n != 1 {
		t.Fatalf("duplicate cookie answered with %d COOKIE ACKs", n)
	}
	if _, ok := s.PollEvent(); ok {
		t.Fatal("event after a duplicate cookie")
	}
	// 5.2.5: a COOKIE ACK in ESTABLISHED is discarded.
	s.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: mkPacket(5000, 5001, s.LocalTag(), &wire.CookieAck{})})
	if _, ok := s.PollTransmit(h.now, make([]byte, 1500)); ok || s.State() != Established {
		t.Fatal("duplicate COOKIE ACK had an effect")
	}
}

func TestInitInShutdownAckSentRetransmitsShutdownAck(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	// Lose SHUTDOWN COMPLETE so the server stays in SHUTDOWN-ACK-SENT.
	h.drop = func(from *side, p *wire.Packet) bool { return p.Chunks[0].Type() == wire.TypeShutdownAck }
	h.c.a.Shutdown(h.now)
	h.run(50 * time.Millisecond)
	if h.s.a.State() != ShutdownAckSent {
		t.Fatalf("server %v", h.s.a.State())
	}
	init := mkPacket(5000, 5001, 0, &wire.Init{InitiateTag: 77, ARwnd: 1000, OutStreams: 1, InStreams: 1, InitialTSN: 5})
	h.s.a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: init})
	tr, ok := h.s.a.PollTransmit(h.now, make([]byte, 1500))
	p, _ := wire.ParsePacket(tr.Packet)
	if !ok || p.Chunks[0].Type() != wire.TypeShutdownAck {
		t.Fatalf("answer to INIT in SHUTDOWN-ACK-SENT: %v", p)
	}
}

func TestInitWithNewAddressInEstablishedIsAborted(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	init := &wire.Init{InitiateTag: 77, ARwnd: 1000, OutStreams: 1, InStreams: 1, InitialTSN: 5,
		Params: []wire.Param{wire.AddressParam(netip.MustParseAddr("127.0.0.9"))}}
	h.s.a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: mkPacket(5000, 5001, 0, init)})
	tr, ok := h.s.a.PollTransmit(h.now, make([]byte, 1500))
	p, _ := wire.ParsePacket(tr.Packet)
	if !ok || p.Header.VerificationTag != 77 {
		t.Fatalf("no ABORT: %v", p)
	}
	ab, ok := p.Chunks[0].(*wire.Abort)
	if !ok || ab.Causes[0].CauseCode() != wire.CauseRestartWithNewAddresses {
		t.Fatalf("answer %v", p.Chunks)
	}
	if h.s.a.State() != Established {
		t.Fatal("state changed")
	}
	// An INIT with a nonzero tag is dropped (8.5.1 A).
	h.s.a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: mkPacket(5000, 5001, 5, init)})
	if _, ok := h.s.a.PollTransmit(h.now, make([]byte, 1500)); ok {
		t.Fatal("answered an INIT with a nonzero tag")
	}
}

func TestUnexpectedInitAckDiscarded(t *testing.T) {
	// 5.2.3: an INIT ACK outside COOKIE-WAIT is discarded.
	h := newHarness(t, Config{}, Config{})
	h.established()
	a := h.c.a
	ack := &wire.InitAck{InitiateTag: 99, ARwnd: 1, OutStreams: 1, InStreams: 1, Params: []wire.Param{&wire.StateCookie{Cookie: []byte("x")}}}
	a.HandlePacket(h.now, Inbound{Remote: h.s.addr, Packet: mkPacket(5001, 5000, a.LocalTag(), ack)})
	if _, ok := a.PollTransmit(h.now, make([]byte, 1500)); ok || a.PeerTag() == 99 || a.State() != Established {
		t.Fatal("unexpected INIT ACK had an effect")
	}
}

func TestRestartCookieWhileShuttingDown(t *testing.T) {
	// 5.2.4 A in SHUTDOWN-ACK-SENT: no restart; SHUTDOWN ACK with a
	// "Cookie Received While Shutting Down" error.
	h := newHarness(t, Config{}, Config{})
	reach(t, h, ShutdownAckSent)
	a := h.c.a
	c := &cookie{created: h.now, life: time.Minute, localTag: 1111, peerTag: 2222, localTSN: 1, peerTSN: 1,
		outStreams: 1, inStreams: 1, localTie: a.LocalTag(), peerTie: a.PeerTag(), localPort: 5000, peerPort: 5001, src: h.s.addr}
	raw := h.c.ep.signCookie(h.now, c)
	a.HandlePacket(h.now, Inbound{Remote: h.s.addr, Packet: mkPacket(5001, 5000, 1111, &wire.CookieEcho{Cookie: raw})})
	tr, ok := a.PollTransmit(h.now, make([]byte, 1500))
	p, _ := wire.ParsePacket(tr.Packet)
	if !ok || len(p.Chunks) != 2 || p.Chunks[0].Type() != wire.TypeShutdownAck || p.Header.VerificationTag != 2222 {
		t.Fatalf("answer %v", p)
	}
	if e, ok := p.Chunks[1].(*wire.Error); !ok || e.Causes[0].CauseCode() != wire.CauseCookieWhileShuttingDown {
		t.Fatalf("answer %v", p.Chunks)
	}
	if a.State() != ShutdownAckSent || a.LocalTag() == 1111 {
		t.Fatal("restarted while shutting down")
	}
	// Restart with an address the association does not have: ABORT.
	h2 := newHarness(t, Config{}, Config{})
	h2.established()
	b := h2.c.a
	c.localTie, c.peerTie = b.LocalTag(), b.PeerTag()
	c.peerAddrs = []netip.Addr{netip.MustParseAddr("127.0.0.77")}
	raw = h2.c.ep.signCookie(h2.now, c)
	b.HandlePacket(h2.now, Inbound{Remote: h2.s.addr, Packet: mkPacket(5001, 5000, 1111, &wire.CookieEcho{Cookie: raw})})
	tr, ok = b.PollTransmit(h2.now, make([]byte, 1500))
	p, _ = wire.ParsePacket(tr.Packet)
	if ab, isAb := p.Chunks[0].(*wire.Abort); !ok || !isAb || ab.Causes[0].CauseCode() != wire.CauseRestartWithNewAddresses {
		t.Fatalf("answer %v", p)
	}
	if b.State() != Established {
		t.Fatal("state changed")
	}
}
