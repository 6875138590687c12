package stack

// RcvFlags describe a message returned by RecvMsg.
type RcvFlags uint32

// Receive flags (RFC 6458 5.3.5 sinfo_flags and msg_flags).
const (
	FlagUnordered    RcvFlags = 1 << iota // sent unordered
	FlagEOR                               // this read ends the message (MSG_EOR)
	FlagNotification                      // Notification holds an event, not data
)

// RcvInfo describes what RecvMsg returned (SCTP_RCVINFO, RFC 6458 5.3.5).
type RcvInfo struct {
	AssocID AssocID
	Stream  uint16
	SSN     uint16
	PPID    uint32
	TSN     uint32
	Flags   RcvFlags
	// From is the peer's primary address when the message was delivered.
	From *Addr
	// Notification is set when Flags has FlagNotification.
	Notification Notification
}

// rqItem is one message (or one notification) waiting to be read.
type rqItem struct {
	id   AssocID
	from *Addr
	msg  rxMessage
	note Notification
}

// rxMessage is delivered data; off is how much of it was already read
// (a message larger than the reader's buffer continues on the next read).
type rxMessage struct {
	stream    uint16
	ssn       uint16
	ppid      uint32
	tsn       uint32
	unordered bool
	eor       bool // the association delivered the message's end
	data      []byte
	off       int
}

// recvQueue is a socket's queue of messages and notifications, FIFO. The
// Stack mutex guards it; ready has room for one wake-up so a reader blocked
// outside the mutex learns that the queue is no longer empty.
type recvQueue struct {
	items  []rqItem
	head   int
	bytes  int // unread data bytes
	ready  chan struct{}
	closed chan struct{} // closed with the socket
	// role is the read role of the socket the last message came through;
	// reader is the role this queue's goroutine holds, if any (readrole.go).
	role   *readRole
	reader *readRole
}

func newRecvQueue() recvQueue {
	return recvQueue{ready: make(chan struct{}, 1), closed: make(chan struct{})}
}

func (q *recvQueue) push(it rqItem) {
	q.items = append(q.items, it)
	q.bytes += len(it.msg.data)
	q.signal()
}

func (q *recvQueue) signal() {
	if q.reader != nil {
		q.reader.kick()
	}
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *recvQueue) empty() bool { return q.head == len(q.items) }

func (q *recvQueue) front() *rqItem { return &q.items[q.head] }

// pop drops the front item and compacts the slice now and then.
func (q *recvQueue) pop() {
	q.items[q.head] = rqItem{}
	q.head++
	if q.head == len(q.items) {
		q.items = q.items[:0]
		q.head = 0
	} else if q.head > 64 && q.head*2 > len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items = q.items[:n]
		q.head = 0
	}
	if !q.empty() {
		q.signal() // another reader may be waiting
	}
}

// take moves every item of association id out of the queue, in order (for
// peel-off).
func (q *recvQueue) take(id AssocID) []rqItem {
	var out []rqItem
	kept := q.items[:q.head]
	for _, it := range q.items[q.head:] {
		if it.id == id {
			out = append(out, it)
			q.bytes -= len(it.msg.data) - it.msg.off
		} else {
			kept = append(kept, it)
		}
	}
	clear(q.items[len(kept):])
	q.items = kept
	return out
}

// read copies the front item into b and fills info. It reports the data
// bytes consumed from the association's receive window.
func (q *recvQueue) read(b []byte, info *RcvInfo) (n int, consumed int, id AssocID) {
	it := q.front()
	*info = RcvInfo{AssocID: it.id, From: it.from}
	if it.note != nil {
		info.Flags = FlagNotification | FlagEOR
		info.Notification = it.note
		q.pop()
		return 0, 0, it.id
	}
	m := &it.msg
	info.Stream, info.SSN, info.PPID, info.TSN = m.stream, m.ssn, m.ppid, m.tsn
	if m.unordered {
		info.Flags |= FlagUnordered
	}
	n = copy(b, m.data[m.off:])
	m.off += n
	q.bytes -= n
	id = it.id
	if m.off == len(m.data) {
		if m.eor {
			info.Flags |= FlagEOR
		}
		q.pop()
	}
	return n, n, id
}
