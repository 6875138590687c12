package rx

import (
	"fmt"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// DefaultLimit is the receive buffer NewReassembly uses for a limit <= 0.
const DefaultLimit = 1 << 20

// maxLimit keeps the hard limit's arithmetic far from overflow.
const maxLimit = 1 << 40

// itemOverhead is what each held fragment or message counts against the
// limit on top of its bytes: the maps, slices and headers that keep it. A
// peer sending one-byte fragments thus cannot make us hold far more memory
// than the limit says.
const itemOverhead = 64

// Message is one user message, or one piece of a partially delivered one.
type Message struct {
	Stream    uint16
	SSN       wire.SSN // ordered DATA messages; 0 for unordered ones and I-DATA
	MID       wire.MID // I-DATA messages (RFC 8260); 0 for DATA
	PPID      uint32
	TSN       wire.TSN // TSN of the first fragment
	Unordered bool
	Data      []byte // owned by the message
	// EOR is false for a piece of a partially delivered message; the last
	// piece has EOR true (RFC 6458 MSG_EOR).
	EOR bool
}

// run is a maximal set of fragments of one message with consecutive TSNs
// (RFC 9260 6.9: the fragments of a message carry consecutive TSNs). Runs
// merge as the TSNs between them arrive; a run holding both the B and the E
// fragment is a complete message.
type run struct {
	first, last wire.TSN // fragments held; empty (first == last+1) only when pd
	msgTSN      wire.TSN // TSN of the B fragment, when b
	stream      uint16
	ssn         wire.SSN
	ppid        uint32
	bytes       int
	unordered   bool
	b, e        bool      // holds the message's first / last fragment
	pd          bool      // partial delivery in progress: first..last not yet handed out
	isI         bool      // an I-DATA message: fragments live in im, not in frags
	im          *imessage // when isI
}

// hasPiece reports whether a partial delivery has data to hand out.
func (x *run) hasPiece() bool {
	if x.isI {
		_, ok := x.im.frags[x.im.nextFSN]
		return ok
	}
	return x.bytes > 0
}

// streamExtra is the state of a stream beyond its next SSN, allocated only
// for streams that have something waiting, so idle streams cost two bytes.
type streamExtra struct {
	pd      *run                  // partial delivery in progress
	heads   map[wire.SSN]*run     // ordered incomplete runs holding their B fragment
	pending map[wire.SSN]Message  // ordered complete messages waiting for earlier SSNs
	held    []Message             // completed during pd, delivered after it
	imsgs   map[imsgKey]*imessage // I-DATA messages being reassembled
	ipend   map[wire.MID]Message  // I-DATA ordered complete, waiting for earlier MIDs
}

// Reassembly turns DATA fragments into messages per stream (RFC 9260 6.5,
// 6.6, 6.9) and hands them out through Pop: unordered messages as soon as
// they are complete, ordered ones in SSN order per stream, and pieces of a
// message when the buffer is full (partial delivery). Its zero value is not
// usable: call NewReassembly.
type Reassembly struct {
	inStreams uint16
	limit     int // bytes; Pop starts a partial delivery at this level
	hard      int // bytes; nothing is accepted beyond this
	buffered  int // user data bytes held
	items     int // fragments and messages held, for itemOverhead

	next    []wire.SSN // next expected SSN per stream, allocated on first use
	nextMID []wire.MID // I-DATA: next expected ordered MID per stream, likewise
	extras  map[uint16]*streamExtra

	frags   map[wire.TSN][]byte // fragments of incomplete runs, by TSN
	startAt map[wire.TSN]*run   // non-empty runs by first TSN
	endAt   map[wire.TSN]*run   // runs by last TSN

	ready      []Message  // deliverable, in order, from readyHead on
	ssnScratch []wire.SSN // reused by ForwardTSN
	readyHead  int
	pdStreams  []uint16 // streams with a partial delivery in progress
	stuck      bool     // full and no partial delivery possible: do not rescan
	scratch    []*run
}

// NewReassembly returns a Reassembly for inStreams inbound streams holding
// up to about limit bytes (DefaultLimit when limit <= 0), counting 64 bytes
// of bookkeeping per fragment or message on top of the user data. Beyond
// limit it accepts only chunks that unblock delivery, and never more than
// twice the limit plus 64 KiB.
func NewReassembly(inStreams uint16, limit int) *Reassembly {
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, maxLimit)
	return &Reassembly{
		inStreams: inStreams,
		limit:     limit,
		hard:      2*limit + 1<<16,
	}
}

