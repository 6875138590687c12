package assoc

import (
	"errors"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

func TestShutdownWithPendingDataBothSides(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	for i := range 20 {
		mustSend(t, h, h.c, OutMessage{PPID: uint32(i), Data: make([]byte, 3000)})
		mustSend(t, h, h.s, OutMessage{PPID: uint32(i), Data: make([]byte, 3000)})
	}
	h.c.a.Shutdown(h.now)
	if h.c.a.State() != ShutdownPending {
		t.Fatalf("state %v", h.c.a.State())
	}
	h.run(30 * time.Second)
	if len(h.c.messages()) != 20 || len(h.s.messages()) != 20 {
		t.Fatalf("delivered %d / %d", len(h.c.messages()), len(h.s.messages()))
	}
	if !h.c.a.Closed() || !h.s.a.Closed() || !h.c.has(isChange(ShutdownComp)) || !h.s.has(isChange(ShutdownComp)) {
		t.Fatalf("not closed: %v %v\n%v\n%v", h.c.a.State(), h.s.a.State(), h.c.events, h.s.events)
	}
	if !h.s.has(func(e Event) bool { _, ok := e.(ShutdownEvent); return ok }) {
		t.Fatal("no ShutdownEvent at the server")
	}
	// SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE, in this order, no ABORT.
	var seq []wire.ChunkType
	for _, p := range h.sent {
		for _, c := range p.Chunks {
			switch c.Type() {
			case wire.TypeShutdown, wire.TypeShutdownAck, wire.TypeShutdownComplete, wire.TypeAbort:
				seq = append(seq, c.Type())
			}
		}
	}
	if len(seq) < 3 || seq[len(seq)-1] != wire.TypeShutdownComplete || seq[len(seq)-2] != wire.TypeShutdownAck {
		t.Fatalf("sequence %v", seq)
	}
	last := h.sent[len(h.sent)-1]
	if sc := last.Chunks[0].(*wire.ShutdownComplete); sc.T || last.Header.VerificationTag != h.s.a.LocalTag() {
		t.Fatal("SHUTDOWN COMPLETE tag")
	}
	if h.c.a.NextDeadline() != (time.Time{}) || h.s.a.NextDeadline() != (time.Time{}) {
		t.Fatal("timers left after close")
	}
}

func TestShutdownBeforeEstablished(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.connect()
	mustSend(t, h, h.c, OutMessage{Data: []byte("then close")})
	h.c.a.Shutdown(h.now)
	h.run(5 * time.Second)
	if len(h.s.messages()) != 1 || !h.c.a.Closed() || !h.s.a.Closed() {
		t.Fatalf("%v %v %v", h.s.messages(), h.c.a.State(), h.s.a.State())
	}
}

func TestShutdownT2RetransmitAndGuard(t *testing.T) {
	// The peer answers heartbeats (so the error counter stays low) but
	// never sees our SHUTDOWN: T2 resends it, then the T5 guard aborts.
	cfg := Config{RTOMax: 4 * time.Second, AssocMaxRetrans: 3, HeartbeatInterval: time.Second}
	h := newHarness(t, cfg, Config{})
	h.established()
	var abortAt time.Duration
	h.drop = func(from *side, p *wire.Packet) bool {
		if ab, ok := p.Chunks[0].(*wire.Abort); ok && from == h.c && !ab.T && abortAt == 0 {
			abortAt = h.now.Sub(t0)
		}
		return from == h.c && p.Chunks[0].Type() == wire.TypeShutdown
	}
	start := h.now.Sub(t0)
	h.c.a.Shutdown(h.now)
	if g := h.c.a.t5Guard(); g != 20*time.Second {
		t.Fatalf("guard %v, want 5 * RTO.Max", g)
	}
	h.run(time.Minute)
	if n := h.count("client", wire.TypeShutdown); n < 4 {
		t.Fatalf("%d SHUTDOWNs", n)
	}
	if !h.c.a.Closed() || !h.c.has(isChange(CommLost)) {
		t.Fatalf("state %v", h.c.a.State())
	}
	if abortAt-start != 20*time.Second {
		t.Fatalf("ABORT after %v, want the 20s guard", abortAt-start)
	}
	// With many retransmissions allowed the guard waits for them.
	if g := (&Association{cfg: Config{RTOMin: time.Second, RTOMax: 2 * time.Second, AssocMaxRetrans: 20}}).t5Guard(); g != 41*time.Second {
		t.Fatalf("guard %v", g)
	}
}

func TestShutdownBothAtOnce(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	h.c.a.Shutdown(h.now)
	h.s.a.Shutdown(h.now)
	h.run(5 * time.Second)
	if !h.c.a.Closed() || !h.s.a.Closed() || !h.c.has(isChange(ShutdownComp)) || !h.s.has(isChange(ShutdownComp)) {
		t.Fatalf("%v %v\n%s", h.c.a.State(), h.s.a.State(), h.dump())
	}
}

func TestAbortInEachState(t *testing.T) {
	for _, st := range []State{CookieWait, CookieEchoed, Established, ShutdownPending, ShutdownSent, ShutdownReceived, ShutdownAckSent} {
		t.Run(st.String(), func(t *testing.T) {
			h := newHarness(t, Config{}, Config{})
			reach(t, h, st)
			h.c.a.Abort(h.now, []byte("bye"))
			for {
				e, ok := h.c.a.PollEvent()
				if !ok {
					break
				}
				h.c.events = append(h.c.events, e)
			}
			if !h.c.a.Closed() {
				t.Fatal("not closed")
			}
			want := CommLost
			if st == CookieWait || st == CookieEchoed {
				want = CantStartAssoc
			}
			if !h.c.has(isChange(want)) {
				t.Fatalf("events %v", h.c.events)
			}
			var e *Error
			if !errors.As(h.c.a.Err(), &e) || !errors.Is(e, ErrAborted) {
				t.Fatalf("Err %v", h.c.a.Err())
			}
			tr, ok := h.c.a.PollTransmit(h.now, make([]byte, 1500))
			if st == CookieWait {
				if ok {
					t.Fatal("ABORT sent without the peer's tag")
				}
				return
			}
			p, _ := wire.ParsePacket(tr.Packet)
			ab, isAbort := p.Chunks[0].(*wire.Abort)
			if !ok || !isAbort || p.Header.VerificationTag != h.c.a.PeerTag() || ab.T {
				t.Fatalf("packet %v", p)
			}
			if u := ab.Causes[0].(*wire.UserInitiatedAbort); string(u.Reason) != "bye" {
				t.Fatal("reason")
			}
			if h.s.a != nil && !h.s.a.Closed() {
				h.s.a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: tr.Packet})
				if !h.s.a.Closed() {
					t.Fatalf("peer in %v ignored the ABORT", h.s.a.State())
				}
				var got *Error
				if errors.As(h.s.a.Err(), &got) && got.Cause != nil {
					if u, ok := got.Cause.(*wire.UserInitiatedAbort); !ok || string(u.Reason) != "bye" {
						t.Fatal("peer's cause")
					}
				}
			}
			h.c.a.Abort(h.now, nil) // harmless when closed
			h.c.a.HandleTimeout(h.now.Add(time.Hour))
		})
	}
}

