package tx

import (
	"testing"
	"time"
)

func TestCongestionInitialCwnd(t *testing.T) {
	// RFC 9260 7.2.1: cwnd = min(4*MTU, max(2*MTU, 4404)).
	for _, tt := range []struct{ mtu, cwnd int }{
		{1000, 4000}, {1452, 4404}, {1500, 4404}, {2500, 5000}, {9000, 18000}, {0, 4},
	} {
		if c := NewCongestion(tt.mtu); c.Cwnd() != tt.cwnd {
			t.Errorf("mtu %d: cwnd %d, want %d", tt.mtu, c.Cwnd(), tt.cwnd)
		}
	}
}

func TestCongestionSlowStart(t *testing.T) {
	// RFC 9260 7.2.1: when cwnd <= ssthresh, cwnd grows by at most
	// min(bytes acked, MTU), only if the window was fully utilized, the cum
	// ack advanced, and not in Fast Recovery.
	var now time.Time
	tests := []struct {
		name      string
		acked, fs int
		cum, fr   bool
		want      int
	}{
		{"full flight, small ack", 500, 4404, true, false, 4904},
		{"full flight, ack > MTU grows by MTU", 3000, 4404, true, false, 5904},
		{"flight within an MTU of cwnd is full", 1000, 3000, true, false, 5404},
		{"flight not full", 1000, 2000, true, false, 4404},
		{"cum ack did not advance", 1000, 4404, false, false, 4404},
		{"in fast recovery", 1000, 4404, true, true, 4404},
		{"nothing acked", 0, 4404, true, false, 4404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCongestion(1500)
			c.OnAck(now, tt.acked, tt.fs, tt.cum, tt.fr)
			if c.Cwnd() != tt.want {
				t.Fatalf("cwnd %d, want %d", c.Cwnd(), tt.want)
			}
		})
	}
}

func TestCongestionAvoidance(t *testing.T) {
	// RFC 9260 7.2.2: partial_bytes_acked accumulates; when >= cwnd and the
	// flight was >= cwnd, cwnd += MTU and pba -= cwnd.
	var now time.Time
	c := NewCongestion(1000)
	c.SetSSThresh(3000) // cwnd 4000 > ssthresh: congestion avoidance
	c.OnAck(now, 3000, 4000, true, false)
	if c.Cwnd() != 4000 || c.PartialBytesAcked() != 3000 {
		t.Fatalf("after 3000: cwnd %d pba %d", c.Cwnd(), c.PartialBytesAcked())
	}
	c.OnAck(now, 1500, 5000, true, false)
	if c.Cwnd() != 5000 || c.PartialBytesAcked() != 500 {
		t.Fatalf("after 4500: cwnd %d pba %d", c.Cwnd(), c.PartialBytesAcked())
	}
	// A flight within one MTU of cwnd counts as cwnd or more (6.1 rule B).
	c.OnAck(now, 4550, 4600, true, false)
	if c.Cwnd() != 6000 || c.PartialBytesAcked() != 50 {
		t.Fatalf("near-full flight: cwnd %d pba %d", c.Cwnd(), c.PartialBytesAcked())
	}
	// The cum ack did not advance: pba grows, cwnd does not.
	c.OnAck(now, 6000, 12000, false, false)
	if c.Cwnd() != 6000 || c.PartialBytesAcked() != 6050 {
		t.Fatalf("no cum advance: cwnd %d pba %d", c.Cwnd(), c.PartialBytesAcked())
	}
	// Flight below cwnd: no growth, pba capped at cwnd.
	c2 := NewCongestion(1000)
	c2.SetSSThresh(1000)
	c2.OnAck(now, 2400, 2500, true, false)
	c2.OnAck(now, 2400, 2500, true, false)
	if c2.Cwnd() != 4000 || c2.PartialBytesAcked() != 4000 {
		t.Fatalf("flight < cwnd: cwnd %d pba %d, want 4000 4000", c2.Cwnd(), c2.PartialBytesAcked())
	}
	// In fast recovery: pba grows, cwnd does not.
	c3 := NewCongestion(1000)
	c3.SetSSThresh(1000)
	c3.OnAck(now, 4000, 8000, true, true)
	if c3.Cwnd() != 4000 {
		t.Fatalf("fast recovery grew cwnd to %d", c3.Cwnd())
	}
	// Everything acked: pba reset to 0.
	c4 := NewCongestion(1000)
	c4.SetSSThresh(1000)
	c4.OnAck(now, 2000, 2000, true, false)
	if c4.PartialBytesAcked() != 0 {
		t.Fatalf("all acked: pba %d", c4.PartialBytesAcked())
	}
}

