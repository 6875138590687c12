package wire

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

// paramGoldens are parameters with their bytes written out from the RFC
// layouts: Type (16 bits), Length (16 bits, header included, padding
// excluded), Value, zero padding to 4 bytes (RFC 9260 3.2.1).
var paramGoldens = []struct {
	name  string
	param Param
	wire  string
}{
	// RFC 9260 3.3.2.1: Type = 5, Length = 8, IPv4 Address.
	{"IPv4", &IPv4Address{Addr: netip.MustParseAddr("127.0.0.1")}, "0005 0008 | 7f000001"},
	// Type = 6, Length = 20, IPv6 Address.
	{"IPv6", &IPv6Address{Addr: netip.MustParseAddr("::1")}, "0006 0014 | 00000000 00000000 00000000 00000001"},
	// Type = 11, Length = 4 + name with its NUL ("ab\0"), 1 byte padding.
	{"host name odd", &HostNameAddress{Name: []byte("ab\x00")}, "000b 0007 | 616200 00"},
	// Type = 12: one 16-bit address type, 2 bytes padding.
	{"supported address types odd", &SupportedAddrTypes{Types: []ParamType{ParamIPv4Address}}, "000c 0006 | 0005 0000"},
	{"supported address types", &SupportedAddrTypes{Types: []ParamType{ParamIPv4Address, ParamIPv6Address}}, "000c 0008 | 0005 0006"},
	// RFC 9260 3.3.3.1: Type = 7, opaque cookie.
	{"state cookie odd", &StateCookie{Cookie: []byte("COOKIE")}, "0007 000a | 434f4f4b 4945 0000"},
	// Type = 8, quoting a whole TLV (here an unknown 0x8123 one, padded).
	{"unrecognized parameter", &UnrecognizedParam{Param: h("8123 0005 aa000000")}, "0008 000c | 8123 0005 aa000000"},
	// Type = 9, Suggested Cookie Life-Span Increment (msec).
	{"cookie preservative", &CookiePreservative{Increment: 10000}, "0009 0008 | 00002710"},
	// RFC 9260 appendix A: Type = 0x8000, Length = 4.
	{"ECN capable", &ECNCapable{}, "8000 0004"},
	// RFC 3758 3.1: Type = 0xC000, Length = 4.
	{"forward TSN supported", &ForwardTSNSupported{}, "c000 0004"},
	// RFC 5061 4.2.7: one byte per chunk type, padded.
	{"supported extensions odd", &SupportedExtensions{Types: []ChunkType{TypeForwardTSN, TypeReconfig, TypeAuth}}, "8008 0007 | c0 82 0f 00"},
	// RFC 9653 4: Type = 0x8001, Length = 8, EDMID.
	{"zero checksum acceptable", &ZeroChecksumAcceptable{EDMID: 1}, "8001 0008 | 00000001"},
	// RFC 5061 4.2.6: Type = 0xC006, Length = 8, Adaptation Code Point.
	{"adaptation layer indication", &AdaptationLayerIndication{Indication: 0x01020304}, "c006 0008 | 01020304"},
	// RFC 4820 4: Type = 0x8005, padding data.
	{"padding odd", &Padding{Padding: []byte{0, 0, 0, 0, 0}}, "8005 0009 | 00000000 00 000000"},
	// RFC 9260 3.3.5: Type = 1, sender-specific info.
	{"heartbeat info", &HeartbeatInfo{Info: []byte("12345")}, "0001 0009 | 31323334 35 000000"},
	// RFC 4895 3.1: Type = 0x8002, random number (here 5 bytes, odd).
	{"random odd", &Random{Data: []byte{1, 2, 3, 4, 5}}, "8002 0009 | 01020304 05 000000"},
	// RFC 4895 3.2: Type = 0x8003, one byte per chunk type.
	{"chunk list odd", &ChunkList{Types: []ChunkType{TypeAsconf, TypeAsconfAck, TypeReconfig}}, "8003 0007 | c1 80 82 00"},
	// RFC 4895 3.3: Type = 0x8004, 16-bit HMAC identifiers.
	{"HMAC algorithms odd", &RequestedHMACAlgo{IDs: []uint16{HMACSHA256}}, "8004 0006 | 0003 0000"},
	{"HMAC algorithms", &RequestedHMACAlgo{IDs: []uint16{HMACSHA256, HMACSHA1}}, "8004 0008 | 0003 0001"},
	// RFC 6525 4.1: Type = 13, Length = 16 + 2 * N.
	{"outgoing SSN reset odd", &OutgoingSSNReset{ReqSeq: 1, RespSeq: 2, LastTSN: 3, Streams: []uint16{4, 5, 6}},
		"000d 0016 | 00000001 | 00000002 | 00000003 | 0004 0005 | 0006 0000"},
	{"outgoing SSN reset all", &OutgoingSSNReset{ReqSeq: 1, RespSeq: 2, LastTSN: 0xffffffff},
		"000d 0010 | 00000001 | 00000002 | ffffffff"},
	// RFC 6525 4.2: Type = 14, Length = 8 + 2 * N.
	{"incoming SSN reset odd", &IncomingSSNReset{ReqSeq: 7, Streams: []uint16{9}}, "000e 000a | 00000007 | 0009 0000"},
	{"incoming SSN reset all", &IncomingSSNReset{ReqSeq: 7}, "000e 0008 | 00000007"},
	// RFC 6525 4.3: Type = 15, Length = 8.
	{"SSN/TSN reset", &SSNTSNReset{ReqSeq: 8}, "000f 0008 | 00000008"},
	// RFC 6525 4.4: Type = 16, Length = 12, or 20 with both next TSNs.
	{"reconfig response", &ReconfigResponse{RespSeq: 1, Result: ReconfigSuccessPerformed}, "0010 000c | 00000001 | 00000001"},
	{"reconfig response TSNs", &ReconfigResponse{RespSeq: 1, Result: ReconfigDenied, HasTSNs: true, SenderNextTSN: 10, ReceiverNextTSN: 20},
		"0010 0014 | 00000001 | 00000002 | 0000000a | 00000014"},
	// RFC 6525 4.5/4.6: Length = 12, Number of new streams, Reserved.
	{"add outgoing streams", &AddOutgoingStreams{ReqSeq: 3, NewStreams: 16}, "0011 000c | 00000003 | 0010 0000"},
	{"add incoming streams", &AddIncomingStreams{ReqSeq: 4, NewStreams: 0xffff}, "0012 000c | 00000004 | ffff 0000"},
	// RFC 5061 4.2.1/4.2.2/4.2.4: Correlation ID, then an address TLV.
	{"add IP address", &AddIPAddress{CorrelationID: 1, Address: &IPv4Address{Addr: netip.MustParseAddr("127.0.0.2")}},
		"c001 0010 | 00000001 | 0005 0008 7f000002"},
	{"delete IP address", &DeleteIPAddress{CorrelationID: 2, Address: &IPv6Address{Addr: netip.MustParseAddr("::2")}},
		"c002 001c | 00000002 | 0006 0014 00000000 00000000 00000000 00000002"},
	{"set primary address", &SetPrimaryAddress{CorrelationID: 3, Address: &IPv4Address{Addr: netip.MustParseAddr("127.0.0.3")}},
		"c004 0010 | 00000003 | 0005 0008 7f000003"},
	// RFC 5061 4.2.3: Correlation ID, then error causes; the last cause's
	// padding (1 byte) is outside the length.
	{"error cause indication", &ErrorCauseIndication{CorrelationID: 4, Causes: []Cause{
		&UnresolvableAddress{Address: h("000b 0007 616200")}}},
		"c003 0013 | 00000004 | 0005 000b 000b0007 616200 | 00"},
	{"error cause indication none", &ErrorCauseIndication{CorrelationID: 5}, "c003 0008 | 00000005"},
	// RFC 5061 4.2.5: Correlation ID.
	{"success indication", &SuccessIndication{CorrelationID: 6}, "c005 0008 | 00000006"},
	// Unknown types of each action class (RFC 9260 3.2.1), kept raw.
	{"unknown stop", &UnknownParam{Type: 0x0123, Value: []byte{0xaa}}, "0123 0005 | aa 000000"},
	{"unknown stop report", &UnknownParam{Type: 0x4123, Value: []byte{0xbb, 0xbb}}, "4123 0006 | bbbb 0000"},
	{"unknown skip", &UnknownParam{Type: 0x8123, Value: []byte{0xcc, 0xcc, 0xcc}}, "8123 0007 | cccccc 00"},
	{"unknown skip report", &UnknownParam{Type: 0xc123, Value: []byte{1, 2, 3, 4}}, "c123 0008 | 01020304"},
}

