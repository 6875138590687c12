package perf

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack"
)

// BenchmarkSendAll10k is one SENDALL of 100 bytes to 10,000 established
// associations of one one-to-many socket (target: under 50 ms), each after
// the previous one was acknowledged everywhere (untimed), so that every
// SENDALL is sent at once rather than held behind unacknowledged data. The
// associations are warm: one untimed SENDALL came first
// (BenchmarkSendAllFirst measures that one). The variants are those of
// BenchmarkSendAllFirst; memnet-server waits about an RTO per iteration
// for the retransmissions after the cut, so run it with -benchtime 5x.
func BenchmarkSendAll10k(b *testing.B) {
	for _, v := range sendAllVariants {
		b.Run(v.name, func(b *testing.B) {
			const n = 10000
			env, err := SetUpScale(ScaleOptions{N: n, Mem: v.mem}, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer env.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			msg := make([]byte, 100)
			sent := 0
			settle := func() {
				if v.cut {
					env.cut(false)
				}
				if err := env.Server.WaitDry(ctx, n*sent); err != nil {
					b.Fatal(err)
				}
				if v.cut {
					env.cut(true)
				}
			}
			send := func() {
				sent++
				if _, err := env.Server.PC.SendMsg(msg, stack.SndInfo{Flags: stack.SendAll}); err != nil {
					b.Fatal(err)
				}
			}
			send() // the first use of each association's send state
			var cpu time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				settle()
				b.StartTimer()
				c0 := ProcessCPU()
				send()
				cpu += ProcessCPU() - c0
			}
			b.StopTimer()
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

// sendAllVariants: loopback UDP and the in-memory network, both with the
// clients in this process receiving at the same time, and memnet-server,
// whose links are cut during the timed SENDALL, so that the datagrams are
// dropped on the wire and the figures hold the server's work alone (no
// copy onto the link, no client processing them at the same time);
// allocs/op then count the server side only.
var sendAllVariants = []struct {
	name     string
	mem, cut bool
}{{"udp", false, false}, {"memnet", true, false}, {"memnet-server", true, true}}

// BenchmarkSendAllFirst is the first SENDALL of 100 bytes to 10,000
// associations just set up (untimed, a fresh set per iteration): the call
// that pays for each association's first use of its send state. Each
// iteration sets up 10,000 associations, so run it with -benchtime 3x or
// so.
func BenchmarkSendAllFirst(b *testing.B) {
	for _, v := range sendAllVariants {
		b.Run(v.name, func(b *testing.B) {
			const n = 10000
			msg := make([]byte, 100)
			var cpu time.Duration
			b.ReportAllocs()
			b.StopTimer()
			for range b.N {
				env, err := SetUpScale(ScaleOptions{N: n, Mem: v.mem}, nil)
				if err != nil {
					b.Fatal(err)
				}
				if v.cut {
					env.cut(true)
				}
				runtime.GC() // the setup's garbage is not the SENDALL's
				b.StartTimer()
				c0 := ProcessCPU()
				_, err = env.Server.PC.SendMsg(msg, stack.SndInfo{Flags: stack.SendAll})
				cpu += ProcessCPU() - c0
				b.StopTimer()
				env.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}

// cut partitions (or heals) the in-memory links between the server and
// every client.
func (e *ScaleEnv) cut(on bool) {
	for _, c := range e.ClientAddrs {
		if on {
			e.Mem.Partition(e.ServerAddr, c)
		} else {
			e.Mem.Heal(e.ServerAddr, c)
		}
	}
}
