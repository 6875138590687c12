package assoc

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

func TestDataBothWaysManyStreams(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	const n = 40
	for i := range n {
		for _, sd := range []*side{h.c, h.s} {
			m := OutMessage{Stream: uint16(i % 5), PPID: uint32(i), Unordered: i%3 == 0, Data: []byte(fmt.Sprintf("%s-%d-%s", sd.name, i, bytes.Repeat([]byte{'x'}, i*37)))}
			mustSend(t, h, sd, m)
		}
	}
	h.runUntil(10*time.Second, func() bool { return len(h.c.messages()) == n && len(h.s.messages()) == n })
	for _, sd := range []*side{h.c, h.s} {
		last := map[uint16]uint32{}
		for _, m := range sd.messages() {
			want := fmt.Sprintf("%s-%d-", h.peer(sd).name, m.PPID)
			if !bytes.HasPrefix(m.Data, []byte(want)) || !m.EOR || m.Stream != uint16(m.PPID%5) || m.Unordered != (m.PPID%3 == 0) {
				t.Fatalf("%s got %q (%+v)", sd.name, m.Data[:min(20, len(m.Data))], m)
			}
			if !m.Unordered {
				if p, ok := last[m.Stream]; ok && p > m.PPID {
					t.Fatalf("stream %d out of order", m.Stream)
				}
				last[m.Stream] = m.PPID
			}
		}
	}
	h.run(time.Second)
	if !h.c.has(func(e Event) bool { _, ok := e.(SenderDry); return ok }) {
		t.Fatal("no SenderDry")
	}
	if st := h.c.a.Status(); st.Unacked != 0 || st.Pending != 0 {
		t.Fatalf("status %+v", st)
	}
}

