package tx

import "time"

// Congestion is the congestion control state of one path (RFC 9260 7.2):
// cwnd, ssthresh and partial_bytes_acked, in user-data bytes.
type Congestion struct {
	mtu      int
	cwnd     int
	ssthresh int
	pba      int // partial_bytes_acked (7.2.2)
	lastIdle time.Time
}

// initialSSThresh stands for "arbitrarily high" until SetSSThresh gives the
// peer's rwnd (RFC 9260 7.2.1).
const initialSSThresh = 1 << 30

// NewCongestion returns the state of a new path: cwnd = min(4*MTU,
// max(2*MTU, 4404)) (RFC 9260 7.2.1).
func NewCongestion(mtu int) *Congestion {
	mtu = max(mtu, 1)
	return &Congestion{mtu: mtu, cwnd: min(4*mtu, max(2*mtu, 4404)), ssthresh: initialSSThresh}
}

// Cwnd returns the congestion window.
func (c *Congestion) Cwnd() int { return c.cwnd }

// SSThresh returns the slow start threshold.
func (c *Congestion) SSThresh() int { return c.ssthresh }

// PartialBytesAcked returns partial_bytes_acked (RFC 9260 7.2.2).
func (c *Congestion) PartialBytesAcked() int { return c.pba }

// MTU returns the path MTU in use.
func (c *Congestion) MTU() int { return c.mtu }

// SetSSThresh sets ssthresh, typically to the peer's a_rwnd from INIT or
// INIT ACK (RFC 9260 7.2.1).
func (c *Congestion) SetSSThresh(n int) { c.ssthresh = max(n, 1) }

// SetMTU changes the path MTU (PMTU discovery); cwnd stays at least one MTU.
func (c *Congestion) SetMTU(mtu int) {
	c.mtu = max(mtu, 1)
	c.cwnd = max(c.cwnd, c.mtu)
}

// OnAck applies a SACK's acknowledgments on this path: ackedBytes newly
// acked (cum and gap), flightSizeBefore the bytes in flight on the path
// before the SACK. The window is "fully utilized" when less than one MTU of
// it was left unused (rule B of RFC 9260 6.1 lets the sender overshoot by
// up to an MTU; a sender that stops just short of cwnd still counts as
// full). That is what "the flight was cwnd or more" means below.
//
// Slow start (7.2.1, cwnd <= ssthresh): cwnd grows by min(ackedBytes, MTU)
// only when the window was fully utilized, the cum ack advanced, and the
// sender is not in Fast Recovery.
//
// Congestion avoidance (7.2.2, cwnd > ssthresh): partial_bytes_acked grows
// by ackedBytes; when it reaches cwnd, the flight was at least cwnd, the cum
// ack advanced and not in Fast Recovery, cwnd grows by one MTU and
// partial_bytes_acked drops by cwnd. When everything in flight is acked,
// partial_bytes_acked is reset to 0.
func (c *Congestion) OnAck(now time.Time, ackedBytes, flightSizeBefore int, cumAdvanced bool, inFastRecovery bool) {
	if ackedBytes <= 0 {
		return
	}
	c.lastIdle = time.Time{}
	full := flightSizeBefore+c.mtu > c.cwnd
	if c.cwnd <= c.ssthresh {
		if full && cumAdvanced && !inFastRecovery {
			c.cwnd += min(ackedBytes, c.mtu)
		}
		return
	}
	c.pba += ackedBytes
	if c.pba >= c.cwnd && full && cumAdvanced && !inFastRecovery {
		c.pba -= c.cwnd
		c.cwnd += c.mtu
	} else if c.pba > c.cwnd && !full {
		c.pba = c.cwnd
	}
	if flightSizeBefore-ackedBytes <= 0 {
		c.pba = 0
	}
}

// OnFastRetransmit enters Fast Recovery for this path (RFC 9260 7.2.4
// step 4): ssthresh = max(cwnd/2, 4*MTU), cwnd = ssthresh.
func (c *Congestion) OnFastRetransmit(flightSize int) {
	c.ssthresh = max(c.cwnd/2, 4*c.mtu)
	c.cwnd = c.ssthresh
	c.pba = 0
}

// OnT3 applies a retransmission timeout on this path (RFC 9260 7.2.3):
// ssthresh = max(cwnd/2, 4*MTU), cwnd = 1*MTU.
func (c *Congestion) OnT3(flightSize int) {
	c.ssthresh = max(c.cwnd/2, 4*c.mtu)
	c.cwnd = c.mtu
	c.pba = 0
}

// OnIdle is called when the path sent no data for an RTO (RFC 9260 7.2.1:
// cwnd SHOULD be adjusted to max(cwnd/2, 4*MTU) per RTO). Repeated calls
// within one rto of the last adjustment do nothing, so the association may
// call it on every timer tick. A window already at or below 4*MTU is left
// alone: the rule lowers an unused window, it does not raise a small one.
func (c *Congestion) OnIdle(now time.Time, rto time.Duration) {
	if !c.lastIdle.IsZero() && now.Sub(c.lastIdle) < rto {
		return
	}
	c.lastIdle = now
	c.cwnd = min(c.cwnd, max(c.cwnd/2, 4*c.mtu))
	c.pba = 0
}
