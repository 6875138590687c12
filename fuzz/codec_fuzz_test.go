package fuzz

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// goldenDir holds packets captured from real SCTP stacks.
const goldenDir = "../stack/wire/testdata/golden"

// goldenPackets reads every .hex file of goldenDir: '#' lines are comments,
// the rest is one packet in hex.
func goldenPackets(t testing.TB) [][]byte {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.hex"))
	if err != nil {
		t.Fatal(err)
	}
	var pkts [][]byte
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var sb strings.Builder
		for line := range strings.Lines(string(text)) {
			if !strings.HasPrefix(strings.TrimSpace(line), "#") {
				sb.WriteString(strings.Join(strings.Fields(line), ""))
			}
		}
		b, err := hex.DecodeString(sb.String())
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		pkts = append(pkts, b)
	}
	return pkts
}

// builtPackets returns one packet per chunk type (several for the types
// with variants), serialized by the codec itself.
func builtPackets() [][]byte {
	v4 := &wire.IPv4Address{Addr: netip.MustParseAddr("192.0.2.1")}
	v6 := &wire.IPv6Address{Addr: netip.MustParseAddr("2001:db8::1")}
	initParams := []wire.Param{
		v4, v6,
		&wire.SupportedAddrTypes{Types: []wire.ParamType{wire.ParamIPv4Address, wire.ParamIPv6Address}},
		&wire.CookiePreservative{Increment: 1000},
		&wire.ECNCapable{},
		&wire.ForwardTSNSupported{},
		&wire.SupportedExtensions{Types: []wire.ChunkType{wire.TypeForwardTSN, wire.TypeReconfig, wire.TypeIData}},
		&wire.Random{Data: bytes.Repeat([]byte{7}, 32)},
		&wire.ChunkList{Types: []wire.ChunkType{wire.TypeAsconf, wire.TypeAsconfAck}},
		&wire.RequestedHMACAlgo{IDs: []uint16{1, 3}},
		&wire.AdaptationLayerIndication{Indication: 9},
		&wire.ZeroChecksumAcceptable{EDMID: 1},
		&wire.UnknownParam{Type: 0x8123, Value: []byte("xyz")},
	}
	single := [][]wire.Chunk{
		{&wire.Init{InitiateTag: 1, ARwnd: 1 << 20, OutStreams: 10, InStreams: 10, InitialTSN: 5, Params: initParams}},
		{&wire.InitAck{InitiateTag: 2, ARwnd: 1 << 16, OutStreams: 1, InStreams: 1, InitialTSN: 6, Params: append([]wire.Param{
			&wire.StateCookie{Cookie: []byte("a cookie")},
			&wire.UnrecognizedParam{Param: []byte{0x80, 0x99, 0, 4}},
		}, initParams...)}},
		{&wire.ShutdownComplete{T: true}},
	}
	bundled := []wire.Chunk{
		&wire.CookieEcho{Cookie: []byte("a cookie")},
		&wire.CookieAck{},
		&wire.Data{TSN: 5, Stream: 1, SSN: 2, PPID: 51, Beginning: true, Ending: true, UserData: []byte("hello")},
		&wire.Data{TSN: 6, Immediate: true},
		&wire.IData{TSN: 7, Stream: 3, MID: 4, PPID: 53, Beginning: true, UserData: []byte("abc")},
		&wire.IData{TSN: 8, Stream: 3, MID: 4, FSN: 1, Ending: true, UserData: []byte("de")},
		&wire.Sack{CumTSNAck: 4, ARwnd: 1000, Gaps: []wire.GapBlock{{Start: 2, End: 3}, {Start: 5, End: 9}}, Dups: []wire.TSN{3}},
		&wire.Heartbeat{Info: []byte("heartbeat info")},
		&wire.HeartbeatAck{Info: []byte("hb")},
		&wire.Shutdown{CumTSNAck: 8},
		&wire.ShutdownAck{},
		&wire.ECNE{LowestTSN: 3},
		&wire.CWR{LowestTSN: 3},
		&wire.ForwardTSN{NewCumTSN: 9, Streams: []wire.ForwardTSNStream{{Stream: 1, SSN: 2}}},
		&wire.IForwardTSN{NewCumTSN: 9, Streams: []wire.IForwardTSNStream{{Stream: 1, Unordered: true, MID: 2}}},
		&wire.Pad{Padding: make([]byte, 7)},
		&wire.Auth{KeyID: 1, HMACID: 1, HMAC: bytes.Repeat([]byte{1}, 20)},
		&wire.Asconf{Seq: 1, Address: v4, Params: []wire.Param{
			&wire.AddIPAddress{CorrelationID: 1, Address: v6},
			&wire.DeleteIPAddress{CorrelationID: 2, Address: v4},
			&wire.SetPrimaryAddress{CorrelationID: 3, Address: v4},
		}},
		&wire.AsconfAck{Seq: 1, Params: []wire.Param{
			&wire.SuccessIndication{CorrelationID: 1},
			&wire.ErrorCauseIndication{CorrelationID: 2, Causes: []wire.Cause{&wire.DeleteLastAddress{Param: []byte{0xc0, 2, 0, 8, 0, 0, 0, 2}}}},
		}},
		&wire.Reconfig{Params: []wire.Param{
			&wire.OutgoingSSNReset{ReqSeq: 1, RespSeq: 2, LastTSN: 3, Streams: []uint16{1, 2, 3}},
			&wire.IncomingSSNReset{ReqSeq: 4, Streams: []uint16{5}},
		}},
		&wire.Reconfig{Params: []wire.Param{&wire.ReconfigResponse{RespSeq: 1, Result: wire.ReconfigSuccessPerformed, HasTSNs: true, SenderNextTSN: 1, ReceiverNextTSN: 2}}},
		&wire.Reconfig{Params: []wire.Param{&wire.SSNTSNReset{ReqSeq: 1}}},
		&wire.Reconfig{Params: []wire.Param{&wire.AddOutgoingStreams{ReqSeq: 2, NewStreams: 3}, &wire.AddIncomingStreams{ReqSeq: 3, NewStreams: 4}}},
		&wire.Error{Causes: []wire.Cause{
			&wire.InvalidStream{Stream: 1}, &wire.MissingMandatoryParam{Types: []wire.ParamType{7}},
			&wire.StaleCookie{Staleness: 5}, &wire.OutOfResource{}, &wire.UnresolvableAddress{Address: []byte{0, 5, 0, 8, 1, 2, 3, 4}},
			&wire.UnrecognizedChunk{Chunk: []byte{0xff, 0, 0, 4}}, &wire.InvalidMandatoryParam{},
			&wire.UnrecognizedParams{Params: []byte{0x80, 0x77, 0, 4}}, &wire.NoUserData{TSN: 6},
			&wire.CookieWhileShuttingDown{}, &wire.RestartWithNewAddresses{Addresses: []byte{0, 5, 0, 8, 1, 2, 3, 4}},
			&wire.ProtocolViolation{Info: []byte("why")}, &wire.ResourceShortage{}, &wire.DeleteSourceAddress{},
			&wire.IllegalAsconfAck{}, &wire.NoAuthorization{}, &wire.UnsupportedHMACIdentifier{HMACID: 2},
			&wire.UnknownCause{Code: 0x4444, Value: []byte{1}},
		}},
		&wire.Abort{T: true, Causes: []wire.Cause{&wire.UserInitiatedAbort{Reason: []byte("bye")}}},
		&wire.UnknownChunk{ChunkType: 0xbf, Flags: 3, Value: []byte("unknown")},
	}
	h := wire.Header{SrcPort: 5000, DstPort: 5000, VerificationTag: 0x01020304}
	var pkts [][]byte
	for _, cs := range single {
		pkts = append(pkts, (&wire.Packet{Header: h, Chunks: cs}).AppendTo(nil))
	}
	for _, c := range bundled {
		pkts = append(pkts, (&wire.Packet{Header: h, Chunks: []wire.Chunk{c}}).AppendTo(nil))
	}
	pkts = append(pkts, (&wire.Packet{Header: h, Chunks: bundled}).AppendTo(nil))
	return pkts
}

