package tx

import (
	"errors"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

var t0 = time.Unix(1000, 0)

// sender is a send queue and a retransmission queue wired as the
// association wires them.
type sender struct {
	q *SendQueue
	r *Retransmit
}

func newSender(initial wire.TSN) *sender {
	return &sender{q: NewSendQueue(4, 1<<30), r: NewRetransmit(initial)}
}

// send pushes count single-fragment messages of size bytes on stream 0 and
// sends them on path at now.
func (s *sender) send(t *testing.T, now time.Time, path, count, size int) []wire.TSN {
	t.Helper()
	var tsns []wire.TSN
	for i := 0; i < count; i++ {
		if err := s.q.Push(msg(0, size)); err != nil {
			t.Fatal(err)
		}
		var d wire.Data
		ref, ok := s.q.Next(now, size, &d)
		if !ok {
			t.Fatal("no fragment")
		}
		tsns = append(tsns, s.r.Add(now, path, &d, ref))
	}
	return tsns
}

func sack(cum wire.TSN, gaps ...uint16) *wire.Sack {
	s := &wire.Sack{CumTSNAck: cum, ARwnd: 100000}
	for i := 0; i+1 < len(gaps); i += 2 {
		s.Gaps = append(s.Gaps, wire.GapBlock{Start: gaps[i], End: gaps[i+1]})
	}
	return s
}

func mustSack(t *testing.T, r *Retransmit, now time.Time, s *wire.Sack) SackResult {
	t.Helper()
	res, err := r.HandleSack(now, s)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestAddAssignsTSNs(t *testing.T) {
	s := newSender(0xfffffffe) // wraps around
	tsns := s.send(t, t0, 1, 3, 100)
	if tsns[0] != 0xfffffffe || tsns[1] != 0xffffffff || tsns[2] != 0 || s.r.NextTSN() != 1 {
		t.Fatalf("tsns %v next %d", tsns, s.r.NextTSN())
	}
	if s.r.Outstanding(1) != 300 || s.r.Outstanding(0) != 0 || s.r.Outstanding(7) != 0 || s.r.OutstandingTotal() != 300 || s.r.Len() != 3 {
		t.Fatal("outstanding")
	}
	res := mustSack(t, s.r, t0.Add(10*ms), sack(0))
	if !res.CumAdvanced || !res.AllAcked || res.AckedBytes[1] != 300 || !s.r.Empty() || s.r.CumTSN() != 0 {
		t.Fatalf("%+v", res)
	}
}

func TestSackValidation(t *testing.T) {
	// RFC 9260 6.2.1: a SACK acknowledging a TSN never sent is a protocol
	// violation; one whose cum ack is behind is old and ignored.
	s := newSender(100)
	s.send(t, t0, 0, 5, 100) // TSNs 100..104
	tests := []struct {
		name string
		sk   *wire.Sack
		err  bool
	}{
		{"cum ack beyond highest sent", sack(105), true},
		{"cum ack far ahead", sack(5000), true},
		{"gap beyond highest sent", sack(100, 2, 5), true},
		{"gap ends at highest sent", sack(100, 2, 4), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSender(100)
			s.send(t, t0, 0, 5, 100)
			_, err := s.r.HandleSack(t0, tt.sk)
			if (err != nil) != tt.err || (err != nil && !errors.Is(err, ErrProtocol)) {
				t.Fatalf("err %v", err)
			}
			if tt.err && s.r.OutstandingTotal() != 500 {
				t.Fatal("state changed by a bad SACK")
			}
		})
	}
	// Old SACK ignored.
	mustSack(t, s.r, t0, sack(102))
	res := mustSack(t, s.r, t0, sack(101, 1, 2))
	if !res.Ignored || res.CumAdvanced || s.r.CumTSN() != 102 || s.r.OutstandingTotal() != 200 {
		t.Fatalf("old SACK not ignored: %+v", res)
	}
	// Nothing sent yet: cum ack = initial-1 is fine, initial is not.
	r := NewRetransmit(10)
	if _, err := r.HandleSack(t0, sack(9)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.HandleSack(t0, sack(10)); !errors.Is(err, ErrProtocol) {
		t.Fatalf("ack before send: %v", err)
	}
}

func TestSackGapsAndRwnd(t *testing.T) {
	s := newSender(1)
	s.send(t, t0, 0, 5, 100) // 1..5 on path 0
	s.send(t, t0, 1, 5, 100) // 6..10 on path 1
	// cum 2; gaps 4-5 (TSN 4,5... offsets from 2: 2..3 -> TSN 4,5) and 6..8 -> TSN 8..10;
	// invalid blocks (start 0, start > end) are skipped; unsorted blocks work.
	sk := sack(2, 6, 8, 0, 3, 5, 4, 2, 3)
	sk.ARwnd = 1000
	res := mustSack(t, s.r, t0, sk)
	if res.AckedBytes[0] != 400 || res.AckedBytes[1] != 300 {
		t.Fatalf("acked %v", res.AckedBytes)
	}
	if s.r.Outstanding(0) != 100 || s.r.Outstanding(1) != 200 {
		t.Fatalf("outstanding %d %d", s.r.Outstanding(0), s.r.Outstanding(1))
	}
	if res.PeerRwnd != 700 {
		t.Fatalf("rwnd %d, want a_rwnd 1000 - 300 in flight", res.PeerRwnd)
	}
	// The same gaps again ack nothing new.
	res = mustSack(t, s.r, t0, sk)
	if res.AckedBytes[0] != 0 || res.AckedBytes[1] != 0 || res.CumAdvanced {
		t.Fatalf("repeat acked %v", res.AckedBytes)
	}
	// rwnd below flight: 0.
	sk.ARwnd = 10
	if res = mustSack(t, s.r, t0, sk); res.PeerRwnd != 0 {
		t.Fatalf("rwnd %d", res.PeerRwnd)
	}
	// Cum ack over gap-acked chunks counts only the rest.
	res = mustSack(t, s.r, t0, sack(10))
	if res.AckedBytes[0] != 100 || res.AckedBytes[1] != 200 || !res.AllAcked || len(res.Delivered) != 8 {
		t.Fatalf("final %+v", res)
	}
}

func TestSackRenege(t *testing.T) {
	// RFC 9260 6.2.1: a TSN gap-acked before and missing now goes back to
	// outstanding, with one miss indication.
	s := newSender(1)
	s.send(t, t0, 0, 5, 100)
	mustSack(t, s.r, t0, sack(1, 2, 4)) // 3,4,5 gap-acked; 2 missing
	if s.r.OutstandingTotal() != 100 {
		t.Fatalf("outstanding %d", s.r.OutstandingTotal())
	}
	res := mustSack(t, s.r, t0, sack(1, 2, 2)) // 4,5 reneged
	if !res.Reneged || s.r.OutstandingTotal() != 300 || res.AckedBytes[0] != 0 {
		t.Fatalf("renege: %+v outstanding %d", res, s.r.OutstandingTotal())
	}
	if c := s.r.at(3); c.miss != 1 || c.acked {
		t.Fatalf("reneged chunk miss %d acked %v", c.miss, c.acked)
	}
	// A SACK without gaps reneges everything gap-acked.
	res = mustSack(t, s.r, t0, sack(1))
	if !res.Reneged || s.r.OutstandingTotal() != 400 {
		t.Fatalf("renege all: outstanding %d", s.r.OutstandingTotal())
	}
	if !s.r.HasOutstandingOn(0) || s.r.HasOutstandingOn(1) {
		t.Fatal("HasOutstandingOn")
	}
	res = mustSack(t, s.r, t0, sack(5))
	if !res.AllAcked || s.r.OutstandingTotal() != 0 {
		t.Fatal("not all acked")
	}
}

func TestFastRetransmit(t *testing.T) {
	// RFC 9260 7.2.4: three miss indications (HTNA rule) mark a chunk for
	// fast retransmit; entering Fast Recovery once; each chunk fast
	// retransmitted only once.
	s := newSender(1)
	s.send(t, t0, 0, 10, 100) // 1..10
	for i, g := range []uint16{2, 3} {
		res := mustSack(t, s.r, t0, sack(1, 2, g)) // TSN 2 missing
		if res.FastRetransmit {
			t.Fatalf("sack %d: fast retransmit too early", i)
		}
	}
	// Same gaps again: no newly acked TSN above 2 -> no miss indication (HTNA).
	mustSack(t, s.r, t0, sack(1, 2, 3))
	if s.r.HasRetransmits() {
		t.Fatal("HTNA: miss counted without a newly acked TSN above")
	}
	res := mustSack(t, s.r, t0, sack(1, 2, 4))
	if !res.FastRetransmit || !res.EnteredFastRecovery || len(res.FastRetransmitPaths) != 1 || res.FastRetransmitPaths[0] != 0 {
		t.Fatalf("third miss: %+v", res)
	}
	// TSN 2 left the flight when marked: 6..10 remain.
	if !s.r.InFastRecovery() || !s.r.HasFastRetransmits() || s.r.Outstanding(0) != 500 {
		t.Fatalf("state: fr %v outstanding %d", s.r.InFastRecovery(), s.r.Outstanding(0))
	}
	var d wire.Data
	if s.r.NextRetransmit(t0, 0, 99, &d) {
		t.Fatal("chunk does not fit")
	}
	if !s.r.NextRetransmit(t0, 0, 100, &d) || d.TSN != 2 {
		t.Fatalf("retransmit %+v", d)
	}
	if s.r.NextRetransmit(t0, 0, 100, &d) || s.r.HasRetransmits() {
		t.Fatal("second retransmit")
	}
	// TSN 2 lost again: more SACKs never mark it a second time.
	for g := uint16(5); g < 9; g++ {
		if res := mustSack(t, s.r, t0, sack(1, 2, g)); res.FastRetransmit {
			t.Fatal("fast retransmitted twice")
		}
	}
	// Fast Recovery ends when the cum ack reaches the highest TSN
	// outstanding at entry (10).
	mustSack(t, s.r, t0, sack(9))
	if !s.r.InFastRecovery() {
		t.Fatal("left fast recovery early")
	}
	mustSack(t, s.r, t0, sack(10))
	if s.r.InFastRecovery() {
		t.Fatal("still in fast recovery")
	}
}

func TestFastRecoveryMissAllReported(t *testing.T) {
	// RFC 9260 7.2.4: in Fast Recovery, a SACK advancing the cum ack counts
	// a miss for every TSN reported missing, HTNA or not.
	s := newSender(1)
	s.send(t, t0, 0, 20, 100)
	mustSack(t, s.r, t0, sack(0, 2, 2))
	mustSack(t, s.r, t0, sack(0, 2, 3))
	if res := mustSack(t, s.r, t0, sack(0, 2, 4)); !res.EnteredFastRecovery {
		t.Fatal("no fast recovery")
	}
	// cum 5; TSN 6 missing; gap TSN 7..8 acked earlier? no: first time. Then
	// repeat the same gap while advancing cum via... simulate: 6 missing, 7
	// gap-acked; next SACKs advance nothing above 7 but the cum ack moves
	// from 4 to 5 is impossible without acking 5: use two holes.
	mustSack(t, s.r, t0, sack(4, 2, 2, 4, 4)) // cum 4, 5 missing, 6 acked, 7 missing, 8 acked
	c7 := s.r.at(2)                           // TSN 7
	before := c7.miss
	mustSack(t, s.r, t0, sack(5, 1, 1, 3, 3)) // cum 5 (advances), 7 still missing, no new ack above it
	if s.r.at(1).miss != before+1 {
		t.Fatalf("miss for TSN 7: %d, want %d", s.r.at(1).miss, before+1)
	}
}

func TestT3MarksAll(t *testing.T) {
	// RFC 9260 6.3.3 E3: on T3-rtx expiry every outstanding chunk of the
	// path is marked; they leave the flight; retransmitted in TSN order.
	s := newSender(1)
	s.send(t, t0, 0, 3, 100)            // 1..3 path 0
	s.send(t, t0, 1, 2, 100)            // 4..5 path 1
	mustSack(t, s.r, t0, sack(0, 2, 2)) // TSN 2 gap-acked
	s.r.MarkAllForRetransmit(0)
	if s.r.Outstanding(0) != 0 || s.r.Outstanding(1) != 200 || !s.r.HasRetransmits() || s.r.HasFastRetransmits() {
		t.Fatal("mark")
	}
	var d wire.Data
	var got []wire.TSN
	for s.r.NextRetransmit(t0.Add(time.Second), 1, 1500, &d) {
		got = append(got, d.TSN)
	}
	if len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Fatalf("retransmitted %v", got)
	}
	if s.r.Outstanding(1) != 400 || s.r.Outstanding(0) != 0 {
		t.Fatal("retransmissions not on the new path")
	}
	// Karn: acking the retransmitted chunks gives no RTT sample; a chunk
	// sent before the retransmission neither (6.3.1 C5).
	res := mustSack(t, s.r, t0.Add(2*time.Second), sack(4))
	if res.RTT != 0 {
		t.Fatalf("RTT %v from a retransmitted chunk", res.RTT)
	}
	s.send(t, t0.Add(2*time.Second), 1, 1, 100) // TSN 6
	res = mustSack(t, s.r, t0.Add(2*time.Second+30*ms), sack(6))
	if res.RTT != 30*ms || res.RTTPath != 1 {
		t.Fatalf("RTT %v path %d", res.RTT, res.RTTPath)
	}
}

func TestT3ThenFastMarkPriority(t *testing.T) {
	s := newSender(1)
	s.send(t, t0, 0, 6, 100)
	s.r.MarkAllForRetransmit(0) // 1..6 marked by T3
	var d wire.Data
	for i := 0; i < 6; i++ {
		s.r.NextRetransmit(t0, 0, 100, &d)
	}
	// 1 lost again, gaps over 2..4 three times: fast mark.
	mustSack(t, s.r, t0, sack(0, 2, 2))
	mustSack(t, s.r, t0, sack(0, 2, 3))
	mustSack(t, s.r, t0, sack(0, 2, 4))
	s.r.MarkAllForRetransmit(0) // 5,6 T3-marked; 1 keeps its fast mark
	if s.r.NextRetransmit(t0, 0, 100, &d); d.TSN != 1 {
		t.Fatalf("first %d", d.TSN)
	}
	if s.r.NextRetransmit(t0, 0, 100, &d); d.TSN != 5 {
		t.Fatalf("second %d", d.TSN)
	}
	if s.r.InFastRecovery() {
		t.Fatal("T3 must end fast recovery")
	}
}

func TestRTTSample(t *testing.T) {
	// The newest newly acked chunk never retransmitted gives the sample.
	s := newSender(1)
	s.send(t, t0, 0, 1, 100)
	s.send(t, t0.Add(10*ms), 2, 1, 100)
	res := mustSack(t, s.r, t0.Add(50*ms), sack(1, 1, 1))
	if res.RTT != 40*ms || res.RTTPath != 2 {
		t.Fatalf("RTT %v path %d", res.RTT, res.RTTPath)
	}
	// Zero RTT (virtual time) is reported as 1ns; no new ack, no sample.
	s.send(t, t0.Add(50*ms), 0, 1, 100)
	if res = mustSack(t, s.r, t0.Add(50*ms), sack(3)); res.RTT != 1 {
		t.Fatalf("zero RTT: %v", res.RTT)
	}
	if res = mustSack(t, s.r, t0.Add(60*ms), sack(3)); res.RTT != 0 {
		t.Fatalf("no ack: %v", res.RTT)
	}
}

func TestNextRetransmitNothing(t *testing.T) {
	r := NewRetransmit(1)
	var d wire.Data
	if r.NextRetransmit(t0, -1, 1000, &d) || r.HasRetransmits() {
		t.Fatal("empty queue retransmitted")
	}
	// Negative path is treated as path 0.
	s := newSender(1)
	s.send(t, t0, 0, 1, 10)
	s.r.MarkAllForRetransmit(0)
	if !s.r.NextRetransmit(t0, -1, 10, &d) || s.r.Outstanding(0) != 10 {
		t.Fatal("negative path")
	}
	// Counters out of sync recover instead of panicking.
	s.r.marked = 1
	if s.r.NextRetransmit(t0, 0, 10, &d) || s.r.HasRetransmits() {
		t.Fatal("out of sync")
	}
}

func TestRingGrowth(t *testing.T) {
	s := newSender(0xfffffff0)
	s.send(t, t0, 0, 40, 10)
	mustSack(t, s.r, t0, sack(0xfffffff0+9))
	s.send(t, t0, 0, 100, 10) // wraps the ring and grows it
	if s.r.Len() != 130 || s.r.OutstandingTotal() != 1300 {
		t.Fatalf("len %d", s.r.Len())
	}
	for i := 0; i < s.r.Len(); i++ {
		if got, want := s.r.at(i).d.TSN, s.r.CumTSN().Add(uint32(i+1)); got != want {
			t.Fatalf("index %d: TSN %d, want %d", i, got, want)
		}
	}
	if res := mustSack(t, s.r, t0, sack(s.r.NextTSN()-1)); !res.AllAcked {
		t.Fatal("not all acked")
	}
}
