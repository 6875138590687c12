package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

var reconfigGoldens = []chunkGolden{
	// RFC 6525 3.1:
	//	Type = 130 | Chunk Flags | Chunk Length
	//	Re-configuration Parameter
	//	Re-configuration Parameter (optional)
	// 1. Outgoing SSN Reset Request (4.1), three streams: 2 padding bytes
	// outside the chunk length.
	{"outgoing", &Reconfig{Params: []Param{&OutgoingSSNReset{ReqSeq: 1, RespSeq: 2, LastTSN: 3, Streams: []uint16{4, 5, 6}}}},
		"82 00 001a | 000d 0016 00000001 00000002 00000003 0004 0005 0006 0000"},
	// 2. Incoming SSN Reset Request (4.2), all streams.
	{"incoming", &Reconfig{Params: []Param{&IncomingSSNReset{ReqSeq: 9}}},
		"82 00 000c | 000e 0008 00000009"},
	// 3. Outgoing, then Incoming (one stream, 2 padding bytes).
	{"outgoing incoming", &Reconfig{Params: []Param{
		&OutgoingSSNReset{ReqSeq: 1, RespSeq: 2, LastTSN: 3},
		&IncomingSSNReset{ReqSeq: 2, Streams: []uint16{5}},
	}}, "82 00 001e | 000d 0010 00000001 00000002 00000003 | 000e 000a 00000002 0005 0000"},
	// 4. SSN/TSN Reset Request (4.3).
	{"SSN/TSN", &Reconfig{Params: []Param{&SSNTSNReset{ReqSeq: 4}}}, "82 00 000c | 000f 0008 00000004"},
	// 5, 6, 7. Add Outgoing / Incoming Streams (4.5, 4.6).
	{"add outgoing", &Reconfig{Params: []Param{&AddOutgoingStreams{ReqSeq: 5, NewStreams: 2}}},
		"82 00 0010 | 0011 000c 00000005 0002 0000"},
	{"add incoming", &Reconfig{Params: []Param{&AddIncomingStreams{ReqSeq: 6, NewStreams: 3}}},
		"82 00 0010 | 0012 000c 00000006 0003 0000"},
	{"add both", &Reconfig{Params: []Param{&AddOutgoingStreams{ReqSeq: 5, NewStreams: 2}, &AddIncomingStreams{ReqSeq: 6, NewStreams: 3}}},
		"82 00 001c | 0011 000c 00000005 0002 0000 | 0012 000c 00000006 0003 0000"},
	// 8. Re-configuration Response (4.4), with and without the TSNs.
	{"response", &Reconfig{Params: []Param{&ReconfigResponse{RespSeq: 1, Result: ReconfigSuccessPerformed}}},
		"82 00 0010 | 0010 000c 00000001 00000001"},
	{"response TSNs", &Reconfig{Params: []Param{&ReconfigResponse{RespSeq: 1, Result: ReconfigInProgress, HasTSNs: true, SenderNextTSN: 7, ReceiverNextTSN: 8}}},
		"82 00 0018 | 0010 0014 00000001 00000006 00000007 00000008"},
	// 9. Response, then Outgoing SSN Reset Request.
	{"response outgoing", &Reconfig{Params: []Param{
		&ReconfigResponse{RespSeq: 1, Result: ReconfigDenied},
		&OutgoingSSNReset{ReqSeq: 2, RespSeq: 3, LastTSN: 4, Streams: []uint16{1}},
	}}, "82 00 0022 | 0010 000c 00000001 00000002 | 000d 0012 00000002 00000003 00000004 0001 0000"},
	// 10. Two responses.
	{"two responses", &Reconfig{Params: []Param{
		&ReconfigResponse{RespSeq: 1, Result: ReconfigSuccessNothing},
		&ReconfigResponse{RespSeq: 2, Result: ReconfigErrorBadSeqNum},
	}}, "82 00 001c | 0010 000c 00000001 00000000 | 0010 000c 00000002 00000005"},
	// Incoming before Outgoing, as Linux accepts.
	{"incoming outgoing", &Reconfig{Params: []Param{
		&IncomingSSNReset{ReqSeq: 2},
		&OutgoingSSNReset{ReqSeq: 1, RespSeq: 2, LastTSN: 3},
	}}, "82 00 001c | 000e 0008 00000002 | 000d 0010 00000001 00000002 00000003"},
	// An unknown parameter is left to the association's action bits.
	{"unknown", &Reconfig{Params: []Param{&UnknownParam{Type: 0x4013, Value: []byte{1}}}},
		"82 00 0009 | 4013 0005 01 000000"},
	{"unknown with outgoing", &Reconfig{Params: []Param{
		&OutgoingSSNReset{ReqSeq: 1, RespSeq: 2, LastTSN: 3},
		&UnknownParam{Type: 0x8013, Value: []byte{}},
	}}, "82 00 0018 | 000d 0010 00000001 00000002 00000003 | 8013 0004"},
}

