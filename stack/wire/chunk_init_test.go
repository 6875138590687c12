package wire

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"testing"
)

// random32 is a 32-byte RANDOM value 00 01 ... 1f.
func random32() []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

// initAllParams holds every INIT parameter, odd-length ones included, and
// an unknown parameter of each action class (RFC 9260 3.2.1), the last one
// odd so that the chunk length leaves out its padding (RFC 9260 3.2).
func initAllParams() []Param {
	return []Param{
		&IPv4Address{Addr: netip.MustParseAddr("127.0.0.1")},
		&IPv6Address{Addr: netip.MustParseAddr("::1")},
		&CookiePreservative{Increment: 10000},
		&SupportedAddrTypes{Types: []ParamType{ParamIPv4Address}},
		&ECNCapable{},
		&ForwardTSNSupported{},
		&SupportedExtensions{Types: []ChunkType{TypeForwardTSN, TypeReconfig, TypeAuth}},
		&Random{Data: random32()},
		&ChunkList{Types: []ChunkType{TypeAsconf}},
		&RequestedHMACAlgo{IDs: []uint16{HMACSHA1}},
		&ZeroChecksumAcceptable{EDMID: 1},
		&AdaptationLayerIndication{Indication: 7},
		&Padding{Padding: []byte{0, 0, 0}},
		&UnknownParam{Type: 0x0123, Value: []byte{0xaa}},
		&UnknownParam{Type: 0x4123, Value: []byte{0xbb, 0xbb}},
		&UnknownParam{Type: 0x8123, Value: []byte{0xcc, 0xcc, 0xcc}},
		&UnknownParam{Type: 0xc123, Value: []byte{0xdd}},
	}
}

// initAllWire is initAllParams on the wire.
const initAllWire = `
	0005 0008 7f000001
	0006 0014 00000000 00000000 00000000 00000001
	0009 0008 00002710
	000c 0006 0005 0000
	8000 0004
	c000 0004
	8008 0007 c0820f 00
	8002 0024 00010203 04050607 08090a0b 0c0d0e0f 10111213 14151617 18191a1b 1c1d1e1f
	8003 0005 c1 000000
	8004 0006 0001 0000
	8001 0008 00000001
	c006 0008 00000007
	8005 0007 000000 00
	0123 0005 aa 000000
	4123 0006 bbbb 0000
	8123 0007 cccccc 00
	c123 0005 dd 000000`

var initGoldens = []chunkGolden{
	// RFC 9260 3.3.2:
	//	Type = 1 | Chunk Flags | Chunk Length
	//	Initiate Tag
	//	Advertised Receiver Window Credit (a_rwnd)
	//	Number of Outbound Streams | Number of Inbound Streams
	//	Initial TSN
	//	Optional/Variable-Length Parameters
	{"INIT bare", &Init{InitiateTag: 0x0a0b0c0d, ARwnd: 65536, OutStreams: 10, InStreams: 2048, InitialTSN: 0x01020304},
		"01 00 0014 | 0a0b0c0d | 00010000 | 000a 0800 | 01020304"},
	// Zero tag and stream counts are the association's to refuse.
	{"INIT zeros", &Init{}, "01 00 0014 | 00000000 | 00000000 | 0000 0000 | 00000000"},
	// Every INIT parameter: 20 + 165 bytes, the last 3 padding bytes
	// outside the chunk length.
	{"INIT all params", &Init{InitiateTag: 0x0a0b0c0d, ARwnd: 65536, OutStreams: 10, InStreams: 2048, InitialTSN: 0x01020304, Params: initAllParams()},
		"01 00 00b9 | 0a0b0c0d | 00010000 | 000a 0800 | 01020304" + initAllWire},
}