func TestParamRoundTrip(t *testing.T) {
	for _, tc := range paramGoldens {
		t.Run(tc.name, func(t *testing.T) {
			want := h(tc.wire)
			if got := tc.param.AppendTo(nil); !bytes.Equal(got, want) {
				t.Fatalf("AppendTo:\n got %x\nwant %x", got, want)
			}
			p, n, err := decodeParam(want, 0)
			if err != nil {
				t.Fatalf("decodeParam: %v", err)
			}
			if n != len(want) {
				t.Fatalf("consumed %d of %d bytes", n, len(want))
			}
			if !reflect.DeepEqual(p, tc.param) {
				t.Fatalf("decodeParam:\n got %#v\nwant %#v", p, tc.param)
			}
			if p.ParamType() != tc.param.ParamType() {
				t.Fatalf("type %v, want %v", p.ParamType(), tc.param.ParamType())
			}
			if got := p.AppendTo(nil); !bytes.Equal(got, want) {
				t.Fatalf("re-serialized:\n got %x\nwant %x", got, want)
			}
			// The last parameter of a chunk may come without its padding.
			l := int(want[2])<<8 | int(want[3])
			p, n, err = decodeParam(want[:l:l], 0)
			if err != nil || n != l || !reflect.DeepEqual(p, tc.param) {
				t.Fatalf("without padding: %#v, %d, %v", p, n, err)
			}
			// Every shorter prefix lies about the length.
			for k := 0; k < l; k++ {
				if _, _, err := decodeParam(want[:k:k], 0); !errors.Is(err, ErrTruncated) {
					t.Fatalf("prefix %d: %v, want ErrTruncated", k, err)
				}
			}
		})
	}
}

