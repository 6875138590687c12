package rx

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/udpsctp/udpsctp/stack/wire"
)

func TestReassemblyDelivery(t *testing.T) {
	tests := []struct {
		name string
		in   []*wire.Data
		want []string
	}{
		{name: "single ordered", in: []*wire.Data{single(1, 0, 0, false, "a"), single(2, 0, 1, false, "b")},
			want: []string{"0/0:a", "0/1:b"}},
		{name: "ordered waits for SSN", in: []*wire.Data{single(2, 0, 1, false, "b"), single(3, 0, 2, false, "c"), single(1, 0, 0, false, "a")},
			want: []string{"0/0:a", "0/1:b", "0/2:c"}},
		{name: "unordered passes", in: []*wire.Data{single(2, 0, 1, false, "b"), single(3, 0, 77, true, "u"), single(1, 0, 0, false, "a")},
			want: []string{"0/0U:u", "0/0:a", "0/1:b"}},
		{name: "streams independent", in: []*wire.Data{single(1, 1, 1, false, "x"), single(2, 2, 0, false, "y"), single(3, 1, 0, false, "z")},
			want: []string{"2/0:y", "1/0:z", "1/1:x"}},
		{name: "fragments in order", in: fragments(10, 3, 0, false, []byte("hello world"), 3),
			want: []string{"3/0:hello world"}},
		{name: "fragments reversed", in: reversed(fragments(10, 3, 0, false, []byte("hello world"), 2)),
			want: []string{"3/0:hello world"}},
		{name: "unordered fragments interleaved with ordered", in: mix(
			fragments(10, 0, 0, true, []byte("unordered"), 4),
			fragments(13, 0, 0, false, []byte("ordered!"), 3)),
			want: []string{"0/0:ordered!", "0/0U:unordered"}},
		{name: "back to back unordered on one stream", in: reversed(append(
			fragments(1, 0, 0, true, []byte("first"), 2),
			fragments(4, 0, 0, true, []byte("second"), 2)...)),
			want: []string{"0/0U:second", "0/0U:first"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReassembly(4, 0)
			mustAdd(t, r, tc.in...)
			eqStrings(t, summary(popAll(r)), tc.want)
			if r.Buffered() != 0 {
				t.Fatalf("Buffered %d after draining", r.Buffered())
			}
			if len(r.extras) != 0 || len(r.frags) != 0 || len(r.startAt) != 0 || len(r.endAt) != 0 {
				t.Fatalf("state left: extras %d frags %d runs %d/%d", len(r.extras), len(r.frags), len(r.startAt), len(r.endAt))
			}
		})
	}
}

func reversed(ds []*wire.Data) []*wire.Data {
	out := make([]*wire.Data, len(ds))
	for i, d := range ds {
		out[len(ds)-1-i] = d
	}
	return out
}

// mix interleaves b into a from the end, so runs form out of order.
func mix(a, b []*wire.Data) []*wire.Data {
	var out []*wire.Data
	for i := 0; i < max(len(a), len(b)); i++ {
		if i < len(b) {
			out = append(out, b[len(b)-1-i])
		}
		if i < len(a) {
			out = append(out, a[i])
		}
	}
	return out
}

func TestReassemblyMessageFields(t *testing.T) {
	r := NewReassembly(1, 0)
	ds := fragments(0xFFFFFFFE, 0, 5, false, []byte("wrapping tsn"), 5)
	ds[0].PPID = 99
	ds[1].PPID, ds[2].PPID = 1, 1 // only the B fragment's PPID counts
	r.ForwardTSN(0, []wire.ForwardTSNStream{{Stream: 0, SSN: 4}})
	mustAdd(t, r, ds[2], ds[0], ds[1])
	m, ok := r.Pop()
	if !ok || m.TSN != 0xFFFFFFFE || m.PPID != 99 || m.SSN != 5 || !m.EOR || string(m.Data) != "wrapping tsn" {
		t.Fatalf("message %+v", m)
	}
}

func TestReassemblySSNWrap(t *testing.T) {
	r := NewReassembly(1, 0)
	for _, ssn := range []wire.SSN{20000, 40000, 65533} { // serial steps
		r.ForwardTSN(0, []wire.ForwardTSNStream{{Stream: 0, SSN: ssn}})
	}
	mustAdd(t, r, single(4, 0, 1, false, "d"), single(2, 0, 65535, false, "b"), single(3, 0, 0, false, "c"))
	if ms := popAll(r); len(ms) != 0 {
		t.Fatalf("delivered early: %v", summary(ms))
	}
	mustAdd(t, r, single(1, 0, 65534, false, "a"))
	eqStrings(t, summary(popAll(r)), []string{"0/65534:a", "0/65535:b", "0/0:c", "0/1:d"})
}