// runMaps allocates the fragment maps on first use: an association that only
// ever sees single-fragment messages in order never needs them.
func (r *Reassembly) runMaps() {
	if r.frags == nil {
		r.frags = map[wire.TSN][]byte{}
		r.startAt = map[wire.TSN]*run{}
		r.endAt = map[wire.TSN]*run{}
	}
}

// Buffered returns the bytes held: fragments, complete messages not yet
// popped. The association advertises a_rwnd = limit - Buffered - bytes
// popped but not yet read by the user.
func (r *Reassembly) Buffered() int { return r.buffered }

// Charged returns Buffered plus 64 bytes of bookkeeping per fragment or
// message held: what the limits apply to, and what the association's
// memory bound counts (see Unread).
func (r *Reassembly) Charged() int { return r.occupancy() }

// occupancy is what the limits apply to.
func (r *Reassembly) occupancy() int { return r.buffered + r.items*itemOverhead }

// room decides whether a chunk of n bytes may be kept: below the limit
// anything fits; above it only what unblocks delivery; above the hard limit
// nothing.
func (r *Reassembly) room(n int, progresses func() bool) bool {
	occ := r.occupancy()
	if occ+n+itemOverhead > r.hard {
		return false
	}
	return occ < r.limit || progresses()
}

// span is the number of fragments in a non-empty run.
func span(x *run) int { return int(x.first.Diff(x.last)) + 1 }

func (r *Reassembly) nextSSN(stream uint16) wire.SSN {
	if r.next == nil {
		return 0
	}
	return r.next[stream]
}

func (r *Reassembly) setNextSSN(stream uint16, ssn wire.SSN) {
	if r.next == nil {
		r.next = make([]wire.SSN, r.inStreams)
	}
	r.next[stream] = ssn
}

func (r *Reassembly) extra(stream uint16) *streamExtra {
	if len(r.extras) == 0 {
		return nil
	}
	return r.extras[stream]
}

func (r *Reassembly) extraFor(stream uint16) *streamExtra {
	ex := r.extras[stream]
	if ex == nil {
		if r.extras == nil {
			r.extras = map[uint16]*streamExtra{}
		}
		ex = &streamExtra{}
		r.extras[stream] = ex
	}
	return ex
}

// tidy frees a stream's extra state once it holds nothing.
func (r *Reassembly) tidy(stream uint16, ex *streamExtra) {
	if ex != nil && ex.pd == nil && len(ex.heads) == 0 && len(ex.pending) == 0 && len(ex.held) == 0 && len(ex.imsgs) == 0 && len(ex.ipend) == 0 {
		delete(r.extras, stream)
	}
}

func protoErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrProtocol}, a...)...)
}

