package rx

import (
	"testing"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// BenchmarkTrackerObserveFillSack: one in-order DATA chunk per packet, a
// SACK every second packet, as in a bulk transfer.
func BenchmarkTrackerObserveFillSack(b *testing.B) {
	tr := NewTracker(1, TrackerConfig{})
	var s wire.Sack
	tsn := wire.TSN(1)
	b.ReportAllocs()
	for b.Loop() {
		tr.Observe(tsn)
		tsn++
		tr.PacketDone(t0, false)
		if tr.SackNow() {
			tr.FillSack(&s, 1<<20, 64)
		}
	}
}

// BenchmarkTrackerObserveFillSackGaps: every tenth TSN arrives late, so
// SACKs carry gap blocks.
func BenchmarkTrackerObserveFillSackGaps(b *testing.B) {
	tr := NewTracker(1, TrackerConfig{})
	var s wire.Sack
	var late []wire.TSN
	tsn := wire.TSN(1)
	b.ReportAllocs()
	for b.Loop() {
		if tsn%10 == 0 {
			late = append(late, tsn)
		} else {
			tr.Observe(tsn)
		}
		if len(late) > 4 {
			tr.Observe(late[0])
			late = late[:copy(late, late[1:])]
		}
		tsn++
		tr.PacketDone(t0, false)
		if tr.SackNow() {
			tr.FillSack(&s, 1<<20, 64)
		}
	}
}

// BenchmarkReassemblyAddPopSingle: single-fragment ordered messages in
// order; the one allocation is the message's own copy of its data.
func BenchmarkReassemblyAddPopSingle(b *testing.B) {
	r := NewReassembly(4, 0)
	d := &wire.Data{Stream: 1, Beginning: true, Ending: true, UserData: make([]byte, 1200)}
	b.ReportAllocs()
	b.SetBytes(1200)
	for b.Loop() {
		if err := r.Add(d); err != nil {
			b.Fatal(err)
		}
		if _, ok := r.Pop(); !ok {
			b.Fatal("nothing to pop")
		}
		d.TSN++
		d.SSN++
	}
}

// BenchmarkReassemblyAddPopFragmented: 64 KiB messages in 1200-byte
// fragments, in order.
func BenchmarkReassemblyAddPopFragmented(b *testing.B) {
	r := NewReassembly(4, 0)
	ds := fragments(1, 0, 0, false, payload(1, 64<<10), 1200)
	b.ReportAllocs()
	b.SetBytes(64 << 10)
	for b.Loop() {
		for _, d := range ds {
			if err := r.Add(d); err != nil {
				b.Fatal(err)
			}
			d.TSN += wire.TSN(len(ds))
			d.SSN++
		}
		if _, ok := r.Pop(); !ok {
			b.Fatal("nothing to pop")
		}
	}
}