func TestParamListRoundTrip(t *testing.T) {
	var ps []Param
	var want []byte
	for _, tc := range paramGoldens {
		ps = append(ps, tc.param)
		want = append(want, h(tc.wire)...)
	}
	if got := appendParams(nil, ps); !bytes.Equal(got, want) {
		t.Fatalf("appendParams:\n got %x\nwant %x", got, want)
	}
	got, err := decodeParams(want, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, ps) {
		t.Fatalf("decodeParams: got %d params", len(got))
	}
	if got, err := decodeParams(nil, 0); got != nil || err != nil {
		t.Fatalf("empty: %v, %v", got, err)
	}
}

func TestParamDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		wire string
		want error
		off  int // expected ParseError offset (base 100)
	}{
		{"short header", "0005 00", ErrTruncated, 100},
		{"length below 4", "0005 0003 7f000001", ErrMalformed, 100},
		{"length past end", "0005 000c 7f000001", ErrTruncated, 100},
		{"stray partial padding", "8008 0005 c0 00", ErrMalformed, 105},
		{"IPv4 5 bytes", "0005 0009 7f000001 01 000000", ErrMalformed, 104},
		{"IPv4 3 bytes", "0005 0007 7f0000 00", ErrMalformed, 104},
		{"IPv6 4 bytes", "0006 0008 7f000001", ErrMalformed, 104},
		{"IPv6 17 bytes", "0006 0015 00000000 00000000 00000000 00000001 01 000000", ErrMalformed, 104},
		{"supported address types odd bytes", "000c 0007 000500 00", ErrMalformed, 104},
		{"cookie preservative short", "0009 0006 2710 0000", ErrMalformed, 104},
		{"cookie preservative long", "0009 000c 00002710 00000000", ErrMalformed, 104},
		{"ECN capable with value", "8000 0008 00000000", ErrMalformed, 104},
		{"forward TSN supported with value", "c000 0005 00 000000", ErrMalformed, 104},
		{"zero checksum short", "8001 0004", ErrMalformed, 104},
		{"adaptation layer short", "c006 0005 01 000000", ErrMalformed, 104},
		{"HMAC algorithms odd bytes", "8004 0005 01 000000", ErrMalformed, 104},
		{"outgoing SSN reset short", "000d 000c 00000001 00000002", ErrTruncated, 104},
		{"outgoing SSN reset odd streams", "000d 0011 00000001 00000002 00000003 01 000000", ErrMalformed, 116},
		{"incoming SSN reset short", "000e 0006 0001 0000", ErrTruncated, 104},
		{"incoming SSN reset odd streams", "000e 0009 00000001 01 000000", ErrMalformed, 108},
		{"SSN/TSN reset short", "000f 0004", ErrMalformed, 104},
		{"reconfig response 12", "0010 0010 00000001 00000001 00000001", ErrMalformed, 104},
		{"add outgoing streams short", "0011 000a 00000001 0001 0000", ErrMalformed, 104},
		{"add incoming streams long", "0012 0010 00000001 0001 0000 00000000", ErrMalformed, 104},
		{"add IP no correlation ID", "c001 0006 0001 0000", ErrTruncated, 104},
		{"add IP no address", "c001 0008 00000001", ErrMalformed, 108},
		{"add IP not an address", "c001 000c 00000001 8000 0004", ErrMalformed, 108},
		{"add IP address lies", "c001 0010 00000001 0005 000c 7f000001", ErrTruncated, 108},
		{"add IP bad address", "c001 000e 00000001 0005 0006 7f00 0000", ErrMalformed, 112},
		{"add IP trailing bytes", "c001 0014 00000001 0005 0008 7f000001 00000000", ErrMalformed, 116},
		{"delete IP short address", "c002 000c 00000001 0006 0004", ErrMalformed, 112},
		{"set primary IPv6 as IPv4", "c004 0010 00000001 0006 0008 7f000001", ErrMalformed, 112},
		{"error cause indication short", "c003 0006 0001 0000", ErrTruncated, 104},
		{"error cause indication cause lies", "c003 0010 00000001 0001 0010 00010000", ErrTruncated, 108},
		{"success indication long", "c005 000c 00000001 00000001", ErrMalformed, 104},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeParam(h(tc.wire), 100)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err %T is no *ParseError", err)
			}
			if pe.Offset != tc.off {
				t.Fatalf("offset %d, want %d (%v)", pe.Offset, tc.off, err)
			}
		})
	}
}

