package tx

import "time"

// clockGranularity is G of RFC 9260 6.3.1.
const clockGranularity = time.Millisecond

// RTO is the retransmission timeout estimator of one path (RFC 9260 6.3.1).
type RTO struct {
	rto, min, max time.Duration
	srtt, rttvar  time.Duration
	measured      bool
}

// NewRTO returns an estimator starting at initial (RTO.Initial), kept within
// [min, max] (RTO.Min, RTO.Max; RFC 9260 15 suggests 1 s, 1 s, 60 s).
func NewRTO(initial, min, max time.Duration) *RTO {
	if max < min {
		max = min
	}
	return &RTO{rto: clamp(initial, min, max), min: min, max: max}
}

func clamp(d, lo, hi time.Duration) time.Duration {
	return max(lo, min(d, hi))
}

// Sample feeds one RTT measurement R (C2, C3): the first sets SRTT = R,
// RTTVAR = R/2; later ones RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R| then SRTT =
// 7/8 SRTT + 1/8 R. RTO = SRTT + max(G, 4*RTTVAR), clamped to [min, max]
// (C6, C7). Negative samples are ignored.
func (r *RTO) Sample(rtt time.Duration) {
	if rtt < 0 {
		return
	}
	if !r.measured {
		r.measured = true
		r.srtt = rtt
		r.rttvar = rtt / 2
	} else {
		diff := r.srtt - rtt
		if diff < 0 {
			diff = -diff
		}
		r.rttvar = r.rttvar - r.rttvar/4 + diff/4
		r.srtt = r.srtt - r.srtt/8 + rtt/8
	}
	// C4 note: an RTTVAR computed as 0 is raised to G.
	if r.rttvar == 0 {
		r.rttvar = clockGranularity
	}
	r.rto = clamp(r.srtt+max(clockGranularity, 4*r.rttvar), r.min, r.max)
}

// Backoff doubles the RTO up to max (RFC 9260 6.3.3 E2).
func (r *RTO) Backoff() {
	r.rto = min(2*r.rto, r.max)
}

// Value returns the current RTO.
func (r *RTO) Value() time.Duration { return r.rto }

// SRTT returns the smoothed RTT (0 before the first sample).
func (r *RTO) SRTT() time.Duration { return r.srtt }

// RTTVar returns the RTT variation (0 before the first sample).
func (r *RTO) RTTVar() time.Duration { return r.rttvar }

// Measured reports whether a sample was taken.
func (r *RTO) Measured() bool { return r.measured }
