package rx

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// sentMsg is a message as the simulated sender queued it.
type sentMsg struct {
	stream    uint16
	seq       uint32 // SSN or MID
	unordered bool
	data      []byte
}

// chunk is a DATA or I-DATA chunk in flight.
type chunk struct {
	tsn   wire.TSN
	data  *wire.Data
	idata *wire.IData
}

// genTraffic makes n messages on a few streams, fragments them and assigns
// TSNs in send order; with idata, fragments of different messages
// interleave (RFC 8260), otherwise each message's TSNs are consecutive.
func genTraffic(rng *rand.Rand, n int, idata bool, initial wire.TSN) ([]sentMsg, []chunk) {
	const streams = 5
	var msgs []sentMsg
	var ordSeq, unoSeq [streams]uint32
	for ordSeq[0] = 65530; len(msgs) < n; { // stream 0's SSNs wrap
		s := uint16(rng.IntN(streams))
		unordered := rng.IntN(4) == 0
		seq := &ordSeq[s]
		if unordered {
			seq = &unoSeq[s]
		}
		size := 1 + rng.IntN(5000)
		if rng.IntN(10) == 0 {
			size = 1 + rng.IntN(40)
		}
		msgs = append(msgs, sentMsg{stream: s, seq: *seq, unordered: unordered, data: payload(len(msgs), size)})
		*seq++
		if !idata {
			*seq &= 0xFFFF // SSNs are 16 bits
		}
	}
	fragSize := 100 + rng.IntN(1300)
	// pieces[i] are message i's fragments, in order.
	pieces := make([][][]byte, len(msgs))
	for i, m := range msgs {
		for off := 0; off < len(m.data); off += fragSize {
			pieces[i] = append(pieces[i], m.data[off:min(off+fragSize, len(m.data))])
		}
	}
	var chunks []chunk
	tsn := initial
	emit := func(i, f int) {
		m := msgs[i]
		b, e := f == 0, f == len(pieces[i])-1
		c := chunk{tsn: tsn}
		if idata {
			c.idata = &wire.IData{TSN: tsn, Stream: m.stream, MID: wire.MID(m.seq), PPID: uint32(i), FSN: uint32(f),
				Unordered: m.unordered, Beginning: b, Ending: e, UserData: pieces[i][f]}
		} else {
			c.data = &wire.Data{TSN: tsn, Stream: m.stream, SSN: wire.SSN(m.seq), PPID: uint32(i),
				Unordered: m.unordered, Beginning: b, Ending: e, UserData: pieces[i][f]}
			if m.unordered {
				c.data.SSN = wire.SSN(rng.Uint32()) // meaningless for unordered
			}
		}
		chunks = append(chunks, c)
		tsn++
	}
	if !idata {
		for i := range msgs {
			for f := range pieces[i] {
				emit(i, f)
			}
		}
		return msgs, chunks
	}
	// Interleave: up to 4 messages in progress; sending one fragment at a
	// time from a random one (stream order still follows message order).
	nextFrag := make([]int, len(msgs))
	var active []int
	for i := 0; i < len(msgs) || len(active) > 0; {
		if i < len(msgs) && (len(active) < 4 || rng.IntN(3) == 0) {
			active = append(active, i)
			i++
			continue
		}
		k := rng.IntN(len(active))
		m := active[k]
		emit(m, nextFrag[m])
		nextFrag[m]++
		if nextFrag[m] == len(pieces[m]) {
			active = append(active[:k], active[k+1:]...)
		}
	}
	return msgs, chunks
}

// network shuffles within a window and duplicates some chunks.
func network(rng *rand.Rand, chunks []chunk) []chunk {
	out := make([]chunk, 0, len(chunks)*5/4)
	for _, c := range chunks {
		out = append(out, c)
		if rng.IntN(5) == 0 {
			out = append(out, c)
		}
	}
	for i := range out { // displace each by up to 200 positions
		j := min(len(out)-1, i+rng.IntN(200))
		out[i], out[j] = out[j], out[i]
	}
	return out
}

func TestReassemblyProperty(t *testing.T) {
	for _, tc := range []struct {
		idata bool
		limit int
	}{{false, 1 << 20}, {false, 6000}, {true, 1 << 20}, {true, 6000}} {
		for seed := uint64(1); seed <= 4; seed++ {
			t.Run(fmt.Sprintf("idata=%v/limit=%d/seed=%d", tc.idata, tc.limit, seed), func(t *testing.T) {
				runProperty(t, seed, tc.idata, tc.limit)
			})
		}
	}
}