// Add takes one DATA chunk that Tracker.Observe accepted as new. d.UserData
// may alias a packet buffer: Add copies what it keeps. On error nothing
// changed. ErrInvalidStream and ErrNoUserData name the cause the association
// reports; ErrProtocol means fragments contradict each other or the stream
// state (the association aborts); ErrBufferFull means the chunk must be
// dropped unacknowledged (Tracker.Forget).
func (r *Reassembly) Add(d *wire.Data) error {
	if d.Stream >= r.inStreams {
		return fmt.Errorf("%w: %d, %d inbound streams", ErrInvalidStream, d.Stream, r.inStreams)
	}
	if len(d.UserData) == 0 {
		return fmt.Errorf("%w: TSN %d", ErrNoUserData, d.TSN)
	}
	next := r.nextSSN(d.Stream)
	var left, right *run
	if len(r.endAt) > 0 {
		if _, dup := r.frags[d.TSN]; dup {
			return protoErr("TSN %d already held", d.TSN)
		}
		left, right = r.endAt[d.TSN.Add(^uint32(0))], r.startAt[d.TSN.Add(1)]
		if err := checkNeighbors(d, left, right); err != nil {
			return err
		}
		// Runs merge only across a missing boundary: not after an E
		// fragment, not before a B fragment.
		if left != nil && left.e {
			left = nil
		}
		if right != nil && d.Ending {
			right = nil
		}
	}
	// A partial delivery that outlived a stream reset continues below next.
	if !d.Unordered && d.SSN.Less(next) && (left == nil || !left.pd) {
		return protoErr("stream %d SSN %d is behind the next expected %d", d.Stream, d.SSN, next)
	}
	ex := r.extra(d.Stream)
	if !d.Unordered && d.Beginning && ex != nil {
		if ex.heads[d.SSN] != nil {
			return protoErr("stream %d SSN %d: second first fragment at TSN %d", d.Stream, d.SSN, d.TSN)
		}
		if _, ok := ex.pending[d.SSN]; ok {
			return protoErr("stream %d SSN %d: already complete, fragment TSN %d", d.Stream, d.SSN, d.TSN)
		}
	}
	n := len(d.UserData)
	if !r.room(n, func() bool { return r.progresses(d, next, left, ex) }) {
		return ErrBufferFull
	}
	data := make([]byte, n)
	copy(data, d.UserData)
	r.buffered += n
	r.items++
	r.stuck = false

	if d.Beginning && d.Ending && left == nil && right == nil {
		ssn := d.SSN
		if d.Unordered {
			ssn = 0
		}
		r.complete(Message{Stream: d.Stream, SSN: ssn, PPID: d.PPID, TSN: d.TSN,
			Unordered: d.Unordered, Data: data, EOR: true})
		return nil
	}
	r.runMaps()
	r.frags[d.TSN] = data
	x := left
	if x != nil {
		delete(r.endAt, x.last)
		if x.bytes == 0 { // an emptied partial delivery resumes here
			x.first = d.TSN
			r.startAt[d.TSN] = x
		}
		x.last, x.e = d.TSN, d.Ending
	} else {
		x = &run{first: d.TSN, last: d.TSN, msgTSN: d.TSN, stream: d.Stream, ssn: d.SSN,
			ppid: d.PPID, unordered: d.Unordered, b: d.Beginning, e: d.Ending}
		r.startAt[d.TSN] = x
		if x.b && !x.unordered {
			ex = r.extraFor(d.Stream)
			if ex.heads == nil {
				ex.heads = map[wire.SSN]*run{}
			}
			ex.heads[d.SSN] = x
		}
	}
	x.bytes += n
	if right != nil {
		delete(r.startAt, right.first)
		x.last, x.e = right.last, right.e
		x.bytes += right.bytes
	}
	r.endAt[x.last] = x
	if x.b && x.e && !x.pd {
		r.finish(x)
	}
	return nil
}

// checkNeighbors enforces message boundaries against the runs ending just
// before and starting just after d's TSN: fragments with consecutive TSNs
// belong to one message unless an E fragment is followed by a B fragment.
func checkNeighbors(d *wire.Data, left, right *run) error {
	if left != nil {
		if left.e != d.Beginning {
			return protoErr("TSN %d: boundary flags disagree with TSN %d", d.TSN, left.last)
		}
		if !left.e && !sameMessage(left, d) {
			return protoErr("TSN %d continues a message of another stream or SSN", d.TSN)
		}
	}
	if right != nil {
		if d.Ending != right.b {
			return protoErr("TSN %d: boundary flags disagree with TSN %d", d.TSN, right.first)
		}
		if !d.Ending && !sameMessage(right, d) {
			return protoErr("TSN %d continues into a message of another stream or SSN", d.TSN)
		}
	}
	return nil
}

