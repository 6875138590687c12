package assoc

import (
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

func TestPRSCTPMaxRetransAndForwardTSN(t *testing.T) {
	h := newHarness(t, Config{NoDelay: true}, Config{})
	h.established()
	if !h.c.a.prsctp || !h.s.a.prsctp {
		t.Fatal("PR-SCTP not negotiated")
	}
	h.drop = func(from *side, p *wire.Packet) bool {
		for _, c := range p.Chunks {
			if d, ok := c.(*wire.Data); ok && d.PPID == 1 {
				return true
			}
		}
		return false
	}
	mustSend(t, h, h.c, OutMessage{Stream: 1, PPID: 1, Data: make([]byte, 1000), MaxRetrans: 1})
	mustSend(t, h, h.c, OutMessage{Stream: 1, PPID: 2, Data: []byte("after")})
	h.run(30 * time.Second)
	if len(h.s.messages()) != 1 {
		t.Fatalf("delivered %v\n%s", h.s.messages(), h.dump())
	}
	if m := h.s.messages()[0]; m.PPID != 2 {
		t.Fatalf("got %+v", m)
	}
	if !h.c.has(func(e Event) bool { f, ok := e.(SendFailed); return ok && f.Msg.PPID == 1 && !f.Unsent }) {
		t.Fatal("no SendFailed for the abandoned message")
	}
	var fwd *wire.ForwardTSN
	for _, p := range h.sent {
		for _, c := range p.Chunks {
			if f, ok := c.(*wire.ForwardTSN); ok {
				fwd = f
			}
		}
	}
	if fwd == nil || len(fwd.Streams) != 1 || fwd.Streams[0].Stream != 1 || fwd.Streams[0].SSN != 0 {
		t.Fatalf("FORWARD TSN %+v", fwd)
	}
	h.run(5 * time.Second)
	if h.c.a.out.Len() != 0 {
		t.Fatal("abandoned chunks still outstanding")
	}
}

func TestPRSCTPDeadlineUnsent(t *testing.T) {
	h := newHarness(t, Config{}, Config{RecvBuffer: 1500})
	h.established()
	h.s.consumed = false
	// Fill the peer's window, then queue a message that expires unsent.
	mustSend(t, h, h.c, OutMessage{PPID: 1, Data: make([]byte, 1400)})
	h.run(100 * time.Millisecond)
	mustSend(t, h, h.c, OutMessage{PPID: 2, Data: make([]byte, 1400), Deadline: h.now.Add(50 * time.Millisecond)})
	mustSend(t, h, h.c, OutMessage{PPID: 3, Data: make([]byte, 100)})
	h.run(100 * time.Millisecond)
	h.s.a.ReadConsumed(1400)
	h.s.consumed = true
	h.run(2 * time.Second)
	if !h.c.has(func(e Event) bool { f, ok := e.(SendFailed); return ok && f.Msg.PPID == 2 && f.Unsent }) {
		t.Fatalf("no unsent SendFailed: %v", h.c.events)
	}
	got := h.s.messages()
	if len(got) != 2 || got[1].PPID != 3 {
		t.Fatalf("delivered %v", got)
	}
}

func TestPartialDeliveryAbortedByForwardTSN(t *testing.T) {
	h := newHarness(t, Config{NoDelay: true}, Config{RecvBuffer: 3000})
	h.established()
	a := h.s.a
	base := a.rx.CumAck() + 1
	// Fragments of one ordered message, the last never arrives: partial
	// delivery starts when the buffer is full.
	for i := range 3 {
		d := &wire.Data{TSN: base + wire.TSN(i), Stream: 3, SSN: 0, PPID: 7, Beginning: i == 0, UserData: make([]byte, 1200)}
		a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: mkPacket(5000, 5001, a.LocalTag(), d)})
	}
	var pieces int
	for {
		e, ok := a.PollEvent()
		if !ok {
			break
		}
		if m, ok := e.(Message); ok {
			if m.EOR || m.Stream != 3 {
				t.Fatalf("piece %+v", m)
			}
			pieces++
		}
	}
	if pieces == 0 {
		t.Fatal("no partial delivery")
	}
	a.ReadConsumed(3600)
	f := &wire.ForwardTSN{NewCumTSN: base + 3, Streams: []wire.ForwardTSNStream{{Stream: 3, SSN: 0}}}
	a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: mkPacket(5000, 5001, a.LocalTag(), f)})
	d := &wire.Data{TSN: base + 4, Stream: 3, SSN: 1, PPID: 8, Beginning: true, Ending: true, UserData: []byte("next")}
	a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: mkPacket(5000, 5001, a.LocalTag(), d)})
	var evs []Event
	for {
		e, ok := a.PollEvent()
		if !ok {
			break
		}
		evs = append(evs, e)
	}
	if len(evs) != 2 {
		t.Fatalf("events %v", evs)
	}
	if pa, ok := evs[0].(PartialDeliveryAborted); !ok || pa.Stream != 3 {
		t.Fatalf("first event %v", evs[0])
	}
	if m, ok := evs[1].(Message); !ok || string(m.Data) != "next" {
		t.Fatalf("second event %v", evs[1])
	}
	if a.rx.CumAck() != base+4 {
		t.Fatalf("cum %d", a.rx.CumAck()-base)
	}
}

func TestForwardTSNWithoutPRSCTPIsUnrecognized(t *testing.T) {
	h := newHarness(t, Config{DisablePRSCTP: true}, Config{})
	h.established()
	if h.c.a.prsctp || h.s.a.prsctp {
		t.Fatal("PR-SCTP negotiated although disabled")
	}
	a := h.s.a
	f := &wire.ForwardTSN{NewCumTSN: a.rx.CumAck() + 10}
	a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: mkPacket(5000, 5001, a.LocalTag(), f)})
	tr, ok := a.PollTransmit(h.now, make([]byte, 1500))
	p, _ := wire.ParsePacket(tr.Packet)
	if !ok || p.Chunks[0].Type() != wire.TypeError {
		t.Fatalf("answer %v", p)
	}
}

func TestUnorderedReassemblyAndPartialDelivery(t *testing.T) {
	h := newHarness(t, Config{NoDelay: true}, Config{RecvBuffer: 16000})
	h.established()
	big := make([]byte, 40000)
	for i := range big {
		big[i] = byte(i)
	}
	mustSend(t, h, h.c, OutMessage{Stream: 4, Unordered: true, PPID: 5, Data: big})
	mustSend(t, h, h.c, OutMessage{Stream: 4, Unordered: true, PPID: 6, Data: []byte("small")})
	var got []byte
	h.runUntil(time.Minute, func() bool {
		got = got[:0]
		done := false
		for _, m := range h.s.messages() {
			if m.PPID == 5 {
				got = append(got, m.Data...)
			}
			if m.PPID == 6 {
				done = true
			}
		}
		return done && len(got) == len(big)
	})
	for i := range got {
		if got[i] != big[i] {
			t.Fatalf("byte %d differs", i)
		}
	}
}