func TestCongestionLoss(t *testing.T) {
	// RFC 9260 7.2.3 (T3): ssthresh = max(cwnd/2, 4*MTU), cwnd = 1*MTU.
	// RFC 9260 7.2.4 (fast retransmit): ssthresh = max(cwnd/2, 4*MTU), cwnd = ssthresh.
	tests := []struct {
		name           string
		cwnd           int
		t3             bool
		ssthresh, want int
	}{
		{"fast retransmit big window", 20000, false, 10000, 10000},
		{"fast retransmit floor 4 MTU", 6000, false, 4000, 4000},
		{"T3 big window", 20000, true, 10000, 1000},
		{"T3 floor", 4000, true, 4000, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCongestion(1000)
			c.cwnd = tt.cwnd
			c.pba = 7
			if tt.t3 {
				c.OnT3(tt.cwnd)
			} else {
				c.OnFastRetransmit(tt.cwnd)
			}
			if c.SSThresh() != tt.ssthresh || c.Cwnd() != tt.want || c.PartialBytesAcked() != 0 {
				t.Fatalf("ssthresh %d cwnd %d pba %d", c.SSThresh(), c.Cwnd(), c.PartialBytesAcked())
			}
		})
	}
}

func TestCongestionIdle(t *testing.T) {
	// RFC 9260 7.2.1: cwnd adjusted to max(cwnd/2, 4*MTU) per RTO of idleness.
	t0 := time.Unix(1000, 0)
	c := NewCongestion(1000)
	c.cwnd = 20000
	c.OnIdle(t0, time.Second)
	if c.Cwnd() != 10000 {
		t.Fatalf("first idle: %d", c.Cwnd())
	}
	c.OnIdle(t0.Add(500*ms), time.Second) // within one RTO: unchanged
	if c.Cwnd() != 10000 {
		t.Fatalf("second idle within RTO: %d", c.Cwnd())
	}
	c.OnIdle(t0.Add(time.Second), time.Second)
	c.OnIdle(t0.Add(2*time.Second), time.Second)
	if c.Cwnd() != 4000 {
		t.Fatalf("floor: %d", c.Cwnd())
	}
	c.cwnd = 1000 // after T3: not raised
	c.OnIdle(t0.Add(3*time.Second), time.Second)
	if c.Cwnd() != 1000 {
		t.Fatalf("small window raised to %d", c.Cwnd())
	}
	// An ack re-arms the idle rule at once.
	c.OnAck(t0, 100, 100, true, false)
	c.cwnd = 20000
	c.OnIdle(t0.Add(3*time.Second+ms), time.Second)
	if c.Cwnd() != 10000 {
		t.Fatalf("after ack: %d", c.Cwnd())
	}
}

func TestCongestionSetMTU(t *testing.T) {
	c := NewCongestion(1000)
	c.OnT3(0)
	c.SetMTU(1400)
	if c.MTU() != 1400 || c.Cwnd() != 1400 {
		t.Fatalf("mtu %d cwnd %d", c.MTU(), c.Cwnd())
	}
	c.SetSSThresh(-5)
	if c.SSThresh() != 1 {
		t.Fatalf("ssthresh %d", c.SSThresh())
	}
}