var initAckGoldens = []chunkGolden{
	// RFC 9260 3.3.3: INIT's layout with Type = 2; State Cookie (6 bytes,
	// padded), an Unrecognized Parameter quoting a padded TLV, then every
	// INIT parameter.
	{"INIT ACK all params", &InitAck{InitiateTag: 0xfeedface, ARwnd: 131072, OutStreams: 2048, InStreams: 10, InitialTSN: 0xfffffffe,
		Params: append([]Param{
			&StateCookie{Cookie: []byte("COOKIE")},
			&UnrecognizedParam{Param: h("4123 0006 bbbb 0000")},
		}, initAllParams()...)},
		"02 00 00d1 | feedface | 00020000 | 0800 000a | fffffffe | 0007 000a 434f4f4b4945 0000 | 0008 000c 41230006bbbb0000" + initAllWire},
	{"INIT ACK cookie last", &InitAck{InitiateTag: 1, ARwnd: 2, OutStreams: 3, InStreams: 4, InitialTSN: 5,
		Params: []Param{&StateCookie{Cookie: []byte{1, 2, 3, 4, 5}}}},
		"02 00 001d | 00000001 | 00000002 | 0003 0004 | 00000005 | 0007 0009 0102030405 000000"},
}

func TestInitRoundTrip(t *testing.T) {
	for _, g := range initGoldens {
		t.Run(g.name, func(t *testing.T) {
			checkChunkGolden(t, g, func() Chunk { return new(Init) })
			checkChunkPrefixes(t, g, func() Chunk { return new(Init) }, initFixedLen)
		})
	}
	for _, g := range initAckGoldens {
		t.Run(g.name, func(t *testing.T) {
			checkChunkGolden(t, g, func() Chunk { return new(InitAck) })
			checkChunkPrefixes(t, g, func() Chunk { return new(InitAck) }, initFixedLen)
		})
	}
}

// TestInitFinalPaddingCounted: RFC 9260 3.2 expects a robust receiver to
// accept a chunk whose length includes the last parameter's padding.
func TestInitFinalPaddingCounted(t *testing.T) {
	var c InitAck
	if err := c.Decode(rawOf(t, h("02 00 0020 | 00000001 | 00000002 | 0003 0004 | 00000005 | 0007 0009 0102030405 000000"))); err != nil {
		t.Fatal(err)
	}
	if ck, ok := c.StateCookie(); !ok || !reflect.DeepEqual(ck, []byte{1, 2, 3, 4, 5}) {
		t.Fatalf("cookie %x, %v", ck, ok)
	}
}

func TestInitDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		wire string
		want error
	}{
		{"value 15 bytes", "01 00 0013 | 0a0b0c0d | 00010000 | 000a 0800 | 010203 00", ErrTruncated},
		{"value empty", "01 00 0004", ErrTruncated},
		{"param length lies", "01 00 001c | 0a0b0c0d | 00010000 | 000a 0800 | 01020304 | 0005 000c 7f000001", ErrTruncated},
		{"param length 2", "01 00 0018 | 0a0b0c0d | 00010000 | 000a 0800 | 01020304 | 0005 0002", ErrMalformed},
		{"stray bytes", "01 00 0016 | 0a0b0c0d | 00010000 | 000a 0800 | 01020304 | 0000 0000", ErrTruncated},
		{"IPv4 of 5 bytes", "01 00 001d | 0a0b0c0d | 00010000 | 000a 0800 | 01020304 | 0005 0009 7f00000101 000000", ErrMalformed},
		{"IPv6 of 4 bytes", "01 00 001c | 0a0b0c0d | 00010000 | 000a 0800 | 01020304 | 0006 0008 7f000001", ErrMalformed},
		{"odd address types", "01 00 001b | 0a0b0c0d | 00010000 | 000a 0800 | 01020304 | 000c 0007 000500 00", ErrMalformed},
		{"odd HMAC list", "01 00 0019 | 0a0b0c0d | 00010000 | 000a 0800 | 01020304 | 8004 0005 01 000000", ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := rawOf(t, h(tc.wire))
			for _, c := range []Chunk{new(Init), new(InitAck)} {
				err := c.Decode(raw)
				if !errors.Is(err, tc.want) || !isParseError(err) {
					t.Fatalf("%T: err %v, want %v", c, err, tc.want)
				}
			}
		})
	}
	// The offset counts from the packet start (chunk at HeaderLen).
	var c Init
	err := c.Decode(rawOf(t, h("01 00 001c | 0a0b0c0d | 00010000 | 000a 0800 | 01020304 | 0006 0008 7f000001")))
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Offset != HeaderLen+24 {
		t.Fatalf("err %v, want offset %d", err, HeaderLen+24)
	}
}

