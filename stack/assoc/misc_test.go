package assoc

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

func TestStringsAndErrors(t *testing.T) {
	for s := Closed; s <= ShutdownAckSent+1; s++ {
		if s.String() == "" {
			t.Fatal("empty state name")
		}
	}
	for s := CommUp; s <= CantStartAssoc+1; s++ {
		if s.String() == "" {
			t.Fatal("empty change name")
		}
	}
	for s := PathActive; s <= PathPF+1; s++ {
		if s.String() == "" {
			t.Fatal("empty path state")
		}
	}
	e := &Error{Err: ErrAborted, Cause: &wire.UserInitiatedAbort{}}
	if !strings.Contains(e.Error(), "aborted") || !errors.Is(e, ErrAborted) || (&Error{Err: ErrClosed}).Error() == "" {
		t.Fatal(e.Error())
	}
	var q eventQueue
	q.push(SenderDry{})
	if q.len() != 1 {
		t.Fatal("len")
	}
	for _, ev := range []Event{Message{}, AssocChange{}, PeerAddrChange{}, SendFailed{}, RemoteError{}, ShutdownEvent{}, PartialDeliveryAborted{}, SenderDry{}} {
		ev.isEvent()
	}
	if nonZeroTag(cryptoRand) == 0 {
		t.Fatal("tag 0")
	}
	if NewEndpoint(7, Config{MTU: 100, RTOMax: time.Millisecond}).cfg.MTU != minMTU {
		t.Fatal("MTU floor")
	}
}

func TestQueuedMessagesBeyondNegotiatedStreamsFail(t *testing.T) {
	h := newHarness(t, Config{OutStreams: 8}, Config{MaxInStreams: 2})
	h.connect()
	mustSend(t, h, h.c, OutMessage{Stream: 1, Data: []byte("fits")})
	mustSend(t, h, h.c, OutMessage{Stream: 5, Data: []byte("too far")})
	h.runUntil(time.Second, func() bool { return len(h.s.messages()) == 1 })
	if !h.c.has(func(e Event) bool { f, ok := e.(SendFailed); return ok && f.Msg.Stream == 5 && f.Unsent }) {
		t.Fatalf("events %v", h.c.events)
	}
}

func TestBadInitAck(t *testing.T) {
	for _, tc := range []struct {
		name string
		ack  *wire.InitAck
		want wire.CauseCode
	}{
		{"no cookie", &wire.InitAck{InitiateTag: 9, OutStreams: 1, InStreams: 1}, wire.CauseMissingMandatoryParam},
		{"no streams", &wire.InitAck{InitiateTag: 9, Params: []wire.Param{&wire.StateCookie{Cookie: []byte("c")}}}, wire.CauseInvalidMandatoryParam},
		{"tag 0", &wire.InitAck{OutStreams: 1, InStreams: 1}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := NewEndpoint(5000, Config{Rand: seeded(4)})
			a, _ := e.Connect(t0, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.2:9899")}, 5001)
			a.PollTransmit(t0, make([]byte, 1500))
			a.HandlePacket(t0, Inbound{Remote: netip.MustParseAddrPort("127.0.0.2:9899"), Packet: mkPacket(5001, 5000, a.LocalTag(), tc.ack)})
			if !a.Closed() {
				t.Fatal("still open")
			}
			tr, ok := a.PollTransmit(t0, make([]byte, 1500))
			if tc.want == 0 {
				if ok {
					t.Fatal("answered")
				}
				return
			}
			p, _ := wire.ParsePacket(tr.Packet)
			if ab, isAb := p.Chunks[0].(*wire.Abort); !ok || !isAb || ab.Causes[0].CauseCode() != tc.want || p.Header.VerificationTag != 9 {
				t.Fatalf("answer %v", p)
			}
			ev, _ := a.PollEvent()
			if c, ok := ev.(AssocChange); !ok || c.State != CantStartAssoc {
				t.Fatalf("event %v", ev)
			}
		})
	}
}

func TestShutdownAckRetransmitted(t *testing.T) {
	h := newHarness(t, Config{AssocMaxRetrans: 2, RTOMax: time.Second}, Config{})
	reach(t, h, ShutdownAckSent)
	h.drop = func(*side, *wire.Packet) bool { return true }
	h.run(time.Minute)
	if n := h.count("client", wire.TypeShutdownAck); n < 3 {
		t.Fatalf("%d SHUTDOWN ACKs", n)
	}
	if !h.c.a.Closed() || !h.c.has(isChange(CommLost)) {
		t.Fatalf("state %v", h.c.a.State())
	}
}

