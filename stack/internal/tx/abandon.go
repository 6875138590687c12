package tx

import "time"

// abandonMessage abandons every held chunk of m (RFC 3758 3.5: all
// fragments of a message go together; the unsent rest is dropped by the
// send queue), releases its buffer bytes and queues it for Abandoned. i is
// the index of one of its chunks.
func (r *Retransmit) abandonMessage(m *Message, i int) {
	if m.abandoned {
		return
	}
	m.abandoned = true
	// Fragments have consecutive TSNs (RFC 9260 6.9): walk back and forth.
	for i > 0 && r.at(i-1).msg == m {
		i--
	}
	for ; i < r.n && r.at(i).msg == m; i++ {
		c := r.at(i)
		if c.abandoned {
			continue
		}
		c.abandoned = true
		r.removeFlight(c)
		r.clearMark(c)
		if m.hasPolicy {
			r.prChunks--
		}
	}
	m.release()
	if !m.reported {
		m.reported = true
		r.abandonedMsg = append(r.abandonedMsg, m.m)
	}
}

// applyDeadlines abandons the messages with a chunk still unacked whose
// PR-SCTP deadline has passed (RFC 3758 3.5 A1). It walks the queue only
// when the earliest deadline recorded is due.
func (r *Retransmit) applyDeadlines(now time.Time) {
	if r.prChunks == 0 || r.prNext.IsZero() || now.Before(r.prNext) {
		return
	}
	var next time.Time
	for i := 0; i < r.n; i++ {
		c := r.at(i)
		m := c.msg
		if c.abandoned || m == nil || m.m.Deadline.IsZero() {
			continue
		}
		if !c.acked && m.expired(now) {
			r.abandonMessage(m, i)
			continue
		}
		if !m.expired(now) && (next.IsZero() || m.m.Deadline.Before(next)) {
			next = m.m.Deadline
		}
	}
	r.prNext = next
}

// Abandoned returns, and forgets, the messages abandoned after some of their
// fragments were sent (for SEND_FAILED with the data sent).
func (r *Retransmit) Abandoned() []OutMessage {
	a := r.abandonedMsg
	r.abandonedMsg = nil
	return a
}

// Abandon abandons the message of ref now, as if its PR-SCTP policy had
// fired (for example on association-level cancellation); a no-op when none
// of its chunks is held.
func (r *Retransmit) Abandon(ref MsgRef) {
	if ref == nil || ref.abandoned || !ref.tsnKnown {
		return
	}
	i := int(r.cum.Diff(ref.firstTSN)) - 1
	if i < 0 {
		i = 0
	}
	if i >= r.n || r.at(i).msg != ref {
		return
	}
	r.abandonMessage(ref, i)
}

// Drain forgets every chunk held and returns the messages they belong to
// that were neither fully acknowledged nor reported abandoned (for
// SEND_FAILED with the data sent, when the association ends), together
// with the abandoned messages Abandoned has not returned yet. No message is
// returned twice. The queue stays usable, its cum ack at the last TSN sent.
func (r *Retransmit) Drain() []OutMessage {
	out := r.abandonedMsg
	r.abandonedMsg = nil
	for i := 0; i < r.n; i++ {
		c := r.at(i)
		if m := c.msg; m != nil && !m.reported {
			m.abandoned, m.reported = true, true
			m.release()
			out = append(out, m.m)
		}
		*c = chunk{}
	}
	r.cum = r.next - 1
	r.advPeerAck = r.cum
	r.start, r.n = 0, 0
	for i := range r.flight {
		r.flight[i] = 0
	}
	r.flightTotal = 0
	r.marked, r.fastMark, r.lowMark, r.lowFast = 0, 0, 0, 0
	r.gapAcked, r.highGap = 0, 0
	r.prChunks, r.prNext = 0, time.Time{}
	r.inFR = false
	return out
}
