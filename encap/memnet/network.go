package memnet

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"
)

// Default bounds of the queues; change them with SetLimits.
const (
	DefaultMaxInFlight = 1 << 16 // datagrams on all links of a Network
	DefaultQueueLen    = 1024    // datagrams waiting for one socket's reader
)

// Stats counts datagrams over the life of a Network. Every copy is in
// exactly one place, so Sent + Duplicated == Delivered + Dropped +
// Overflow + Unreachable + InFlight.
type Stats struct {
	Sent        uint64 // handed to WriteBatch
	Duplicated  uint64 // extra copies made by links
	Delivered   uint64 // placed in a receiving socket's queue
	Dropped     uint64 // lost on a link: loss, MTU or partition
	Overflow    uint64 // dropped because a bounded queue was full
	Unreachable uint64 // arrived where no socket is bound
	InFlight    uint64 // on a link now
	Truncated   uint64 // delivered, but longer than the reader's buffer (discarded)
}

// Network is a set of in-memory links between addresses. It is safe for
// concurrent use; one lock guards it (tests, not throughput, are its job).
type Network struct {
	mu          sync.Mutex
	seed        uint64
	defaultLink LinkConfig
	links       map[linkKey]*Link
	socks       map[netip.AddrPort]*sock
	nextPort    uint16
	flight      flightHeap
	seq         uint64
	timer       *time.Timer
	armed       bool
	armedAt     time.Time
	maxInFlight int
	queueLen    int
	stats       Stats
}

type linkKey struct{ from, to netip.Addr }

// packet is one datagram copy on its way.
type packet struct {
	data     []byte
	src, dst netip.AddrPort
}

// New returns a network whose links start with defaultLink and draw their
// randomness from streams derived from seed.
func New(seed uint64, defaultLink LinkConfig) *Network {
	return &Network{
		seed:        seed,
		defaultLink: defaultLink,
		links:       make(map[linkKey]*Link),
		socks:       make(map[netip.AddrPort]*sock),
		nextPort:    firstEphemeral,
		maxInFlight: DefaultMaxInFlight,
		queueLen:    DefaultQueueLen,
	}
}

// SetLimits changes the queue bounds; values <= 0 keep the current ones.
func (n *Network) SetLimits(maxInFlight, queueLen int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if maxInFlight > 0 {
		n.maxInFlight = maxInFlight
	}
	if queueLen > 0 {
		n.queueLen = queueLen
	}
}

// link returns the directed link from -> to, creating it with the default
// configuration. Its random stream depends only on the seed and the two
// addresses, so traffic on other links does not disturb it.
func (n *Network) link(from, to netip.Addr) *Link {
	k := linkKey{from, to}
	if l := n.links[k]; l != nil {
		return l
	}
	h := fnv.New64a()
	f, t := from.As16(), to.As16()
	h.Write(f[:])
	h.Write(t[:])
	var s [8]byte
	binary.BigEndian.PutUint64(s[:], n.seed)
	h.Write(s[:])
	l := NewLink(n.defaultLink, rand.New(rand.NewPCG(n.seed, h.Sum64())))
	n.links[k] = l
	return l
}

// SetLink configures the direction from -> to. A partition stays in place.
func (n *Network) SetLink(from, to netip.Addr, cfg LinkConfig) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.link(from.Unmap(), to.Unmap()).SetConfig(cfg)
}

// Partition cuts both directions between a and b until Heal.
func (n *Network) Partition(a, b netip.Addr) { n.partition(a, b, true) }

// Heal restores both directions between a and b.
func (n *Network) Heal(a, b netip.Addr) { n.partition(a, b, false) }

func (n *Network) partition(a, b netip.Addr, on bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	a, b = a.Unmap(), b.Unmap()
	n.link(a, b).Partition(on)
	n.link(b, a).Partition(on)
}

// Stats returns the counters so far.
func (n *Network) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	st := n.stats
	st.InFlight = uint64(len(n.flight))
	return st
}

// send puts one datagram on the link src -> dst. Caller holds n.mu.
func (n *Network) send(now time.Time, src, dst netip.AddrPort, buf []byte) {
	n.stats.Sent++
	times := n.link(src.Addr(), dst.Addr()).Schedule(now, len(buf))
	if len(times) == 0 {
		n.stats.Dropped++
		return
	}
	n.stats.Duplicated += uint64(len(times) - 1)
	p := packet{data: append([]byte(nil), buf...), src: src, dst: dst}
	for _, at := range times {
		if len(n.flight) >= n.maxInFlight {
			n.stats.Overflow++
			continue
		}
		n.seq++
		n.flight.push(flight{at: at, seq: n.seq, p: p})
	}
}

// arm makes sure the timer fires by the earliest delivery time. Caller
// holds n.mu. A stale firing is harmless: deliver only takes what is due.
func (n *Network) arm(now time.Time) {
	if len(n.flight) == 0 {
		return
	}
	at := n.flight[0].at
	if n.armed && !at.Before(n.armedAt) {
		return
	}
	d := at.Sub(now)
	if n.timer == nil {
		n.timer = time.AfterFunc(d, n.deliver)
	} else {
		n.timer.Reset(d)
	}
	n.armed, n.armedAt = true, at
}

// deliver moves every datagram that is due into its socket's queue.
func (n *Network) deliver() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.armed = false
	now := time.Now()
	for len(n.flight) > 0 && !n.flight[0].at.After(now) {
		f := n.flight.pop()
		s := n.socks[f.p.dst]
		switch {
		case s == nil:
			n.stats.Unreachable++
		case len(s.queue) >= n.queueLen:
			n.stats.Overflow++
		default:
			s.queue = append(s.queue, f.p)
			n.stats.Delivered++
			select {
			case s.notify <- struct{}{}:
			default:
			}
		}
	}
	n.arm(now)
}

// flight is a scheduled delivery; seq keeps equal times in send order.
type flight struct {
	at  time.Time
	seq uint64
	p   packet
}

// flightHeap is a min-heap by (at, seq), written out to avoid the boxing of
// container/heap.
type flightHeap []flight

func (h flightHeap) less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}

func (h *flightHeap) push(f flight) {
	*h = append(*h, f)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.less(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *flightHeap) pop() flight {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s[last] = flight{}
	s = s[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(s) && s.less(l, m) {
			m = l
		}
		if r < len(s) && s.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}
