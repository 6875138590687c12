package stack

import "time"

// timerHeap orders associations by their next deadline, so one time.Timer
// per Stack serves them all (no timer or goroutine per association). The
// Stack's mutex guards it.
//
// It is a 4-ary heap whose slots hold the deadline as an integer next to
// the entry (the entry keeps no copy: the heap costs 16 bytes per
// association): a SENDALL moves 10,000 entries from a heartbeat deadline to
// one RTO away, and each comparison then reads the heap array alone
// instead of a cold entry (and a time.Time) per level; four children per
// node halve the levels an entry climbs.
type timerHeap struct {
	slots []timerSlot
	// epoch is the first deadline ever set: keys are nanoseconds since it,
	// so they order as time.Time.Before does (monotonic clock when both
	// readings carry it).
	epoch time.Time
}

type timerSlot struct {
	at int64 // the deadline less epoch, in nanoseconds
	e  *entry
}

// heapArity is the number of children per node.
const heapArity = 4

// len returns the number of entries with a deadline.
func (h *timerHeap) len() int { return len(h.slots) }

// set records e's deadline (zero: none) and restores the heap order.
func (h *timerHeap) set(e *entry, d time.Time) {
	switch {
	case d.IsZero() && e.heapIdx < 0:
	case d.IsZero():
		h.removeAt(e.heapIdx)
	case e.heapIdx < 0:
		e.heapIdx = len(h.slots)
		h.slots = append(h.slots, timerSlot{at: h.key(d), e: e})
		h.up(e.heapIdx)
	default:
		i := e.heapIdx
		at := h.key(d)
		if at == h.slots[i].at {
			return
		}
		h.slots[i].at = at
		if !h.up(i) {
			h.down(i)
		}
	}
}

func (h *timerHeap) key(d time.Time) int64 {
	if h.epoch.IsZero() {
		h.epoch = d
	}
	return int64(d.Sub(h.epoch)) // saturates beyond ~292 years: harmless
}

// next returns the earliest deadline, zero when the heap is empty.
func (h *timerHeap) next() time.Time {
	if len(h.slots) == 0 {
		return time.Time{}
	}
	return h.epoch.Add(time.Duration(h.slots[0].at))
}

// popDue removes and returns an entry whose deadline is not after now.
func (h *timerHeap) popDue(now time.Time) *entry {
	if len(h.slots) == 0 || h.slots[0].at > h.key(now) {
		return nil
	}
	e := h.slots[0].e
	h.removeAt(0)
	return e
}

func (h *timerHeap) removeAt(i int) {
	s := h.slots
	last := len(s) - 1
	e := s[i].e
	if i != last {
		s[i] = s[last]
		s[i].e.heapIdx = i
	}
	s[last] = timerSlot{}
	h.slots = s[:last]
	if i != last {
		if !h.up(i) {
			h.down(i)
		}
	}
	e.heapIdx = -1
}

// up moves slot i towards the root; it reports whether it moved. The
// moving slot is written once, at its final place.
func (h *timerHeap) up(i int) bool {
	s := h.slots
	x := s[i]
	start := i
	for i > 0 {
		p := (i - 1) / heapArity
		if s[p].at <= x.at {
			break
		}
		s[i] = s[p]
		s[i].e.heapIdx = i
		i = p
	}
	if i == start {
		return false
	}
	s[i] = x
	x.e.heapIdx = i
	return true
}

func (h *timerHeap) down(i int) {
	s := h.slots
	n := len(s)
	x := s[i]
	start := i
	for {
		c := heapArity*i + 1
		if c >= n {
			break
		}
		m := c
		for k := c + 1; k < c+heapArity && k < n; k++ {
			if s[k].at < s[m].at {
				m = k
			}
		}
		if s[m].at >= x.at {
			break
		}
		s[i] = s[m]
		s[i].e.heapIdx = i
		i = m
	}
	if i != start {
		s[i] = x
		x.e.heapIdx = i
	}
}
