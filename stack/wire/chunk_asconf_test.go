package wire

import (
	"errors"
	"net/netip"
	"testing"
)

var asconfGoldens = []chunkGolden{
	// RFC 5061 4.1.1:
	//	Type = 0xC1 | Chunk Flags | Chunk Length
	//	Sequence Number
	//	Address Parameter
	//	ASCONF Parameter #1 ... #N
	// with each request of RFC 5061 4.2.1, 4.2.2 and 4.2.4:
	//	Type | Length
	//	ASCONF-Request Correlation ID
	//	Address Parameter
	{"ASCONF", &Asconf{Seq: 1, Address: &IPv4Address{Addr: netip.MustParseAddr("127.0.0.1")}, Params: []Param{
		&AddIPAddress{CorrelationID: 1, Address: &IPv4Address{Addr: netip.MustParseAddr("127.0.0.2")}},
		&DeleteIPAddress{CorrelationID: 2, Address: &IPv6Address{Addr: netip.MustParseAddr("::2")}},
		&SetPrimaryAddress{CorrelationID: 3, Address: &IPv4Address{Addr: netip.MustParseAddr("127.0.0.1")}},
	}},
		`c1 00 004c | 00000001 | 0005 0008 7f000001
		c001 0010 00000001 0005 0008 7f000002
		c002 001c 00000002 0006 0014 00000000 00000000 00000000 00000002
		c004 0010 00000003 0005 0008 7f000001`},
	// An IPv6 address parameter, an Adaptation Layer Indication (RFC 5061
	// 4.2.6 lets ASCONF carry it) and an unknown parameter, odd, last.
	{"ASCONF IPv6 unknown", &Asconf{Seq: 0xffffffff, Address: &IPv6Address{Addr: netip.MustParseAddr("::1")}, Params: []Param{
		&AdaptationLayerIndication{Indication: 9},
		&UnknownParam{Type: 0xc0ff, Value: []byte{0xee}},
	}},
		`c1 00 0029 | ffffffff | 0006 0014 00000000 00000000 00000000 00000001
		c006 0008 00000009
		c0ff 0005 ee 000000`},
	{"ASCONF address only", &Asconf{Seq: 2, Address: &IPv4Address{Addr: netip.MustParseAddr("127.0.0.9")}},
		"c1 00 0010 | 00000002 | 0005 0008 7f000009"},
}

var asconfAckGoldens = []chunkGolden{
	// RFC 5061 4.1.2:
	//	Type = 0x80 | Chunk Flags | Chunk Length
	//	Sequence Number
	//	ASCONF Parameter Response #1 ... #N
	// A Success Indication (4.2.5); an Error Cause Indication (4.2.3) with
	// a Delete Last Address cause quoting the request; one with an
	// Unresolvable Address cause of 11 bytes, whose padding the parameter
	// and chunk lengths leave out.
	{"ASCONF ACK", &AsconfAck{Seq: 1, Params: []Param{
		&SuccessIndication{CorrelationID: 1},
		&ErrorCauseIndication{CorrelationID: 2, Causes: []Cause{&DeleteLastAddress{Param: h("c002 0010 00000009 0005 0008 7f000003")}}},
		&ErrorCauseIndication{CorrelationID: 3, Causes: []Cause{&UnresolvableAddress{Address: h("000b 0007 616200")}}},
	}},
		`80 00 003f | 00000001
		c005 0008 00000001
		c003 001c 00000002 | 00a0 0014 c0020010 00000009 00050008 7f000003
		c003 0013 00000003 | 0005 000b 000b0007 616200 | 00`},
	{"ASCONF ACK empty", &AsconfAck{Seq: 7}, "80 00 0008 | 00000007"},
}

func TestAsconfRoundTrip(t *testing.T) {
	for _, g := range asconfGoldens {
		t.Run(g.name, func(t *testing.T) {
			checkChunkGolden(t, g, func() Chunk { return new(Asconf) })
			checkChunkPrefixes(t, g, func() Chunk { return new(Asconf) }, 4)
		})
	}
	for _, g := range asconfAckGoldens {
		t.Run(g.name, func(t *testing.T) {
			checkChunkGolden(t, g, func() Chunk { return new(AsconfAck) })
			checkChunkPrefixes(t, g, func() Chunk { return new(AsconfAck) }, 4)
		})
	}
}

func TestAsconfDecodeErrors(t *testing.T) {
	tests := []struct {
		name  string
		chunk Chunk
		wire  string
		want  error
	}{
		{"ASCONF no seq", new(Asconf), "c1 00 0007 | 000000 00", ErrTruncated},
		{"ASCONF no address", new(Asconf), "c1 00 0008 | 00000001", ErrMalformed},
		{"ASCONF request first", new(Asconf), "c1 00 0018 | 00000001 | c001 0010 00000001 0005 0008 7f000002", ErrMalformed},
		{"ASCONF address lies", new(Asconf), "c1 00 0010 | 00000001 | 0005 0010 7f000001", ErrTruncated},
		{"ASCONF short address", new(Asconf), "c1 00 000e | 00000001 | 0005 0006 7f00 0000", ErrMalformed},
		{"ASCONF request without address", new(Asconf), "c1 00 0018 | 00000001 | 0005 0008 7f000001 | c001 0008 00000001", ErrMalformed},
		{"ASCONF request address is a request", new(Asconf),
			"c1 00 0020 | 00000001 | 0005 0008 7f000001 | c001 0010 00000001 c005 0008 00000001", ErrMalformed},
		{"ASCONF stray bytes", new(Asconf), "c1 00 0012 | 00000001 | 0005 0008 7f000001 | 0000 0000", ErrTruncated},
		{"ASCONF ACK no seq", new(AsconfAck), "80 00 0004", ErrTruncated},
		{"ASCONF ACK success short", new(AsconfAck), "80 00 000e | 00000001 | c005 0006 0001 0000", ErrMalformed},
		{"ASCONF ACK cause lies", new(AsconfAck), "80 00 0018 | 00000001 | c003 0010 00000002 000c 0010 0000 0000", ErrTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.chunk.Decode(rawOf(t, h(tc.wire)))
			if !errors.Is(err, tc.want) || !isParseError(err) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}
