package assoc

import (
	"testing"
	"time"
)

// BenchmarkEchoRoundTrip is the association work of one request/response
// exchange of 64-byte messages, without sockets or a Stack: send, build the
// packet, handle it on the other side, deliver, read, answer, and the same
// back (the SACKs ride on the answers). It bounds what the SCTP layer adds
// to a round trip.
func BenchmarkEchoRoundTrip(b *testing.B) {
	t := &testing.T{}
	cfg := Config{NoDelay: true}
	h := newHarness(t, cfg, cfg)
	h.established()
	c, s := h.c, h.s
	buf := make([]byte, 65536)
	msg := make([]byte, 64)
	now := h.now
	// hop sends msg from one association to the other, which must get it.
	hop := func(from, to *side) {
		if err := from.a.Send(now, OutMessage{Data: msg}); err != nil {
			b.Fatal(err)
		}
		for {
			tr, ok := from.a.PollTransmit(now, buf)
			if !ok {
				break
			}
			to.a.HandlePacket(now, Inbound{Local: tr.Remote, Remote: from.addr, Packet: tr.Packet})
		}
		got := 0
		for {
			ev, ok := to.a.PollEvent()
			if !ok {
				break
			}
			if m, ok := ev.(Message); ok {
				got++
				to.a.ReadConsumed(len(m.Data))
			}
		}
		if got != 1 {
			b.Fatalf("%s got %d messages, want 1", to.name, got)
		}
		for {
			if _, ok := from.a.PollEvent(); !ok {
				break
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		now = now.Add(10 * time.Microsecond)
		hop(c, s)
		hop(s, c)
	}
}
