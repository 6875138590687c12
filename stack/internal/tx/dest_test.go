package tx

import (
	"net/netip"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// TestSendQueueNextDest: NextDest names the destination of the message Next
// cuts from, following the round-robin order and staying on a message
// until its last fragment.
func TestSendQueueNextDest(t *testing.T) {
	q := NewSendQueue(2, 1000)
	if d := q.NextDest(); d.IsValid() {
		t.Fatalf("empty queue: %v", d)
	}
	alt := netip.MustParseAddr("127.0.0.4")
	m0 := msg(0, 10)
	m0.Dest = alt
	for _, m := range []OutMessage{m0, msg(1, 10), msg(0, 10)} {
		if err := q.Push(m); err != nil {
			t.Fatal(err)
		}
	}
	var d wire.Data
	want := []netip.Addr{alt, alt, {}, {}} // m0 in two fragments, then stream 1, then stream 0
	for i, w := range want {
		if got := q.NextDest(); got != w {
			t.Fatalf("before fragment %d: NextDest %v, want %v", i, got, w)
		}
		if _, ok := q.Next(time.Time{}, 5+5*min(i, 1), &d); !ok {
			t.Fatalf("fragment %d not cut", i)
		}
	}
	if d := q.NextDest(); d.IsValid() || !q.Empty() {
		t.Fatalf("drained queue: %v", d)
	}
}
