package encap

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkUDPLoopback is the raw-UDP baseline: 1200-byte datagrams from
// one socket to another over 127.0.0.1/127.0.0.2 via WriteBatch and a
// ReceiveFunc. It reports received MB/s (what SCTP goodput is compared
// with), the loss in percent and allocations per datagram (one op is one
// datagram sent).
func BenchmarkUDPLoopback(b *testing.B) {
	const size = 1200
	batches := []int{1, batchSize}
	if batchSize == 1 {
		batches = batches[:1] // the portable build has no batches
	}
	for _, batch := range batches {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			benchLoopback(b, size, batch)
		})
	}
}

func benchLoopback(b *testing.B, size, batch int) {
	tx, rx := listen(b, lo1), listen(b, lo2)
	dst := rx.LocalAddrs()[0]
	var received, lastRecv atomic.Int64 // lastRecv: UnixNano of the latest batch
	done := make(chan struct{})
	target := int64(b.N)
	go func() {
		defer close(done)
		dgs := make([]Datagram, batch)
		bufs := make([][]byte, batch)
		for i := range bufs {
			bufs[i] = make([]byte, 1500)
		}
		fn := rx.ReceiveFuncs()[0]
		for {
			for i := range dgs {
				dgs[i].Buf = dgs[i].Buf[:cap(dgs[i].Buf)]
				if dgs[i].Buf == nil {
					dgs[i].Buf = bufs[i]
				}
			}
			n, err := fn(dgs)
			if err != nil {
				return
			}
			lastRecv.Store(time.Now().UnixNano())
			if received.Add(int64(n)) >= target {
				return
			}
		}
	}()
	out := make([]Datagram, batch)
	for i := range out {
		out[i] = Datagram{Buf: make([]byte, size), Local: tx.LocalAddrs()[0], Remote: dst}
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for sent := 0; sent < b.N; {
		n := min(batch, b.N-sent)
		k, err := tx.WriteBatch(out[:n])
		if err != nil {
			b.Fatal(err)
		}
		sent += k
	}
	// Lost datagrams never arrive: wait for the rest only briefly.
	select {
	case <-done:
	case <-time.After(200 * time.Millisecond):
	}
	b.StopTimer()
	rx.Close()
	<-done
	// Measure to the last arrival, not to the end of the wait for losses.
	elapsed := time.Unix(0, lastRecv.Load()).Sub(start)
	got := received.Load()
	b.ReportMetric(float64(got)*float64(size)/elapsed.Seconds()/1e6, "MB/s")
	b.ReportMetric(100*float64(int64(b.N)-got)/float64(b.N), "%loss")
}
