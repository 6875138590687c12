package tx

import (
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// SendQueue holds messages not yet (fully) cut into DATA chunks, one FIFO per
// outbound stream, and schedules streams round-robin per message.
type SendQueue struct {
	// streams is allocated by the first Push (an idle association pays
	// nothing per stream); until then nStreams alone says how many exist.
	streams   []stream
	nStreams  int
	active    []uint16 // round-robin ring of streams with queued messages
	activeHd  int
	cur       *Message // message being cut; its fragments must be consecutive
	curStream uint16
	limit     int
	buffered  int // bytes pushed and not yet delivered or abandoned
	held      int // messages whose bytes are in buffered (see MessageOverhead)
	unsent    int // bytes pushed and not yet cut
	abandoned []OutMessage
	// earliest is the soonest Deadline among queued messages not yet cut
	// (zero: none), so Expire, called before every transmission, returns
	// at once unless something can have expired.
	earliest time.Time
}

type stream struct {
	msgs    []*Message
	head    int
	nextSSN wire.SSN
	active  bool // listed in SendQueue.active
}

// NewSendQueue returns a queue for outStreams outbound streams whose buffer
// holds at most limit bytes (see Push).
func NewSendQueue(outStreams uint16, limit int) *SendQueue {
	return &SendQueue{nStreams: int(outStreams), limit: limit}
}

// Push queues a message. It fails with ErrInvalidStream when the stream is
// not negotiated, ErrEmptyMessage for empty data and ErrBufferFull when the
// bytes buffered (pushed and not yet delivered or abandoned) would exceed
// the limit, or when Charged would exceed twice the limit (tiny messages,
// see MessageOverhead); a message larger than the limit is accepted when
// nothing is buffered, so that big messages can be sent at all.
func (q *SendQueue) Push(m OutMessage) error {
	if int(m.Stream) >= q.nStreams {
		return ErrInvalidStream
	}
	if len(m.Data) == 0 {
		return ErrEmptyMessage
	}
	if q.buffered > 0 && (q.buffered+len(m.Data) > q.limit ||
		q.Charged()+len(m.Data)+MessageOverhead-q.limit > q.limit) {
		return ErrBufferFull
	}
	msg := newMessage()
	*msg = Message{m: m, q: q, hasPolicy: !m.Deadline.IsZero() || m.MaxRetrans >= 0}
	if !m.Deadline.IsZero() && (q.earliest.IsZero() || m.Deadline.Before(q.earliest)) {
		q.earliest = m.Deadline
	}
	if q.streams == nil {
		q.streams = make([]stream, q.nStreams)
	}
	s := &q.streams[m.Stream]
	s.msgs = append(s.msgs, msg)
	q.buffered += len(m.Data)
	q.held++
	q.unsent += len(m.Data)
	if !s.active {
		s.active = true
		q.active = append(q.active, m.Stream)
	}
	return nil
}

// Next cuts the next DATA fragment of at most maxPayload user-data bytes and
// fills d (everything but the TSN, which Retransmit.Add assigns). Streams
// are served round-robin, one whole message per turn. Messages whose
// deadline passed before their first fragment was cut are dropped and
// reported by Abandoned. It returns false when nothing is queued or
// maxPayload < 1.
func (q *SendQueue) Next(now time.Time, maxPayload int, d *wire.Data) (MsgRef, bool) {
	if maxPayload < 1 {
		return nil, false
	}
	for {
		if q.cur == nil && !q.pick(now) {
			return nil, false
		}
		m := q.cur
		if m.abandoned {
			// Abandoned by the retransmission queue mid-message: the rest
			// is never sent (RFC 3758 3.5: all fragments go together).
			q.unsent -= len(m.m.Data) - m.cut
			q.finishCurrent()
			continue
		}
		if m.cut == 0 && !m.m.Unordered {
			s := &q.streams[m.m.Stream]
			m.ssn = s.nextSSN
			s.nextSSN++
		}
		n := len(m.m.Data) - m.cut
		if n > maxPayload {
			n = maxPayload
		}
		*d = wire.Data{
			Stream:    m.m.Stream,
			SSN:       m.ssn,
			PPID:      m.m.PPID,
			Unordered: m.m.Unordered,
			Beginning: m.cut == 0,
			UserData:  m.m.Data[m.cut : m.cut+n : m.cut+n],
		}
		m.cut += n
		q.unsent -= n
		if m.cut == len(m.m.Data) {
			d.Ending = true
			q.finishCurrent()
		}
		return m, true
	}
}

// pick makes the head message of the next active stream current, dropping
// messages that expired before being sent.
func (q *SendQueue) pick(now time.Time) bool {
	for q.activeHd < len(q.active) {
		id := q.active[q.activeHd]
		s := &q.streams[id]
		if s.head == len(s.msgs) {
			// Emptied by ResetStream or expiry while listed.
			q.deactivate(s)
			continue
		}
		m := s.msgs[s.head]
		if m.expired(now) {
			s.msgs[s.head] = nil
			s.head++
			q.unsent -= len(m.m.Data)
			q.abandon(m)
			continue
		}
		q.cur, q.curStream = m, id
		return true
	}
	q.active, q.activeHd = q.active[:0], 0
	return false
}

func (q *SendQueue) deactivate(s *stream) {
	s.active = false
	s.msgs, s.head = s.msgs[:0], 0
	q.activeHd++
	q.compactActive()
}

// finishCurrent pops the current message and moves its stream to the back
// of the round-robin ring if it has more.
func (q *SendQueue) finishCurrent() {
	s := &q.streams[q.curStream]
	s.msgs[s.head] = nil
	s.head++
	q.cur = nil
	q.activeHd++
	if s.head == len(s.msgs) {
		s.active = false
		s.msgs, s.head = s.msgs[:0], 0
	} else {
		q.active = append(q.active, q.curStream)
	}
	q.compactActive()
}

// compactActive keeps the ring's backing array from growing without bound.
func (q *SendQueue) compactActive() {
	if q.activeHd == len(q.active) {
		q.active, q.activeHd = q.active[:0], 0
	} else if q.activeHd > 64 && q.activeHd*2 > len(q.active) {
		n := copy(q.active, q.active[q.activeHd:])
		q.active, q.activeHd = q.active[:n], 0
	}
}

// dropTail forgets the uncut rest of the current message m, abandoned by
// the retransmission queue, which gave that rest a TSN (Retransmit.addTail).
func (q *SendQueue) dropTail(m *Message) {
	q.unsent -= len(m.m.Data) - m.cut
	m.cut = len(m.m.Data)
	q.finishCurrent()
}

func (q *SendQueue) abandon(m *Message) {
	m.abandoned = true
	m.reported = true
	m.release()
	q.abandoned = append(q.abandoned, m.m)
}

// Empty reports whether no bytes wait to be cut.
func (q *SendQueue) Empty() bool { return q.unsent == 0 }

// Buffered returns the bytes pushed and not yet fully acknowledged or
// abandoned: what the send buffer limit applies to.
func (q *SendQueue) Buffered() int { return q.buffered }

// Charged returns what the memory bound of Push applies to: Buffered plus
// MessageOverhead for each message it holds.
func (q *SendQueue) Charged() int { return q.buffered + q.held*MessageOverhead }

// Unsent returns the bytes pushed and not yet cut into fragments.
func (q *SendQueue) Unsent() int { return q.unsent }

// Abandoned returns, and forgets, the messages dropped before any fragment
// was sent (for SEND_FAILED with the data unsent).
func (q *SendQueue) Abandoned() []OutMessage {
	a := q.abandoned
	q.abandoned = nil
	return a
}

// Streams returns the number of outbound streams.
func (q *SendQueue) Streams() int { return q.nStreams }

// AddStreams adds n outbound streams (RFC 6525 Add Outgoing Streams).
func (q *SendQueue) AddStreams(n uint16) error {
	if q.nStreams+int(n) > 65535 {
		return ErrInvalidStream
	}
	q.nStreams += int(n)
	if q.streams != nil {
		q.streams = append(q.streams, make([]stream, n)...)
	}
	return nil
}

// ResetStream restarts the SSN of stream at 0 (RFC 6525 outgoing SSN reset,
// applied once the peer has performed the reset). Queued messages stay.
func (q *SendQueue) ResetStream(id uint16) error {
	if int(id) >= q.nStreams {
		return ErrInvalidStream
	}
	if q.streams != nil {
		q.streams[id].nextSSN = 0
	}
	return nil
}

// NextLen returns the bytes left of the message Next would cut from (the
// rest of the message being cut, else the head of the next stream in turn),
// 0 when nothing is queued; for bundling and Nagle decisions. Expiry is not
// applied.
func (q *SendQueue) NextLen() int {
	if q.cur != nil {
		return len(q.cur.m.Data) - q.cur.cut
	}
	for i := q.activeHd; i < len(q.active); i++ {
		if s := &q.streams[q.active[i]]; s.head < len(s.msgs) {
			return len(s.msgs[s.head].m.Data)
		}
	}
	return 0
}

// Expire drops every queued message not yet started whose deadline passed
// (PR-SCTP), wherever it sits in its stream; they are reported by
// Abandoned. Next does this lazily for stream heads; Expire lets the
// association report SEND_FAILED on time. Cost: O(messages queued).
func (q *SendQueue) Expire(now time.Time) {
	if q.earliest.IsZero() || now.Before(q.earliest) {
		return
	}
	q.earliest = time.Time{}
	for i := q.activeHd; i < len(q.active); i++ {
		s := &q.streams[q.active[i]]
		kept := s.head
		for j := s.head; j < len(s.msgs); j++ {
			m := s.msgs[j]
			if m.cut == 0 && m != q.cur && m.expired(now) {
				q.unsent -= len(m.m.Data)
				q.abandon(m)
				continue
			}
			if d := m.m.Deadline; m.cut == 0 && !d.IsZero() && (q.earliest.IsZero() || d.Before(q.earliest)) {
				q.earliest = d
			}
			s.msgs[kept] = m
			kept++
		}
		clear(s.msgs[kept:])
		s.msgs = s.msgs[:kept]
	}
	// Streams left empty are dropped from the ring by pick.
}

// Drain removes every message not fully cut, the one being cut included,
// and returns them (for SEND_FAILED when the association ends). A message
// partly sent is marked abandoned so that the Retransmit queue does not
// report it again. The queue stays usable.
func (q *SendQueue) Drain() []OutMessage {
	var out []OutMessage
	if m := q.cur; m != nil {
		q.cur = nil
		if !m.abandoned {
			m.abandoned, m.reported = true, true
			m.release()
			out = append(out, m.m)
		}
	}
	for i := q.activeHd; i < len(q.active); i++ {
		s := &q.streams[q.active[i]]
		for j := s.head; j < len(s.msgs); j++ {
			m := s.msgs[j]
			if m.cut == 0 {
				m.abandoned, m.reported = true, true
				m.release()
				out = append(out, m.m)
			}
		}
		clear(s.msgs)
		s.msgs, s.head, s.active = s.msgs[:0], 0, false
	}
	q.active, q.activeHd = q.active[:0], 0
	q.unsent = 0
	return out
}
