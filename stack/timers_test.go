package stack

import (
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTimerHeapOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Unix(1000, 0)
	var h timerHeap
	entries := make([]*entry, 200)
	want := map[*entry]time.Time{}
	for i := range entries {
		entries[i] = &entry{heapIdx: -1}
	}
	// Random sets, resets and clears, as associations re-arm their timers.
	for range 5000 {
		e := entries[rng.IntN(len(entries))]
		if rng.IntN(5) == 0 {
			h.set(e, time.Time{})
			delete(want, e)
			continue
		}
		d := base.Add(time.Duration(rng.IntN(100000)) * time.Millisecond)
		h.set(e, d)
		want[e] = d
	}
	require.Len(t, h, len(want))
	for i, e := range h {
		require.Equal(t, i, e.heapIdx, "heap index out of sync")
	}
	var got, exp []time.Time
	for _, d := range want {
		exp = append(exp, d)
	}
	sort.Slice(exp, func(i, j int) bool { return exp[i].Before(exp[j]) })
	far := base.Add(time.Hour)
	for e := h.popDue(far); e != nil; e = h.popDue(far) {
		require.Equal(t, -1, e.heapIdx)
		got = append(got, want[e])
	}
	require.Equal(t, exp, got)
	require.True(t, h.next().IsZero())
}

func TestTimerHeapPopDueStopsAtNow(t *testing.T) {
	base := time.Unix(0, 0)
	var h timerHeap
	a, b := &entry{heapIdx: -1}, &entry{heapIdx: -1}
	h.set(a, base.Add(time.Second))
	h.set(b, base.Add(3*time.Second))
	require.Equal(t, base.Add(time.Second), h.next())
	require.Nil(t, h.popDue(base))
	require.Same(t, a, h.popDue(base.Add(2*time.Second)))
	require.Nil(t, h.popDue(base.Add(2*time.Second)))
	require.Equal(t, base.Add(3*time.Second), h.next())
}