func TestInitAccessors(t *testing.T) {
	c := &Init{Params: initAllParams()}
	if got := c.Addresses(); !reflect.DeepEqual(got, []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}) {
		t.Fatalf("Addresses %v", got)
	}
	if v, ok := c.CookiePreservative(); !ok || v != 10000 {
		t.Fatalf("CookiePreservative %v %v", v, ok)
	}
	if v, ok := c.SupportedAddrTypes(); !ok || !reflect.DeepEqual(v, []ParamType{ParamIPv4Address}) {
		t.Fatalf("SupportedAddrTypes %v %v", v, ok)
	}
	if v, ok := c.Extensions(); !ok || len(v) != 3 {
		t.Fatalf("Extensions %v %v", v, ok)
	}
	if !c.SupportsExtension(TypeReconfig) || c.SupportsExtension(TypeAsconf) {
		t.Fatal("SupportsExtension")
	}
	if !c.ForwardTSNSupported() || !c.ECNCapable() {
		t.Fatal("ForwardTSNSupported / ECNCapable")
	}
	if v, ok := c.ZeroChecksumAcceptable(); !ok || v != 1 {
		t.Fatalf("ZeroChecksumAcceptable %v %v", v, ok)
	}
	if u := c.Unknown(); len(u) != 4 || u[1].Type.UnrecognizedAction() != ActionStopReport {
		t.Fatalf("Unknown %v", u)
	}
	if _, ok := c.HostName(); ok {
		t.Fatal("HostName")
	}

	e := &InitAck{Params: []Param{&HostNameAddress{Name: []byte("x\x00")}}}
	if _, ok := e.StateCookie(); ok {
		t.Fatal("StateCookie on empty")
	}
	if n, ok := e.HostName(); !ok || string(n) != "x\x00" {
		t.Fatalf("HostName %q", n)
	}
	if e.Addresses() != nil || e.ForwardTSNSupported() || e.ECNCapable() || e.SupportsExtension(TypeAuth) || e.Unknown() != nil {
		t.Fatal("accessors on an INIT ACK without those parameters")
	}
	if _, ok := e.Extensions(); ok {
		t.Fatal("Extensions")
	}
	if _, ok := e.ZeroChecksumAcceptable(); ok {
		t.Fatal("ZeroChecksumAcceptable")
	}
}

