package rx

import (
	"testing"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// checkInvariants recomputes the buffered bytes from the Reassembly's
// structures and checks the run indexes agree with each other.
func checkInvariants(t *testing.T, r *Reassembly) {
	t.Helper()
	sum := 0
	items := len(r.frags) + len(r.ready) - r.readyHead
	for _, f := range r.frags {
		sum += len(f)
	}
	for _, m := range r.ready[r.readyHead:] {
		sum += len(m.Data)
	}
	for _, ex := range r.extras {
		items += len(ex.pending) + len(ex.ipend) + len(ex.held)
		for _, m := range ex.pending {
			sum += len(m.Data)
		}
		for _, m := range ex.ipend {
			sum += len(m.Data)
		}
		for _, m := range ex.held {
			sum += len(m.Data)
		}
		for _, m := range ex.imsgs {
			items += len(m.frags)
			n := 0
			for _, f := range m.frags {
				n += len(f)
			}
			if n != m.hdr.bytes {
				t.Fatalf("I-DATA message %d: %d bytes counted, %d held", m.mid, m.hdr.bytes, n)
			}
			sum += n
		}
	}
	if sum != r.buffered || items != r.items {
		t.Fatalf("buffered %d, items %d; structures hold %d in %d", r.buffered, r.items, sum, items)
	}
	for tsn, x := range r.startAt {
		if x.first != tsn || r.endAt[x.last] != x || x.bytes == 0 {
			t.Fatalf("run at %d: first %d last %d bytes %d", tsn, x.first, x.last, x.bytes)
		}
	}
	for tsn, x := range r.endAt {
		if x.last != tsn || (x.bytes > 0 && r.startAt[x.first] != x) {
			t.Fatalf("run ending at %d: first %d last %d", tsn, x.first, x.last)
		}
	}
	if r.occupancy() > r.hard {
		t.Fatalf("buffered %d over the hard limit %d", r.buffered, r.hard)
	}
}

// FuzzReceive feeds arbitrary DATA, I-DATA, FORWARD TSN and reset sequences
// through a Tracker and a Reassembly: no panics, consistent accounting.
func FuzzReceive(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 3, 5, 0, 2, 0, 0, 1, 5, 2, 0, 0, 0, 2, 5})
	f.Add([]byte{0, 1, 0, 0, 1, 9, 0, 3, 0, 0, 0, 9, 0, 2, 0, 0, 2, 9, 3, 4, 0, 1, 0, 0})
	f.Add([]byte{1, 1, 1, 0, 1, 200, 1, 2, 1, 0, 2, 200, 1, 3, 1, 1, 3, 9, 4, 0, 1, 0, 0, 0})
	f.Add([]byte{0, 1, 2, 0, 1, 250, 0, 2, 2, 0, 0, 250, 5, 0, 0, 0, 0, 0, 0, 3, 2, 0, 2, 4})
	f.Fuzz(func(t *testing.T, in []byte) {
		const initial = wire.TSN(0xFFFFFFF0)
		tr := NewTracker(initial, TrackerConfig{MaxGapTSNs: 200})
		r := NewReassembly(3, 600)
		buf := make([]byte, 256)
		for len(in) >= 6 {
			op, a, stream, seq, flags, size := in[0]%8, in[1], uint16(in[2]%4), in[3], in[4], int(in[5])
			in = in[6:]
			tsn := initial.Add(uint32(a))
			switch op {
			case 0, 1, 2: // DATA
				d := &wire.Data{TSN: tsn, Stream: stream, SSN: wire.SSN(seq % 8), Unordered: flags&4 != 0,
					Beginning: flags&1 != 0, Ending: flags&2 != 0, UserData: buf[:size]}
				if tr.Observe(tsn) {
					if err := r.Add(d); err == ErrBufferFull {
						tr.Forget(tsn)
					}
				}
			case 3: // I-DATA
				d := &wire.IData{TSN: tsn, Stream: stream, MID: wire.MID(seq % 8), FSN: uint32(flags >> 3),
					Unordered: flags&4 != 0, Beginning: flags&1 != 0, Ending: flags&2 != 0, UserData: buf[:size]}
				if tr.Observe(tsn) {
					if err := r.AddIData(d); err == ErrBufferFull {
						tr.Forget(tsn)
					}
				}
			case 4:
				tr.ForwardTo(tsn)
				r.ForwardTSN(tsn, []wire.ForwardTSNStream{{Stream: stream, SSN: wire.SSN(seq % 8)}})
			case 5:
				r.IForwardTSN([]wire.IForwardTSNStream{{Stream: stream, MID: wire.MID(seq % 8), Unordered: flags&4 != 0}})
			case 6:
				if flags&1 != 0 {
					r.ResetStreams(nil)
				} else {
					r.ResetStreams([]uint16{stream})
				}
			case 7:
				var s wire.Sack
				tr.FillSack(&s, 0, int(flags%4))
			}
			tr.PacketDone(t0, flags&8 != 0)
			for i := 0; i < int(size%4); i++ {
				r.Pop()
			}
			checkInvariants(t, r)
		}
		popAll(r)
		checkInvariants(t, r)
	})
}
