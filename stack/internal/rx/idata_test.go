package rx

import (
	"bytes"
	"errors"
	"testing"

	"github.com/udpsctp/udpsctp/stack/wire"
)

func idata(tsn wire.TSN, stream uint16, mid wire.MID, fsn uint32, b, e, unordered bool, data string) *wire.IData {
	d := &wire.IData{TSN: tsn, Stream: stream, MID: mid, FSN: fsn, Unordered: unordered,
		Beginning: b, Ending: e, UserData: []byte(data)}
	if b {
		d.FSN, d.PPID = 0, 51
	}
	return d
}

func mustAddI(t *testing.T, r *Reassembly, ds ...*wire.IData) {
	t.Helper()
	for _, d := range ds {
		if err := r.AddIData(d); err != nil {
			t.Fatalf("AddIData(TSN %d): %v", d.TSN, err)
		}
	}
}

// isummary is summary with MIDs.
func isummary(ms []Message) []string {
	for i := range ms {
		ms[i].SSN = wire.SSN(ms[i].MID)
	}
	return summary(ms)
}

func TestIDataInterleaved(t *testing.T) {
	r := NewReassembly(3, 0)
	mustAddI(t, r,
		idata(1, 0, 0, 0, true, false, false, "he"),
		idata(2, 1, 0, 0, true, false, false, "wo"),
		idata(3, 2, 5, 0, true, true, true, "u"),
		idata(5, 1, 0, 1, false, true, false, "rld"),
		idata(6, 0, 1, 0, true, true, false, "next"),
	)
	eqStrings(t, isummary(popAll(r)), []string{"2/5U:u", "1/0:world"})
	mustAddI(t, r, idata(4, 0, 0, 1, false, true, false, "llo"))
	ms := popAll(r)
	eqStrings(t, isummary(ms), []string{"0/0:hello", "0/1:next"})
	if ms[0].TSN != 1 || ms[0].PPID != 51 || !ms[0].EOR {
		t.Fatalf("fields %+v", ms[0])
	}
	if r.Buffered() != 0 || len(r.extras) != 0 {
		t.Fatalf("state left: buffered %d extras %d", r.Buffered(), len(r.extras))
	}
}

func TestIDataOrderedAndUnorderedMIDsAreSeparate(t *testing.T) {
	r := NewReassembly(1, 0)
	mustAddI(t, r,
		idata(1, 0, 1, 0, true, true, false, "o1"),
		idata(2, 0, 0, 0, true, true, true, "u0"),
		idata(3, 0, 1, 0, true, false, true, "u1"),
		idata(4, 0, 1, 1, false, true, true, "!"),
		idata(5, 0, 0, 0, true, true, false, "o0"),
	)
	eqStrings(t, isummary(popAll(r)), []string{"0/0U:u0", "0/1U:u1!", "0/0:o0", "0/1:o1"})
}

func TestIDataErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup []*wire.IData
		add   *wire.IData
		err   error
	}{
		{name: "invalid stream", add: idata(1, 9, 0, 0, true, true, false, "x"), err: ErrInvalidStream},
		{name: "no user data", add: idata(1, 0, 0, 0, true, true, false, ""), err: ErrNoUserData},
		{name: "MID behind", setup: []*wire.IData{idata(1, 0, 0, 0, true, true, false, "a")},
			add: idata(2, 0, 0, 0, true, true, false, "b"), err: ErrProtocol},
		{name: "FSN 0 without B", add: idata(1, 0, 0, 0, false, false, false, "a"), err: ErrProtocol},
		{name: "FSN twice", setup: []*wire.IData{idata(1, 0, 0, 2, false, false, false, "a")},
			add: idata(2, 0, 0, 2, false, false, false, "a"), err: ErrProtocol},
		{name: "B twice", setup: []*wire.IData{idata(1, 0, 0, 0, true, false, false, "a")},
			add: idata(2, 0, 0, 0, true, false, false, "a"), err: ErrProtocol},
		{name: "E twice", setup: []*wire.IData{idata(1, 0, 0, 3, false, true, false, "a")},
			add: idata(2, 0, 0, 4, false, true, false, "a"), err: ErrProtocol},
		{name: "E below a fragment", setup: []*wire.IData{idata(1, 0, 0, 3, false, false, false, "a")},
			add: idata(2, 0, 0, 2, false, true, false, "a"), err: ErrProtocol},
		{name: "FSN after E", setup: []*wire.IData{idata(1, 0, 0, 3, false, true, false, "a")},
			add: idata(2, 0, 0, 4, false, false, false, "a"), err: ErrProtocol},
		{name: "MID already complete", setup: []*wire.IData{idata(1, 0, 3, 0, true, true, false, "a")},
			add: idata(2, 0, 3, 1, false, true, false, "a"), err: ErrProtocol},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReassembly(2, 0)
			mustAddI(t, r, tc.setup...)
			popAll(r)
			before := r.Buffered()
			if err := r.AddIData(tc.add); !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if r.Buffered() != before {
				t.Fatal("a refused chunk changed the buffer")
			}
		})
	}
}

