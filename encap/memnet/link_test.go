package memnet

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 1)) }

func TestLinkPerfect(t *testing.T) {
	l := NewLink(LinkConfig{Delay: 10 * time.Millisecond}, newRand(1))
	for i := range 100 {
		got := l.Schedule(t0.Add(time.Duration(i)), 1200)
		require.Equal(t, []time.Time{t0.Add(time.Duration(i) + 10*time.Millisecond)}, got)
	}
}

func TestLinkMTUAndPartition(t *testing.T) {
	l := NewLink(LinkConfig{MTU: 1200}, newRand(1))
	require.Len(t, l.Schedule(t0, 1200), 1)
	require.Empty(t, l.Schedule(t0, 1201))
	l.Partition(true)
	require.True(t, l.Partitioned())
	require.Empty(t, l.Schedule(t0, 10))
	l.Partition(false)
	require.Len(t, l.Schedule(t0, 10), 1)
}

func TestLinkRates(t *testing.T) {
	cfg := LinkConfig{Delay: 50 * time.Millisecond, Jitter: 5 * time.Millisecond, Loss: 0.2, Duplicate: 0.1, Reorder: 0.1}
	l := NewLink(cfg, newRand(7))
	const n = 100000
	var lost, dup, late int
	for range n {
		ts := l.Schedule(t0, 100)
		switch len(ts) {
		case 0:
			lost++
		case 2:
			dup++
		}
		for _, at := range ts {
			d := at.Sub(t0)
			require.GreaterOrEqual(t, d, cfg.Delay)
			if d >= cfg.Delay+cfg.Jitter {
				late++
			}
		}
	}
	require.InDelta(t, 0.2, float64(lost)/n, 0.01)
	require.InDelta(t, 0.1*0.8, float64(dup)/n, 0.01)
	require.InDelta(t, 0.1, float64(late)/float64(n-lost+dup), 0.01)
}

func TestLinkReorderOvertakes(t *testing.T) {
	l := NewLink(LinkConfig{Delay: 10 * time.Millisecond, Reorder: 0.3}, newRand(3))
	var prev time.Time
	overtaken := 0
	for i := range 1000 {
		ts := l.Schedule(t0.Add(time.Duration(i)*time.Millisecond), 100)
		require.Len(t, ts, 1)
		if ts[0].Before(prev) {
			overtaken++
		}
		prev = ts[0]
	}
	require.Greater(t, overtaken, 100, "later datagrams overtake held-back ones")
}

func TestLinkDeterministic(t *testing.T) {
	cfg := LinkConfig{Delay: time.Millisecond, Jitter: time.Millisecond, Loss: 0.3, Duplicate: 0.2, Reorder: 0.2}
	run := func() []time.Time {
		l := NewLink(cfg, newRand(42))
		var out []time.Time
		for i := range 1000 {
			out = append(out, l.Schedule(t0.Add(time.Duration(i)), 100)...)
		}
		return out
	}
	require.Equal(t, run(), run())
}

func TestLinkRateQueues(t *testing.T) {
	// 1.2 MB/s: a 1200-byte datagram takes 1ms at the bottleneck.
	l := NewLink(LinkConfig{Delay: 10 * time.Millisecond, Rate: 1_200_000, QueueDelay: 5 * time.Millisecond}, newRand(1))
	var arrivals []time.Duration
	for range 10 {
		ts := l.Schedule(t0, 1200) // a burst, all at once
		if len(ts) == 1 {
			arrivals = append(arrivals, ts[0].Sub(t0))
		}
	}
	// Six fit (backlog 0..5ms); the rest are tail-dropped.
	want := []time.Duration{11, 12, 13, 14, 15, 16}
	for i := range want {
		want[i] *= time.Millisecond
	}
	require.Equal(t, want, arrivals)
	// Once drained, the queue accepts again.
	require.Equal(t, []time.Time{t0.Add(time.Second + 11*time.Millisecond)}, l.Schedule(t0.Add(time.Second), 1200))
}
