package tx

import (
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// BenchmarkNextAdd measures Push, Next and Add per 1200-byte message, and
// the cum-ack SACK that retires it, amortized over batches of 64.
func BenchmarkNextAdd(b *testing.B) {
	q := NewSendQueue(4, 1<<30)
	r := NewRetransmit(1)
	data := make([]byte, 1200)
	now := time.Unix(0, 0)
	var d wire.Data
	s := &wire.Sack{ARwnd: 1 << 20}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = q.Push(OutMessage{Stream: uint16(i & 3), Data: data, MaxRetrans: -1})
		ref, _ := q.Next(now, 1200, &d)
		r.Add(now, 0, &d, ref)
		if i&63 == 63 {
			s.CumTSNAck = r.NextTSN() - 1
			_, _ = r.HandleSack(now, s)
		}
	}
}

// BenchmarkHandleSack16Gaps measures a SACK with 16 gap blocks over 1000
// outstanding chunks, none of them newly acked after the first (the steady
// state of a lossy window: the same report repeated), plus one that acks.
func BenchmarkHandleSack16Gaps(b *testing.B) {
	q := NewSendQueue(1, 1<<30)
	r := NewRetransmit(1)
	now := time.Unix(0, 0)
	data := make([]byte, 1200)
	var d wire.Data
	for i := 0; i < 1000; i++ {
		_ = q.Push(OutMessage{Data: data, MaxRetrans: -1})
		ref, _ := q.Next(now, 1200, &d)
		r.Add(now, 0, &d, ref)
	}
	s := &wire.Sack{CumTSNAck: 0, ARwnd: 1 << 20}
	for g := 0; g < 16; g++ {
		start := uint16(g*60 + 2)
		s.Gaps = append(s.Gaps, wire.GapBlock{Start: start, End: start + 50})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.HandleSack(now, s); err != nil {
			b.Fatal(err)
		}
	}
}
