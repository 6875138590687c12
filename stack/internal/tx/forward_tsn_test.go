package tx

import (
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// pushSend pushes m and sends all of its fragments (maxPayload bytes each)
// on path 0 at now.
func (s *sender) pushSend(t *testing.T, now time.Time, m OutMessage, maxPayload int) MsgRef {
	t.Helper()
	if err := s.q.Push(m); err != nil {
		t.Fatal(err)
	}
	var ref MsgRef
	for {
		var d wire.Data
		r, ok := s.q.Next(now, maxPayload, &d)
		if !ok {
			return ref
		}
		ref = r
		s.r.Add(now, 0, &d, r)
	}
}

func TestPRSCTPTimedReliability(t *testing.T) {
	// RFC 3758 3.5: chunks whose lifetime expired are abandoned; the
	// Advanced.Peer.Ack.Point moves over them; the FORWARD TSN names the
	// new cum TSN and the highest SSN skipped per ordered stream.
	s := newSender(1)
	m := msg(0, 30)
	m.Deadline = t0.Add(time.Second)
	m.Context = 42
	s.pushSend(t, t0, m, 10) // TSN 1..3, stream 0 SSN 0
	keep := msg(1, 10)
	s.pushSend(t, t0, keep, 10) // TSN 4, no policy
	var f wire.ForwardTSN
	if s.r.ForwardTSN(t0.Add(999*ms), &f) {
		t.Fatal("FORWARD TSN before the deadline")
	}
	if !s.r.ForwardTSN(t0.Add(time.Second), &f) {
		t.Fatal("no FORWARD TSN after the deadline")
	}
	if f.NewCumTSN != 3 || len(f.Streams) != 1 || f.Streams[0] != (wire.ForwardTSNStream{Stream: 0, SSN: 0}) {
		t.Fatalf("forward %+v", f)
	}
	if s.r.AdvancedPeerAckPoint() != 3 || s.r.OutstandingTotal() != 10 {
		t.Fatalf("ack point %d outstanding %d", s.r.AdvancedPeerAckPoint(), s.r.OutstandingTotal())
	}
	ab := s.r.Abandoned()
	if len(ab) != 1 || ab[0].Context != 42 || len(ab[0].Data) != 30 || s.r.Abandoned() != nil {
		t.Fatalf("abandoned %+v", ab)
	}
	if s.q.Buffered() != 10 {
		t.Fatalf("buffered %d", s.q.Buffered())
	}
	// Repeated until the peer's cum ack passes it.
	if !s.r.ForwardTSN(t0.Add(2*time.Second), &f) || f.NewCumTSN != 3 {
		t.Fatal("FORWARD TSN not repeated")
	}
	res := mustSack(t, s.r, t0.Add(2*time.Second), sack(3))
	if !res.CumAdvanced || res.AckedBytes[0] != 0 || len(res.Delivered) != 0 {
		t.Fatalf("abandoned chunks counted as acked: %+v", res)
	}
	if s.r.ForwardTSN(t0.Add(2*time.Second), &f) {
		t.Fatal("FORWARD TSN after the peer caught up")
	}
}

func TestPRSCTPLimitedRetransmissions(t *testing.T) {
	// RFC 7496 limited retransmissions: a chunk is retransmitted at most
	// MaxRetrans times, then its message is abandoned.
	for _, maxRtx := range []int{0, 1, 3} {
		s := newSender(1)
		m := msg(0, 10)
		m.MaxRetrans = maxRtx
		s.pushSend(t, t0, m, 10)
		var d wire.Data
		for i := 0; i < maxRtx; i++ {
			s.r.MarkAllForRetransmit(0)
			if !s.r.NextRetransmit(t0, 0, 100, &d) {
				t.Fatalf("max %d: retransmission %d refused", maxRtx, i+1)
			}
		}
		s.r.MarkAllForRetransmit(0)
		if s.r.NextRetransmit(t0, 0, 100, &d) {
			t.Fatalf("max %d: retransmitted once more", maxRtx)
		}
		var f wire.ForwardTSN
		if !s.r.ForwardTSN(t0, &f) || f.NewCumTSN != 1 || s.r.OutstandingTotal() != 0 || len(s.r.Abandoned()) != 1 {
			t.Fatalf("max %d: forward %+v", maxRtx, f)
		}
	}
}

func TestPRSCTPDeadlineAtRetransmit(t *testing.T) {
	s := newSender(1)
	m := msg(0, 10)
	m.Deadline = t0.Add(time.Second)
	s.pushSend(t, t0, m, 10)
	s.pushSend(t, t0, msg(0, 10), 10)
	s.r.MarkAllForRetransmit(0)
	var d wire.Data
	// The expired message is skipped; the next marked chunk goes out.
	if !s.r.NextRetransmit(t0.Add(time.Second), 0, 100, &d) || d.TSN != 2 {
		t.Fatalf("retransmitted %d", d.TSN)
	}
}

func TestPRSCTPForwardTSNStreams(t *testing.T) {
	// Highest SSN per ordered stream; unordered messages name no stream.
	s := newSender(1)
	var pr []OutMessage
	for _, st := range []uint16{0, 0, 2, 0, 1} {
		m := msg(st, 10)
		m.MaxRetrans = 0
		if st == 1 {
			m.Unordered = true
		}
		pr = append(pr, m)
	}
	for _, m := range pr {
		s.pushSend(t, t0, m, 10)
	}
	s.r.MarkAllForRetransmit(0)
	var d wire.Data
	if s.r.NextRetransmit(t0, 0, 100, &d) {
		t.Fatal("retransmitted")
	}
	var f wire.ForwardTSN
	if !s.r.ForwardTSN(t0, &f) || f.NewCumTSN != 5 {
		t.Fatalf("forward %+v", f)
	}
	want := []wire.ForwardTSNStream{{Stream: 0, SSN: 2}, {Stream: 2, SSN: 0}}
	if len(f.Streams) != len(want) || f.Streams[0] != want[0] || f.Streams[1] != want[1] {
		t.Fatalf("streams %+v, want %+v", f.Streams, want)
	}
}

func TestPRSCTPAckPointStopsAtUnabandoned(t *testing.T) {
	// RFC 3758 3.5 C2: the point advances only over abandoned chunks.
	s := newSender(1)
	s.pushSend(t, t0, msg(0, 10), 10) // TSN 1, reliable
	m := msg(0, 10)
	m.Deadline = t0
	ref := s.pushSend(t, t0.Add(-time.Second), m, 10) // TSN 2, expires
	_ = ref
	var f wire.ForwardTSN
	if s.r.ForwardTSN(t0, &f) {
		t.Fatal("FORWARD TSN over a reliable chunk")
	}
	mustSack(t, s.r, t0, sack(1))
	if !s.r.ForwardTSN(t0, &f) || f.NewCumTSN != 2 {
		t.Fatalf("forward %+v", f)
	}
}

func TestPRSCTPPartiallySentMessage(t *testing.T) {
	// Abandoning a message whose tail is not cut yet drops the tail from
	// the send queue (all fragments go together).
	s := newSender(1)
	m := msg(0, 30)
	m.MaxRetrans = 0
	_ = s.q.Push(m)
	_ = s.q.Push(msg(1, 5))
	var d wire.Data
	ref, _ := s.q.Next(t0, 10, &d)
	s.r.Add(t0, 0, &d, ref) // TSN 1: first fragment only
	s.r.MarkAllForRetransmit(0)
	if s.r.NextRetransmit(t0, 0, 100, &d) {
		t.Fatal("retransmitted")
	}
	if s.q.Buffered() != 5 {
		t.Fatalf("buffered %d", s.q.Buffered())
	}
	if _, ok := s.q.Next(t0, 10, &d); !ok || d.Stream != 1 || !d.Beginning {
		t.Fatalf("next %+v", d)
	}
	if !s.q.Empty() || s.q.Unsent() != 0 {
		t.Fatalf("unsent %d", s.q.Unsent())
	}
	if ab := s.q.Abandoned(); len(ab) != 0 {
		t.Fatal("reported twice")
	}
}

func TestPRSCTPGapAckedAbandoned(t *testing.T) {
	// A message some of whose fragments were gap-acked is abandoned whole;
	// a later SACK without that gap does not renege the abandoned chunks.
	s := newSender(1)
	m := msg(0, 20)
	m.Deadline = t0.Add(time.Second)
	s.pushSend(t, t0, m, 10) // TSN 1, 2
	mustSack(t, s.r, t0, sack(0, 2, 2))
	var f wire.ForwardTSN
	if !s.r.ForwardTSN(t0.Add(time.Second), &f) || f.NewCumTSN != 2 {
		t.Fatalf("forward %+v", f)
	}
	if res := mustSack(t, s.r, t0, sack(0)); res.Reneged || s.r.OutstandingTotal() != 0 {
		t.Fatal("abandoned chunk reneged")
	}
	if res := mustSack(t, s.r, t0, sack(2)); !res.AllAcked {
		t.Fatal("not all acked")
	}
}

func TestAbandonRef(t *testing.T) {
	s := newSender(1)
	s.pushSend(t, t0, msg(0, 10), 10)
	ref := s.pushSend(t, t0, msg(0, 20), 10) // TSN 2, 3
	s.r.Abandon(nil)
	s.r.Abandon(ref)
	s.r.Abandon(ref) // idempotent
	if s.r.OutstandingTotal() != 10 || len(s.r.Abandoned()) != 1 {
		t.Fatalf("outstanding %d", s.r.OutstandingTotal())
	}
	// A message not held (acked already) is left alone.
	ref1 := s.pushSend(t, t0, msg(0, 10), 10) // TSN 4
	mustSack(t, s.r, t0, sack(4))
	s.r.Abandon(ref1)
	if len(s.r.Abandoned()) != 0 {
		t.Fatal("delivered message abandoned")
	}
	if ref1.Len() != 10 || ref1.Context() != 0 || ref1.SSN() != 2 {
		t.Fatalf("ref accessors %d %d", ref1.Len(), ref1.SSN())
	}
}

func TestApplyDeadlinesRearms(t *testing.T) {
	// Only due deadlines walk the queue; later ones stay armed.
	s := newSender(1)
	for i, dl := range []time.Duration{time.Second, 3 * time.Second} {
		m := msg(uint16(i), 10)
		m.Deadline = t0.Add(dl)
		s.pushSend(t, t0, m, 10)
	}
	var f wire.ForwardTSN
	s.r.ForwardTSN(t0.Add(time.Second), &f)
	if s.r.prNext != t0.Add(3*time.Second) {
		t.Fatalf("next deadline %v", s.r.prNext)
	}
	s.r.ForwardTSN(t0.Add(3*time.Second), &f)
	if f.NewCumTSN != 2 || !s.r.prNext.IsZero() {
		t.Fatalf("forward %+v", f)
	}
}

func TestPRSCTPPartiallySentTailGetsTSN(t *testing.T) {
	// A message abandoned with only its first fragment cut: its unsent tail
	// takes TSN 2, never transmitted, so that the FORWARD TSN covers the
	// whole message and names its SSN; the next message starts at TSN 3.
	for _, unordered := range []bool{false, true} {
		s := newSender(1)
		s.pushSend(t, t0, msg(0, 5), 10) // SSN 0, TSN 1, delivered below
		mustSack(t, s.r, t0, sack(1))
		m := msg(0, 30)
		m.MaxRetrans = 0
		m.Unordered = unordered
		_ = s.q.Push(m)
		_ = s.q.Push(msg(1, 5))
		var d wire.Data
		ref, _ := s.q.Next(t0, 10, &d)
		s.r.Add(t0, 0, &d, ref) // TSN 2: first fragment only
		s.r.MarkAllForRetransmit(0)
		if s.r.NextRetransmit(t0, 0, 100, &d) {
			t.Fatal("retransmitted")
		}
		if s.r.NextTSN() != 4 || s.r.Len() != 2 || s.q.Unsent() != 5 || s.q.NextLen() != 5 {
			t.Fatalf("next TSN %d, held %d, unsent %d", s.r.NextTSN(), s.r.Len(), s.q.Unsent())
		}
		var f wire.ForwardTSN
		if !s.r.ForwardTSN(t0, &f) || f.NewCumTSN != 3 {
			t.Fatalf("forward %+v", f)
		}
		if unordered && len(f.Streams) != 0 {
			t.Fatalf("unordered message named: %+v", f.Streams)
		}
		if !unordered && (len(f.Streams) != 1 || f.Streams[0] != (wire.ForwardTSNStream{Stream: 0, SSN: 1})) {
			t.Fatalf("streams %+v", f.Streams)
		}
		if ab := s.r.Abandoned(); len(ab) != 1 || len(ab[0].Data) != 30 {
			t.Fatalf("abandoned %v", ab)
		}
		ref, ok := s.q.Next(t0, 10, &d)
		if !ok || d.Stream != 1 {
			t.Fatalf("next %+v", d)
		}
		if tsn := s.r.Add(t0, 0, &d, ref); tsn != 4 {
			t.Fatalf("next message TSN %d", tsn)
		}
		// The peer takes the FORWARD TSN and acks through it.
		res := mustSack(t, s.r, t0, sack(4))
		if !res.AllAcked || len(res.Delivered) != 1 || s.q.Buffered() != 0 || s.r.OutstandingTotal() != 0 {
			t.Fatalf("after sack %+v, buffered %d", res, s.q.Buffered())
		}
	}
}

func TestPRSCTPPartiallySentTailRingFull(t *testing.T) {
	// The tail's TSN fits even when the ring is full.
	s := newSender(1)
	s.send(t, t0, 0, 15, 10)
	m := msg(1, 30)
	m.Deadline = t0.Add(time.Second)
	_ = s.q.Push(m)
	var d wire.Data
	ref, _ := s.q.Next(t0, 10, &d)
	s.r.Add(t0, 0, &d, ref) // TSN 16: the ring's 16 slots are full
	s.r.Abandon(ref)
	if s.r.Len() != 17 || s.r.NextTSN() != 18 || !s.q.Empty() {
		t.Fatalf("held %d next %d", s.r.Len(), s.r.NextTSN())
	}
	mustSack(t, s.r, t0, sack(15))
	var f wire.ForwardTSN
	if !s.r.ForwardTSN(t0, &f) || f.NewCumTSN != 17 || len(f.Streams) != 1 || f.Streams[0].Stream != 1 {
		t.Fatalf("forward %+v", f)
	}
}

func TestMaxRetransZeroAbandonsWhenLost(t *testing.T) {
	// MaxRetrans 0 means "never retransmit" (RFC 7496; the association maps
	// its API's 0 = unlimited to -1). A chunk sent once and reported missing
	// three times is abandoned instead of fast retransmitted.
	s := newSender(1)
	m := msg(0, 10)
	m.MaxRetrans = 0
	s.pushSend(t, t0, m, 10) // TSN 1, lost
	s.send(t, t0, 0, 3, 10)  // TSN 2-4, received
	for i := uint16(2); i <= 4; i++ {
		mustSack(t, s.r, t0, sack(0, 2, i))
	}
	if !s.r.HasFastRetransmits() {
		t.Fatal("not marked")
	}
	var d wire.Data
	if s.r.NextRetransmit(t0, 0, 100, &d) {
		t.Fatalf("retransmitted TSN %d", d.TSN)
	}
	var f wire.ForwardTSN
	if !s.r.ForwardTSN(t0, &f) || f.NewCumTSN != 1 || len(s.r.Abandoned()) != 1 || s.q.Buffered() != 30 {
		t.Fatalf("forward %+v buffered %d", f, s.q.Buffered())
	}
}

func TestMessageRecycling(t *testing.T) {
	// MsgRef lifetime: a delivered handle stays readable until the next
	// HandleSack; an abandoned one is retired when the cum ack covers its
	// last fragment (here the tail's TSN). Retired handles are zeroed for
	// the pool, so the user's data is not kept alive.
	s := newSender(1)
	ref := s.pushSend(t, t0, msg(0, 10), 10) // TSN 1
	res := mustSack(t, s.r, t0, sack(1))
	if len(res.Delivered) != 1 || res.Delivered[0] != ref || ref.Len() != 10 {
		t.Fatalf("delivered %v", res.Delivered)
	}
	mustSack(t, s.r, t0, sack(1))
	if ref.Len() != 0 {
		t.Fatal("delivered message not recycled by the next SACK")
	}

	m := msg(0, 30)
	m.MaxRetrans = 0
	_ = s.q.Push(m)
	var d wire.Data
	ab, _ := s.q.Next(t0, 10, &d)
	s.r.Add(t0, 0, &d, ab) // TSN 2, tail gets TSN 3
	s.r.Abandon(ab)
	if ab.Len() != 30 {
		t.Fatal("abandoned message recycled while held")
	}
	if res := mustSack(t, s.r, t0, sack(3)); !res.AllAcked || len(res.Delivered) != 0 || ab.Len() != 0 {
		t.Fatalf("abandoned message: %+v, len %d", res, ab.Len())
	}
	if got := s.r.Abandoned(); len(got) != 1 || len(got[0].Data) != 30 {
		t.Fatalf("abandoned report %v", got)
	}
}

func TestRecycleOnce(t *testing.T) {
	m := newMessage()
	m.recycle()
	m.recycle() // ignored: a pooled struct is never put twice
	if !m.pooled {
		t.Fatal("not marked pooled")
	}
}
