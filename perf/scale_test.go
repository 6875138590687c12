package perf

import (
	"context"
	"flag"
	"testing"
	"time"
)

var scaleN = flag.Int("scale.n", 10000, "associations for BenchmarkScale")

// TestScaleSmoke sets up a few hundred associations both ways and checks
// that every figure is there.
func TestScaleSmoke(t *testing.T) {
	for _, mem := range []bool{true, false} {
		r, err := Scale(ScaleOptions{N: 300, Mem: mem})
		if err != nil {
			t.Fatalf("mem=%v: %v", mem, err)
		}
		t.Logf("mem=%v: %v", mem, r)
		if r.SetupPerSec <= 0 || r.SendAllMs <= 0 || r.SendAllSkip != 0 {
			t.Errorf("mem=%v: %+v", mem, r)
		}
	}
}

// BenchmarkScale is the scale measurement as a benchmark (one run per
// iteration; use -benchtime 1x and -scale.n): setup rate, heap and RSS per
// association (both ends, in process), and one SENDALL of 100 bytes.
func BenchmarkScale(b *testing.B) {
	for _, mem := range []bool{true, false} {
		name := "udp"
		if mem {
			name = "memnet"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				r, err := Scale(ScaleOptions{N: *scaleN, Mem: mem})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(r.SetupPerSec, "setups/s")
				b.ReportMetric(r.HeapPerAssoc, "heapB/assoc")
				b.ReportMetric(r.RSSPerAssoc, "rssB/assoc")
				b.ReportMetric(r.SendAllMs, "ms/sendall")
			}
		})
	}
}

// TestSendAllPipelined: a SENDALL to more associations than
// sendAllPipelineMin writes on a second goroutine while it builds the
// next packets; every association must still get every message, which
// its SACK (one SENDER DRY per association per SENDALL) proves.
func TestSendAllPipelined(t *testing.T) {
	const n, rounds = 1500, 3
	env, err := SetUpScale(ScaleOptions{N: n, Mem: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := range rounds {
		dry := env.Server.Dry()
		st, err := env.Server.MeasureSendAll(100 + i)
		if err != nil || st.Skipped != 0 {
			t.Fatalf("round %d: %v, %d skipped", i, err, st.Skipped)
		}
		if err := env.Server.WaitDry(ctx, dry+n); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
	}
}