func TestSpuriousTimeoutsAndTimeGoingBack(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	d := h.c.a.NextDeadline()
	h.c.a.HandleTimeout(h.now)                 // early: nothing due
	h.c.a.HandleTimeout(h.now.Add(-time.Hour)) // backwards: no time passes
	if h.c.a.NextDeadline() != d {
		t.Fatal("deadline moved on a spurious call")
	}
	mustSend(t, h, h.c, OutMessage{Data: []byte("x")})
	if _, ok := h.c.a.PollTransmit(h.now.Add(-time.Hour), make([]byte, 1500)); !ok {
		t.Fatal("nothing sent")
	}
}

func TestEndpointConcurrentUse(t *testing.T) {
	e := NewEndpoint(5001, Config{ValidCookieLife: time.Millisecond})
	init := mkPacket(5000, 5001, 0, &wire.Init{InitiateTag: 3, ARwnd: 1000, OutStreams: 1, InStreams: 1, InitialTSN: 1})
	done := make(chan bool)
	for g := range 4 {
		go func() {
			buf := make([]byte, 1500)
			for i := range 200 {
				now := t0.Add(time.Duration(g*1000+i) * time.Minute) // forces secret rotations
				if _, ok, _ := e.HandleUnmatched(now, Inbound{Remote: netip.MustParseAddrPort("127.0.0.1:9899"), Packet: init}, true, buf); !ok {
					t.Error("no INIT ACK")
				}
				e.SetLocalAddrs([]netip.Addr{netip.MustParseAddr("127.0.0.2")})
			}
			done <- true
		}()
	}
	for range 4 {
		<-done
	}
}

func TestGarbageNeverPanics(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	r := seeded(77)
	a := h.s.a
	chunks := []wire.Chunk{
		&wire.Data{TSN: 5, UserData: []byte("x")}, &wire.Sack{CumTSNAck: 3, Gaps: []wire.GapBlock{{Start: 5, End: 2}, {Start: 0, End: 9}}},
		&wire.ForwardTSN{NewCumTSN: 1 << 31}, &wire.Shutdown{CumTSNAck: 77}, &wire.ShutdownAck{}, &wire.HeartbeatAck{Info: []byte{1}},
		&wire.Error{Causes: []wire.Cause{&wire.StaleCookie{}}}, &wire.CookieEcho{Cookie: []byte{1, 2}}, &wire.Abort{T: true},
	}
	for i := range 3000 {
		var pkt []byte
		if i%3 == 0 {
			pkt = mkPacket(5000, 5001, a.LocalTag(), chunks[int(r())%len(chunks)], chunks[int(r())%len(chunks)])
		} else {
			pkt = mkPacket(5000, 5001, a.LocalTag())
			for range int(r() % 40) {
				pkt = append(pkt, byte(r()))
			}
			if len(pkt) > 13 && i%2 == 0 {
				pkt[13] = byte(r() % 16) // a known chunk type with random content
			}
		}
		a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: pkt})
		h.now = h.now.Add(time.Duration(r()%1000) * time.Millisecond)
		a.HandleTimeout(h.now)
		for {
			if _, ok := a.PollTransmit(h.now, make([]byte, 1500)); !ok {
				break
			}
		}
		for {
			if _, ok := a.PollEvent(); !ok {
				break
			}
		}
		if a.Closed() {
			h = newHarness(t, Config{}, Config{})
			h.established()
			a = h.s.a
		}
	}
}

func TestEndpointGarbageNeverPanics(t *testing.T) {
	e := NewEndpoint(5001, Config{Rand: seeded(5)})
	r := seeded(78)
	buf := make([]byte, 1500)
	for i := range 5000 {
		pkt := mkPacket(5000, 5001, r()%3)
		for range int(r() % 60) {
			pkt = append(pkt, byte(r()))
		}
		if len(pkt) > 12 {
			pkt[12] = byte(r() % 16)
		}
		e.HandleUnmatched(t0.Add(time.Duration(i)*time.Second), Inbound{Remote: netip.MustParseAddrPort("127.0.0.1:9"), Packet: pkt}, i%2 == 0, buf)
	}
}
