package assoc_test

import (
	"container/heap"
	"time"
)

// inFlight lists the packets on the wire, in delivery order.
func (s *sim) inFlight() []*inflight {
	var out []*inflight
	for _, e := range s.q {
		if e.kind == evPacket {
			out = append(out, e.pkt)
		}
	}
	sortByDelivery(out)
	return out
}

func sortByDelivery(ps []*inflight) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && (ps[j].ev.at.Before(ps[j-1].ev.at) || (ps[j].ev.at.Equal(ps[j-1].ev.at) && ps[j].ev.seq < ps[j-1].ev.seq)); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// dropInFlight removes the packets on the wire that match pred; it returns
// how many.
func (s *sim) dropInFlight(pred func(*inflight) bool) int {
	k := 0
	for _, p := range s.inFlight() {
		if pred(p) {
			heap.Remove(&s.q, p.ev.index)
			s.nPkts--
			k++
		}
	}
	return k
}

// duplicateInFlight adds a second copy, arriving extra later, of each packet
// on the wire that matches pred.
func (s *sim) duplicateInFlight(pred func(*inflight) bool, extra time.Duration) int {
	k := 0
	for _, p := range s.inFlight() {
		if pred(p) {
			c := &inflight{id: p.id, from: p.from, to: p.to, data: append([]byte(nil), p.data...), sentAt: p.sentAt, chunks: p.chunks}
			c.ev = s.push(&simEvent{at: p.ev.at.Add(extra), kind: evPacket, pkt: c})
			s.nPkts++
			k++
		}
	}
	return k
}

// reverseInFlight makes the packets on the wire arrive in the reverse of
// their current order (each takes another's delivery time).
func (s *sim) reverseInFlight() {
	ps := s.inFlight()
	times := make([]time.Time, len(ps))
	for i, p := range ps {
		times[i] = p.ev.at
	}
	for _, p := range ps {
		heap.Remove(&s.q, p.ev.index)
	}
	for i, p := range ps {
		p.ev = s.push(&simEvent{at: times[len(ps)-1-i], kind: evPacket, pkt: p})
	}
}
