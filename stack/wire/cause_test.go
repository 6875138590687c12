package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// causeGoldens are single causes with their TLV bytes (RFC 9260 3.3.10.x,
// RFC 5061 5.1, RFC 4895 6.1), padding included.
var causeGoldens = []struct {
	name  string
	cause Cause
	wire  string
}{
	{"invalid stream", &InvalidStream{Stream: 0x1234}, "0001 0008 1234 0000"},
	{"missing mandatory param", &MissingMandatoryParam{Types: []ParamType{ParamStateCookie}}, "0002 000a 00000001 0007 0000"},
	{"missing mandatory params", &MissingMandatoryParam{Types: []ParamType{5, 6}}, "0002 000c 00000002 0005 0006"},
	{"stale cookie", &StaleCookie{Staleness: 1000}, "0003 0008 000003e8"},
	{"out of resource", &OutOfResource{}, "0004 0004"},
	{"unresolvable address", &UnresolvableAddress{Address: h("0005 0008 7f000001")}, "0005 000c 0005 0008 7f000001"},
	{"unrecognized chunk", &UnrecognizedChunk{Chunk: h("3f 00 0005 aa 000000")}, "0006 000c 3f000005 aa000000"},
	{"invalid mandatory param", &InvalidMandatoryParam{}, "0007 0004"},
	{"unrecognized params", &UnrecognizedParams{Params: h("abcd 0005 ee")}, "0008 0009 abcd0005 ee 000000"},
	{"no user data", &NoUserData{TSN: 0xdeadbeef}, "0009 0008 deadbeef"},
	{"cookie while shutting down", &CookieWhileShuttingDown{}, "000a 0004"},
	{"restart with new addresses", &RestartWithNewAddresses{Addresses: h("0005 0008 0a000001")}, "000b 000c 0005 0008 0a000001"},
	{"restart with new encapsulation port", &RestartWithNewEncapPort{CurrentPort: 9899, NewPort: 50000}, "000e 0008 26ab c350"},
	{"user initiated abort", &UserInitiatedAbort{Reason: []byte("no")}, "000c 0006 6e6f 0000"},
	{"protocol violation", &ProtocolViolation{Info: []byte("bad sack")}, "000d 000c 626164207361636b"},
	{"delete last address", &DeleteLastAddress{Param: h("c002 0008 00000001")}, "00a0 000c c002 0008 00000001"},
	{"resource shortage", &ResourceShortage{Param: h("c001 0008 00000001")}, "00a1 000c c001 0008 00000001"},
	{"delete source address", &DeleteSourceAddress{Param: h("c002 0008 00000002")}, "00a2 000c c002 0008 00000002"},
	{"illegal asconf ack", &IllegalAsconfAck{}, "00a3 0004"},
	{"no authorization", &NoAuthorization{Param: h("c004 0008 00000003")}, "00a4 000c c004 0008 00000003"},
	{"unsupported HMAC identifier", &UnsupportedHMACIdentifier{HMACID: 3}, "0105 0006 0003 0000"},
	{"unknown", &UnknownCause{Code: 0xbeef, Value: []byte{1, 2, 3, 4, 5, 6}}, "beef 000a 010203040506 0000"},
}

func TestCauseRoundTrip(t *testing.T) {
	for _, tc := range causeGoldens {
		t.Run(tc.name, func(t *testing.T) {
			want := h(tc.wire)
			if got := tc.cause.AppendTo(nil); !bytes.Equal(got, want) {
				t.Fatalf("AppendTo:\n got %x\nwant %x", got, want)
			}
			if code := CauseCode(want[0])<<8 | CauseCode(want[1]); tc.cause.CauseCode() != code {
				t.Fatalf("CauseCode %v, want %v", tc.cause.CauseCode(), code)
			}
			cs, err := decodeCauses(want, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(cs) != 1 || !reflect.DeepEqual(cs[0], tc.cause) {
				t.Fatalf("decoded %#v, want %#v", cs, tc.cause)
			}
			if got := appendCauses(nil, cs); !bytes.Equal(got, want) {
				t.Fatalf("appendCauses %x, want %x", got, want)
			}
			// As the last cause of an ERROR chunk, the padding falls outside
			// the chunk length and still decodes (RFC 9260 3.2).
			chunk := (&Error{Causes: []Cause{tc.cause}}).AppendTo(nil)
			c, err := DecodeChunk(rawOf(t, chunk))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.(*Error).Causes, cs) {
				t.Fatalf("in ERROR: %#v, want %#v", c.(*Error).Causes, cs)
			}
		})
	}
}

func TestCausesMany(t *testing.T) {
	var all []Cause
	var wire []byte
	for _, tc := range causeGoldens {
		all = append(all, tc.cause)
		wire = append(wire, h(tc.wire)...)
	}
	if got := appendCauses(nil, all); !bytes.Equal(got, wire) {
		t.Fatalf("appendCauses:\n got %x\nwant %x", got, wire)
	}
	cs, err := decodeCauses(wire, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cs, all) {
		t.Fatalf("decodeCauses: %#v", cs)
	}
	if cs, err := decodeCauses(nil, 0); err != nil || cs != nil {
		t.Fatalf("no causes: %v, %v", cs, err)
	}
	// Every proper prefix that does not end on a cause boundary fails.
	bounds := map[int]bool{}
	for i, n := 0, 0; i < len(causeGoldens); i++ {
		n += len(h(causeGoldens[i].wire))
		bounds[n] = true
	}
	for i := 1; i < len(wire); i++ {
		_, err := decodeCauses(wire[:i], 0)
		if bounds[i] != (err == nil) {
			// A prefix that cuts only padding is also fine (RFC 9260 3.2).
			if err != nil || !onlyPaddingCut(wire, i, bounds) {
				t.Fatalf("prefix %d: err %v", i, err)
			}
		}
		if err != nil && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMalformed) {
			t.Fatalf("prefix %d: %v", i, err)
		}
	}
}

// onlyPaddingCut reports whether wire[:i] ends inside the padding of a
// cause, right after its unpadded end (the next boundary is within 3).
func onlyPaddingCut(wire []byte, i int, bounds map[int]bool) bool {
	for j := i + 1; j <= i+3 && j <= len(wire); j++ {
		if bounds[j] {
			return bytes.Count(wire[i:j], []byte{0}) == j-i
		}
	}
	return false
}

// TestCauseWrongFixedLength: a cause whose value has a fixed size refuses
// any other length as malformed.
func TestCauseWrongFixedLength(t *testing.T) {
	for _, tc := range []struct{ name, wire string }{
		{"new encapsulation port, 2 bytes", "000e 0006 26ab 0000"},
		{"new encapsulation port, 6 bytes", "000e 000a 26ab c350 0001 0000"},
		{"stale cookie, 2 bytes", "0003 0006 0001 0000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := decodeCauses(h(tc.wire), 0); !errors.Is(err, ErrMalformed) {
				t.Fatalf("err %v, want ErrMalformed", err)
			}
		})
	}
}
