package assoc

import (
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// outMsg is a queued or partly sent message.
type outMsg struct {
	m         OutMessage
	ssn       wire.SSN
	cut       int // bytes cut into DATA chunks so far
	chunks    int // chunks cut
	acked     int // chunks cumulatively acknowledged
	abandoned bool
	reported  bool // a SendFailed was emitted
}

func (m *outMsg) fullyCut() bool { return m.cut >= len(m.m.Data) }

// hasPolicy: a PR-SCTP policy applies to the message.
func (m *outMsg) hasPolicy() bool { return !m.m.Deadline.IsZero() || m.m.MaxRetrans > 0 }

func (m *outMsg) expired(now time.Time) bool {
	return !m.m.Deadline.IsZero() && !now.Before(m.m.Deadline)
}

// sendQueue holds messages not yet fully cut into DATA chunks, one FIFO per
// outbound stream, served round-robin one whole message at a time (RFC 9260
// 6.9: the fragments of a message take consecutive TSNs).
type sendQueue struct {
	streams  [][]*outMsg
	nextSSN  []wire.SSN
	active   []uint16 // streams with queued messages, round-robin order
	cur      *outMsg  // message being cut
	curIdx   int      // its stream
	queued   int      // bytes not yet cut
	buffered int      // bytes of messages not yet fully acked or abandoned
	msgs     int      // messages not yet fully cut
}

func newSendQueue(outStreams uint16) sendQueue {
	return sendQueue{streams: make([][]*outMsg, outStreams), nextSSN: make([]wire.SSN, outStreams)}
}

func (q *sendQueue) push(m *outMsg) {
	s := m.m.Stream
	if len(q.streams[s]) == 0 && !(q.cur != nil && q.curIdx == int(s)) {
		q.active = append(q.active, s)
	}
	q.streams[s] = append(q.streams[s], m)
	q.queued += len(m.m.Data)
	q.buffered += len(m.m.Data)
	q.msgs++
}

// empty reports whether nothing remains to be cut.
func (q *sendQueue) empty() bool { return q.cur == nil && len(q.active) == 0 }

// next cuts the next chunk of at most maxPayload bytes into d (TSN left to
// the caller) and returns its message. It first drops unsent messages whose
// deadline passed when prsctp is on, reporting them through drop.
func (q *sendQueue) next(maxPayload int, d *wire.Data) *outMsg {
	if q.cur == nil {
		if len(q.active) == 0 {
			return nil
		}
		s := q.active[0]
		q.active = q.active[1:]
		m := q.streams[s][0]
		q.streams[s][0] = nil
		q.streams[s] = q.streams[s][1:]
		if len(q.streams[s]) == 0 {
			q.streams[s] = nil
		}
		q.cur, q.curIdx = m, int(s)
		if !m.m.Unordered {
			m.ssn = q.nextSSN[s]
			q.nextSSN[s]++
		}
	}
	m := q.cur
	n := min(len(m.m.Data)-m.cut, maxPayload)
	*d = wire.Data{
		Stream:    m.m.Stream,
		SSN:       m.ssn,
		PPID:      m.m.PPID,
		Unordered: m.m.Unordered,
		Beginning: m.cut == 0,
		Ending:    m.cut+n == len(m.m.Data),
		UserData:  m.m.Data[m.cut : m.cut+n],
	}
	m.cut += n
	m.chunks++
	q.queued -= n
	if m.fullyCut() {
		q.finishCur()
	}
	return m
}

// finishCur ends the current message and puts its stream back in the
// round-robin if it has more.
func (q *sendQueue) finishCur() {
	s := q.curIdx
	q.cur = nil
	q.msgs--
	if len(q.streams[s]) > 0 {
		q.active = append(q.active, uint16(s))
	}
}

// peekLen returns the bytes left of the message that next would cut from,
// for Nagle decisions.
func (q *sendQueue) peekLen() int { return q.queued }

// nextLen returns the bytes left of the message next cuts from.
func (q *sendQueue) nextLen() int {
	if q.cur != nil {
		return len(q.cur.m.Data) - q.cur.cut
	}
	if len(q.active) == 0 {
		return 0
	}
	return len(q.streams[q.active[0]][0].m.Data)
}

// abandonCur drops the rest of the message being cut (PR-SCTP).
func (q *sendQueue) abandonCur(m *outMsg) {
	if q.cur != m {
		return
	}
	q.queued -= len(m.m.Data) - m.cut
	m.cut = len(m.m.Data)
	q.finishCur()
}

// expire removes unsent messages whose deadline passed and returns them.
func (q *sendQueue) expire(now time.Time, out []*outMsg) []*outMsg {
	for _, s := range q.active {
		kept := q.streams[s][:0]
		for _, m := range q.streams[s] {
			if m.expired(now) {
				out = append(out, m)
				q.queued -= len(m.m.Data)
				q.buffered -= len(m.m.Data)
				q.msgs--
				continue
			}
			kept = append(kept, m)
		}
		clear(q.streams[s][len(kept):])
		q.streams[s] = kept
	}
	act := q.active[:0]
	for _, s := range q.active {
		if len(q.streams[s]) > 0 {
			act = append(act, s)
		}
	}
	q.active = act
	return out
}

// drain removes every queued message, the one being cut included.
func (q *sendQueue) drain(out []*outMsg) []*outMsg {
	if q.cur != nil {
		out = append(out, q.cur)
		q.cur = nil
	}
	for _, s := range q.active {
		out = append(out, q.streams[s]...)
		q.streams[s] = nil
	}
	q.active = nil
	q.queued, q.msgs = 0, 0
	return out
}
