package tx

import (
	"net/netip"
	"sync"
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
	// Dest is the peer address the message's first transmission should go
	// to (SCTP_ADDR_OVER, RFC 6458 5.3.4); zero = the association's choice.
	// The queue only carries it: the association picks the path.
	Dest netip.Addr
}

// MsgRef is the bookkeeping handle of a pushed message, shared by the send
// queue and the retransmission queue. The zero value is not valid.
//
// Lifetime: the handle is recycled for a later Push once the message is
// retired, that is once the cumulative TSN ack covers its last fragment
// (delivered, or abandoned with all its fragments). A delivered message's
// handle stays valid until the HandleSack call after the one that reported
// it in SackResult.Delivered; an abandoned one's only until the call that
// retires it. Do not keep a handle beyond that: hold the Context instead.
type MsgRef = *Message

// Message is the state of one pushed message. Its fields are private; it is
// exported so that the association can hold and compare handles (for as
// long as MsgRef allows).
type Message struct {
	m         OutMessage
	q         *SendQueue // whose buffer accounting the message holds
	next      *Message   // next in its stream's FIFO while queued
	ssn       wire.SSN
	cut       int // bytes handed to Next so far
	acked     int // bytes acknowledged by the cumulative TSN ack
	firstTSN  wire.TSN
	tsnKnown  bool // firstTSN is set
	abandoned bool // PR-SCTP: abandoned; remaining fragments are dropped
	reported  bool // already returned by an Abandoned call
	released  bool // buffer bytes given back to q
	hasPolicy bool // Deadline or MaxRetrans set
	pooled    bool // retired and in messagePool (see recycle)
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

// messagePool recycles retired messages (see MsgRef), so that a flowing
// send path allocates nothing per message. It is a cache of zeroed
// structs with no observable state, shared by all associations so that
// one SENDALL reuses what the previous one retired.
var messagePool = sync.Pool{New: func() any { return new(Message) }}

// newMessage returns a message from the pool.
func newMessage() *Message { return messagePool.Get().(*Message) }

// recycle returns a retired message to the pool. Zeroing drops the
// reference to the user's data.
func (m *Message) recycle() {
	if m.pooled {
		return // a second Put would hand one struct to two messages
	}
	*m = Message{pooled: true}
	messagePool.Put(m)
}

// release gives the message's bytes back to the send buffer, once.
func (m *Message) release() {
	if m.released {
		return
	}
	m.released = true
	if m.q != nil {
		m.q.buffered -= len(m.m.Data)
		m.q.held--
	}
}

// expired reports whether the message's PR-SCTP deadline has passed.
func (m *Message) expired(now time.Time) bool {
	return !m.m.Deadline.IsZero() && !now.Before(m.m.Deadline)
}
