package tx

import (
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

func TestSendQueueNextLen(t *testing.T) {
	q := NewSendQueue(2, 1<<20)
	if q.NextLen() != 0 {
		t.Fatal("empty")
	}
	_ = q.Push(msg(1, 30))
	_ = q.Push(msg(0, 7))
	if q.NextLen() != 30 {
		t.Fatalf("head %d", q.NextLen())
	}
	var d wire.Data
	q.Next(t0, 10, &d)
	if q.NextLen() != 20 {
		t.Fatalf("rest of current %d", q.NextLen())
	}
	q.Next(t0, 100, &d)
	if q.NextLen() != 7 {
		t.Fatalf("next stream %d", q.NextLen())
	}
}

func TestSendQueueExpire(t *testing.T) {
	q := NewSendQueue(2, 1<<20)
	for i, dl := range []time.Duration{0, time.Second, 3 * time.Second, time.Second} {
		m := msg(uint16(i%2), 10)
		if dl > 0 {
			m.Deadline = t0.Add(dl)
		}
		m.Context = uint64(i)
		_ = q.Push(m)
	}
	q.Expire(t0.Add(2 * time.Second))
	ab := q.Abandoned()
	if len(ab) != 2 || ab[0].Context != 1 || ab[1].Context != 3 || q.Unsent() != 20 || q.Buffered() != 20 {
		t.Fatalf("abandoned %+v unsent %d", ab, q.Unsent())
	}
	var d wire.Data
	var got []uint64
	for {
		ref, ok := q.Next(t0.Add(2*time.Second), 100, &d)
		if !ok {
			break
		}
		got = append(got, ref.Context())
	}
	if len(got) != 2 || got[0] != 0 || got[1] != 2 {
		t.Fatalf("sent %v", got)
	}
	// The message being cut is never expired by Expire.
	m := msg(0, 30)
	m.Deadline = t0
	_ = q.Push(m)
	q.Next(t0.Add(-time.Second), 10, &d)
	q.Expire(t0)
	if len(q.Abandoned()) != 0 || q.NextLen() != 20 {
		t.Fatal("current message expired")
	}
}

func TestDrain(t *testing.T) {
	s := newSender(1)
	s.pushSend(t, t0, msg(0, 10), 10) // TSN 1, acked below
	s.pushSend(t, t0, msg(0, 10), 10) // TSN 2, held
	big := msg(1, 30)
	big.Context = 9
	_ = s.q.Push(big)
	var d wire.Data
	ref, _ := s.q.Next(t0, 10, &d)
	s.r.Add(t0, 0, &d, ref) // TSN 3: first fragment of big
	_ = s.q.Push(msg(2, 5))
	mustSack(t, s.r, t0, sack(1))

	fromQ := s.q.Drain()
	if len(fromQ) != 2 || fromQ[0].Context != 9 || !s.q.Empty() || s.q.NextLen() != 0 {
		t.Fatalf("queue drain %+v", fromQ)
	}
	fromR := s.r.Drain()
	if len(fromR) != 1 || !s.r.Empty() || s.r.OutstandingTotal() != 0 || s.r.CumTSN() != 3 {
		t.Fatalf("retransmit drain %+v", fromR)
	}
	if s.q.Buffered() != 0 {
		t.Fatalf("buffered %d", s.q.Buffered())
	}
	// Both stay usable.
	s.pushSend(t, t0, msg(0, 10), 10)
	if res := mustSack(t, s.r, t0, sack(4)); !res.AllAcked || len(res.Delivered) != 1 {
		t.Fatalf("after drain %+v", res)
	}
	// Abandoned-but-unfetched messages come out of Drain, once.
	m := msg(0, 10)
	m.MaxRetrans = 0
	s.pushSend(t, t0, m, 10)
	s.r.MarkAllForRetransmit(0)
	s.r.NextRetransmit(t0, 0, 100, &d)
	if out := s.r.Drain(); len(out) != 1 || s.r.Abandoned() != nil {
		t.Fatalf("drain after abandon %+v", out)
	}
}