func sameMessage(x *run, d *wire.Data) bool {
	return x.stream == d.Stream && x.unordered == d.Unordered && (x.unordered || x.ssn == d.SSN)
}

// progresses reports whether a chunk arriving while the buffer is full can
// lead to a delivery: it belongs to the next ordered message of its stream,
// or it begins or continues an unordered message that can be partially
// delivered. Only such chunks are accepted beyond the limit, so a full
// buffer never deadlocks (RFC 9260 6.2 lets the receiver drop the rest).
func (r *Reassembly) progresses(d *wire.Data, next wire.SSN, left *run, ex *streamExtra) bool {
	var pd *run
	if ex != nil {
		pd = ex.pd
	}
	if !d.Unordered {
		return d.SSN == next && (pd == nil || (!pd.unordered && pd.ssn == d.SSN))
	}
	if d.Beginning {
		return pd == nil
	}
	return left != nil && left.b && (left.pd || pd == nil)
}

// join copies the fragments x.first..x.last into one buffer and forgets them.
func (r *Reassembly) join(x *run) []byte {
	buf := make([]byte, 0, x.bytes)
	for tsn := x.first; ; tsn = tsn.Add(1) {
		buf = append(buf, r.frags[tsn]...)
		delete(r.frags, tsn)
		if tsn == x.last {
			return buf
		}
	}
}

// finish turns a complete run into a message.
func (r *Reassembly) finish(x *run) {
	r.items -= span(x) - 1 // fragments become one message
	data := r.join(x)
	delete(r.startAt, x.first)
	delete(r.endAt, x.last)
	ssn := x.ssn
	if x.unordered {
		ssn = 0
	} else if ex := r.extra(x.stream); ex != nil && ex.heads[x.ssn] == x {
		delete(ex.heads, x.ssn)
	}
	r.complete(Message{Stream: x.stream, SSN: ssn, PPID: x.ppid, TSN: x.msgTSN,
		Unordered: x.unordered, Data: data, EOR: true})
}

// complete queues a complete message for delivery, or parks an ordered one
// until the SSNs before it have been delivered (RFC 9260 6.6).
func (r *Reassembly) complete(m Message) {
	ex := r.extra(m.Stream)
	if m.Unordered {
		r.emit(ex, m)
		return
	}
	if m.SSN != r.nextSSN(m.Stream) {
		ex = r.extraFor(m.Stream)
		if ex.pending == nil {
			ex.pending = map[wire.SSN]Message{}
		}
		ex.pending[m.SSN] = m
		return
	}
	r.setNextSSN(m.Stream, m.SSN+1)
	r.emit(ex, m)
	r.drainPending(m.Stream, ex)
}

// drainPending moves parked ordered messages that have become next in line.
func (r *Reassembly) drainPending(stream uint16, ex *streamExtra) {
	for ex != nil && len(ex.pending) > 0 {
		next := r.nextSSN(stream)
		m, ok := ex.pending[next]
		if !ok {
			break
		}
		delete(ex.pending, next)
		r.setNextSSN(stream, next+1)
		r.emit(ex, m)
	}
	r.tidy(stream, ex)
}

// emit makes a message deliverable, unless its stream is in the middle of
// a partial delivery, which nothing else of that stream may interrupt.
func (r *Reassembly) emit(ex *streamExtra, m Message) {
	if ex != nil && ex.pd != nil {
		ex.held = append(ex.held, m)
		return
	}
	r.ready = append(r.ready, m)
}

