package tx

import (
	"testing"
	"time"
)

// TestRemovePath: chunks in flight on the removed path are marked for
// retransmission, later paths move down, and a SACK for a chunk of the
// removed path (even the only path that carried data) indexes nothing out
// of range.
func TestRemovePath(t *testing.T) {
	now := time.Unix(0, 0)
	s := newSender(100)
	s.send(t, now, 0, 2, 100) // TSN 100, 101 on path 0
	s.send(t, now, 2, 1, 50)  // TSN 102 on path 2
	r := s.r
	r.RemovePath(0)
	if !r.HasRetransmits() {
		t.Fatal("the removed path's chunks are not marked for retransmission")
	}
	if got := r.Outstanding(1); got != 50 {
		t.Fatalf("path 2 became 1 with 50 bytes in flight; got %d", got)
	}
	if got := r.OutstandingTotal(); got != 50 {
		t.Fatalf("flight total %d, want 50", got)
	}
	mustSack(t, r, now, sack(102))

	// The only path with data removed.
	s = newSender(10)
	s.send(t, now, 0, 1, 10)
	s.r.RemovePath(0)
	mustSack(t, s.r, now, sack(10))
	s.r.RemovePath(5) // unknown: nothing happens
}