func TestReconfigRoundTrip(t *testing.T) {
	for _, g := range reconfigGoldens {
		t.Run(g.name, func(t *testing.T) {
			checkChunkGolden(t, g, func() Chunk { return new(Reconfig) })
			checkChunkPrefixes(t, g, func() Chunk { return new(Reconfig) }, 0)
		})
	}
}

func TestReconfigDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		wire string
		want error
	}{
		{"no parameter", "82 00 0004", ErrMalformed},
		{"three parameters", "82 00 0028 | 0010 000c 00000001 00000000 | 0010 000c 00000002 00000000 | 0010 000c 00000003 00000000", ErrMalformed},
		{"incoming and SSN/TSN", "82 00 0014 | 000e 0008 00000002 | 000f 0008 00000004", ErrMalformed},
		{"two outgoing", "82 00 0024 | 000d 0010 00000001 00000002 00000003 | 000d 0010 00000002 00000002 00000003", ErrMalformed},
		{"add outgoing and response", "82 00 001c | 0011 000c 00000005 0002 0000 | 0010 000c 00000001 00000000", ErrMalformed},
		{"not a re-configuration parameter", "82 00 000c | 0005 0008 7f000001", ErrMalformed},
		{"response of 12 bytes", "82 00 0014 | 0010 0010 00000001 00000000 00000000", ErrMalformed},
		{"odd stream list", "82 00 0011 | 000e 000d 00000001 0001 0002 03 000000", ErrMalformed},
		{"outgoing too short", "82 00 0010 | 000d 000c 00000001 00000002", ErrTruncated},
		{"parameter lies", "82 00 000c | 000f 000c 00000004", ErrTruncated},
		{"stray bytes", "82 00 000e | 000f 0008 00000004 | 0000 0000", ErrTruncated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c Reconfig
			err := c.Decode(rawOf(t, h(tc.wire)))
			if !errors.Is(err, tc.want) || !isParseError(err) {
				t.Fatalf("err %v, want %v", err, tc.want)
			}
		})
	}
}

// RE-CONFIG chunks captured from pion/sctp v1.12.1 closing a stream: the
// Outgoing SSN Reset Request for stream 1 (2 padding bytes outside the chunk
// length) and the peer's Re-configuration Response.
func TestReconfigCaptured(t *testing.T) {
	for _, tc := range []struct {
		wire string
		want *Reconfig
	}{
		{"82000016 000d0012 ea5e5859 00000000 ea5e5859 00010000",
			&Reconfig{Params: []Param{&OutgoingSSNReset{ReqSeq: 0xea5e5859, LastTSN: 0xea5e5859, Streams: []uint16{1}}}}},
		{"82000010 0010000c ea5e5859 00000001",
			&Reconfig{Params: []Param{&ReconfigResponse{RespSeq: 0xea5e5859, Result: ReconfigSuccessPerformed}}}},
	} {
		want := h(tc.wire)
		var c Reconfig
		if err := c.Decode(rawOf(t, want)); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(&c, tc.want) {
			t.Fatalf("got %#v", c.Params)
		}
		if got := c.AppendTo(nil); !bytes.Equal(got, want) {
			t.Fatalf("re-serialized:\n got %x\nwant %x", got, want)
		}
	}
}