// Chunks captured from real peers over UDP on loopback (the packets' first
// chunk, common header stripped): each decodes and re-serializes byte for
// byte.
var capturedInitChunks = []struct {
	name  string
	wire  string
	check func(t *testing.T, c Chunk)
}{
	// usrsctp 0.9.5 client (Debian libusrsctp-examples): ECN, Forward-TSN,
	// Supported Extensions (5 types, 3 bytes padding), RANDOM, HMAC-ALGO
	// (SHA-1, 2 bytes padding), CHUNKS (ASCONF ACK, ASCONF), Supported
	// Address Types, then its interface addresses. The addresses are bytes
	// of the capture only; nothing is sent to them.
	{"usrsctp INIT", `0100009c 64608b41 00020000 000a0800 b4577b0a
		80000004 c0000004 80080009 c00fc180 82000000
		80020024 322aac4d 83ff8b2a 0bb393b2 c879b8e6 ad8164ee a4b218d1 4ba2c556 c4b4f534
		80040006 00010000 80030006 80c10000 000c0008 00050006
		00060014 fd000000 00000000 00000000 00000002
		00050008 c0000202
		00060014 00000000 00000000 00000000 00000001
		00050008 7f000001`,
		func(t *testing.T, c Chunk) {
			in := c.(*Init)
			if in.InitiateTag != 0x64608b41 || in.ARwnd != 0x20000 || in.OutStreams != 10 || in.InStreams != 2048 {
				t.Fatalf("fixed fields %+v", in)
			}
			if !in.ForwardTSNSupported() || !in.ECNCapable() || !in.SupportsExtension(TypeReconfig) || len(in.Addresses()) != 4 {
				t.Fatalf("params %#v", in.Params)
			}
			if r, ok := FindParam[*Random](in.Params); !ok || len(r.Data) != 32 {
				t.Fatalf("RANDOM %v", r)
			}
		}},
	// usrsctp 0.9.5 discard_server answering an INIT of ours that carried
	// unknown parameters 0x8123 (skip) and 0xc124 (skip and report): it
	// quotes 0xc124 in an Unrecognized Parameter (9 bytes, padded) and ends
	// with its 404-byte State Cookie.
	{"usrsctp INIT ACK", `020002381310421f00020000000a080095a4f1ca80000004c000000480080009
		c00fc1808200000080020024f6708827f030166dd7a8ad03f24e31e891aacf0a
		a6a733963b565e961072b4bb80040006000100008003000680c1000000060014
		fd00000000000000000000000000000200050008c00002020006001400000000
		000000000000000000000001000500087f00000100080009c124000501000000
		000701984b414d452d42534420312e310000000016590a6b0000000035ca0900
		0000000060ea00000000000000000000443322111310421f7f00000100000000
		0000000000000000050000007f00000100000000000000000000000005000000
		00000000138800090101000001010100000000000100006d1122334400010000
		000a000a00000001000500087f000001c000000480080009c0820fc180000000
		8002002407070707070707070707070707070707070707070707070707070707
		07070707800400060001000080030006c18000008123000701020300c1240005
		01000000020002381310421f00020000000a080095a4f1ca80000004c0000004
		80080009c00fc1808200000080020024f6708827f030166dd7a8ad03f24e31e8
		91aacf0aa6a733963b565e961072b4bb80040006000100008003000680c10000
		00060014fd00000000000000000000000000000200050008c000020200060014
		00000000000000000000000000000001000500087f00000100080009c1240005
		010000000ea02ef4b5249d63ee2c04dba34ac6c39d8e5aa0`,
		func(t *testing.T, c Chunk) {
			ack := c.(*InitAck)
			u, ok := FindParam[*UnrecognizedParam](ack.Params)
			if !ok || !bytes.Equal(u.Param, h("c124 0005 01")) {
				t.Fatalf("Unrecognized Parameter %v", u)
			}
			if ck, ok := ack.StateCookie(); !ok || len(ck) != 404 {
				t.Fatalf("cookie of %d bytes", len(ck))
			}
		}},
	// pion/sctp v1.12.1 client with zero checksum enabled: Supported
	// Extensions (RE-CONFIG, FORWARD TSN, I-DATA, I-FORWARD TSN), Zero
	// Checksum Acceptable.
	{"pion INIT", "01000024 cbd861e7 00100000 ffffffff ea5e5859 80080008 82c040c2 80010008 00000001",
		func(t *testing.T, c Chunk) {
			in := c.(*Init)
			if v, ok := in.ZeroChecksumAcceptable(); !ok || v != 1 || !in.SupportsExtension(TypeIData) {
				t.Fatalf("params %#v", in.Params)
			}
		}},
	// pion/sctp v1.12.1 server: State Cookie (32 bytes), Zero Checksum
	// Acceptable, Supported Extensions.
	{"pion INIT ACK", `02000048 78458d2c 00100000 ffffffff 68689065
		00070024 def36fd4 390e9f5c 870af9d8 729397d0 30276024 732413ea 0d0aa1c7 e011818d
		80010008 00000001 80080008 82c040c2`,
		func(t *testing.T, c Chunk) {
			if ck, ok := c.(*InitAck).StateCookie(); !ok || len(ck) != 32 {
				t.Fatalf("cookie %x", ck)
			}
		}},
}

func TestInitCaptured(t *testing.T) {
	for _, tc := range capturedInitChunks {
		t.Run(tc.name, func(t *testing.T) {
			want := h(tc.wire)
			c, err := DecodeChunk(rawOf(t, want))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.AppendTo(nil); !bytes.Equal(got, want) {
				t.Fatalf("re-serialized:\n got %x\nwant %x", got, want)
			}
			tc.check(t, c)
		})
	}
}

// BenchmarkInitDecode decodes usrsctp's INIT (11 parameters).
func BenchmarkInitDecode(b *testing.B) {
	it := NewChunkIter(h(capturedInitChunks[0].wire), HeaderLen)
	if !it.Next() {
		b.Fatal(it.Err())
	}
	raw := it.Chunk()
	b.ReportAllocs()
	for b.Loop() {
		var c Init
		if err := c.Decode(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInitAppend serializes the INIT with every parameter.
func BenchmarkInitAppend(b *testing.B) {
	c := initGoldens[2].chunk
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = c.AppendTo(buf[:0])
	}
}