func TestReassemblyManyStreams(t *testing.T) {
	const streams, perStream = 300, 5
	r := NewReassembly(streams, 0)
	var ds []*wire.Data
	tsn := wire.TSN(1)
	for s := 0; s < streams; s++ {
		for ssn := 0; ssn < perStream; ssn++ {
			for _, d := range fragments(tsn, uint16(s), wire.SSN(ssn), false, payload(s*perStream+ssn, 50), 20) {
				ds = append(ds, d)
				tsn++
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
	mustAdd(t, r, ds...)
	next := make([]int, streams)
	for _, m := range popAll(r) {
		if int(m.SSN) != next[m.Stream] || !bytes.Equal(m.Data, payload(int(m.Stream)*perStream+int(m.SSN), 50)) {
			t.Fatalf("stream %d SSN %d out of order or corrupt", m.Stream, m.SSN)
		}
		next[m.Stream]++
	}
	for s, n := range next {
		if n != perStream {
			t.Fatalf("stream %d: %d messages", s, n)
		}
	}
}

func TestReassemblyLargeMessageShuffled(t *testing.T) {
	const size = 16 << 20
	data := payload(7, size)
	ds := fragments(1000, 0, 0, false, data, 1400)
	rng := rand.New(rand.NewPCG(3, 4))
	rng.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
	r := NewReassembly(1, 32<<20)
	mustAdd(t, r, ds...)
	ms := popAll(r)
	if len(ms) != 1 || !ms[0].EOR || !bytes.Equal(ms[0].Data, data) || ms[0].TSN != 1000 {
		t.Fatalf("%d messages", len(ms))
	}
}

func TestReassemblyPartialDelivery(t *testing.T) {
	r := NewReassembly(2, 10_000)
	data := payload(1, 20_000)
	ds := fragments(1, 0, 0, false, data, 1000)
	mustAdd(t, r, ds[:9]...)
	mustAdd(t, r, single(100, 0, 7, true, "held")) // unordered, same stream
	if _, ok := r.Pop(); !ok {                     // the unordered message
		t.Fatal("unordered message not delivered")
	}
	if _, ok := r.Pop(); ok || r.Buffered() != 9000 {
		t.Fatalf("delivered below the limit; buffered %d", r.Buffered())
	}
	mustAdd(t, r, ds[9])
	m, ok := r.Pop()
	if !ok || m.EOR || !bytes.Equal(m.Data, data[:10_000]) || m.TSN != 1 || m.SSN != 0 {
		t.Fatalf("first piece %v %+v", ok, summary([]Message{m}))
	}
	if r.Buffered() != 0 {
		t.Fatalf("buffered %d", r.Buffered())
	}
	// During the partial delivery nothing else of stream 0 comes out, but
	// other streams do.
	mustAdd(t, r, single(200, 0, 8, true, "later"), single(201, 1, 0, false, "other"))
	mustAdd(t, r, ds[11], ds[12])
	eqStrings(t, summary(popAll(r)), []string{"1/0:other"})
	mustAdd(t, r, ds[10])
	m, _ = r.Pop()
	if m.EOR || !bytes.Equal(m.Data, data[10_000:13_000]) {
		t.Fatalf("second piece %v", summary([]Message{m}))
	}
	mustAdd(t, r, reversed(ds[13:])...)
	got := popAll(r)
	eqStrings(t, summary(got), []string{"0/0:#7000", "0/0U:later"})
	if !bytes.Equal(got[0].Data, data[13_000:]) {
		t.Fatal("last piece corrupt")
	}
	if r.Buffered() != 0 || len(r.extras) != 0 || len(r.pdStreams) != 0 {
		t.Fatalf("state left: buffered %d extras %d", r.Buffered(), len(r.extras))
	}
	// The stream moved on to SSN 1.
	mustAdd(t, r, single(300, 0, 1, false, "next"))
	eqStrings(t, summary(popAll(r)), []string{"0/1:next"})
}

func TestReassemblyPartialDeliveryUnordered(t *testing.T) {
	r := NewReassembly(1, 3000)
	data := payload(2, 5000)
	ds := fragments(1, 0, 0, true, data, 1000)
	mustAdd(t, r, ds[3], ds[0], ds[1], ds[2]) // 4000 >= limit
	m, ok := r.Pop()
	if !ok || m.EOR || !m.Unordered || !bytes.Equal(m.Data, data[:4000]) {
		t.Fatalf("piece %v", summary([]Message{m}))
	}
	mustAdd(t, r, ds[4])
	m, _ = r.Pop()
	if !m.EOR || !bytes.Equal(m.Data, data[4000:]) {
		t.Fatalf("last piece %v", summary([]Message{m}))
	}
}

func TestReassemblyBufferFull(t *testing.T) {
	r := NewReassembly(2, 4000)
	// SSN 0 of stream 0 is missing; SSN 1 fills the buffer.
	ssn1 := fragments(11, 0, 1, false, payload(1, 5000), 1000)
	mustAdd(t, r, ssn1[:4]...)
	if _, ok := r.Pop(); ok {
		t.Fatal("partial delivery of a message that is not next")
	}
	if err := r.Add(ssn1[4]); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("over the limit: %v", err)
	}
	if err := r.Add(single(30, 1, 1, false, "x")); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("stream 1 SSN 1: %v", err)
	}
	if err := r.Add(&wire.Data{TSN: 40, Stream: 1, Unordered: true, UserData: []byte("mid")}); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("unordered middle fragment: %v", err)
	}
	// What unblocks delivery is still taken: the missing SSN 0, the next
	// message of another stream, an unordered first fragment.
	mustAdd(t, r, single(10, 0, 0, false, "zero"), single(31, 1, 0, false, "one"), single(32, 1, 0, true, "u"))
	eqStrings(t, summary(popAll(r)), []string{"0/0:zero", "1/0:one", "1/0U:u", "0/1+:#4000"})
	mustAdd(t, r, ssn1[4])
	eqStrings(t, summary(popAll(r)), []string{"0/1:#1000"})
	// Hard cap: never more than about twice the limit.
	big := fragments(100, 1, 1, false, payload(3, 100_000), 1000)
	var err error
	for _, d := range big {
		if err = r.Add(d); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrBufferFull) || r.Buffered() > r.hard {
		t.Fatalf("hard cap: %v, buffered %d", err, r.Buffered())
	}
}

func TestReassemblyErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup []*wire.Data
		add   *wire.Data
		err   error
	}{
		{name: "invalid stream", add: single(1, 4, 0, false, "x"), err: ErrInvalidStream},
		{name: "no user data", add: &wire.Data{TSN: 1, Beginning: true, Ending: true}, err: ErrNoUserData},
		{name: "SSN behind", setup: []*wire.Data{single(1, 0, 0, false, "a")}, add: single(2, 0, 0, false, "b"), err: ErrProtocol},
		{name: "TSN held twice", setup: []*wire.Data{{TSN: 5, Beginning: true, UserData: []byte("a")}},
			add: &wire.Data{TSN: 5, Beginning: true, UserData: []byte("a")}, err: ErrProtocol},
		{name: "B after unfinished", setup: []*wire.Data{{TSN: 5, Beginning: true, UserData: []byte("a")}},
			add: &wire.Data{TSN: 6, Beginning: true, UserData: []byte("b")}, err: ErrProtocol},
		{name: "middle after E", setup: []*wire.Data{{TSN: 5, SSN: 1, Ending: true, UserData: []byte("a")}},
			add: &wire.Data{TSN: 6, SSN: 1, UserData: []byte("b")}, err: ErrProtocol},
		{name: "E before B is fine", setup: []*wire.Data{{TSN: 6, SSN: 1, Beginning: true, UserData: []byte("a")}},
			add: &wire.Data{TSN: 5, SSN: 0, Ending: true, UserData: []byte("b")}},
		{name: "middle before B", setup: []*wire.Data{{TSN: 6, SSN: 1, Beginning: true, UserData: []byte("a")}},
			add: &wire.Data{TSN: 5, SSN: 1, UserData: []byte("b")}, err: ErrProtocol},
		{name: "continues other stream", setup: []*wire.Data{{TSN: 5, Stream: 1, SSN: 1, Beginning: true, UserData: []byte("a")}},
			add: &wire.Data{TSN: 6, Stream: 2, SSN: 1, UserData: []byte("b")}, err: ErrProtocol},
		{name: "continues other SSN", setup: []*wire.Data{{TSN: 5, SSN: 1, Beginning: true, UserData: []byte("a")}},
			add: &wire.Data{TSN: 6, SSN: 2, Ending: true, UserData: []byte("b")}, err: ErrProtocol},
		{name: "continued by other SSN", setup: []*wire.Data{{TSN: 6, SSN: 1, Ending: true, UserData: []byte("a")}},
			add: &wire.Data{TSN: 5, SSN: 2, Beginning: true, UserData: []byte("b")}, err: ErrProtocol},
		{name: "second B for SSN", setup: []*wire.Data{{TSN: 5, SSN: 1, Beginning: true, UserData: []byte("a")}},
			add: &wire.Data{TSN: 9, SSN: 1, Beginning: true, UserData: []byte("b")}, err: ErrProtocol},
		{name: "SSN already complete", setup: []*wire.Data{single(5, 0, 1, false, "a")},
			add: single(9, 0, 1, false, "b"), err: ErrProtocol},
		{name: "B fragment for complete SSN", setup: []*wire.Data{single(5, 0, 1, false, "a")},
			add: &wire.Data{TSN: 9, SSN: 1, Beginning: true, UserData: []byte("b")}, err: ErrProtocol},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReassembly(4, 0)
			mustAdd(t, r, tc.setup...)
			popAll(r)
			before := r.Buffered()
			if err := r.Add(tc.add); !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if tc.err != nil && r.Buffered() != before {
				t.Fatal("a refused chunk changed the buffer")
			}
		})
	}
}