// reach drives the client association into state st.
func reach(t *testing.T, h *harness, st State) {
	t.Helper()
	switch st {
	case CookieWait:
		h.drop = func(*side, *wire.Packet) bool { return true }
		h.connect()
	case CookieEchoed:
		h.drop = func(from *side, p *wire.Packet) bool { return p.Chunks[0].Type() == wire.TypeCookieEcho }
		h.connect()
		h.run(100 * time.Millisecond)
	default:
		h.established()
		switch st {
		case ShutdownPending:
			h.drop = func(from *side, p *wire.Packet) bool { return from == h.c }
			mustSend(t, h, h.c, OutMessage{Data: []byte("x")})
			h.c.a.Shutdown(h.now)
			h.flush()
		case ShutdownSent:
			h.drop = func(from *side, p *wire.Packet) bool { return from == h.c }
			h.c.a.Shutdown(h.now)
			h.flush()
		case ShutdownReceived:
			h.drop = func(from *side, p *wire.Packet) bool { return from == h.c }
			mustSend(t, h, h.c, OutMessage{Data: []byte("x")})
			h.flush()
			h.drop = func(from *side, p *wire.Packet) bool { return from == h.c || p.Chunks[0].Type() != wire.TypeShutdown }
			h.s.a.Shutdown(h.now)
			h.run(50 * time.Millisecond)
		case ShutdownAckSent:
			h.drop = func(from *side, p *wire.Packet) bool { return from == h.c }
			h.s.a.Shutdown(h.now)
			h.run(50 * time.Millisecond)
		}
	}
	h.drop = nil
	if h.c.a.State() != st {
		t.Fatalf("reached %v, want %v", h.c.a.State(), st)
	}
}

