package assoc

import (
	"net/netip"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// mkPacket serializes a packet from src port to dst port with tag.
func mkPacket(src, dst uint16, tag uint32, cs ...wire.Chunk) []byte {
	p := &wire.Packet{Header: wire.Header{SrcPort: src, DstPort: dst, VerificationTag: tag}, Chunks: cs}
	return p.AppendTo(nil)
}

func TestHandshake(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	if !h.c.has(isChange(CommUp)) || !h.s.has(isChange(CommUp)) {
		t.Fatalf("no COMM_UP: %v / %v", h.c.events, h.s.events)
	}
	if h.c.a.PeerTag() != h.s.a.LocalTag() || h.s.a.PeerTag() != h.c.a.LocalTag() {
		t.Fatal("tags do not match")
	}
	want := []wire.ChunkType{wire.TypeInit, wire.TypeInitAck, wire.TypeCookieEcho, wire.TypeCookieAck}
	for i, w := range want {
		if got := chunksOf(h.sent[i]); len(got) != 1 || got[0] != w {
			t.Fatalf("packet %d: %v, want %v\n%s", i, got, w, h.dump())
		}
	}
	if h.sent[0].Header.VerificationTag != 0 {
		t.Error("INIT with nonzero tag")
	}
	if h.sent[1].Header.VerificationTag != h.c.a.LocalTag() {
		t.Error("INIT ACK not sent with the INIT's tag")
	}
	init := h.sent[0].Chunks[0].(*wire.Init)
	if !init.ForwardTSNSupported() || init.OutStreams != 10 || init.InStreams != 65535 {
		t.Errorf("INIT %+v", init)
	}
	st := h.c.a.Status()
	if st.OutStreams != 10 || st.InStreams != 10 || st.State != Established || st.Primary.State != PathActive {
		t.Errorf("status %+v", st)
	}
	if h.c.a.PeerPort() != 5001 || h.s.a.PeerPort() != 5000 || h.c.a.LocalPort() != 5000 {
		t.Error("ports")
	}
	if got := h.s.a.PeerAddrs(); len(got) != 1 || got[0] != h.c.addr {
		t.Errorf("server peer addrs %v", got)
	}
	if p := h.c.a.Paths(); len(p) != 1 || p[0].SRTT == 0 || p[0].RTO < time.Second {
		t.Errorf("paths %+v", p)
	}
	if h.c.a.State().String() != "ESTABLISHED" || h.c.a.Err() != nil {
		t.Error("state/err")
	}
}

func TestStreamsNegotiated(t *testing.T) {
	h := newHarness(t, Config{OutStreams: 20, MaxInStreams: 3}, Config{OutStreams: 5, MaxInStreams: 7})
	h.established()
	c, s := h.c.a.Status(), h.s.a.Status()
	if c.OutStreams != 7 || c.InStreams != 3 || s.OutStreams != 3 || s.InStreams != 7 {
		t.Fatalf("client %d/%d server %d/%d", c.OutStreams, c.InStreams, s.OutStreams, s.InStreams)
	}
	if err := h.c.a.Send(h.now, OutMessage{Stream: 7, Data: []byte("x")}); err != ErrInvalidStream {
		t.Fatalf("Send on stream 7: %v", err)
	}
}

func TestDataQueuedBeforeCommUpRidesWithCookieEcho(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.connect()
	mustSend(t, h, h.c, OutMessage{Stream: 1, PPID: 9, Data: []byte("early")})
	h.runUntil(time.Second, func() bool { return len(h.s.messages()) == 1 })
	for _, p := range h.sent {
		if p.Chunks[0].Type() == wire.TypeCookieEcho {
			if got := chunksOf(p); len(got) != 2 || got[1] != wire.TypeData {
				t.Fatalf("COOKIE ECHO packet %v", got)
			}
		}
	}
	if m := h.s.messages()[0]; string(m.Data) != "early" || m.PPID != 9 || m.Stream != 1 {
		t.Fatalf("got %+v", m)
	}
}

func TestT1InitRetransmitAndCantStart(t *testing.T) {
	h := newHarness(t, Config{MaxInitRetransmits: 3, RTOMax: 3 * time.Second}, Config{})
	var at []time.Duration
	h.drop = func(from *side, p *wire.Packet) bool {
		if p.Chunks[0].Type() == wire.TypeInit {
			at = append(at, h.now.Sub(t0))
		}
		return true
	}
	h.connect()
	h.run(time.Minute)
	want := []time.Duration{0, time.Second, 3 * time.Second, 6 * time.Second} // RTO 1s, 2s, 3s (capped)
	if len(at) != len(want) {
		t.Fatalf("INIT sent at %v", at)
	}
	for i := range want {
		if at[i] != want[i] {
			t.Fatalf("INIT sent at %v, want %v", at, want)
		}
	}
	if !h.c.has(isChange(CantStartAssoc)) || !h.c.a.Closed() {
		t.Fatalf("events %v", h.c.events)
	}
	if h.c.a.Err() == nil || h.c.a.NextDeadline() != (time.Time{}) {
		t.Fatal("no error or timer left")
	}
}

func TestT1CookieRetransmit(t *testing.T) {
	h := newHarness(t, Config{MaxInitRetransmits: 2}, Config{})
	h.drop = func(from *side, p *wire.Packet) bool { return p.Chunks[0].Type() == wire.TypeCookieEcho }
	h.connect()
	h.run(time.Minute)
	if n := h.count("client", wire.TypeCookieEcho); n != 3 {
		t.Fatalf("%d COOKIE ECHOs\n%s", n, h.dump())
	}
	if !h.c.has(isChange(CantStartAssoc)) {
		t.Fatal("no CANT_STR_ASSOC")
	}
}

func TestCookieTamperedIsDiscarded(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.drop = func(from *side, p *wire.Packet) bool {
		if ce, ok := p.Chunks[0].(*wire.CookieEcho); ok && from == h.c {
			_ = ce
			return true
		}
		return false
	}
	h.connect()
	h.run(100 * time.Millisecond)
	// Replay the COOKIE ECHO with one byte flipped.
	var ce *wire.CookieEcho
	for _, p := range h.sent {
		if c, ok := p.Chunks[0].(*wire.CookieEcho); ok {
			ce = c
		}
	}
	bad := append([]byte(nil), ce.Cookie...)
	bad[20] ^= 1
	pkt := mkPacket(5000, 5001, h.c.a.PeerTag(), &wire.CookieEcho{Cookie: bad})
	tr, ok, a := h.s.ep.HandleUnmatched(h.now, Inbound{Remote: h.c.addr, Packet: pkt}, true, make([]byte, 1500))
	if ok || a != nil {
		t.Fatalf("tampered cookie answered %v / %v", tr, a)
	}
	// Wrong tag with a good cookie: discarded too (8.5.1 D).
	pkt = mkPacket(5000, 5001, h.c.a.PeerTag()+1, &wire.CookieEcho{Cookie: ce.Cookie})
	if _, ok, a := h.s.ep.HandleUnmatched(h.now, Inbound{Remote: h.c.addr, Packet: pkt}, true, make([]byte, 1500)); ok || a != nil {
		t.Fatal("cookie with the wrong tag accepted")
	}
	// The genuine one works.
	pkt = mkPacket(5000, 5001, h.c.a.PeerTag(), &wire.CookieEcho{Cookie: ce.Cookie})
	if _, _, a := h.s.ep.HandleUnmatched(h.now, Inbound{Remote: h.c.addr, Packet: pkt}, true, make([]byte, 1500)); a == nil || a.State() != Established {
		t.Fatal("genuine cookie refused")
	}
	// Not listening: ABORT with the T bit.
	tr, ok, a = h.s.ep.HandleUnmatched(h.now, Inbound{Remote: h.c.addr, Packet: pkt}, false, make([]byte, 1500))
	p, _ := wire.ParsePacket(tr.Packet)
	if !ok || a != nil || p.Chunks[0].(*wire.Abort).T != true {
		t.Fatal("no ABORT when not listening")
	}
}

func TestStaleCookie(t *testing.T) {
	h := newHarness(t, Config{}, Config{ValidCookieLife: 500 * time.Millisecond})
	h.delay = 400 * time.Millisecond // the cookie is 800 ms old when it comes back
	h.connect()
	h.run(1300 * time.Millisecond)
	var stale *wire.StaleCookie
	for i, p := range h.sent {
		if e, ok := p.Chunks[0].(*wire.Error); ok && h.sentBy[i] == "server" {
			stale, _ = e.Causes[0].(*wire.StaleCookie)
		}
	}
	if stale == nil || stale.Staleness != 300_000 {
		t.Fatalf("no Stale Cookie error of 400ms: %+v\n%s", stale, h.dump())
	}
	// 5.2.6: the client retries with a Cookie Preservative and gets through.
	h.runUntil(10*time.Second, func() bool { return h.s.a != nil && h.c.a.State() == Established })
	n := 0
	for _, p := range h.sent {
		if in, ok := p.Chunks[0].(*wire.Init); ok {
			n++
			if ms, ok := in.CookiePreservative(); n == 2 && (!ok || ms != 601) {
				t.Fatalf("second INIT preservative %d %v", ms, ok)
			}
		}
	}
	if n != 2 {
		t.Fatalf("%d INITs", n)
	}
}

func TestCookieSecretRotation(t *testing.T) {
	e := NewEndpoint(1, Config{Rand: seeded(3), ValidCookieLife: time.Minute})
	c := &cookie{created: t0, life: time.Minute, localTag: 1, peerTag: 2, outStreams: 1, inStreams: 1, src: netip.MustParseAddrPort("127.0.0.1:1"), peerAddrs: []netip.Addr{netip.MustParseAddr("::1"), netip.MustParseAddr("127.0.0.9")}}
	raw := e.signCookie(t0, c)
	if _, err := e.openCookie(t0.Add(2*time.Minute+time.Second), raw); err != nil {
		t.Fatalf("previous secret refused: %v", err)
	}
	got, err := e.openCookie(t0.Add(2*time.Minute+time.Second), raw)
	if err != nil || got.peerAddrs[1] != c.peerAddrs[1] || got.peerAddrs[0] != c.peerAddrs[0] || got.src != c.src {
		t.Fatalf("round trip %+v %v", got, err)
	}
	if _, err := e.openCookie(t0.Add(5*time.Minute), raw); err == nil {
		t.Fatal("cookie of a secret two rotations old accepted")
	}
	if _, err := unmarshalCookie(raw[:40]); err == nil {
		t.Fatal("short cookie decoded")
	}
}

func TestConnectErrors(t *testing.T) {
	e := NewEndpoint(1, Config{})
	if _, err := e.Connect(t0, nil, 1); err == nil {
		t.Fatal("no addresses accepted")
	}
	if _, err := e.Connect(t0, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:1")}, 0); err == nil {
		t.Fatal("port 0 accepted")
	}
}
