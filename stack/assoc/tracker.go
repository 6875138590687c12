package assoc

import "github.com/udpsctp/udpsctp/stack/wire"

// tsnRange is a run of received TSNs, Start..End inclusive.
type tsnRange struct{ start, end wire.TSN }

// tracker records which TSNs arrived (RFC 9260 6.2): the cumulative TSN,
// the runs received above it (for Gap Ack Blocks) and duplicates.
type tracker struct {
	cum     wire.TSN
	highest wire.TSN
	ranges  []tsnRange // sorted, disjoint, non-adjacent, all above cum+1
	dups    []wire.TSN
}

// maxTSNSpan bounds how far above the cumulative TSN a DATA chunk may be:
// Gap Ack Block offsets are 16-bit (RFC 9260 3.3.4).
const maxTSNSpan = 65000

// maxDups bounds the duplicate TSNs reported in one SACK.
const maxDups = 32

func newTracker(peerInitialTSN wire.TSN) tracker {
	return tracker{cum: peerInitialTSN - 1, highest: peerInitialTSN - 1}
}

func (t *tracker) has(x wire.TSN) bool {
	if x.LessEq(t.cum) {
		return true
	}
	for _, r := range t.ranges {
		if x.Less(r.start) {
			return false
		}
		if x.LessEq(r.end) {
			return true
		}
	}
	return false
}

// inWindow reports whether x is close enough above cum to be tracked.
func (t *tracker) inWindow(x wire.TSN) bool {
	d := t.cum.Diff(x)
	return d > 0 && d <= maxTSNSpan
}

// dup records a duplicate for the next SACK.
func (t *tracker) dup(x wire.TSN) {
	if len(t.dups) < maxDups {
		t.dups = append(t.dups, x)
	}
}

// add marks x received; x must be in window and not yet received.
func (t *tracker) add(x wire.TSN) {
	if t.highest.Less(x) {
		t.highest = x
	}
	if x == t.cum+1 {
		t.cum = x
		if len(t.ranges) > 0 && t.ranges[0].start == t.cum+1 {
			t.cum = t.ranges[0].end
			t.ranges = t.ranges[:copy(t.ranges, t.ranges[1:])]
		}
		return
	}
	i := 0
	for i < len(t.ranges) && t.ranges[i].start.Less(x) {
		i++
	}
	// ranges[i-1].start < x < ranges[i].start
	joinPrev := i > 0 && t.ranges[i-1].end+1 == x
	joinNext := i < len(t.ranges) && t.ranges[i].start == x+1
	switch {
	case joinPrev && joinNext:
		t.ranges[i-1].end = t.ranges[i].end
		t.ranges = append(t.ranges[:i], t.ranges[i+1:]...)
	case joinPrev:
		t.ranges[i-1].end = x
	case joinNext:
		t.ranges[i].start = x
	default:
		t.ranges = append(t.ranges, tsnRange{})
		copy(t.ranges[i+1:], t.ranges[i:])
		t.ranges[i] = tsnRange{x, x}
	}
}

// forwardTo moves the cumulative TSN to c (RFC 3758 3.6), absorbing runs.
func (t *tracker) forwardTo(c wire.TSN) {
	if !t.cum.Less(c) {
		return
	}
	t.cum = c
	if t.highest.Less(c) {
		t.highest = c
	}
	for len(t.ranges) > 0 && t.ranges[0].start.LessEq(t.cum+1) {
		if t.cum.Less(t.ranges[0].end) {
			t.cum = t.ranges[0].end
		}
		t.ranges = t.ranges[:copy(t.ranges, t.ranges[1:])]
	}
}

// fillSack writes the SACK for the current state and clears duplicates.
func (t *tracker) fillSack(s *wire.Sack, arwnd uint32, maxGaps int) {
	s.CumTSNAck = t.cum
	s.ARwnd = arwnd
	s.Gaps = s.Gaps[:0]
	for _, r := range t.ranges {
		if len(s.Gaps) >= maxGaps {
			break
		}
		s.Gaps = append(s.Gaps, wire.GapBlock{Start: uint16(t.cum.Diff(r.start)), End: uint16(t.cum.Diff(r.end))})
	}
	s.Dups = append(s.Dups[:0], t.dups...)
	t.dups = t.dups[:0]
}
