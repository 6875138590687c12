package tx

import (
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// mark says why a chunk waits for retransmission.
type mark uint8

const (
	markNone mark = iota
	markFast      // three miss indications (RFC 9260 7.2.4)
	markT3        // T3-rtx expiry on its path (RFC 9260 6.3.3)
)

// chunk is one sent, not yet cumulatively acknowledged DATA chunk.
type chunk struct {
	d         wire.Data
	msg       *Message
	sentAt    time.Time
	path      int
	retrans   int   // retransmissions so far
	miss      uint8 // miss indications since the last (re)transmission
	mark      mark
	acked     bool // gap-acked (may still be reneged)
	inFlight  bool // counted in flight on path
	fastDone  bool // fast retransmitted once already (RFC 9260 7.2.4)
	abandoned bool // PR-SCTP (RFC 3758 3.5)
	reneged   bool // reneged in the SACK being processed
}

// Retransmit holds the outstanding DATA chunks in TSN order: a ring indexed
// by the TSN's offset from the cumulative TSN ack point, so that the chunk
// with TSN cum+1+i sits at index i and SACK processing touches only the
// span the SACK reports on.
type Retransmit struct {
	buf   []chunk // ring, len a power of two; nil until the first Add
	start int     // ring position of TSN cum+1
	n     int     // chunks held: TSNs cum+1 .. next-1
	cum   wire.TSN
	next  wire.TSN

	flight      []int // in-flight bytes per path
	flightTotal int

	marked   int // chunks with a mark
	fastMark int // chunks with markFast
	lowMark  int // no marked chunk below this index
	lowFast  int // no fast-marked chunk below this index

	gapAcked int // chunks with acked set
	highGap  int // no gap-acked chunk at or above this index

	rtxFence wire.TSN // RTT samples only from TSNs at or above (RFC 9260 6.3.1 C5)

	inFR   bool
	frExit wire.TSN

	advPeerAck   wire.TSN // RFC 3758 Advanced.Peer.Ack.Point
	prChunks     int      // held chunks, not abandoned, whose message has a PR-SCTP policy
	prNext       time.Time
	abandonedMsg []OutMessage

	// Scratch reused across calls.
	ackedBytes []int
	delivered  []MsgRef // the last SackResult.Delivered; recycled by the next HandleSack
	frPaths    []int
	gaps       []wire.GapBlock
}

// NewRetransmit returns an empty queue whose first chunk gets initialTSN.
func NewRetransmit(initialTSN wire.TSN) *Retransmit {
	return &Retransmit{
		cum:        initialTSN - 1,
		next:       initialTSN,
		advPeerAck: initialTSN - 1,
		rtxFence:   initialTSN,
	}
}

// initialRing is the ring's first size, in chunks: one, what a SENDALL or
// a request/response association holds; a bulk sender doubles its way up
// to its window in a few steps.
const initialRing = 1

func (r *Retransmit) at(i int) *chunk { return &r.buf[(r.start+i)&(len(r.buf)-1)] }

// grow doubles the ring, or allocates it: an idle association holds none
// (the ring is most of an idle Retransmit's memory).
func (r *Retransmit) grow() {
	nb := make([]chunk, max(2*len(r.buf), initialRing))
	for i := 0; i < r.n; i++ {
		nb[i] = *r.at(i)
	}
	r.buf, r.start = nb, 0
}

// ensurePath sizes the per-path tables to hold path. Both live in one
// allocation (capped, so that neither grows into the other).
func (r *Retransmit) ensurePath(path int) {
	n := len(r.flight)
	if path < n {
		return
	}
	m := max(path+1, 2*n)
	b := make([]int, 2*m)
	copy(b, r.flight)
	copy(b[m:], r.ackedBytes)
	r.flight, r.ackedBytes = b[:path+1:m], b[m:m+path+1:2*m]
}

// Add assigns the next TSN to d, records the chunk as in flight on path,
// sent at now, and returns the TSN. ref is the handle Next returned.
func (r *Retransmit) Add(now time.Time, path int, d *wire.Data, ref MsgRef) wire.TSN {
	if path < 0 {
		path = 0
	}
	if r.n == len(r.buf) {
		r.grow()
	}
	r.ensurePath(path)
	tsn := r.next
	r.next++
	d.TSN = tsn
	*r.at(r.n) = chunk{d: *d, msg: ref, sentAt: now, path: path, inFlight: true}
	r.n++
	r.flight[path] += len(d.UserData)
	r.flightTotal += len(d.UserData)
	if ref != nil {
		if !ref.tsnKnown {
			ref.firstTSN, ref.tsnKnown = tsn, true
		}
		if ref.hasPolicy {
			r.prChunks++
			if !ref.m.Deadline.IsZero() && (r.prNext.IsZero() || ref.m.Deadline.Before(r.prNext)) {
				r.prNext = ref.m.Deadline
			}
		}
	}
	return tsn
}

// NextTSN returns the TSN the next Add assigns.
func (r *Retransmit) NextTSN() wire.TSN { return r.next }

// CumTSN returns the cumulative TSN ack point.
func (r *Retransmit) CumTSN() wire.TSN { return r.cum }

// Outstanding returns the bytes in flight on path.
func (r *Retransmit) Outstanding(path int) int {
	if path < 0 || path >= len(r.flight) {
		return 0
	}
	return r.flight[path]
}

// OutstandingTotal returns the bytes in flight on all paths.
func (r *Retransmit) OutstandingTotal() int { return r.flightTotal }

// Len returns the number of chunks held (sent and not cumulatively acked).
func (r *Retransmit) Len() int { return r.n }

// Empty reports whether every chunk sent has been cumulatively acked.
func (r *Retransmit) Empty() bool { return r.n == 0 }

// HasRetransmits reports whether chunks are marked for retransmission.
func (r *Retransmit) HasRetransmits() bool { return r.marked > 0 }

// HasFastRetransmits reports whether chunks are marked by fast retransmit;
// RFC 9260 7.2.4 step 3 sends the first packet of them ignoring cwnd.
func (r *Retransmit) HasFastRetransmits() bool { return r.fastMark > 0 }

// InFastRecovery reports whether the sender is in Fast Recovery (RFC 9260
// 7.2.4); pass it to Congestion.OnAck.
func (r *Retransmit) InFastRecovery() bool { return r.inFR }

// HasOutstandingOn reports whether any chunk held was last sent on path and
// is neither acked nor abandoned (T3-rtx must run for path while true).
func (r *Retransmit) HasOutstandingOn(path int) bool {
	if r.Outstanding(path) > 0 {
		return true
	}
	for i := 0; i < r.n; i++ {
		c := r.at(i)
		if c.path == path && !c.acked && !c.abandoned {
			return true
		}
	}
	return false
}

func (r *Retransmit) removeFlight(c *chunk) {
	if c.inFlight {
		c.inFlight = false
		r.flight[c.path] -= len(c.d.UserData)
		r.flightTotal -= len(c.d.UserData)
	}
}

func (r *Retransmit) addFlight(c *chunk) {
	if !c.inFlight {
		c.inFlight = true
		r.flight[c.path] += len(c.d.UserData)
		r.flightTotal += len(c.d.UserData)
	}
}

func (r *Retransmit) setMark(c *chunk, i int, m mark) {
	r.removeFlight(c)
	if c.mark == markNone {
		r.marked++
		if i < r.lowMark {
			r.lowMark = i
		}
	}
	if m == markFast && c.mark != markFast {
		r.fastMark++
		if i < r.lowFast {
			r.lowFast = i
		}
	}
	if m == markT3 && c.mark == markFast {
		return // a fast mark keeps its priority
	}
	c.mark = m
}

func (r *Retransmit) clearMark(c *chunk) {
	switch c.mark {
	case markNone:
		return
	case markFast:
		r.fastMark--
	}
	r.marked--
	c.mark = markNone
}
