package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// h decodes a hex string, ignoring spaces, "|" and newlines (test helper).
func h(s string) []byte {
	s = strings.NewReplacer(" ", "", "|", "", "\n", "", "\t", "").Replace(s)
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// rawOf returns the single chunk in b (test helper).
func rawOf(t *testing.T, b []byte) RawChunk {
	t.Helper()
	it := NewChunkIter(b, HeaderLen)
	if !it.Next() {
		t.Fatalf("no chunk: %v", it.Err())
	}
	raw := it.Chunk()
	if it.Next() || it.Err() != nil {
		t.Fatalf("want exactly one chunk, err %v", it.Err())
	}
	return raw
}

// chunkGoldens are chunks with their bytes written out from the RFC layouts.
var chunkGoldens = []struct {
	name  string
	chunk Chunk
	wire  string
}{
	// RFC 9260 3.3.1: flags B|E, TSN, stream, SSN, PPID, "hello" + 3 padding.
	{"DATA", &Data{TSN: 0x01020304, Stream: 5, SSN: 6, PPID: 51, Beginning: true, Ending: true, UserData: []byte("hello")},
		"00 03 0015 | 01020304 | 0005 0006 | 00000033 | 68656c6c6f 000000"},
	// U and I (RFC 7053) bits, no user data.
	{"DATA empty unordered immediate", &Data{TSN: 0xffffffff, Stream: 0xffff, SSN: 0xffff, Unordered: true, Immediate: true},
		"00 0c 0010 | ffffffff | ffff ffff | 00000000"},
	// RFC 8260 2.1: first fragment carries the PPID.
	{"I-DATA first", &IData{TSN: 10, Stream: 7, MID: 9, PPID: 53, Beginning: true, UserData: []byte("abc")},
		"40 02 0017 | 0000000a | 0007 0000 | 00000009 | 00000035 | 616263 00"},
	// Later fragments carry the FSN.
	{"I-DATA middle", &IData{TSN: 11, Stream: 7, MID: 9, FSN: 2, Unordered: true, Ending: true, UserData: []byte("defg")},
		"40 05 0018 | 0000000b | 0007 0000 | 00000009 | 00000002 | 64656667"},
	// RFC 9260 3.3.4: 2 gap blocks, 1 duplicate.
	{"SACK", &Sack{CumTSNAck: 100, ARwnd: 65536, Gaps: []GapBlock{{2, 3}, {5, 5}}, Dups: []TSN{99}},
		"03 00 001c | 00000064 | 00010000 | 0002 0001 | 0002 0003 | 0005 0005 | 00000063"},
	{"SACK bare", &Sack{CumTSNAck: 1, ARwnd: 2},
		"03 00 0010 | 00000001 | 00000002 | 0000 0000"},
	// RFC 9260 3.3.5: Heartbeat Info parameter, its padding outside the length.
	{"HEARTBEAT", &Heartbeat{Info: []byte("12345")},
		"04 00 000d | 0001 0009 | 3132333435 000000"},
	{"HEARTBEAT ACK", &HeartbeatAck{Info: []byte("abcdefgh")},
		"05 00 0010 | 0001 000c | 6162636465666768"},
	// pion/sctp sends HEARTBEAT without the parameter; usrsctp echoes it.
	{"HEARTBEAT ACK without parameter", &HeartbeatAck{}, "05 00 0004"},
	{"HEARTBEAT empty info", &Heartbeat{Info: []byte{}}, "04 00 0008 | 0001 0004"},
	// RFC 9260 3.3.7: T bit, one User-Initiated Abort cause "bye".
	{"ABORT", &Abort{T: true, Causes: []Cause{&UserInitiatedAbort{Reason: []byte("bye")}}},
		"06 01 000b | 000c 0007 627965 | 00"},
	{"ABORT bare", &Abort{}, "06 00 0004"},
	{"SHUTDOWN", &Shutdown{CumTSNAck: 0x80000000}, "07 00 0008 | 80000000"},
	{"SHUTDOWN ACK", &ShutdownAck{}, "08 00 0004"},
	// RFC 9260 3.3.10: several causes; inner padding counted, last not.
	{"ERROR", &Error{Causes: []Cause{&InvalidStream{Stream: 3}, &NoUserData{TSN: 77}, &UnknownCause{Code: 0x1234, Value: []byte("x")}}},
		"09 00 0019 | 0001 0008 0003 0000 | 0009 0008 0000004d | 1234 0005 78 000000"},
	{"COOKIE ECHO", &CookieEcho{Cookie: []byte("cookie")}, "0a 00 000a | 636f6f6b6965 0000"},
	{"COOKIE ACK", &CookieAck{}, "0b 00 0004"},
	// RFC 9260 appendix A.
	{"ECNE", &ECNE{LowestTSN: 42}, "0c 00 0008 | 0000002a"},
	{"CWR", &CWR{LowestTSN: 43}, "0d 00 0008 | 0000002b"},
	{"SHUTDOWN COMPLETE T", &ShutdownComplete{T: true}, "0e 01 0004"},
	{"SHUTDOWN COMPLETE", &ShutdownComplete{}, "0e 00 0004"},
	// RFC 4820 3.
	{"PAD", &Pad{Padding: []byte{0, 0, 0, 0, 0}}, "84 00 0009 | 0000000000 000000"},
	// RFC 3758 3.2.
	{"FORWARD TSN", &ForwardTSN{NewCumTSN: 1000, Streams: []ForwardTSNStream{{1, 2}, {3, 4}}},
		"c0 00 0010 | 000003e8 | 0001 0002 | 0003 0004"},
	// RFC 8260 2.3.1: U is the low bit of the second word.
	{"I-FORWARD TSN", &IForwardTSN{NewCumTSN: 7, Streams: []IForwardTSNStream{{1, true, 5}, {2, false, 6}}},
		"c2 00 0018 | 00000007 | 0001 0001 | 00000005 | 0002 0000 | 00000006"},
	{"unknown", &UnknownChunk{ChunkType: 0x3f, Flags: 0x5a, Value: []byte("zz")}, "3f 5a 0006 7a7a 0000"},
}

func TestChunkRoundTrip(t *testing.T) {
	for _, tc := range chunkGoldens {
		t.Run(tc.name, func(t *testing.T) {
			want := h(tc.wire)
			got := tc.chunk.AppendTo(nil)
			if !bytes.Equal(got, want) {
				t.Fatalf("AppendTo:\n got %x\nwant %x", got, want)
			}
			// Appending after existing bytes pads relative to the chunk.
			if got := tc.chunk.AppendTo([]byte{0xee}); !bytes.Equal(got[1:], want) {
				t.Fatalf("AppendTo after 1 byte:\n got %x\nwant %x", got[1:], want)
			}
			c, err := DecodeChunk(rawOf(t, want))
			if err != nil {
				t.Fatalf("DecodeChunk: %v", err)
			}
			if !reflect.DeepEqual(c, tc.chunk) {
				t.Fatalf("decoded %#v, want %#v", c, tc.chunk)
			}
			if c.Type() != ChunkType(want[0]) {
				t.Fatalf("Type %v, want %v", c.Type(), ChunkType(want[0]))
			}
			if again := c.AppendTo(nil); !bytes.Equal(again, want) {
				t.Fatalf("re-serialized %x, want %x", again, want)
			}
		})
	}
}

// TestChunkDecodeReuses checks that Decode overwrites earlier contents and
// reuses slices, so the receive path does not allocate.
func TestChunkDecodeReuses(t *testing.T) {
	s := &Sack{Gaps: make([]GapBlock, 5, 16), Dups: make([]TSN, 3, 8)}
	gaps, dups := &s.Gaps[:1][0], &s.Dups[:1][0]
	if err := s.Decode(rawOf(t, h("03 00 0018 | 00000001 | 00000002 | 0001 0001 | 0002 0003 | 00000009"))); err != nil {
		t.Fatal(err)
	}
	want := &Sack{CumTSNAck: 1, ARwnd: 2, Gaps: []GapBlock{{2, 3}}, Dups: []TSN{9}}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("got %+v, want %+v", s, want)
	}
	if &s.Gaps[0] != gaps || &s.Dups[0] != dups {
		t.Fatal("Decode did not reuse the slices")
	}
	f := &ForwardTSN{Streams: []ForwardTSNStream{{9, 9}, {8, 8}}}
	if err := f.Decode(rawOf(t, h("c0 00 0008 | 00000005"))); err != nil || len(f.Streams) != 0 || f.NewCumTSN != 5 {
		t.Fatalf("ForwardTSN reuse: %+v, %v", f, err)
	}
	d := &Data{UserData: []byte("old"), Unordered: true}
	if err := d.Decode(rawOf(t, h("00 00 0010 00000001 0000 0000 00000000"))); err != nil || d.Unordered || d.UserData != nil {
		t.Fatalf("Data not reset: %+v, %v", d, err)
	}
}