func TestReassemblyForwardTSN(t *testing.T) {
	r := NewReassembly(3, 0)
	mustAdd(t, r,
		&wire.Data{TSN: 10, Stream: 0, SSN: 0, Beginning: true, UserData: []byte("lost")}, // 11 never comes
		single(13, 0, 1, false, "b"),
		&wire.Data{TSN: 14, Stream: 1, Unordered: true, UserData: []byte("orphan")}, // B was 12
		&wire.Data{TSN: 20, Stream: 2, SSN: 3, Beginning: true, UserData: []byte("kept")},
	)
	if aborted := r.ForwardTSN(14, []wire.ForwardTSNStream{{Stream: 0, SSN: 0}, {Stream: 9, SSN: 1}}); aborted != nil {
		t.Fatalf("aborted %v", aborted)
	}
	eqStrings(t, summary(popAll(r)), []string{"0/1:b"})
	if r.Buffered() != 4 {
		t.Fatalf("buffered %d, want the 4 bytes above the new cum", r.Buffered())
	}
	// Stream 2 skips SSNs 0..2: the kept message is next and can finish.
	r.ForwardTSN(15, []wire.ForwardTSNStream{{Stream: 2, SSN: 2}})
	mustAdd(t, r, &wire.Data{TSN: 21, Stream: 2, SSN: 3, Ending: true, UserData: []byte("!")})
	eqStrings(t, summary(popAll(r)), []string{"2/3:kept!"})
	// Skipping delivers the complete messages held at or below the SSN, in
	// SSN order (RFC 3758 3.6; Linux and pion do the same), then what
	// follows them; stale entries do nothing.
	mustAdd(t, r, single(30, 1, 1, false, "p1"), single(31, 1, 2, false, "p2"), single(32, 1, 4, false, "p4"))
	r.ForwardTSN(31, []wire.ForwardTSNStream{{Stream: 1, SSN: 1}, {Stream: 0, SSN: 0}})
	eqStrings(t, summary(popAll(r)), []string{"1/1:p1", "1/2:p2"})
	r.ForwardTSN(33, []wire.ForwardTSNStream{{Stream: 1, SSN: 3}})
	eqStrings(t, summary(popAll(r)), []string{"1/4:p4"})
	if r.Buffered() != 0 || len(r.extras) != 0 || len(r.frags) != 0 {
		t.Fatalf("state left: buffered %d extras %d frags %d", r.Buffered(), len(r.extras), len(r.frags))
	}
}