func TestReceivedAbortTagRules(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	a := h.s.a
	// Wrong tag: dropped.
	a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: mkPacket(5000, 5001, a.LocalTag()+1, &wire.Abort{})})
	// T bit with our own tag: dropped (T means the peer's tag).
	a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: mkPacket(5000, 5001, a.LocalTag(), &wire.Abort{T: true})})
	if a.Closed() {
		t.Fatal("ABORT with a wrong tag accepted")
	}
	// T bit with the peer's tag: accepted (8.5.1 B).
	a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: mkPacket(5000, 5001, a.PeerTag(), &wire.Abort{T: true, Causes: []wire.Cause{&wire.ProtocolViolation{Info: []byte("x")}}})})
	if !a.Closed() || h.s.a.events.q[len(h.s.a.events.q)-1].(AssocChange).Cause.(*wire.ProtocolViolation).Info[0] != 'x' {
		t.Fatal("ABORT with T bit refused")
	}
}

func TestWrongTagDropped(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	d := &wire.Data{TSN: h.s.a.rx.CumAck() + 1, Beginning: true, Ending: true, UserData: []byte("forged")}
	h.s.a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: mkPacket(5000, 5001, h.s.a.LocalTag()^1, d)})
	h.s.a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: mkPacket(5000, 5002, h.s.a.LocalTag(), d)})
	h.s.a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: []byte{1, 2, 3}})
	if _, ok := h.s.a.PollTransmit(h.now, make([]byte, 1500)); ok || len(h.s.a.events.q) > 0 && h.s.a.events.len() > 0 {
		for {
			e, ok := h.s.a.PollEvent()
			if !ok {
				break
			}
			if _, isMsg := e.(Message); isMsg {
				t.Fatal("forged DATA delivered")
			}
		}
	}
	// SHUTDOWN COMPLETE outside SHUTDOWN-ACK-SENT is ignored.
	h.s.a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: mkPacket(5000, 5001, h.s.a.LocalTag(), &wire.ShutdownComplete{})})
	if h.s.a.Closed() {
		t.Fatal("closed by a stray SHUTDOWN COMPLETE")
	}
}

func TestShutdownCompleteWithTBit(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	reach(t, h, ShutdownAckSent)
	a := h.c.a
	a.HandlePacket(h.now, Inbound{Remote: h.s.addr, Packet: mkPacket(5001, 5000, a.PeerTag(), &wire.ShutdownComplete{T: true})})
	if !a.Closed() || !h.c.has(isChange(ShutdownComp)) {
		h.flush()
		if !a.Closed() || !h.c.has(isChange(ShutdownComp)) {
			t.Fatalf("state %v", a.State())
		}
	}
}