// Pop returns the next deliverable message: complete messages in the order
// they became deliverable (unordered ones when complete, ordered ones in
// SSN order per stream), then pieces of messages under partial delivery
// (whatever contiguous fragments have arrived, at any fill level). When the
// buffer has reached its limit and nothing else is deliverable, it
// starts a partial delivery of the message holding the lowest TSN among
// those that may be delivered next (the next ordered message of a stream,
// or an unordered one) and returns its leading fragments with EOR false.
// While a stream is under partial delivery nothing else of it is delivered.
func (r *Reassembly) Pop() (Message, bool) {
	if r.readyHead < len(r.ready) {
		m := r.ready[r.readyHead]
		r.ready[r.readyHead] = Message{}
		r.readyHead++
		if r.readyHead == len(r.ready) {
			r.ready, r.readyHead = r.ready[:0], 0
		} else if r.readyHead > 64 && r.readyHead > len(r.ready)/2 {
			r.ready = r.ready[:copy(r.ready, r.ready[r.readyHead:])]
			r.readyHead = 0
		}
		r.buffered -= len(m.Data)
		r.items--
		return m, true
	}
	for _, s := range r.pdStreams {
		if ex := r.extras[s]; ex.pd.hasPiece() {
			return r.piece(s, ex), true
		}
	}
	if r.occupancy() < r.limit || r.stuck {
		return Message{}, false
	}
	if x := r.pdCandidate(); x != nil {
		if x.isI {
			return r.startIPartial(x), true
		}
		ex := r.extraFor(x.stream)
		x.pd = true
		ex.pd = x
		r.pdStreams = append(r.pdStreams, x.stream)
		return r.piece(x.stream, ex), true
	}
	r.stuck = true
	return Message{}, false
}

// piece hands out the fragments a partial delivery holds; it ends the
// partial delivery when the last fragment is among them.
func (r *Reassembly) piece(stream uint16, ex *streamExtra) Message {
	x := ex.pd
	if x.isI {
		return r.iPiece(stream, ex)
	}
	r.items -= span(x)
	data := r.join(x)
	delete(r.startAt, x.first)
	r.buffered -= x.bytes
	m := Message{Stream: x.stream, PPID: x.ppid, TSN: x.msgTSN, Unordered: x.unordered, Data: data, EOR: x.e}
	if !x.unordered {
		m.SSN = x.ssn
	}
	x.first, x.bytes = x.last.Add(1), 0
	if x.e {
		delete(r.endAt, x.last)
		r.endPartial(stream, ex)
	}
	return m
}

// endPartial closes the partial delivery of a stream (delivered or
// abandoned) and releases what waited for it.
func (r *Reassembly) endPartial(stream uint16, ex *streamExtra) {
	x := ex.pd
	ex.pd = nil
	r.stuck = false // the stream's other messages may be candidates now
	for i, s := range r.pdStreams {
		if s == stream {
			r.pdStreams = append(r.pdStreams[:i], r.pdStreams[i+1:]...)
			break
		}
	}
	if !x.unordered && !x.isI {
		if ex.heads[x.ssn] == x {
			delete(ex.heads, x.ssn)
		}
		if r.nextSSN(stream) == x.ssn {
			r.setNextSSN(stream, x.ssn+1)
		}
	}
	if x.isI {
		r.endIPartial(stream, ex, x)
	}
	r.ready = append(r.ready, ex.held...)
	clear(ex.held)
	ex.held = ex.held[:0]
	r.drainPending(stream, ex)
}

// pdCandidate picks the message to deliver partially: among runs holding
// their first fragment that may be delivered next on a stream without a
// partial delivery, the one with the lowest TSN (deterministic).
func (r *Reassembly) pdCandidate() *run {
	var best *run
	consider := func(x *run) {
		if best == nil || x.msgTSN.Less(best.msgTSN) {
			best = x
		}
	}
	for _, x := range r.startAt {
		if !x.b || x.pd {
			continue
		}
		if ex := r.extra(x.stream); ex != nil && ex.pd != nil {
			continue
		}
		if x.unordered || x.ssn == r.nextSSN(x.stream) {
			consider(x)
		}
	}
	r.iCandidates(consider)
	return best
}
