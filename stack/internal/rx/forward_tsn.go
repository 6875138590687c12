package rx

import (
	"slices"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// ForwardTSN applies a FORWARD TSN (RFC 3758 3.6) after Tracker.ForwardTo:
// every incomplete message with a fragment at or below newCum is dropped
// (the sender abandons whole messages), and for each listed (stream, SSN)
// the stream's next expected SSN moves past SSN, dropping incomplete
// messages at or below it and delivering the complete ones. Messages that became deliverable come out of Pop. It returns the
// streams whose partial delivery was abandoned, for the association's
// partial-delivery-aborted notification (RFC 6458 SCTP_PARTIAL_DELIVERY_EVENT); nil when none.
func (r *Reassembly) ForwardTSN(newCum wire.TSN, streams []wire.ForwardTSNStream) (partialAborted []uint16) {
	r.stuck = false
	drop := r.scratch[:0]
	for _, x := range r.startAt {
		if x.first.LessEq(newCum) || (x.pd && x.msgTSN.LessEq(newCum)) {
			drop = append(drop, x)
		}
	}
	for _, s := range r.pdStreams { // emptied partial deliveries are not in startAt
		if x := r.extras[s].pd; !x.isI && x.bytes == 0 && x.msgTSN.LessEq(newCum) {
			drop = append(drop, x)
		}
	}
	for _, x := range drop {
		if r.dropRun(x) {
			partialAborted = append(partialAborted, x.stream)
		}
	}
	clear(drop)
	r.scratch = drop[:0]

	for _, s := range streams {
		if s.Stream >= r.inStreams || s.SSN.Less(r.nextSSN(s.Stream)) {
			continue
		}
		if ex := r.extra(s.Stream); ex != nil {
			if x := ex.pd; x != nil && !x.unordered && !x.isI && x.ssn.LessEq(s.SSN) && r.dropRun(x) {
				partialAborted = append(partialAborted, s.Stream)
			}
			for ssn, x := range ex.heads {
				if ssn.LessEq(s.SSN) {
					r.dropRun(x)
				}
			}
			// Complete messages waiting behind the skipped ones were not
			// abandoned: deliver them, in SSN order (RFC 3758 3.6: the
			// receiver delivers what the FORWARD TSN made deliverable).
			// Walk the held messages, not the SSN range, so the cost is
			// bounded by what is buffered, whatever SSN the peer names.
			next := r.nextSSN(s.Stream)
			due := r.ssnScratch[:0]
			for ssn := range ex.pending {
				if ssn.LessEq(s.SSN) {
					due = append(due, ssn)
				}
			}
			slices.SortFunc(due, func(a, b wire.SSN) int { return int(a-next) - int(b-next) })
			for _, ssn := range due {
				m := ex.pending[ssn]
				delete(ex.pending, ssn)
				r.emit(ex, m)
			}
			r.ssnScratch = due[:0]
		}
		r.setNextSSN(s.Stream, s.SSN+1)
		r.drainPending(s.Stream, r.extra(s.Stream))
	}
	return partialAborted
}

// dropRun discards an incomplete message and reports whether it was under
// partial delivery.
func (r *Reassembly) dropRun(x *run) (aborted bool) {
	if x.bytes > 0 {
		for tsn := x.first; ; tsn = tsn.Add(1) {
			delete(r.frags, tsn)
			if tsn == x.last {
				break
			}
		}
		r.buffered -= x.bytes
		r.items -= span(x)
		x.bytes = 0
		if r.startAt[x.first] == x {
			delete(r.startAt, x.first)
		}
	}
	if r.endAt[x.last] == x {
		delete(r.endAt, x.last)
	}
	ex := r.extra(x.stream)
	if ex == nil {
		return false
	}
	if x.b && !x.unordered && ex.heads[x.ssn] == x {
		delete(ex.heads, x.ssn)
	}
	if ex.pd == x {
		r.endPartial(x.stream, ex)
		return true
	}
	r.tidy(x.stream, ex)
	return false
}

// ResetStreams applies an incoming SSN reset (RFC 6525 5.2.2) to the listed
// streams, or to all when the list is empty: the next expected SSN (and
// I-DATA MID) goes back to 0 and ordered messages still waiting on those
// streams are discarded, since their numbers belong to the old sequence. The
// association calls it once everything before the reset has been received.
// A partial delivery in progress runs to its end.
func (r *Reassembly) ResetStreams(streams []uint16) {
	r.stuck = false
	reset := func(s uint16) {
		if s >= r.inStreams {
			return
		}
		if ex := r.extra(s); ex != nil {
			for ssn, x := range ex.heads {
				if x == ex.pd {
					delete(ex.heads, ssn) // runs to its end, outside the new sequence
				} else {
					r.dropRun(x)
				}
			}
			for ssn, m := range ex.pending {
				r.buffered -= len(m.Data)
				r.items--
				delete(ex.pending, ssn)
			}
			for mid, m := range ex.ipend {
				r.buffered -= len(m.Data)
				r.items--
				delete(ex.ipend, mid)
			}
			for _, m := range ex.imsgs {
				if !m.hdr.unordered && &m.hdr != ex.pd {
					r.dropIMessage(s, ex, m)
				}
			}
			r.tidy(s, ex)
		}
		if r.next != nil {
			r.next[s] = 0
		}
		if r.nextMID != nil {
			r.nextMID[s] = 0
		}
	}
	if len(streams) == 0 {
		for s := 0; s < int(r.inStreams); s++ {
			reset(uint16(s))
		}
		return
	}
	for _, s := range streams {
		reset(s)
	}
}