func TestReassemblyForwardTSNAbortsPartial(t *testing.T) {
	for _, tc := range []struct {
		name      string
		unordered bool
		emptied   bool // all held fragments already handed out
		streams   []wire.ForwardTSNStream
	}{
		{name: "ordered", streams: []wire.ForwardTSNStream{{Stream: 0, SSN: 0}}},
		{name: "ordered emptied", emptied: true, streams: []wire.ForwardTSNStream{{Stream: 0, SSN: 0}}},
		{name: "unordered", unordered: true},
		{name: "unordered emptied", unordered: true, emptied: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReassembly(1, 2000)
			ds := fragments(1, 0, 0, tc.unordered, payload(1, 6000), 1000)
			mustAdd(t, r, ds[:2]...)
			if m, ok := r.Pop(); !ok || m.EOR {
				t.Fatal("no partial delivery")
			}
			if !tc.emptied {
				mustAdd(t, r, ds[3])
			}
			after := single(10, 0, 1, false, "after")
			if tc.unordered {
				after.SSN = 0
			}
			mustAdd(t, r, after)
			aborted := r.ForwardTSN(6, tc.streams)
			if len(aborted) != 1 || aborted[0] != 0 {
				t.Fatalf("aborted %v", aborted)
			}
			eqStrings(t, summary(popAll(r)), []string{fmt.Sprintf("0/%d:after", after.SSN)})
			if r.Buffered() != 0 || len(r.extras) != 0 || len(r.pdStreams) != 0 {
				t.Fatalf("state left: buffered %d extras %d", r.Buffered(), len(r.extras))
			}
		})
	}
}

func TestReassemblyForwardTSNStreamListAbortsPartial(t *testing.T) {
	// An ordered partial delivery whose TSNs lie above the new cum but whose
	// SSN the list skips is abandoned too.
	r := NewReassembly(1, 1000)
	ds := fragments(50, 0, 0, false, payload(1, 3000), 1000)
	mustAdd(t, r, ds[0])
	r.Pop()
	aborted := r.ForwardTSN(10, []wire.ForwardTSNStream{{Stream: 0, SSN: 0}})
	if len(aborted) != 1 {
		t.Fatalf("aborted %v", aborted)
	}
	mustAdd(t, r, single(60, 0, 1, false, "one"))
	eqStrings(t, summary(popAll(r)), []string{"0/1:one"})
}

func TestReassemblyResetStreams(t *testing.T) {
	r := NewReassembly(3, 0)
	mustAdd(t, r, single(1, 0, 0, false, "a"), single(2, 1, 0, false, "b"), single(3, 2, 0, false, "c"))
	mustAdd(t, r, single(5, 0, 2, false, "stale"), &wire.Data{TSN: 7, Stream: 0, SSN: 3, Beginning: true, UserData: []byte("x")})
	popAll(r)
	r.ResetStreams([]uint16{0, 99})
	if r.Buffered() != 0 {
		t.Fatalf("buffered %d after reset", r.Buffered())
	}
	mustAdd(t, r, single(10, 0, 0, false, "a0"), single(11, 1, 1, false, "b1"))
	eqStrings(t, summary(popAll(r)), []string{"0/0:a0", "1/1:b1"})
	r.ResetStreams(nil)
	mustAdd(t, r, single(20, 0, 0, false, "x"), single(21, 1, 0, false, "y"), single(22, 2, 0, false, "z"))
	eqStrings(t, summary(popAll(r)), []string{"0/0:x", "1/0:y", "2/0:z"})
}

func TestReassemblyResetKeepsPartialDelivery(t *testing.T) {
	r := NewReassembly(1, 1000)
	ds := fragments(1, 0, 0, false, payload(1, 2000), 1000)
	mustAdd(t, r, ds[0])
	r.Pop()
	r.ResetStreams(nil)
	mustAdd(t, r, single(5, 0, 0, false, "new"), ds[1])
	eqStrings(t, summary(popAll(r)), []string{"0/0:#1000", "0/0:new"})
}

func TestReassemblyTinyFragmentsCountOverhead(t *testing.T) {
	r := NewReassembly(1, 10_000)
	n := 0
	for tsn := wire.TSN(100); ; tsn += 2 { // isolated middle fragments: never deliverable
		err := r.Add(&wire.Data{TSN: tsn, SSN: 1, UserData: []byte{1}})
		if errors.Is(err, ErrBufferFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if want := 10_000 / (1 + itemOverhead); n < want || n > want+1 || r.Buffered() != n {
		t.Fatalf("%d one-byte fragments held, want about %d", n, want)
	}
	checkInvariants(t, r)
}