func TestParamListErrors(t *testing.T) {
	tests := []struct {
		name string
		wire string
		want error
	}{
		{"trailing byte", "8000 0004 | 00", ErrTruncated},
		{"trailing 3 bytes after odd param", "8008 0005 c0 000000 | 000000", ErrTruncated},
		{"second lies", "8000 0004 | 0005 0010 7f000001", ErrTruncated},
		{"second malformed", "8000 0004 | 0005 0002", ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := decodeParams(h(tc.wire), 0)
			if !errors.Is(err, tc.want) || ps != nil {
				t.Fatalf("got %v, %v; want %v", ps, err, tc.want)
			}
		})
	}
}

// TestParamPaddingCounted checks RFC 9260 3.2.1/3.2: a parameter in the
// middle of a list carries its padding; the last may or may not.
func TestParamPaddingCounted(t *testing.T) {
	for _, wire := range []string{
		"8008 0005 c0 000000 | 0007 0005 aa 000000", // last padded
		"8008 0005 c0 000000 | 0007 0005 aa",        // last unpadded
	} {
		ps, err := decodeParams(h(wire), 0)
		if err != nil {
			t.Fatalf("%s: %v", wire, err)
		}
		want := []Param{&SupportedExtensions{Types: []ChunkType{TypeForwardTSN}}, &StateCookie{Cookie: []byte{0xaa}}}
		if !reflect.DeepEqual(ps, want) {
			t.Fatalf("%s: got %#v", wire, ps)
		}
	}
}

