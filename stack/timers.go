package stack

import "time"

// timerHeap orders associations by their next deadline, so one time.Timer
// per Stack serves them all (no timer or goroutine per association). The
// Stack's mutex guards it.
type timerHeap []*entry

// set records e's deadline (zero: none) and restores the heap order.
func (h *timerHeap) set(e *entry, d time.Time) {
	switch {
	case d.IsZero() && e.heapIdx < 0:
	case d.IsZero():
		h.removeAt(e.heapIdx)
	case e.heapIdx < 0:
		e.deadline = d
		e.heapIdx = len(*h)
		*h = append(*h, e)
		h.up(e.heapIdx)
	case !d.Equal(e.deadline):
		e.deadline = d
		if !h.up(e.heapIdx) {
			h.down(e.heapIdx)
		}
	}
	if d.IsZero() {
		e.deadline = time.Time{}
	}
}

// next returns the earliest deadline, zero when the heap is empty.
func (h timerHeap) next() time.Time {
	if len(h) == 0 {
		return time.Time{}
	}
	return h[0].deadline
}

// popDue removes and returns an entry whose deadline is not after now.
func (h *timerHeap) popDue(now time.Time) *entry {
	if len(*h) == 0 || (*h)[0].deadline.After(now) {
		return nil
	}
	e := (*h)[0]
	h.removeAt(0)
	e.deadline = time.Time{}
	return e
}

func (h *timerHeap) removeAt(i int) {
	old := *h
	last := len(old) - 1
	e := old[i]
	if i != last {
		old[i] = old[last]
		old[i].heapIdx = i
	}
	old[last] = nil
	*h = old[:last]
	if i != last {
		if !h.up(i) {
			h.down(i)
		}
	}
	e.heapIdx = -1
}

func (h timerHeap) less(i, j int) bool { return h[i].deadline.Before(h[j].deadline) }

func (h timerHeap) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx = i
	h[j].heapIdx = j
}

// up moves element i towards the root; it reports whether it moved.
func (h timerHeap) up(i int) bool {
	moved := false
	for i > 0 {
		p := (i - 1) / 2
		if !h.less(i, p) {
			break
		}
		h.swap(i, p)
		i = p
		moved = true
	}
	return moved
}

func (h timerHeap) down(i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h.swap(i, m)
		i = m
	}
}
