package assoc

import (
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// TestInitFromNewEncapPort: the client restarts and comes back from another
// UDP port. The server refuses the INIT with an ABORT carrying "Restart of
// an Association with New Encapsulation Port", sent to the new port with
// the INIT's tag (draft-tuexen-tsvwg-sctp-udp-encaps-cons); its association
// keeps running on the old port, and the client's setup fails with that
// cause.
func TestInitFromNewEncapPort(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	old := h.s.a
	oldPort := h.c.addr.Port()
	h.c.ep = NewEndpoint(5000, Config{Rand: seeded(3)})
	h.c.addr = netip.AddrPortFrom(h.c.addr.Addr(), 40000)
	var abortTo netip.AddrPort
	h.drop = func(from *side, p *wire.Packet) bool {
		if from == h.s && p.Chunks[0].Type() == wire.TypeAbort {
			abortTo = h.lastRemote
		}
		return false
	}
	h.connect() // replaces h.c.a
	initTag := h.c.a.LocalTag()
	h.runUntil(5*time.Second, func() bool { return h.c.a.Closed() })

	var ab *wire.Abort
	var tag uint32
	for i, p := range h.sent {
		if a, ok := p.Chunks[0].(*wire.Abort); ok && h.sentBy[i] == "server" {
			ab, tag = a, p.Header.VerificationTag
		}
	}
	if ab == nil {
		t.Fatalf("no ABORT from the server:\n%s", h.dump())
	}
	want := &wire.RestartWithNewEncapPort{CurrentPort: oldPort, NewPort: 40000}
	if len(ab.Causes) != 1 || *ab.Causes[0].(*wire.RestartWithNewEncapPort) != *want || ab.T || tag != initTag {
		t.Fatalf("ABORT T=%v tag %08x (INIT's %08x) causes %#v", ab.T, tag, initTag, ab.Causes)
	}
	if abortTo != h.c.addr {
		t.Fatalf("ABORT sent to %v, want the INIT's source %v", abortTo, h.c.addr)
	}
	if h.count("server", wire.TypeInitAck) != 1 {
		t.Fatal("the INIT from the new port drew an INIT ACK")
	}
	var e *Error
	if !errors.As(h.c.a.Err(), &e) || !errors.Is(e, ErrAborted) || e.Cause.CauseCode() != wire.CauseRestartWithNewEncapPort {
		t.Fatalf("client setup ended with %v", h.c.a.Err())
	}
	if !h.c.has(isChange(CantStartAssoc)) {
		t.Fatalf("client events %v", h.c.events)
	}
	if h.s.a != old || old.State() != Established || old.PeerAddrs()[0].Port() != oldPort || h.s.has(isChange(Restart)) {
		t.Fatalf("server association disturbed: state %v peer %v", old.State(), old.PeerAddrs())
	}
}

// TestInitFromOtherPortInCookieWait: an INIT collision in COOKIE-WAIT meets
// an INIT ACK, sent to the INIT's port, whatever that port is (a restart
// from the association's own port is TestPeerRestart).
func TestInitFromOtherPortInCookieWait(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.connect()
	if h.c.a.State() != CookieWait {
		t.Fatalf("state %v", h.c.a.State())
	}
	peer := NewEndpoint(5001, Config{Rand: seeded(4)})
	p, err := peer.Connect(h.now, []netip.AddrPort{h.c.addr}, 5000)
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := p.PollTransmit(h.now, make([]byte, 1500))
	h.c.a.HandlePacket(h.now, Inbound{Local: h.c.addr, Remote: netip.AddrPortFrom(h.s.addr.Addr(), 41000), Packet: tr.Packet})
	out, ok := h.c.a.PollTransmit(h.now, make([]byte, 1500))
	for ok && out.Packet[wire.HeaderLen] != byte(wire.TypeInitAck) {
		out, ok = h.c.a.PollTransmit(h.now, make([]byte, 1500))
	}
	if !ok || out.Remote.Port() != 41000 {
		t.Fatalf("no INIT ACK to the INIT's port: %v %v", ok, out.Remote)
	}
}
