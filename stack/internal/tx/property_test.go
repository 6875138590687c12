package tx

import (
	"math/rand"
	"sort"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// TestRandomLossProperty runs a sender against a lossy simulated peer with
// random SACKs consistent with what arrived (lost SACKs; in some runs also
// reordered, stale SACKs or reneging) until everything is acknowledged,
// then checks: every message delivered exactly once, every byte acked
// exactly once (when SACKs arrive in order and the peer does not renege: a
// reordered SACK with the same cum ack and fewer gaps is indistinguishable
// from reneging), nothing left in flight or in the send buffer.
func TestRandomLossProperty(t *testing.T) {
	for seed := int64(1); seed <= 30; seed++ {
		runLossy(t, seed, seed%3 == 0, seed%3 == 1, seed%4 == 0)
	}
}

// runLossy: with pr, some messages carry a PR-SCTP retransmission limit and
// the peer applies FORWARD TSNs; each message is then delivered or
// abandoned, exactly once.
func runLossy(t *testing.T, seed int64, renege, reorder, pr bool) {
	rng := rand.New(rand.NewSource(seed))
	initial := wire.TSN(rng.Uint32())
	q := NewSendQueue(8, 1<<30)
	r := NewRetransmit(initial)
	now := time.Unix(0, 0)

	const nmsg = 300
	total := 0
	for i := 0; i < nmsg; i++ {
		m := msg(uint16(rng.Intn(8)), 1+rng.Intn(3000))
		m.Context = uint64(i)
		if pr && rng.Intn(3) == 0 {
			m.MaxRetrans = rng.Intn(3)
		}
		total += len(m.Data)
		if err := q.Push(m); err != nil {
			t.Fatal(err)
		}
	}

	peerCum := initial - 1
	got := map[wire.TSN]bool{} // received above peerCum
	var oldSacks []*wire.Sack
	delivered := map[uint64]int{}
	ackedSum := 0
	const loss = 0.2
	const window = 40000

	deliver := func(tsn wire.TSN) {
		if rng.Float64() < loss || !peerCum.Less(tsn) {
			return
		}
		got[tsn] = true
		for got[peerCum+1] {
			delete(got, peerCum+1)
			peerCum++
		}
	}
	makeSack := func() *wire.Sack {
		if renege && rng.Intn(10) == 0 {
			for k := range got {
				delete(got, k)
				break
			}
		}
		s := &wire.Sack{CumTSNAck: peerCum, ARwnd: 1 << 20}
		var above []int
		for k := range got {
			above = append(above, int(peerCum.Diff(k)))
		}
		sort.Ints(above)
		for _, off := range above {
			if n := len(s.Gaps); n > 0 && int(s.Gaps[n-1].End)+1 == off {
				s.Gaps[n-1].End++
			} else {
				s.Gaps = append(s.Gaps, wire.GapBlock{Start: uint16(off), End: uint16(off)})
			}
		}
		return s
	}

	idle, abandoned := 0, 0
	for step := 0; step < 100000; step++ {
		now = now.Add(10 * time.Millisecond)
		var d wire.Data
		// Retransmissions first, then new data, within the window.
		for r.OutstandingTotal() < window && r.NextRetransmit(now, 0, 1200, &d) {
			deliver(d.TSN)
		}
		for r.OutstandingTotal() < window {
			ref, ok := q.Next(now, 1200, &d)
			if !ok {
				break
			}
			deliver(r.Add(now, rng.Intn(2), &d, ref))
		}
		s := makeSack()
		if rng.Intn(10) == 0 {
			s = nil // lost
		} else if reorder && rng.Intn(5) == 0 {
			oldSacks = append(oldSacks, s) // delayed: arrives later, maybe stale
			s = nil
		}
		if len(oldSacks) > 0 && rng.Intn(3) == 0 {
			s = oldSacks[0]
			oldSacks = oldSacks[1:]
		}
		progressed := false
		if s != nil {
			res, err := r.HandleSack(now, s)
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			for _, b := range res.AckedBytes {
				ackedSum += b
				progressed = progressed || b > 0
			}
			for _, m := range res.Delivered {
				delivered[m.Context()]++
			}
		}
		var f wire.ForwardTSN
		if pr && r.ForwardTSN(now, &f) && rng.Float64() >= loss && peerCum.Less(f.NewCumTSN) {
			for k := range got {
				if k.LessEq(f.NewCumTSN) {
					delete(got, k)
				}
			}
			peerCum = f.NewCumTSN
			for got[peerCum+1] {
				delete(got, peerCum+1)
				peerCum++
			}
		}
		for _, m := range r.Abandoned() {
			delivered[m.Context]++
			abandoned++
		}
		if progressed {
			idle = 0
		} else if idle++; idle > 5 && !r.Empty() {
			r.MarkAllForRetransmit(0)
			r.MarkAllForRetransmit(1)
			idle = 0
		}
		if r.Empty() && q.Empty() {
			break
		}
	}
	if !r.Empty() || !q.Empty() {
		t.Fatalf("seed %d: not done: %d chunks held, %d bytes unsent", seed, r.Len(), q.Unsent())
	}
	if pr && abandoned == 0 {
		t.Fatalf("seed %d: PR-SCTP run abandoned nothing", seed)
	}
	if len(delivered) != nmsg {
		t.Fatalf("seed %d: %d messages delivered, want %d", seed, len(delivered), nmsg)
	}
	for ctx, n := range delivered {
		if n != 1 {
			t.Fatalf("seed %d: message %d delivered %d times", seed, ctx, n)
		}
	}
	if (!renege && !reorder && !pr && ackedSum != total) || (!pr && ackedSum < total) {
		t.Fatalf("seed %d: acked %d bytes, sent %d (renege %v)", seed, ackedSum, total, renege)
	}
	if r.OutstandingTotal() != 0 || r.Outstanding(0) != 0 || r.Outstanding(1) != 0 || q.Buffered() != 0 {
		t.Fatalf("seed %d: outstanding %d buffered %d", seed, r.OutstandingTotal(), q.Buffered())
	}
}