// TestChunkDecodeErrors covers each class of bad chunk value. off is the
// offset reported, counted in the packet (the chunk sits at HeaderLen).
func TestChunkDecodeErrors(t *testing.T) {
	const v0 = HeaderLen + 4 // value offset
	tests := []struct {
		name string
		wire string
		err  error
		off  int
	}{
		{"DATA 11-byte value", "00 03 000f 00000001 0000 0000 000000 00", ErrTruncated, v0},
		{"DATA header only", "00 03 0004", ErrTruncated, v0},
		{"I-DATA 15-byte value", "40 03 0013 00000001 0000 0000 00000000 000000 00", ErrTruncated, v0},
		{"SACK short", "03 00 000c 00000001 00000002", ErrTruncated, v0},
		{"SACK gap count beyond length", "03 00 0014 00000001 00000002 0002 0000 00010002", ErrTruncated, v0 + 12},
		{"SACK dup count beyond length", "03 00 0014 00000001 00000002 0000 0002 00000003", ErrTruncated, v0 + 12},
		{"SACK huge counts", "03 00 0010 00000001 00000002 ffff ffff", ErrTruncated, v0 + 12},
		{"SACK bytes beyond counts", "03 00 0014 00000001 00000002 0000 0000 00000003", ErrMalformed, v0 + 12},
		{"SACK half a gap block", "03 00 0012 00000001 00000002 0000 0000 0001 0000", ErrMalformed, v0 + 12},
		{"HEARTBEAT parameter header cut", "04 00 0006 0001 0000", ErrTruncated, v0},
		{"HEARTBEAT wrong parameter", "04 00 0008 0002 0004", ErrMalformed, v0},
		{"HEARTBEAT info beyond chunk", "04 00 0008 0001 0010", ErrTruncated, v0},
		{"HEARTBEAT info length < 4", "04 00 0008 0001 0003", ErrMalformed, v0},
		{"HEARTBEAT trailing bytes", "05 00 0010 0001 0005 aa000000 00000001", ErrMalformed, v0 + 5},
		{"ABORT cause beyond chunk", "06 00 0008 000c 0010", ErrTruncated, v0},
		{"ABORT cause length < 4", "06 00 0008 000c 0002", ErrMalformed, v0},
		{"ABORT cause header cut", "06 00 0006 000c 0000", ErrTruncated, v0},
		{"ERROR cause lacks padding", "09 00 000a 000c 0005 aa00 0000", ErrMalformed, v0 + 5},
		{"ERROR second cause beyond chunk", "09 00 0010 0001 0008 0000 0000 000c 0020", ErrTruncated, v0 + 8},
		{"ERROR invalid stream wrong size", "09 00 000a 0001 0006 0001 0000", ErrMalformed, v0 + 4},
		{"ERROR stale cookie short", "09 00 000a 0003 0006 0001 0000", ErrMalformed, v0 + 4},
		{"ERROR missing params huge count", "09 00 000c 0002 0008 ffffffff", ErrMalformed, v0 + 4},
		{"ERROR missing params odd", "09 00 000e 0002 000a 00000002 0005 0000", ErrMalformed, v0 + 4},
		{"ERROR out of resource with value", "09 00 000c 0004 0008 00000000", ErrMalformed, v0 + 4},
		{"ERROR HMAC id wrong size", "09 00 000c 0105 0008 00010000", ErrMalformed, v0 + 4},
		{"SHUTDOWN short", "07 00 0007 000000 00", ErrTruncated, v0},
		{"SHUTDOWN long", "07 00 000c 00000001 00000002", ErrMalformed, v0},
		{"SHUTDOWN ACK with value", "08 00 0008 00000000", ErrMalformed, v0},
		{"COOKIE ACK with value", "0b 00 0008 00000000", ErrMalformed, v0},
		{"SHUTDOWN COMPLETE with value", "0e 00 0008 00000000", ErrMalformed, v0},
		{"ECNE short", "0c 00 0004", ErrTruncated, v0},
		{"CWR long", "0d 00 000c 00000001 00000002", ErrMalformed, v0},
		{"FORWARD TSN short", "c0 00 0006 0000 0000", ErrTruncated, v0},
		{"FORWARD TSN partial entry", "c0 00 000a 00000001 0001 0000", ErrTruncated, v0 + 4},
		{"I-FORWARD TSN partial entry", "c2 00 000c 00000001 0001 0000", ErrTruncated, v0 + 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := DecodeChunk(rawOf(t, h(tc.wire)))
			if !errors.Is(err, tc.err) {
				t.Fatalf("got %v (%#v), want %v", err, c, tc.err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%T is not a *ParseError", err)
			}
			if pe.Offset != tc.off || pe.What == "" || pe.Detail == "" {
				t.Fatalf("ParseError %+v: want offset %d, What and Detail set", pe, tc.off)
			}
			if c != nil {
				t.Fatalf("chunk %#v returned with an error", c)
			}
		})
	}
}

