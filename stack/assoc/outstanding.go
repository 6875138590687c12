package assoc

import (
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// rtxMark says why a chunk waits for retransmission.
type rtxMark uint8

const (
	markNone rtxMark = iota
	markFast         // fast retransmit (RFC 9260 7.2.4)
	markT3           // T3-rtx expiry (6.3.3) or reneging
)

// sentChunk is one DATA chunk sent and not cumulatively acknowledged.
type sentChunk struct {
	d         wire.Data // UserData aliases the message's data
	msg       *outMsg
	path      *path // where it was last sent
	sentAt    time.Time
	sends     int
	inFlight  bool // counted in path.flight
	acked     bool // covered by a gap block
	mark      rtxMark
	misses    int
	fastDone  bool // fast-retransmitted once already
	abandoned bool
}

func (c *sentChunk) size() int { return len(c.d.UserData) }

// outstanding is the retransmission queue: DATA chunks sent and not yet
// cumulatively acknowledged, in TSN order.
type outstanding struct {
	q       []*sentChunk
	head    int
	cumAck  wire.TSN // the peer's cumulative TSN ack
	nextTSN wire.TSN
	marked  int // chunks with a retransmission mark
	// advancedPeerAck is RFC 3758's Advanced.Peer.Ack.Point.
	advancedPeerAck wire.TSN
}

func newOutstanding(initialTSN wire.TSN) outstanding {
	return outstanding{cumAck: initialTSN - 1, nextTSN: initialTSN, advancedPeerAck: initialTSN - 1}
}

func (o *outstanding) len() int { return len(o.q) - o.head }

func (o *outstanding) chunks() []*sentChunk { return o.q[o.head:] }

func (o *outstanding) add(c *sentChunk) {
	if o.head > 0 && o.head*2 >= len(o.q) {
		n := copy(o.q, o.q[o.head:])
		clear(o.q[n:])
		o.q = o.q[:n]
		o.head = 0
	}
	o.q = append(o.q, c)
}

// find returns the chunk with TSN t, if outstanding.
func (o *outstanding) find(t wire.TSN) *sentChunk {
	cs := o.chunks()
	if len(cs) == 0 {
		return nil
	}
	i := int(cs[0].d.TSN.Diff(t))
	if i < 0 || i >= len(cs) {
		return nil
	}
	return cs[i]
}

// popFront removes the first chunk.
func (o *outstanding) popFront() *sentChunk {
	c := o.q[o.head]
	o.q[o.head] = nil
	o.head++
	if o.head == len(o.q) {
		o.q, o.head = o.q[:0], 0
	}
	return c
}

// setMark marks c for retransmission and takes it out of flight.
func (o *outstanding) setMark(c *sentChunk, m rtxMark) {
	if c.mark == markNone {
		o.marked++
	}
	c.mark = m
	o.leaveFlight(c)
}

func (o *outstanding) clearMark(c *sentChunk) {
	if c.mark != markNone {
		o.marked--
		c.mark = markNone
	}
}

func (o *outstanding) leaveFlight(c *sentChunk) {
	if c.inFlight {
		c.inFlight = false
		c.path.flight -= c.size()
	}
}

// flight returns the bytes in flight on all paths.
func (o *outstanding) flightTotal(paths []*path) int {
	n := 0
	for _, p := range paths {
		n += p.flight
	}
	return n
}
