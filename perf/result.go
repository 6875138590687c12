package perf

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/udpsctp/udpsctp/encap"
)

// Defaults shared by every workload so that the three systems see the same
// conditions.
const (
	// MTU is the largest SCTP packet (the UDP payload) for both SCTP stacks:
	// udpsctp's default (RFC 6951 5.6). pion is configured to the same.
	MTU = 1452
	// BufferSize is the socket buffer size asked for on every UDP socket.
	BufferSize = encap.AutoBufferSize
	// EchoPPID marks messages that a Server returns to their sender (the
	// rtt workload); other messages are discarded.
	EchoPPID = 0x65636830 // "ech0"
)

// Options describe one workload run.
type Options struct {
	Size      int           // message (datagram) payload bytes; default 1200
	Duration  time.Duration // measurement window; default 3s
	Warmup    time.Duration // excluded from the window; default min(Duration/10, 200ms)
	Streams   int           // SCTP streams used round-robin; default 1
	Unordered bool          // send unordered
}

func (o Options) withDefaults() (Options, error) {
	if o.Size == 0 {
		o.Size = 1200
	}
	if o.Duration == 0 {
		o.Duration = 3 * time.Second
	}
	if o.Warmup == 0 {
		o.Warmup = min(o.Duration/10, 200*time.Millisecond)
	}
	if o.Streams == 0 {
		o.Streams = 1
	}
	switch {
	case o.Size < 1 || o.Size > 1<<20:
		return o, fmt.Errorf("perf: message size %d out of range 1..1048576", o.Size)
	case o.Duration < 0 || o.Warmup < 0:
		return o, errors.New("perf: negative duration")
	case o.Streams < 1 || o.Streams > 65535:
		return o, fmt.Errorf("perf: %d streams out of range 1..65535", o.Streams)
	}
	return o, nil
}

// Throughput is the goodput measured at a receiver.
type Throughput struct {
	Bytes    int64   `json:"bytes"`
	Messages int64   `json:"messages"`
	Seconds  float64 `json:"seconds"`
	MBps     float64 `json:"mbps"` // payload MB/s, 1 MB = 10^6 bytes
}

func (t Throughput) String() string {
	return fmt.Sprintf("%d bytes %d msgs in %.2fs: %.1f MB/s, %.0f msgs/s",
		t.Bytes, t.Messages, t.Seconds, t.MBps, t.MsgsPerSec())
}

// MsgsPerSec is the message rate.
func (t Throughput) MsgsPerSec() float64 {
	if t.Seconds <= 0 {
		return 0
	}
	return float64(t.Messages) / t.Seconds
}

func newThroughput(bytes, msgs int64, d time.Duration) Throughput {
	t := Throughput{Bytes: bytes, Messages: msgs, Seconds: d.Seconds()}
	if t.Seconds > 0 {
		t.MBps = float64(bytes) / t.Seconds / 1e6
	}
	return t
}

// RTT summarizes request/response round trips.
type RTT struct {
	Count int           `json:"count"`
	P50   time.Duration `json:"p50_ns"`
	P99   time.Duration `json:"p99_ns"`
	Min   time.Duration `json:"min_ns"`
}

func (r RTT) String() string {
	return fmt.Sprintf("%d round trips: p50 %.1fus p99 %.1fus min %.1fus",
		r.Count, us(r.P50), us(r.P99), us(r.Min))
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// summarize sorts samples in place.
func summarize(samples []time.Duration) RTT {
	if len(samples) == 0 {
		return RTT{}
	}
	slices.Sort(samples)
	at := func(q float64) time.Duration { return samples[int(q*float64(len(samples)-1))] }
	return RTT{Count: len(samples), P50: at(0.50), P99: at(0.99), Min: samples[0]}
}

// Counter counts bytes and messages; receivers and senders add to it and
// a measuring goroutine samples it.
type Counter struct {
	bytes, msgs atomic.Int64
}

// Load returns the bytes and messages counted so far.
func (c *Counter) Load() (bytes, msgs int64) { return c.bytes.Load(), c.msgs.Load() }

// add counts n bytes, and one message when eor says it ended.
func (c *Counter) add(n int, eor bool) {
	c.bytes.Add(int64(n))
	if eor {
		c.msgs.Add(1)
	}
}

// measure waits out the warm-up, then counts what c receives during the
// window. failed ends it early with that error (a sender or receiver died).
func measure(c *Counter, o Options, failed <-chan error) (Throughput, error) {
	wait := func(d time.Duration) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case err := <-failed:
			return err
		}
	}
	if err := wait(o.Warmup); err != nil {
		return Throughput{}, err
	}
	b0, m0, t0 := c.bytes.Load(), c.msgs.Load(), time.Now()
	if err := wait(o.Duration); err != nil {
		return Throughput{}, err
	}
	return newThroughput(c.bytes.Load()-b0, c.msgs.Load()-m0, time.Since(t0)), nil
}

// roundTrips runs one request/response exchange after another for d and
// summarizes their times.
func roundTrips(d time.Duration, once func() error) (RTT, error) {
	samples := make([]time.Duration, 0, 1<<16)
	// A few untimed exchanges first: connection state, caches, goroutines.
	for range 10 {
		if err := once(); err != nil {
			return RTT{}, err
		}
	}
	end := time.Now().Add(d)
	for {
		t0 := time.Now()
		if !t0.Before(end) {
			break
		}
		if err := once(); err != nil {
			return RTT{}, err
		}
		samples = append(samples, time.Since(t0))
	}
	return summarize(samples), nil
}

// report sends a goroutine's error to failed without blocking.
func report(failed chan<- error, err error) {
	select {
	case failed <- err:
	default:
	}
}
