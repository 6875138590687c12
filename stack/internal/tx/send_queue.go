package tx

import (
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// SendQueue holds messages not yet (fully) cut into DATA chunks, one FIFO per
// outbound stream, and schedules streams round-robin per message.
//
// Memory: the FIFOs are linked through the messages and the round-robin
// ring through the streams, so queueing allocates no slice; while only one
// stream has ever been pushed to (the common case, and every SENDALL to a
// fresh association) its state sits inline in solo, and the per-stream
// array is allocated when a second stream is first used.
type SendQueue struct {
	solo      stream
	streams   []stream // nil until a second stream is used; then all nStreams
	cur       *Message // message being cut; its fragments must be consecutive
	nStreams  int
	limit     int
	buffered  int // bytes pushed and not yet delivered or abandoned
	held      int // messages whose bytes are in buffered (see MessageOverhead)
	unsent    int // bytes pushed and not yet cut
	abandoned []OutMessage
	// earliest is the soonest Deadline among queued messages not yet cut
	// (zero: none), so Expire, called before every transmission, returns
	// at once unless something can have expired.
	earliest time.Time
	// The round-robin ring of streams with queued messages, as stream
	// id+1 (0: none), linked by stream.nextActive.
	activeHead, activeTail uint32
	curStream              uint16
	soloID                 uint16
	soloUsed               bool // solo holds stream soloID
}

type stream struct {
	head, tail *Message // FIFO linked by Message.next; head may be cur
	nextActive uint32   // next stream in the ring, as id+1 (0: none)
	nextSSN    wire.SSN
	active     bool // in the ring
}

// NewSendQueue returns a queue for outStreams outbound streams whose buffer
// holds at most limit bytes (see Push).
func NewSendQueue(outStreams uint16, limit int) *SendQueue {
	return &SendQueue{nStreams: int(outStreams), limit: limit}
}

// stream returns the state of stream id, which must have been pushed to
// (claimed) before.
func (q *SendQueue) stream(id uint16) *stream {
	if q.streams != nil {
		return &q.streams[id]
	}
	return &q.solo
}

// claim returns the state of stream id for a Push, moving from the inline
// solo stream to the per-stream array when a second stream comes into use.
func (q *SendQueue) claim(id uint16) *stream {
	switch {
	case q.streams != nil:
		return &q.streams[id]
	case !q.soloUsed:
		q.soloUsed, q.soloID = true, id
		return &q.solo
	case q.soloID == id:
		return &q.solo
	}
	q.streams = make([]stream, q.nStreams)
	q.streams[q.soloID] = q.solo
	q.solo = stream{}
	return &q.streams[id]
}

// pushActive appends stream id to the back of the round-robin ring.
func (q *SendQueue) pushActive(id uint16, s *stream) {
	s.active, s.nextActive = true, 0
	if q.activeTail == 0 {
		q.activeHead = uint32(id) + 1
	} else {
		q.stream(uint16(q.activeTail - 1)).nextActive = uint32(id) + 1
	}
	q.activeTail = uint32(id) + 1
}

// popActive removes the stream at the front of the ring.
func (q *SendQueue) popActive() {
	s := q.stream(uint16(q.activeHead - 1))
	q.activeHead, s.nextActive, s.active = s.nextActive, 0, false
	if q.activeHead == 0 {
		q.activeTail = 0
	}
}

// popHead unlinks the head message of s.
func (s *stream) popHead() {
	m := s.head
	s.head, m.next = m.next, nil
	if s.head == nil {
		s.tail = nil
	}
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
	s := q.claim(m.Stream)
	if s.tail == nil {
		s.head = msg
	} else {
		s.tail.next = msg
	}
	s.tail = msg
	q.buffered += len(m.Data)
	q.held++
	q.unsent += len(m.Data)
	if !s.active {
		q.pushActive(m.Stream, s)
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
			s := q.stream(m.m.Stream)
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
	for q.activeHead != 0 {
		id := uint16(q.activeHead - 1)
		s := q.stream(id)
		m := s.head
		if m == nil {
			// Emptied by expiry while listed.
			q.popActive()
			continue
		}
		if m.expired(now) {
			s.popHead()
			q.unsent -= len(m.m.Data)
			q.abandon(m)
			continue
		}
		q.cur, q.curStream = m, id
		return true
	}
	return false
}

// finishCurrent pops the current message, the head of the stream at the
// front of the ring, and moves that stream to the back of the ring if it
// has more.
func (q *SendQueue) finishCurrent() {
	s := q.stream(q.curStream)
	s.popHead()
	q.cur = nil
	q.popActive()
	if s.head != nil {
		q.pushActive(q.curStream, s)
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
	switch {
	case q.streams != nil:
		q.streams[id].nextSSN = 0
	case q.soloUsed && q.soloID == id:
		q.solo.nextSSN = 0
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
	if m := q.nextHead(); m != nil {
		return len(m.m.Data)
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
	for id := q.activeHead; id != 0; {
		s := q.stream(uint16(id - 1))
		var prev *Message
		for m := s.head; m != nil; {
			next := m.next
			if m.cut == 0 && m != q.cur && m.expired(now) {
				if prev == nil {
					s.head = next
				} else {
					prev.next = next
				}
				if s.tail == m {
					s.tail = prev
				}
				m.next = nil
				q.unsent -= len(m.m.Data)
				q.abandon(m)
				m = next
				continue
			}
			if d := m.m.Deadline; m.cut == 0 && !d.IsZero() && (q.earliest.IsZero() || d.Before(q.earliest)) {
				q.earliest = d
			}
			prev, m = m, next
		}
		id = s.nextActive
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
	for q.activeHead != 0 {
		s := q.stream(uint16(q.activeHead - 1))
		for s.head != nil {
			m := s.head
			s.popHead()
			if m.cut == 0 {
				m.abandoned, m.reported = true, true
				m.release()
				out = append(out, m.m)
			}
		}
		q.popActive()
	}
	q.unsent = 0
	return out
}

// nextHead returns the message Next would cut from when no message is
// being cut: the head of the first stream in the ring that has one.
func (q *SendQueue) nextHead() *Message {
	for id := q.activeHead; id != 0; {
		s := q.stream(uint16(id - 1))
		if s.head != nil {
			return s.head
		}
		id = s.nextActive
	}
	return nil
}
