package assoc_test

import (
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/assoc"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// Transfer scenarios: one very large message, messages over the receive
// buffer (partial delivery), and a reversed burst.

// TestSimulationHugeMessage moves one 16 MiB message over a lossy,
// reordering link; it arrives whole (joined from partial deliveries, since
// it exceeds the receive buffer).
func TestSimulationHugeMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("16 MiB through the simulator: skipped in -short")
	}
	cfg := assoc.Config{SendBuffer: 32 << 20}
	w := manualWorkload(1, [2]assoc.Config{cfg, {}}, linkConfig{Delay: 5 * time.Millisecond, Jitter: time.Millisecond, Loss: 0.02, Duplicate: 0.01, Reorder: 0.01}, [2]int{1, 1}, 10)
	big := w.msgs[0][0]
	big.data = make([]byte, 16<<20)
	for i := range big.data {
		big.data[i] = byte(i*7 + i>>11)
	}
	res, err := runWorkload(w, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("16 MiB delivered in %v virtual, %d packets (%d dropped)", res.virtual, res.stats.packets, res.stats.dropped)
}

// TestSimulationMessageOverRecvBuffer sends messages larger than the
// receiver's buffer, ordered and unordered: they must arrive by partial
// delivery (RFC 6458 8.1.20) instead of stalling the association.
func TestSimulationMessageOverRecvBuffer(t *testing.T) {
	for _, unordered := range []bool{false, true} {
		for _, lose := range []int{0, 3, 10, 20, 30, 40} {
			w := manualWorkload(1, [2]assoc.Config{{}, {RecvBuffer: 64 << 10}}, linkConfig{Delay: 10 * time.Millisecond}, [2]int{1, 0}, 10)
			m := w.msgs[0][0]
			m.m.Unordered = unordered
			m.data = make([]byte, 100_000)
			for i := range m.data {
				m.data[i] = byte(i * 13)
			}
			if lose > 0 {
				// Lose the first transmission of the lose-th DATA packet, so
				// that the receiver buffers fragments behind a hole.
				w.setup = func(s *sim, client, _ *simNode) {
					k := 0
					s.onTransmit = func(p *inflight) verdict {
						if p.from == client.addr && p.has(wire.TypeData) {
							k++
							if k == lose {
								return drop
							}
						}
						return pass
					}
				}
			}
			w.readDelay[1] = 48 * time.Millisecond
			if _, err := runWorkload(w, nil); err != nil {
				t.Errorf("unordered=%v, DATA packet %d lost: %v", unordered, lose, err)
			}
		}
	}
}

// TestSimulationReversedBurst reverses a burst of DATA packets on the wire:
// ordered delivery on one stream must restore the send order, and the
// unordered messages arrive all the same.
func TestSimulationReversedBurst(t *testing.T) {
	cfg := assoc.Config{NoDelay: true}
	s, client, server := establishedPair(t, 5, cfg, linkConfig{Delay: 10 * time.Millisecond})
	var got []byte
	unordered := 0
	server.onMessage = func(_ *simAssoc, m assoc.Message) {
		if m.Unordered {
			unordered++
			return
		}
		got = append(got, m.Data[0])
	}
	for i := range 8 {
		// Each message fills a packet, so the burst is 16 packets.
		data := make([]byte, 1300)
		data[0] = byte(i)
		for _, u := range []bool{false, true} {
			if err := client.assoc().a.Send(s.now, assoc.OutMessage{Stream: 2, PPID: 1, Unordered: u, Data: data}); err != nil {
				t.Fatal(err)
			}
		}
	}
	s.settle()
	if n := len(s.inFlight()); n < 4 {
		t.Fatalf("only %d packets in flight", n)
	}
	s.reverseInFlight()
	s.exchange()
	s.drive(time.Minute)
	if s.err != nil {
		t.Fatal(s.err)
	}
	if string(got) != "\x00\x01\x02\x03\x04\x05\x06\x07" || unordered != 8 {
		t.Fatalf("ordered messages arrived as %v, %d unordered; want 0..7 and 8", got, unordered)
	}
}
