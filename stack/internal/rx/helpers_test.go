package rx

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// payload returns n bytes that identify their message and offset.
func payload(seed, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(seed*31 + i*7 + i>>8)
	}
	return b
}

// fragments splits data into DATA chunks of at most size bytes with
// consecutive TSNs from tsn.
func fragments(tsn wire.TSN, stream uint16, ssn wire.SSN, unordered bool, data []byte, size int) []*wire.Data {
	var out []*wire.Data
	for off := 0; off < len(data) || off == 0; off += size {
		end := min(off+size, len(data))
		out = append(out, &wire.Data{TSN: tsn, Stream: stream, SSN: ssn, PPID: 42, Unordered: unordered,
			Beginning: off == 0, Ending: end == len(data), UserData: data[off:end]})
		tsn++
		if end == len(data) {
			break
		}
	}
	return out
}

func single(tsn wire.TSN, stream uint16, ssn wire.SSN, unordered bool, data string) *wire.Data {
	return &wire.Data{TSN: tsn, Stream: stream, SSN: ssn, PPID: 42, Unordered: unordered,
		Beginning: true, Ending: true, UserData: []byte(data)}
}

func mustAdd(t *testing.T, r *Reassembly, ds ...*wire.Data) {
	t.Helper()
	for _, d := range ds {
		if err := r.Add(d); err != nil {
			t.Fatalf("Add(TSN %d): %v", d.TSN, err)
		}
	}
}

func popAll(r *Reassembly) []Message {
	var out []Message
	for {
		m, ok := r.Pop()
		if !ok {
			return out
		}
		out = append(out, m)
	}
}

// summary renders messages compactly for comparisons: stream/ssn/U/EOR:data.
func summary(ms []Message) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		u := ""
		if m.Unordered {
			u = "U"
		}
		eor := ""
		if !m.EOR {
			eor = "+"
		}
		d := string(m.Data)
		if len(d) > 12 || !isPrintable(m.Data) {
			d = fmt.Sprintf("#%d", len(m.Data))
		}
		out = append(out, fmt.Sprintf("%d/%d%s%s:%s", m.Stream, m.SSN, u, eor, d))
	}
	return out
}

func isPrintable(b []byte) bool {
	return bytes.IndexFunc(b, func(r rune) bool { return r < ' ' || r > '~' }) < 0
}

func eqStrings(t *testing.T, got, want []string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
}