// FuzzParsePacket: ParsePacket never panics, and whatever it accepts
// serializes to bytes that parse again and serialize identically
// (parse-serialize-parse agree).
func FuzzParsePacket(f *testing.F) {
	for _, p := range goldenPackets(f) {
		f.Add(p)
	}
	for _, p := range builtPackets() {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := wire.ParsePacket(b)
		if err != nil {
			if p != nil {
				t.Fatalf("packet %v returned with error %v", p, err)
			}
			return
		}
		first := p.AppendTo(nil)
		if !wire.VerifyChecksum(first) {
			t.Fatalf("AppendTo wrote a bad checksum: %x", first)
		}
		p2, err := wire.ParsePacket(first)
		if err != nil {
			t.Fatalf("re-parse of %x (from %x): %v", first, b, err)
		}
		if second := p2.AppendTo(nil); !bytes.Equal(first, second) {
			t.Fatalf("serializations differ:\ninput  %x\nfirst  %x\nsecond %x", b, first, second)
		}
	})
}

// TestBuiltPacketsParse keeps the hand-built seeds honest: each one parses
// and re-serializes byte for byte.
func TestBuiltPacketsParse(t *testing.T) {
	for i, b := range builtPackets() {
		p, err := wire.ParsePacket(b)
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		if again := p.AppendTo(nil); !bytes.Equal(again, b) {
			t.Fatalf("seed %d: re-serialized\n got %x\nwant %x", i, again, b)
		}
	}
}