func TestFragmentation16MiB(t *testing.T) {
	if testing.Short() {
		t.Skip("16 MiB through the pair takes seconds")
	}
	h := newHarness(t, Config{SendBuffer: 32 << 20}, Config{})
	h.established()
	big := make([]byte, 16<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	mustSend(t, h, h.c, OutMessage{Stream: 2, PPID: 51, Data: big})
	var got []byte
	pieces := 0
	h.runUntil(10*time.Minute, func() bool {
		ms := h.s.messages()
		for _, m := range ms[pieces:] {
			got = append(got, m.Data...)
			pieces++
			if m.EOR && len(got) != len(big) {
				t.Fatalf("EOR after %d bytes", len(got))
			}
		}
		return len(got) == len(big)
	})
	if !bytes.Equal(got, big) {
		t.Fatal("payload differs")
	}
	if pieces < 2 {
		t.Fatal("a 16 MiB message through a 1 MiB buffer needs partial delivery")
	}
	// Every DATA chunk fits the MTU, B only on the first, E only on the last.
	b, e := 0, 0
	for _, p := range h.sent {
		for _, c := range p.Chunks {
			if d, ok := c.(*wire.Data); ok && d.Stream == 2 {
				if d.Beginning {
					b++
				}
				if d.Ending {
					e++
				}
			}
		}
	}
	if b != 1 || e != 1 {
		t.Fatalf("%d B and %d E fragments", b, e)
	}
	if err := h.c.a.Send(h.now, OutMessage{Data: make([]byte, 33<<20)}); !errors.Is(err, ErrMessageTooBig) {
		t.Fatalf("oversized Send: %v", err)
	}
}

func TestSendErrors(t *testing.T) {
	h := newHarness(t, Config{SendBuffer: 1000}, Config{})
	h.established()
	if err := h.c.a.Send(h.now, OutMessage{Stream: 10, Data: []byte("x")}); !errors.Is(err, ErrInvalidStream) {
		t.Fatal(err)
	}
	if err := h.c.a.Send(h.now, OutMessage{Data: nil}); err == nil {
		t.Fatal("empty message accepted")
	}
	mustSend(t, h, h.c, OutMessage{Data: make([]byte, 800)})
	if err := h.c.a.Send(h.now, OutMessage{Data: make([]byte, 300)}); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("over the send buffer: %v", err)
	}
	h.c.a.Shutdown(h.now)
	if err := h.c.a.Send(h.now, OutMessage{Data: []byte("x")}); !errors.Is(err, ErrShutdown) {
		t.Fatalf("after Shutdown: %v", err)
	}
	h.run(5 * time.Second)
	if err := h.c.a.Send(h.now, OutMessage{Data: []byte("x")}); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func TestDelayedSack(t *testing.T) {
	h := newHarness(t, Config{}, Config{DelayedAckTime: 150 * time.Millisecond})
	h.established()
	start := len(h.sent)
	mustSend(t, h, h.c, OutMessage{Data: []byte("one")})
	h.run(time.Second)
	var sackAt, dataAt int
	for i := start; i < len(h.sent); i++ {
		if h.sent[i].Chunks[0].Type() == wire.TypeData {
			dataAt = i
		}
		if h.sent[i].Chunks[0].Type() == wire.TypeSack {
			sackAt = i
		}
	}
	if sackAt == 0 || dataAt == 0 {
		t.Fatalf("no DATA/SACK:\n%s", h.dump())
	}
	// Measure the delay directly: one packet of DATA, SACK after the timer.
	h2 := newHarness(t, Config{}, Config{DelayedAckTime: 150 * time.Millisecond})
	h2.established()
	var sentAt time.Time
	h2.drop = func(from *side, p *wire.Packet) bool {
		if from == h2.s && p.Chunks[0].Type() == wire.TypeSack && sentAt.IsZero() {
			sentAt = h2.now
		}
		return false
	}
	mustSend(t, h2, h2.c, OutMessage{Data: []byte("one")})
	t1 := h2.now
	h2.run(time.Second)
	if got := sentAt.Sub(t1); got != h2.delay+150*time.Millisecond {
		t.Fatalf("SACK %v after the DATA was sent, want delay + 150ms", got)
	}
	// Two packets of DATA: the second is acknowledged at once.
	h3 := newHarness(t, Config{NoDelay: true}, Config{})
	h3.established()
	var at []time.Duration
	h3.drop = func(from *side, p *wire.Packet) bool {
		if from == h3.s && p.Chunks[0].Type() == wire.TypeSack {
			at = append(at, h3.now.Sub(t0))
		}
		return false
	}
	mustSend(t, h3, h3.c, OutMessage{Data: make([]byte, 1400)})
	mustSend(t, h3, h3.c, OutMessage{Data: make([]byte, 1400)})
	arrive := h3.now.Add(h3.delay).Sub(t0)
	h3.run(time.Second)
	if len(at) == 0 || at[0] != arrive {
		t.Fatalf("SACKs at %v, want one at %v", at, arrive)
	}
}

func TestFastRetransmit(t *testing.T) {
	h := newHarness(t, Config{NoDelay: true}, Config{})
	h.established()
	dropped := wire.TSN(0)
	h.drop = func(from *side, p *wire.Packet) bool {
		if d, ok := p.Chunks[0].(*wire.Data); ok && from == h.c && dropped == 0 {
			dropped = d.TSN
			return true
		}
		return false
	}
	for i := range 6 {
		mustSend(t, h, h.c, OutMessage{PPID: uint32(i), Data: make([]byte, 1000)})
	}
	start := h.now
	h.runUntil(5*time.Second, func() bool { return len(h.s.messages()) == 6 })
	if h.now.Sub(start) >= time.Second {
		t.Fatalf("recovery took %v: T3, not fast retransmit\n%s", h.now.Sub(start), h.dump())
	}
	n := 0
	for _, p := range h.sent {
		for _, c := range p.Chunks {
			if d, ok := c.(*wire.Data); ok && d.TSN == dropped {
				n++
			}
		}
	}
	if n != 2 {
		t.Fatalf("TSN %d sent %d times", dropped, n)
	}
	// The SACKs reported the gap.
	gaps := 0
	for _, p := range h.sent {
		if s, ok := p.Chunks[0].(*wire.Sack); ok && len(s.Gaps) > 0 {
			gaps++
		}
	}
	if gaps < 3 {
		t.Fatalf("%d SACKs with gaps", gaps)
	}
	if p := h.c.a.Paths()[0]; p.Cwnd >= min(4*1452, max(2*1452, 4404))+3*1452 {
		t.Fatalf("cwnd %d not reduced", p.Cwnd)
	}
}

func TestT3RetransmitBackoff(t *testing.T) {
	h := newHarness(t, Config{RTOMax: 10 * time.Second, AssocMaxRetrans: 4, HeartbeatInterval: -1}, Config{})
	h.established()
	var at []time.Duration
	h.drop = func(from *side, p *wire.Packet) bool {
		if _, ok := p.Chunks[0].(*wire.Data); ok {
			at = append(at, h.now.Sub(t0))
			return true
		}
		return false
	}
	mustSend(t, h, h.c, OutMessage{Data: []byte("doomed")})
	start := h.now.Sub(t0)
	h.run(2 * time.Minute)
	rto := h.c.a.cfg.RTOMin // SRTT of 20ms keeps the RTO at RTO.Min
	want := []time.Duration{start}
	next := start
	for i := 0; i < 4; i++ {
		next += rto << i
		want = append(want, next)
	}
	if len(at) != len(want) {
		t.Fatalf("DATA at %v, want %v", at, want)
	}
	for i := range want {
		if at[i] != want[i] {
			t.Fatalf("DATA at %v, want %v", at, want)
		}
	}
	// The fifth expiry exceeds Association.Max.Retrans.
	if !h.c.has(isChange(CommLost)) || !errors.Is(h.c.a.Err(), ErrPeerUnreachable) {
		t.Fatalf("events %v", h.c.events)
	}
	if !h.c.has(func(e Event) bool { f, ok := e.(SendFailed); return ok && string(f.Msg.Data) == "doomed" && !f.Unsent }) {
		t.Fatal("no SendFailed")
	}
}

func TestNagleHoldsSmallMessages(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	start := len(h.sent)
	for i := range 10 {
		mustSend(t, h, h.c, OutMessage{PPID: uint32(i), Data: []byte("small")})
		h.flush()
	}
	h.runUntil(time.Second, func() bool { return len(h.s.messages()) == 10 })
	dataPkts := 0
	for i := start; i < len(h.sent); i++ {
		if h.sentBy[i] == "client" && h.sent[i].Chunks[0].Type() == wire.TypeData {
			dataPkts++
		}
	}
	if dataPkts != 2 {
		t.Fatalf("%d DATA packets, want 2 (one, then the rest bundled)\n%s", dataPkts, h.dump())
	}
}

func TestZeroWindowAndWindowUpdate(t *testing.T) {
	h := newHarness(t, Config{NoDelay: true}, Config{RecvBuffer: 4000})
	h.established()
	h.s.consumed = false
	for i := range 6 {
		mustSend(t, h, h.c, OutMessage{PPID: uint32(i), Data: make([]byte, 1000)})
	}
	h.run(3 * time.Second)
	if got := len(h.s.messages()); got < 3 || got > 5 {
		t.Fatalf("%d messages through a 4000-byte window", got)
	}
	if h.s.a.rwnd() != 4000-uint32(len(h.s.messages()))*1000 {
		t.Fatalf("rwnd %d", h.s.a.rwnd())
	}
	// Reading opens the window: a window update goes out and the rest follows.
	h.s.a.ReadConsumed(4000)
	h.s.consumed = true
	h.runUntil(10*time.Second, func() bool { return len(h.s.messages()) == 6 })
}

func TestInvalidStreamAndNoUserData(t *testing.T) {
	h := newHarness(t, Config{}, Config{MaxInStreams: 2})
	h.established()
	tsn := h.s.a.rx.CumAck() + 1
	d := &wire.Data{TSN: tsn, Stream: 5, Beginning: true, Ending: true, UserData: []byte("x")}
	h.s.a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: mkPacket(5000, 5001, h.s.a.LocalTag(), d)})
	tr, ok := h.s.a.PollTransmit(h.now, make([]byte, 1500))
	p, _ := wire.ParsePacket(tr.Packet)
	if !ok {
		t.Fatal("no answer")
	}
	var sawErr, sawSack bool
	for _, c := range p.Chunks {
		switch c := c.(type) {
		case *wire.Error:
			sawErr = c.Causes[0].(*wire.InvalidStream).Stream == 5
		case *wire.Sack:
			sawSack = c.CumTSNAck == tsn
		}
	}
	if !sawErr || !sawSack {
		t.Fatalf("answer %v", chunksOf(p))
	}
	d = &wire.Data{TSN: tsn + 1, Stream: 0, Beginning: true, Ending: true}
	h.s.a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: mkPacket(5000, 5001, h.s.a.LocalTag(), d)})
	tr, _ = h.s.a.PollTransmit(h.now, make([]byte, 1500))
	p, _ = wire.ParsePacket(tr.Packet)
	if ab, ok := p.Chunks[0].(*wire.Abort); !ok || ab.Causes[0].(*wire.NoUserData).TSN != tsn+1 {
		t.Fatalf("no ABORT for empty DATA: %v", chunksOf(p))
	}
	if !h.s.a.Closed() || !errors.Is(h.s.a.Err(), ErrProtocolViolation) {
		t.Fatal("not closed")
	}
}

func TestDuplicateDataReported(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	tsn := h.s.a.rx.CumAck() + 1
	d := &wire.Data{TSN: tsn, Stream: 0, Beginning: true, Ending: true, UserData: []byte("x")}
	pkt := mkPacket(5000, 5001, h.s.a.LocalTag(), d)
	h.s.a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: pkt})
	h.s.a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: pkt})
	tr, _ := h.s.a.PollTransmit(h.now, make([]byte, 1500))
	p, _ := wire.ParsePacket(tr.Packet)
	s, ok := p.Chunks[0].(*wire.Sack)
	if !ok || len(s.Dups) != 1 || s.Dups[0] != tsn {
		t.Fatalf("answer %v", p.Chunks)
	}
}
