package perf

import (
	"context"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// BenchmarkLoopbackSend is the send path per message end to end: b.N
// 1200-byte messages on one association over real loopback UDP, timed until
// the graceful shutdown confirms the peer has them all. Profile it with
// -cpuprofile / -memprofile to see where udpsctp's bulk time goes.
func BenchmarkLoopbackSend(b *testing.B) {
	for _, size := range []int{1200} {
		b.Run(sizeName(size), func(b *testing.B) {
			l, err := NewLoopback(assoc.Config{})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			c, err := l.Dial(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			msg := make([]byte, size)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := c.SendMsg(msg, stack.SndInfo{}); err != nil {
					b.Fatal(err)
				}
			}
			if err := drain(c); err != nil {
				b.Fatal(err)
			}
			// The shutdown completes once the peer has acknowledged all
			// data; the Server has read it all when it reports the end.
			sum := <-l.Ended
			b.StopTimer()
			if sum.Bytes != int64(b.N*size) {
				b.Fatalf("server got %d bytes, want %d", sum.Bytes, b.N*size)
			}
		})
	}
}

// drain shuts c down and waits until the peer has acknowledged everything
// and finished the shutdown (Read returns io.EOF).
func drain(c *stack.Conn) error {
	if err := c.Shutdown(); err != nil {
		return err
	}
	if err := c.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		return err
	}
	buf := make([]byte, 1<<16)
	for {
		if _, err := c.Read(buf); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

func sizeName(n int) string { return "l=" + strconv.Itoa(n) }

// BenchmarkSetup is association setup: b.N handshakes from one client
// Stack to one one-to-many socket, 64 at a time, over loopback UDP and the
// in-memory network.
func BenchmarkSetup(b *testing.B) {
	for _, mem := range []bool{false, true} {
		name := "udp"
		if mem {
			name = "memnet"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			n := min(b.N, PortsPerClient)
			env, err := SetUpScale(ScaleOptions{N: n, Parallel: 64, Mem: mem}, b.ResetTimer)
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			b.ReportMetric(float64(n)/env.Setup.Seconds(), "setups/s")
			env.Close()
		})
	}
}

// BenchmarkLoopbackRTT is one 64-byte request/response exchange with the
// Server over loopback UDP (NoDelay), the latency path end to end.
func BenchmarkLoopbackRTT(b *testing.B) {
	l, err := NewLoopback(assoc.Config{NoDelay: true})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	c, err := l.Dial(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	req := make([]byte, 64)
	resp := make([]byte, 128)
	info := stack.SndInfo{PPID: EchoPPID}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := c.SendMsg(req, info); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.RecvMsg(resp); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUDPRTT is BenchmarkLoopbackRTT's baseline: one 64-byte raw UDP
// datagram echoed by a goroutine on another socket. Profiles and traces of
// the two side by side show what udpsctp adds per round trip.
func BenchmarkUDPRTT(b *testing.B) {
	rcv, snd, err := udpPair()
	if err != nil {
		b.Fatal(err)
	}
	defer snd.Close()
	defer rcv.Close()
	go echoUDP(rcv)
	req := make([]byte, 64)
	resp := make([]byte, 128)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := snd.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := snd.Read(resp); err != nil {
			b.Fatal(err)
		}
	}
}
