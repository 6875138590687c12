package assoc

import (
	"net/netip"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// ootb sends pkt to a fresh endpoint that has no association.
func ootb(t *testing.T, pkt []byte, listening bool) (*wire.Packet, *Association) {
	t.Helper()
	e := NewEndpoint(5001, Config{Rand: seeded(9)})
	e.SetLocalAddrs([]netip.Addr{netip.MustParseAddr("127.0.0.2")})
	tr, ok, a := e.HandleUnmatched(t0, Inbound{Local: netip.MustParseAddrPort("127.0.0.2:9899"), Remote: netip.MustParseAddrPort("127.0.0.1:9899"), Packet: pkt}, listening, make([]byte, 1500))
	if !ok {
		return nil, a
	}
	if tr.Remote != netip.MustParseAddrPort("127.0.0.1:9899") {
		t.Fatalf("reply to %v", tr.Remote)
	}
	p, err := wire.ParsePacket(tr.Packet)
	if err != nil || !wire.VerifyChecksum(tr.Packet) {
		t.Fatalf("bad reply: %v", err)
	}
	return p, a
}

func TestOutOfTheBlue(t *testing.T) {
	init := &wire.Init{InitiateTag: 0x1234, ARwnd: 5000, OutStreams: 4, InStreams: 4, InitialTSN: 100}
	data := &wire.Data{TSN: 1, Beginning: true, Ending: true, UserData: []byte("x")}
	tests := []struct {
		name      string
		pkt       []byte
		listening bool
		want      wire.ChunkType // 0: no reply
		tag       uint32
		tBit      bool
	}{
		{"INIT listening", mkPacket(5000, 5001, 0, init), true, wire.TypeInitAck, 0x1234, false},
		{"INIT not listening", mkPacket(5000, 5001, 0, init), false, wire.TypeAbort, 0x1234, false},
		{"INIT with tag", mkPacket(5000, 5001, 9, init), true, 0, 0, false},
		{"INIT tag 0", mkPacket(5000, 5001, 0, &wire.Init{OutStreams: 1, InStreams: 1}), true, 0, 0, false},
		{"INIT no streams", mkPacket(5000, 5001, 0, &wire.Init{InitiateTag: 7, InStreams: 1}), true, wire.TypeAbort, 7, false},
		{"ABORT", mkPacket(5000, 5001, 9, &wire.Abort{}), true, 0, 0, false},
		{"SHUTDOWN ACK", mkPacket(5000, 5001, 9, &wire.ShutdownAck{}), true, wire.TypeShutdownComplete, 9, true},
		{"SHUTDOWN COMPLETE", mkPacket(5000, 5001, 9, &wire.ShutdownComplete{}), true, 0, 0, false},
		{"COOKIE ACK", mkPacket(5000, 5001, 9, &wire.CookieAck{}), true, 0, 0, false},
		{"stale cookie ERROR", mkPacket(5000, 5001, 9, &wire.Error{Causes: []wire.Cause{&wire.StaleCookie{Staleness: 1}}}), true, 0, 0, false},
		{"DATA", mkPacket(5000, 5001, 9, data), true, wire.TypeAbort, 9, true},
		{"DATA then ABORT", mkPacket(5000, 5001, 9, data, &wire.Abort{}), true, 0, 0, false},
		{"wrong port", mkPacket(5000, 5002, 9, data), true, 0, 0, false},
		{"garbage", []byte{1, 2, 3}, true, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, a := ootb(t, tc.pkt, tc.listening)
			if a != nil {
				t.Fatal("state created")
			}
			if tc.want == 0 {
				if p != nil {
					t.Fatalf("answered %v", chunksOf(p))
				}
				return
			}
			if p == nil || len(p.Chunks) != 1 || p.Chunks[0].Type() != tc.want {
				t.Fatalf("answer %v, want %v", p, tc.want)
			}
			if p.Header.VerificationTag != tc.tag || p.Header.SrcPort != 5001 || p.Header.DstPort != 5000 {
				t.Fatalf("header %+v", p.Header)
			}
			switch c := p.Chunks[0].(type) {
			case *wire.Abort:
				if c.T != tc.tBit {
					t.Fatal("T bit")
				}
			case *wire.ShutdownComplete:
				if c.T != tc.tBit {
					t.Fatal("T bit")
				}
			case *wire.InitAck:
				if _, ok := c.StateCookie(); !ok || c.InitiateTag == 0 || !c.ForwardTSNSupported() || len(c.Addresses()) != 1 {
					t.Fatalf("INIT ACK %+v", c)
				}
			}
		})
	}
}