func runProperty(t *testing.T, seed uint64, idata bool, limit int) {
	rng := rand.New(rand.NewPCG(seed, 99))
	initial := wire.TSN(0xFFFFFFFF - 300) // TSNs wrap too
	msgs, chunks := genTraffic(rng, 400, idata, initial)
	queue := network(rng, chunks)

	tr := NewTracker(initial, TrackerConfig{})
	r := NewReassembly(5, limit)
	// Stream 0 starts near the top of the sequence space so that it wraps:
	// skip there with stream-only FORWARD TSNs, in serial steps.
	if idata {
		r.IForwardTSN([]wire.IForwardTSNStream{{Stream: 0, MID: 65529}})
	} else {
		for _, ssn := range []wire.SSN{20000, 40000, 65529} {
			r.ForwardTSN(initial-1, []wire.ForwardTSNStream{{Stream: 0, SSN: ssn}})
		}
	}
	type key struct {
		stream    uint16
		unordered bool
		seq       uint32
	}
	want := map[key]sentMsg{}
	for _, m := range msgs {
		want[key{m.stream, m.unordered, m.seq}] = m
	}
	got := map[key]bool{}
	partial := map[uint16][]byte{} // pieces of a partial delivery, per stream
	var nextOrdered [5]uint32
	nextOrdered[0] = 65530
	pdSeen, fullSeen := false, false
	now := time.Unix(0, 0)
	deliver := func() {
		for {
			m, ok := r.Pop()
			if !ok {
				return
			}
			if !m.EOR {
				pdSeen = true
				partial[m.Stream] = append(partial[m.Stream], m.Data...)
				continue
			}
			data := append(partial[m.Stream], m.Data...)
			delete(partial, m.Stream)
			seq := uint32(m.SSN)
			if idata {
				seq = uint32(m.MID)
			}
			if m.Unordered && !idata {
				seq = uint32(m.PPID) // the message index, to find it
				seq = msgs[seq].seq
			}
			k := key{m.Stream, m.Unordered, seq}
			w, ok := want[k]
			if !ok || got[k] {
				t.Fatalf("unexpected or repeated message %+v", k)
			}
			got[k] = true
			if !bytes.Equal(data, w.data) {
				t.Fatalf("message %+v: %d bytes, want %d, or corrupt", k, len(data), len(w.data))
			}
			if !m.Unordered {
				exp := nextOrdered[m.Stream]
				if !idata {
					exp = uint32(wire.SSN(exp))
				}
				if seq != exp {
					t.Fatalf("stream %d: SSN/MID %d, want %d", m.Stream, seq, exp)
				}
				nextOrdered[m.Stream]++
			}
		}
	}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 50*len(chunks) {
			t.Fatalf("no progress: %d chunks left, buffered %d", len(queue), r.Buffered())
		}
		// One packet: up to 3 chunks.
		n := min(len(queue), 1+rng.IntN(3))
		pkt := queue[:n]
		queue = queue[n:]
		for _, c := range pkt {
			if !tr.Observe(c.tsn) {
				continue
			}
			var err error
			if idata {
				err = r.AddIData(c.idata)
			} else {
				err = r.Add(c.data)
			}
			if errors.Is(err, ErrBufferFull) {
				fullSeen = true
				tr.Forget(c.tsn)
				queue = append(queue, c) // the peer retransmits
				continue
			}
			if err != nil {
				t.Fatalf("TSN %d: %v", c.tsn, err)
			}
		}
		tr.PacketDone(now, false)
		if tr.SackNow() {
			var s wire.Sack
			tr.FillSack(&s, uint32(max(0, limit-r.Buffered())), -1)
		}
		deliver()
		checkInvariants(t, r)
	}
	if len(got) != len(msgs) {
		t.Fatalf("%d of %d messages delivered", len(got), len(msgs))
	}
	if tr.CumAck() != initial.Add(uint32(len(chunks)-1)) || tr.HasGaps() {
		t.Fatalf("cum %d, want %d", tr.CumAck(), initial.Add(uint32(len(chunks)-1)))
	}
	if r.Buffered() != 0 || len(r.extras) != 0 || len(r.frags) != 0 || len(r.startAt)+len(r.endAt) != 0 {
		t.Fatalf("state left: buffered %d extras %d frags %d", r.Buffered(), len(r.extras), len(r.frags))
	}
	if limit < 10000 && (!pdSeen || !fullSeen) {
		t.Fatalf("small limit: partial delivery %v, buffer full %v; the test misses its point", pdSeen, fullSeen)
	}
}
