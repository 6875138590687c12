package tx

import (
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// OutMessage is one user message handed to SendQueue.Push.
type OutMessage struct {
	Stream     uint16
	PPID       uint32
	Unordered  bool
	Data       []byte    // owned by the queue after Push (the caller gives up the slice)
	Deadline   time.Time // PR-SCTP timed reliability (RFC 3758): abandon if not fully acked by then; zero = none
	MaxRetrans int       // PR-SCTP limited retransmissions (RFC 7496): abandon after this many retransmissions of a fragment; -1 = unlimited
	Context    uint64    // opaque, returned in send-failed reports
}

// MsgRef is the bookkeeping handle of a pushed message, shared by the send
// queue and the retransmission queue. The zero value is not valid.
type MsgRef = *Message

// Message is the state of one pushed message. Its fields are private; it is
// exported so that handles can be kept and compared by the association.
type Message struct {
	m         OutMessage
	q         *SendQueue // whose buffer accounting the message holds
	ssn       wire.SSN
	cut       int // bytes handed to Next so far
	acked     int // bytes acknowledged by the cumulative TSN ack
	firstTSN  wire.TSN
	tsnKnown  bool // firstTSN is set
	abandoned bool // PR-SCTP: abandoned; remaining fragments are dropped
	reported  bool // already returned by an Abandoned call
	released  bool // buffer bytes given back to q
	hasPolicy bool // Deadline or MaxRetrans set
}

// Message returns the message as pushed.
func (m *Message) Message() OutMessage { return m.m }

// SSN returns the stream sequence number (valid once the first fragment was
// cut, for ordered messages).
func (m *Message) SSN() wire.SSN { return m.ssn }

// Context returns the opaque value given at Push.
func (m *Message) Context() uint64 { return m.m.Context }

// Len returns the message length in bytes.
func (m *Message) Len() int { return len(m.m.Data) }

// release gives the message's bytes back to the send buffer, once.
func (m *Message) release() {
	if m.released {
		return
	}
	m.released = true
	if m.q != nil {
		m.q.buffered -= len(m.m.Data)
	}
}

// expired reports whether the message's PR-SCTP deadline has passed.
func (m *Message) expired(now time.Time) bool {
	return !m.m.Deadline.IsZero() && !now.Before(m.m.Deadline)
}