func TestInitUnrecognizedParams(t *testing.T) {
	init := &wire.Init{InitiateTag: 1, ARwnd: 5000, OutStreams: 4, InStreams: 4, InitialTSN: 100, Params: []wire.Param{
		&wire.UnknownParam{Type: 0x4123, Value: []byte{1, 2, 3, 4}}, // 01: stop, report
		&wire.UnknownParam{Type: 0xC124, Value: []byte{5}},          // never reached
	}}
	p, _ := ootb(t, mkPacket(5000, 5001, 0, init), true)
	ack := p.Chunks[0].(*wire.InitAck)
	var un []*wire.UnrecognizedParam
	for _, prm := range ack.Params {
		if u, ok := prm.(*wire.UnrecognizedParam); ok {
			un = append(un, u)
		}
	}
	if len(un) != 1 || un[0].Param[1] != 0x23 {
		t.Fatalf("unrecognized %v", un)
	}
	init.Params = []wire.Param{
		&wire.UnknownParam{Type: 0x8123, Value: []byte{1}}, // 10: skip silently
		&wire.UnknownParam{Type: 0xC124, Value: []byte{5}}, // 11: skip, report
	}
	p, _ = ootb(t, mkPacket(5000, 5001, 0, init), true)
	un = nil
	for _, prm := range p.Chunks[0].(*wire.InitAck).Params {
		if u, ok := prm.(*wire.UnrecognizedParam); ok {
			un = append(un, u)
		}
	}
	if len(un) != 1 || un[0].Param[0] != 0xC1 {
		t.Fatalf("unrecognized %v", un)
	}
	// A host name address is refused with an ABORT (Unresolvable Address).
	init.Params = []wire.Param{&wire.HostNameAddress{Name: []byte("example")}}
	p, _ = ootb(t, mkPacket(5000, 5001, 0, init), true)
	if ab, ok := p.Chunks[0].(*wire.Abort); !ok || ab.Causes[0].CauseCode() != wire.CauseUnresolvableAddress {
		t.Fatalf("answer %v", p.Chunks)
	}
}

func TestUnknownChunkActionBits(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	a := h.s.a
	send := func(cs ...wire.Chunk) *wire.Packet {
		a.HandlePacket(h.now, Inbound{Remote: h.c.addr, Packet: mkPacket(5000, 5001, a.LocalTag(), cs...)})
		tr, ok := a.PollTransmit(h.now, make([]byte, 1500))
		if !ok {
			return nil
		}
		p, _ := wire.ParsePacket(tr.Packet)
		return p
	}
	hb := &wire.Heartbeat{Info: []byte("hi")}
	// 00: stop, discard silently (the HEARTBEAT after it is not processed).
	if p := send(&wire.UnknownChunk{ChunkType: 0x3e}, hb); p != nil {
		t.Fatalf("00: %v", chunksOf(p))
	}
	// 01: stop and report.
	p := send(&wire.UnknownChunk{ChunkType: 0x7e, Value: []byte{1}}, hb)
	if p == nil || len(p.Chunks) != 1 {
		t.Fatalf("01: %v", p)
	}
	if e := p.Chunks[0].(*wire.Error); e.Causes[0].(*wire.UnrecognizedChunk).Chunk[0] != 0x7e {
		t.Fatal("01: cause")
	}
	// 10: skip silently, the HEARTBEAT is answered.
	p = send(&wire.UnknownChunk{ChunkType: 0xbe}, hb)
	if p == nil || len(p.Chunks) != 1 || p.Chunks[0].Type() != wire.TypeHeartbeatAck {
		t.Fatalf("10: %v", p)
	}
	// 11: skip and report.
	p = send(&wire.UnknownChunk{ChunkType: 0xfe}, hb)
	if p == nil || len(p.Chunks) != 2 || p.Chunks[0].Type() != wire.TypeError || p.Chunks[1].Type() != wire.TypeHeartbeatAck {
		t.Fatalf("11: %v", p)
	}
	// A remote ERROR is reported to the user.
	send(&wire.Error{Causes: []wire.Cause{&wire.OutOfResource{}}})
	found := false
	for {
		e, ok := a.PollEvent()
		if !ok {
			break
		}
		if r, ok := e.(RemoteError); ok && r.Cause.CauseCode() == wire.CauseOutOfResource {
			found = true
		}
	}
	if !found {
		t.Fatal("no RemoteError")
	}
	_ = time.Second
}
