package memnet

import (
	"math/rand/v2"
	"time"
)

// LinkConfig describes one direction of a link.
type LinkConfig struct {
	// Delay is the one-way latency every datagram gets.
	Delay time.Duration
	// Jitter adds a uniform extra delay in [0, Jitter); on its own it can
	// already reorder datagrams sent closer together than Jitter.
	Jitter time.Duration
	// Loss, Duplicate and Reorder are probabilities in [0, 1]: a datagram
	// is dropped; it arrives twice; it is held back (see ReorderDelay) so
	// that datagrams sent after it overtake it.
	Loss, Duplicate, Reorder float64
	// ReorderDelay is the extra delay of a reordered datagram; 0 means
	// Delay + Jitter + 1ms, long enough to be overtaken by later ones.
	ReorderDelay time.Duration
	// MTU is the largest datagram payload carried; 0 means unlimited.
	// Larger datagrams are dropped (no fragmentation, as with DF set).
	MTU int
	// Rate is the bottleneck bandwidth in bytes per second; 0 means
	// unlimited. Datagrams queue behind each other at the bottleneck, so
	// congestion control has something to find.
	Rate int64
	// QueueDelay bounds the bottleneck backlog when Rate is set: a datagram
	// that would wait longer is tail-dropped. 0 means 50ms.
	QueueDelay time.Duration
}

// defaultQueueDelay is the bottleneck buffer when LinkConfig.QueueDelay is 0.
const defaultQueueDelay = 50 * time.Millisecond

// Link is the deterministic model of one direction of a link. It is not
// safe for concurrent use; Network guards its links with its own lock.
type Link struct {
	cfg         LinkConfig
	rng         *rand.Rand
	partitioned bool
	busyUntil   time.Time // when the bottleneck has sent its backlog
	out         []time.Time
}

// NewLink returns a link drawing its randomness from rng.
func NewLink(cfg LinkConfig, rng *rand.Rand) *Link {
	return &Link{cfg: cfg, rng: rng}
}

// Config returns the current configuration.
func (l *Link) Config() LinkConfig { return l.cfg }

// SetConfig replaces the configuration for datagrams scheduled from now on.
func (l *Link) SetConfig(cfg LinkConfig) { l.cfg = cfg }

// Partition cuts (on) or restores (off) the link. A cut link drops all.
func (l *Link) Partition(on bool) { l.partitioned = on }

// Partitioned reports whether the link is cut.
func (l *Link) Partitioned() bool { return l.partitioned }

// Schedule returns the delivery times of the copies of one datagram of
// size bytes sent at now: empty when it is dropped, two entries when it is
// duplicated. The slice is reused by the next call. With a Rate, calls
// must come in non-decreasing now (the bottleneck queue is FIFO).
//
// A fixed number of random values is drawn per call whatever the outcome,
// so changing one probability does not shift the random stream for later
// datagrams: a seed keeps its meaning while a test tunes the link.
func (l *Link) Schedule(now time.Time, size int) []time.Time {
	l.out = l.out[:0]
	loss, dup := l.rng.Float64(), l.rng.Float64()
	var reorder [2]float64
	var jitter [2]int64
	for i := range 2 {
		reorder[i] = l.rng.Float64()
		jitter[i] = l.rng.Int64()
	}
	c := &l.cfg
	if l.partitioned || (c.MTU > 0 && size > c.MTU) {
		return l.out
	}
	sent := now // when the last bit leaves the bottleneck
	if c.Rate > 0 {
		start := now
		if l.busyUntil.After(now) {
			start = l.busyUntil
		}
		limit := c.QueueDelay
		if limit <= 0 {
			limit = defaultQueueDelay
		}
		if start.Sub(now) > limit {
			return l.out // tail drop: the bottleneck buffer is full
		}
		l.busyUntil = start.Add(time.Duration(int64(size) * int64(time.Second) / c.Rate))
		sent = l.busyUntil
	}
	if loss < c.Loss {
		return l.out
	}
	copies := 1
	if dup < c.Duplicate {
		copies = 2
	}
	for i := range copies {
		d := c.Delay
		if c.Jitter > 0 {
			d += time.Duration(jitter[i] % int64(c.Jitter))
		}
		if reorder[i] < c.Reorder {
			extra := c.ReorderDelay
			if extra <= 0 {
				extra = c.Delay + c.Jitter + time.Millisecond
			}
			d += extra
		}
		l.out = append(l.out, sent.Add(d))
	}
	return l.out
}
