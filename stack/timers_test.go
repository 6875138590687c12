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
	require.Equal(t, len(want), h.len())
	for i, sl := range h.slots {
		require.Equal(t, i, sl.e.heapIdx, "heap index out of sync")
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

// BenchmarkTimerHeapSendAll is the timer work of one SENDALL to 10,000
// idle associations (t3: each moves from its heartbeat deadline to a
// T3-rtx deadline one RTO away, all the same) and of the SACKs that follow
// (sack: each moves back to a heartbeat deadline). Each entry sits next
// to 3 KB of other state, as an association does; but here the entries
// stay in cache, which a real SENDALL, touching each association's state
// in between, does not.
func BenchmarkTimerHeapSendAll(b *testing.B) {
	for _, phase := range []string{"t3", "sack"} {
		b.Run(phase, func(b *testing.B) {
			const n = 10000
			base := time.Now()
			var h timerHeap
			entries := make([]*entry, n)
			ballast := make([][]byte, n)
			hb := func(now time.Time, i int) time.Time {
				return now.Add(30*time.Second + time.Duration(i*7919%n)*time.Millisecond)
			}
			for i := range entries {
				entries[i] = &entry{heapIdx: -1}
				ballast[i] = make([]byte, 3<<10)
				h.set(entries[i], hb(base, i))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for k := range b.N {
				now := base.Add(time.Duration(k) * 10 * time.Millisecond)
				if phase != "t3" {
					b.StopTimer()
				}
				for _, e := range entries {
					h.set(e, now.Add(time.Second))
				}
				if phase != "t3" {
					b.StartTimer()
				} else {
					b.StopTimer()
				}
				for i, e := range entries {
					h.set(e, hb(now, i))
				}
				if phase == "t3" {
					b.StartTimer()
				}
			}
			b.StopTimer()
			if h.len() != n || len(ballast) != n {
				b.Fatal("lost entries")
			}
		})
	}
}

// The heap keeps deadlines as offsets from its first one: next gives back
// the instant set, monotonic readings included, and moving a deadline
// earlier or later reorders the heap.
func TestTimerHeapKeepsInstants(t *testing.T) {
	now := time.Now()
	var h timerHeap
	a, b := &entry{heapIdx: -1}, &entry{heapIdx: -1}
	h.set(a, now.Add(30*time.Second))
	h.set(b, now.Add(time.Second))
	require.True(t, h.next().Equal(now.Add(time.Second)))
	h.set(b, now.Add(time.Second)) // unchanged: a no-op
	require.Equal(t, 0, b.heapIdx)
	h.set(a, now.Add(-time.Second)) // before the heap's epoch
	require.True(t, h.next().Equal(now.Add(-time.Second)))
	require.Same(t, a, h.popDue(now))
	h.set(b, now.Add(time.Hour))
	require.Nil(t, h.popDue(now))
	require.True(t, h.next().Equal(now.Add(time.Hour)))
	h.set(b, time.Time{})
	require.Equal(t, 0, h.len())
	require.Equal(t, -1, b.heapIdx)
}
