package tx

import (
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

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
	if i == r.n {
		r.addTail(m)
	}
	m.release()
	if !m.reported {
		m.reported = true
		r.abandonedMsg = append(r.abandonedMsg, m.m)
	}
}

// addTail gives the unsent rest of a partly cut message, m, one TSN of its
// own, abandoned at once and never transmitted, and drops that rest from
// the send queue. Without it the FORWARD TSN's new cumulative TSN would
// stop inside the message: the peer would hold its first fragments for a
// reassembly that never completes (RFC 3758 3.5 A3: all fragments of a
// message are abandoned together; usrsctp gives the tail a TSN too). RFC
// 3758 3.6 has the receiver move its cumulative TSN to the FORWARD TSN's,
// received or not, so a TSN that never goes on the wire is fine; DATA
// without user data is not (RFC 9260 6.2), so it never goes. The caller
// checked that m's chunks are the last ones held, which holds while m is
// partly cut: Next keeps cutting one message until its end, and Add
// follows each Next.
func (r *Retransmit) addTail(m *Message) {
	q := m.q
	if q == nil || q.cur != m || m.cut == 0 || m.cut >= len(m.m.Data) {
		return
	}
	if r.n == len(r.buf) {
		r.grow()
	}
	last, c := r.at(r.n-1), r.at(r.n)
	*c = chunk{
		d: wire.Data{
			TSN:       r.next,
			Stream:    m.m.Stream,
			SSN:       m.ssn,
			PPID:      m.m.PPID,
			Unordered: m.m.Unordered,
			Ending:    true,
		},
		msg:       m,
		sentAt:    last.sentAt,
		path:      last.path,
		abandoned: true,
	}
	r.n++
	r.next++
	q.dropTail(m)
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
// of its chunks is held or it is abandoned already. ref must still be
// valid (see MsgRef: not retired).
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