func TestParamAddressEncodingEdges(t *testing.T) {
	tests := []struct {
		name  string
		param Param
		wire  string
	}{
		{"IPv4-mapped in IPv4", &IPv4Address{Addr: netip.MustParseAddr("::ffff:127.0.0.1")}, "0005 0008 7f000001"},
		{"IPv6 in IPv4", &IPv4Address{Addr: netip.MustParseAddr("::1")}, "0005 0008 00000000"},
		{"zero in IPv4", &IPv4Address{}, "0005 0008 00000000"},
		{"IPv4 in IPv6", &IPv6Address{Addr: netip.MustParseAddr("127.0.0.1")}, "0006 0014 00000000 00000000 0000ffff 7f000001"},
		{"zero in IPv6", &IPv6Address{}, "0006 0014 00000000 00000000 00000000 00000000"},
		{"zoned IPv6", &IPv6Address{Addr: netip.MustParseAddr("fe80::1%eth0")}, "0006 0014 fe800000 00000000 00000000 00000001"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.param.AppendTo(nil); !bytes.Equal(got, h(tc.wire)) {
				t.Fatalf("got %x, want %s", got, tc.wire)
			}
		})
	}
	if p := AddressParam(netip.MustParseAddr("::ffff:10.0.0.1")); !reflect.DeepEqual(p, &IPv4Address{Addr: netip.MustParseAddr("10.0.0.1")}) {
		t.Fatalf("AddressParam IPv4-mapped: %#v", p)
	}
	if p := AddressParam(netip.MustParseAddr("::1")); !reflect.DeepEqual(p, &IPv6Address{Addr: netip.MustParseAddr("::1")}) {
		t.Fatalf("AddressParam IPv6: %#v", p)
	}
}

func TestParamTypeNames(t *testing.T) {
	if s := ParamStateCookie.String(); s != "State Cookie" {
		t.Fatalf("got %q", s)
	}
	if s := ParamType(0x4123).String(); s != "param 0x4123" {
		t.Fatalf("got %q", s)
	}
	if !ParamRandom.Known() || ParamType(0x4123).Known() {
		t.Fatal("Known")
	}
	for _, tc := range []struct {
		t    ParamType
		want Action
	}{{0x0123, ActionStop}, {0x4123, ActionStopReport}, {0x8123, ActionSkip}, {0xc123, ActionSkipReport}} {
		if got := tc.t.UnrecognizedAction(); got != tc.want {
			t.Fatalf("%v: action %d, want %d", tc.t, got, tc.want)
		}
	}
}

func TestFindParam(t *testing.T) {
	ps := []Param{&ECNCapable{}, &StateCookie{Cookie: []byte{1}}, &StateCookie{Cookie: []byte{2}}}
	if sc, ok := FindParam[*StateCookie](ps); !ok || sc.Cookie[0] != 1 {
		t.Fatalf("got %v, %v", sc, ok)
	}
	if r, ok := FindParam[*Random](ps); ok || r != nil {
		t.Fatalf("got %v, %v", r, ok)
	}
}