func TestIDataPartialDelivery(t *testing.T) {
	r := NewReassembly(2, 2500)
	data := payload(5, 5000)
	frag := func(tsn wire.TSN, f int) *wire.IData {
		d := idata(tsn, 0, 0, uint32(f), f == 0, f == 4, false, "")
		d.UserData = data[f*1000 : (f+1)*1000]
		return d
	}
	mustAddI(t, r, frag(1, 0), frag(3, 2), idata(10, 0, 0, 0, true, true, true, "u"))
	eqStrings(t, isummary(popAll(r)), []string{"0/0U:u"})
	mustAddI(t, r, frag(2, 1))
	m, ok := r.Pop()
	if !ok || m.EOR || !bytes.Equal(m.Data, data[:3000]) {
		t.Fatalf("first piece %v", isummary([]Message{m}))
	}
	// Held back while the partial delivery runs.
	mustAddI(t, r, idata(11, 0, 1, 0, true, true, true, "held"))
	if _, ok := r.Pop(); ok {
		t.Fatal("delivered during the partial delivery")
	}
	// Buffer full with nothing to hand out: a chunk of another message on
	// the stream under partial delivery is refused, one that continues it
	// is taken.
	mustAddI(t, r, idata(12, 1, 0, 1, false, false, false, string(payload(1, 2500))))
	if err := r.AddIData(idata(13, 0, 1, 0, true, true, false, "x")); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("other message: %v", err)
	}
	mustAddI(t, r, frag(5, 4))
	if _, ok := r.Pop(); ok {
		t.Fatal("delivered across the missing FSN 3")
	}
	mustAddI(t, r, frag(4, 3))
	ms := popAll(r)
	eqStrings(t, isummary(ms), []string{"0/0:#2000", "0/1U:held"})
	if !bytes.Equal(ms[0].Data, data[3000:]) {
		t.Fatal("last piece corrupt")
	}
}

func TestIForwardTSN(t *testing.T) {
	r := NewReassembly(3, 1000)
	mustAddI(t, r, idata(1, 0, 0, 0, true, false, false, string(payload(1, 1000))))
	if m, ok := r.Pop(); !ok || m.EOR {
		t.Fatal("no partial delivery")
	}
	mustAddI(t, r,
		idata(2, 0, 2, 0, true, true, false, "o2"),
		idata(3, 1, 4, 0, true, false, true, "lost"),
		idata(4, 1, 5, 0, true, false, true, "kept"),
		idata(5, 2, 1, 0, true, true, false, "p1"),
	)
	aborted := r.IForwardTSN([]wire.IForwardTSNStream{
		{Stream: 0, MID: 1}, {Stream: 1, MID: 4, Unordered: true}, {Stream: 2, MID: 1}, {Stream: 7},
	})
	if len(aborted) != 1 || aborted[0] != 0 {
		t.Fatalf("aborted %v", aborted)
	}
	eqStrings(t, isummary(popAll(r)), []string{"0/2:o2"})
	mustAddI(t, r, idata(6, 1, 5, 1, false, true, true, "!"))
	eqStrings(t, isummary(popAll(r)), []string{"1/5U:kept!"})
	if r.IForwardTSN([]wire.IForwardTSNStream{{Stream: 0, MID: 0}}) != nil { // stale
		t.Fatal("stale entry aborted something")
	}
	if r.Buffered() != 0 || len(r.extras) != 0 {
		t.Fatalf("state left: buffered %d extras %d", r.Buffered(), len(r.extras))
	}
	r.ResetStreams(nil)
	mustAddI(t, r, idata(7, 0, 0, 0, true, true, false, "again"))
	eqStrings(t, isummary(popAll(r)), []string{"0/0:again"})
}

func TestIDataResetDropsOrdered(t *testing.T) {
	r := NewReassembly(1, 0)
	mustAddI(t, r,
		idata(1, 0, 3, 0, true, false, false, "partial"),
		idata(2, 0, 4, 0, true, true, false, "parked"),
		idata(3, 0, 0, 0, true, false, true, "unordered"),
	)
	r.ResetStreams([]uint16{0})
	if r.Buffered() != len("unordered") {
		t.Fatalf("buffered %d", r.Buffered())
	}
	mustAddI(t, r, idata(4, 0, 0, 1, false, true, true, "!"))
	eqStrings(t, isummary(popAll(r)), []string{"0/0U:unordered!"})
}