// TestChunkDecodeLenient covers inputs that are odd but well-formed.
func TestChunkDecodeLenient(t *testing.T) {
	tests := []struct {
		name string
		wire string
		want Chunk
	}{
		// Reserved flag bits and reserved fields are ignored.
		{"DATA reserved flags", "00 fb 0011 00000001 0002 0003 00000004 aa 000000",
			&Data{TSN: 1, Stream: 2, SSN: 3, PPID: 4, Beginning: true, Ending: true, Immediate: true, UserData: []byte{0xaa}}},
		{"I-DATA reserved field", "40 00 0015 00000001 0002 ffff 00000003 00000004 aa 000000",
			&IData{TSN: 1, Stream: 2, MID: 3, FSN: 4, UserData: []byte{0xaa}}},
		// A sender may count the Heartbeat Info padding in the chunk length.
		{"HEARTBEAT padding counted", "04 00 000c 0001 0005 aa 000000",
			&Heartbeat{Info: []byte{0xaa}}},
		{"HEARTBEAT empty info", "04 00 0008 0001 0004", &Heartbeat{Info: []byte{}}},
		// ... or the last cause's padding.
		{"ABORT padding counted", "06 00 000c 000c 0005 aa 000000",
			&Abort{Causes: []Cause{&UserInitiatedAbort{Reason: []byte{0xaa}}}}},
		{"ABORT empty reason", "06 00 0008 000c 0004", &Abort{Causes: []Cause{&UserInitiatedAbort{Reason: []byte{}}}}},
		{"I-FORWARD TSN reserved bits", "c2 00 0010 00000001 0001 fffe 00000002",
			&IForwardTSN{NewCumTSN: 1, Streams: []IForwardTSNStream{{Stream: 1, MID: 2}}}},
		{"PAD empty", "84 00 0004", &Pad{}},
		{"COOKIE ECHO empty", "0a 00 0004", &CookieEcho{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := DecodeChunk(rawOf(t, h(tc.wire)))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c, tc.want) {
				t.Fatalf("got %#v, want %#v", c, tc.want)
			}
		})
	}
}

// TestChunkValuePrefixes decodes every prefix of each golden chunk's value,
// with the capacity cut too so that a read past the end panics. A prefix
// either fails with a ParseError or decodes into something that
// re-serializes to a chunk with exactly that value.
func TestChunkValuePrefixes(t *testing.T) {
	for _, tc := range chunkGoldens {
		t.Run(tc.name, func(t *testing.T) {
			raw := rawOf(t, h(tc.wire))
			value := raw.Value
			for k := range len(value) {
				r := raw
				r.Value = value[:k:k]
				c, err := DecodeChunk(r)
				if err != nil {
					var pe *ParseError
					if !errors.As(err, &pe) || !(errors.Is(err, ErrTruncated) || errors.Is(err, ErrMalformed)) {
						t.Fatalf("prefix %d: %v", k, err)
					}
					continue
				}
				got := rawOf(t, c.AppendTo(nil))
				// A cut last cause or Heartbeat Info comes back padded.
				if !bytes.HasPrefix(got.Value, value[:k]) {
					t.Fatalf("prefix %d decoded to %#v, re-serialized value %x", k, c, got.Value)
				}
			}
		})
	}
}
