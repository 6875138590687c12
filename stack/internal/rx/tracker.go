package rx

import (
	"sort"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

const (
	defaultDelayedAck = 200 * time.Millisecond
	maxDelayedAck     = 500 * time.Millisecond // RFC 9260 6.2
	defaultAckEvery   = 2                      // RFC 9260 6.2
	// Gap Ack Block offsets are 16 bits (RFC 9260 3.3.4): a TSN further
	// above the cumulative ack than this could never be reported.
	maxGapTSNs = 1<<16 - 1
	// maxRanges caps the out-of-order ranges the Tracker holds. A TSN that
	// would open one more is refused (the peer retransmits it); the next
	// in-sequence TSN never opens a range, so progress is always possible.
	// A SACK in a 1500-byte packet carries about 360 blocks anyway.
	maxRanges = 4096
	// maxDups caps the Duplicate TSN list of one SACK.
	maxDups = 32
)

// TrackerConfig tunes the Tracker; zero values pick the defaults.
type TrackerConfig struct {
	// DelayedAckTime is the delayed-SACK timer: 200 ms when 0, at most
	// 500 ms (RFC 9260 6.2).
	DelayedAckTime time.Duration
	// AckEvery: a SACK goes out at least for every AckEvery-th packet
	// carrying DATA; 2 when 0 (RFC 9260 6.2).
	AckEvery int
	// MaxGapTSNs: TSNs further than this above the cumulative ack are
	// refused, which bounds the out-of-order state. 65535 when 0, and never
	// more, because Gap Ack Block offsets are 16 bits. An association may
	// tie it to its receive window (window / smallest chunk it expects).
	MaxGapTSNs uint32
}

// tsnRange is a run of received TSNs above the cumulative ack, inclusive.
type tsnRange struct{ start, end wire.TSN }

// Tracker records which TSNs arrived and builds SACKs (RFC 9260 6.2, 6.7).
// Its zero value is not usable: call NewTracker.
type Tracker struct {
	cfg     TrackerConfig
	cum     wire.TSN   // highest TSN received in sequence
	highest wire.TSN   // highest TSN received
	ranges  []tsnRange // sorted, disjoint, non-adjacent, all above cum+1
	dups    []wire.TSN

	// Per-packet state, reset by PacketDone.
	inPacket   bool // Observe or ForwardTo was called since PacketDone
	gapsBefore bool // gaps were open when the packet's first chunk came
	pktDup     bool // the packet held a duplicate
	pktGap     bool // the packet held a TSN that arrived out of order

	packets  int       // packets with DATA since the last SACK
	sackNow  bool      // a SACK should go out now
	deadline time.Time // delayed-ack deadline, zero when not armed
}

// NewTracker returns a Tracker expecting peerInitialTSN (the Initial TSN of
// the peer's INIT or INIT ACK) as the first TSN.
func NewTracker(peerInitialTSN wire.TSN, cfg TrackerConfig) *Tracker {
	if cfg.DelayedAckTime <= 0 {
		cfg.DelayedAckTime = defaultDelayedAck
	}
	if cfg.DelayedAckTime > maxDelayedAck {
		cfg.DelayedAckTime = maxDelayedAck
	}
	if cfg.AckEvery <= 0 {
		cfg.AckEvery = defaultAckEvery
	}
	if cfg.MaxGapTSNs == 0 || cfg.MaxGapTSNs > maxGapTSNs {
		cfg.MaxGapTSNs = maxGapTSNs
	}
	cum := peerInitialTSN.Add(^uint32(0)) // initial - 1
	return &Tracker{cfg: cfg, cum: cum, highest: cum}
}

// CumAck returns the highest TSN received in sequence.
func (t *Tracker) CumAck() wire.TSN { return t.cum }

// Highest returns the highest TSN received (CumAck when there are no gaps).
// RFC 9260 6.2: with a zero window, new TSNs above it are dropped.
func (t *Tracker) Highest() wire.TSN { return t.highest }

// HasGaps reports whether TSNs above the cumulative ack have arrived while
// some below them are missing.
func (t *Tracker) HasGaps() bool { return len(t.ranges) > 0 }

// Observe records a DATA or I-DATA chunk's TSN. It returns true when the TSN
// is new: the chunk goes on to the Reassembly. It returns false when the TSN
// is a duplicate (noted for the SACK's Duplicate TSN list, up to 32 per SACK)
// or lies beyond the acceptable window; either way the chunk is dropped.
func (t *Tracker) Observe(tsn wire.TSN) bool {
	t.startPacket()
	if tsn.LessEq(t.cum) {
		t.duplicate(tsn)
		return false
	}
	if uint32(t.cum.Diff(tsn)) > t.cfg.MaxGapTSNs {
		return false
	}
	if tsn == t.cum.Add(1) {
		t.cum = tsn
		if len(t.ranges) > 0 && t.ranges[0].start == tsn.Add(1) {
			t.cum = t.ranges[0].end
			t.ranges = t.ranges[:copy(t.ranges, t.ranges[1:])]
		}
		t.raiseHighest(t.cum)
		return true
	}
	t.pktGap = true
	// i: the first range ending at or after tsn-1 (it may absorb tsn).
	i := sort.Search(len(t.ranges), func(i int) bool { return tsn.Add(^uint32(0)).LessEq(t.ranges[i].end) })
	if i < len(t.ranges) && t.ranges[i].start.LessEq(tsn) && tsn.LessEq(t.ranges[i].end) {
		t.duplicate(tsn)
		return false
	}
	joinsLeft := i < len(t.ranges) && t.ranges[i].end == tsn.Add(^uint32(0))
	right := i
	if joinsLeft {
		right = i + 1
	}
	joinsRight := right < len(t.ranges) && t.ranges[right].start == tsn.Add(1)
	switch {
	case joinsLeft && joinsRight:
		t.ranges[i].end = t.ranges[right].end
		t.ranges = append(t.ranges[:right], t.ranges[right+1:]...)
	case joinsLeft:
		t.ranges[i].end = tsn
	case joinsRight:
		t.ranges[right].start = tsn
	default:
		if len(t.ranges) >= maxRanges {
			return false
		}
		t.ranges = append(t.ranges, tsnRange{})
		copy(t.ranges[i+1:], t.ranges[i:])
		t.ranges[i] = tsnRange{tsn, tsn}
	}
	t.raiseHighest(tsn)
	return true
}

func (t *Tracker) raiseHighest(tsn wire.TSN) {
	if t.highest.Less(tsn) {
		t.highest = tsn
	}
}

// lowerHighest recomputes highest after Forget took back tsn.
func (t *Tracker) lowerHighest(tsn wire.TSN) {
	if tsn != t.highest {
		return
	}
	t.highest = t.cum
	if n := len(t.ranges); n > 0 {
		t.highest = t.ranges[n-1].end
	}
}

// Forget un-records a TSN that Observe has just accepted, for a chunk the
// association then dropped (Reassembly.Add returned ErrBufferFull): the TSN
// is not acknowledged and the peer retransmits it (RFC 9260 6.2). Call it
// only before the next FillSack; a TSN not recorded is ignored.
func (t *Tracker) Forget(tsn wire.TSN) {
	defer t.lowerHighest(tsn)
	if tsn.LessEq(t.cum) {
		if t.cum.Diff(tsn) <= -maxGapTSNs {
			return // far below: acknowledged long ago, not ours to take back
		}
		if tsn != t.cum {
			t.insertRange(0, tsnRange{tsn.Add(1), t.cum})
		}
		t.cum = tsn.Add(^uint32(0))
		return
	}
	for i, r := range t.ranges {
		if tsn.Less(r.start) {
			return
		}
		if tsn.LessEq(r.end) {
			switch {
			case r.start == r.end:
				t.ranges = append(t.ranges[:i], t.ranges[i+1:]...)
			case tsn == r.start:
				t.ranges[i].start = tsn.Add(1)
			case tsn == r.end:
				t.ranges[i].end = tsn.Add(^uint32(0))
			default:
				t.ranges[i].end = tsn.Add(^uint32(0))
				t.insertRange(i+1, tsnRange{tsn.Add(1), r.end})
			}
			return
		}
	}
}

func (t *Tracker) insertRange(i int, r tsnRange) {
	t.ranges = append(t.ranges, tsnRange{})
	copy(t.ranges[i+1:], t.ranges[i:])
	t.ranges[i] = r
}

// ForwardTo applies a FORWARD TSN (RFC 3758 3.6): every TSN up to newCum
// counts as received, then the cumulative ack advances over TSNs already
// received above it. It counts as a DATA chunk of the current packet for the
// SACK rules (call PacketDone after the packet); a stale FORWARD TSN (newCum
// at or below the cumulative ack) asks for an immediate SACK, since the
// previous SACK may have been lost.
func (t *Tracker) ForwardTo(newCum wire.TSN) {
	t.startPacket()
	if newCum.LessEq(t.cum) {
		t.pktDup = true
		return
	}
	t.cum = newCum
	t.raiseHighest(newCum)
	n := 0
	for n < len(t.ranges) && t.ranges[n].end.LessEq(newCum) {
		n++
	}
	t.ranges = t.ranges[:copy(t.ranges, t.ranges[n:])]
	if len(t.ranges) > 0 && t.ranges[0].start.LessEq(newCum.Add(1)) {
		t.cum = t.ranges[0].end
		t.ranges = t.ranges[:copy(t.ranges, t.ranges[1:])]
	}
}

func (t *Tracker) startPacket() {
	if !t.inPacket {
		t.inPacket = true
		t.gapsBefore = len(t.ranges) > 0
	}
}

func (t *Tracker) duplicate(tsn wire.TSN) {
	t.pktDup = true
	if len(t.dups) < maxDups {
		t.dups = append(t.dups, tsn)
	}
}

// PacketDone is called once after all DATA chunks (and any FORWARD TSN) of
// one inbound packet. It decides between an immediate and a delayed SACK
// (RFC 9260 6.2, 6.7; RFC 7053 for the I bit): immediately on duplicates,
// when gaps were open before the packet or are open after it, when immediate
// (the I bit of any DATA chunk in the packet) is true, and on every AckEvery-th
// packet; otherwise it arms the delayed-ack deadline if none is armed. A call
// for a packet without Observe or ForwardTo calls only honours immediate.
func (t *Tracker) PacketDone(now time.Time, immediate bool) {
	if !t.inPacket {
		if immediate {
			t.ForceSack()
		}
		return
	}
	t.packets++
	if immediate || t.pktDup || t.pktGap || t.gapsBefore || len(t.ranges) > 0 || t.packets >= t.cfg.AckEvery {
		t.ForceSack()
	} else if t.deadline.IsZero() && !t.sackNow {
		t.deadline = now.Add(t.cfg.DelayedAckTime)
	}
	t.inPacket, t.gapsBefore, t.pktDup, t.pktGap = false, false, false, false
}

// ForceSack asks for a SACK with the next transmission, e.g. after a
// SHUTDOWN or a window update (RFC 9260 6.2).
func (t *Tracker) ForceSack() {
	t.sackNow = true
	t.deadline = time.Time{}
}

// SackNow reports whether a SACK should go out with the next transmission.
func (t *Tracker) SackNow() bool { return t.sackNow }

// Deadline returns the delayed-ack deadline, zero when none is armed. It
// changes after PacketDone, HandleTimeout, ForceSack and FillSack.
func (t *Tracker) Deadline() time.Time { return t.deadline }

// HandleTimeout makes SackNow true when now has reached the Deadline.
// Calls before the deadline, or with none armed, are harmless.
func (t *Tracker) HandleTimeout(now time.Time) {
	if !t.deadline.IsZero() && !now.Before(t.deadline) {
		t.ForceSack()
	}
}

// FillSack writes the cumulative ack, arwnd, the gap blocks (offsets
// relative to the cumulative ack, sorted, at most maxGaps of them, the
// lowest first; a negative maxGaps means no limit) and the duplicate list
// into s, reusing its slices. It clears the pending-SACK state (SackNow,
// Deadline, the packet count) and the duplicate list.
func (t *Tracker) FillSack(s *wire.Sack, arwnd uint32, maxGaps int) {
	s.CumTSNAck = t.cum
	s.ARwnd = arwnd
	n := len(t.ranges)
	if maxGaps >= 0 && n > maxGaps {
		n = maxGaps
	}
	s.Gaps = s.Gaps[:0]
	for _, r := range t.ranges[:n] {
		if t.cum.Diff(r.end) > maxGapTSNs {
			break // beyond what a 16-bit offset can say (only after a Forget)
		}
		s.Gaps = append(s.Gaps, wire.GapBlock{
			Start: uint16(t.cum.Diff(r.start)),
			End:   uint16(t.cum.Diff(r.end)),
		})
	}
	s.Dups = append(s.Dups[:0], t.dups...)
	t.dups = t.dups[:0]
	t.sackNow = false
	t.deadline = time.Time{}
	t.packets = 0
}
