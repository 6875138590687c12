package tx

import (
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// MarkAllForRetransmit handles T3-rtx expiry on path (RFC 9260 6.3.3 E3):
// every chunk last sent on path and neither acked nor abandoned is marked
// for retransmission and leaves the flight. Fast Recovery ends (a timeout
// supersedes it). The association also calls Congestion.OnT3 and
// RTO.Backoff.
func (r *Retransmit) MarkAllForRetransmit(path int) {
	r.inFR = false
	for i := 0; i < r.n; i++ {
		c := r.at(i)
		if c.path != path || c.acked || c.abandoned {
			continue
		}
		c.miss = 0
		r.setMark(c, i, markT3)
	}
}

// NextRetransmit fills d with the lowest-TSN chunk marked for
// retransmission, fast-retransmit marks first, if its user data fits
// maxBytes; it counts the retransmission and records the chunk in flight on
// path at now. Chunks whose message exceeded MaxRetrans or its Deadline are
// abandoned instead (RFC 3758 3.5, RFC 7496), with their whole message. It
// returns false when nothing is marked or the next chunk does not fit.
func (r *Retransmit) NextRetransmit(now time.Time, path int, maxBytes int, d *wire.Data) bool {
	if path < 0 {
		path = 0
	}
	for r.marked > 0 {
		i, c := r.nextMarked()
		if c == nil {
			r.marked, r.fastMark = 0, 0 // counters out of sync: nothing is marked
			return false
		}
		if m := c.msg; m != nil && m.hasPolicy &&
			((m.m.MaxRetrans >= 0 && c.retrans >= m.m.MaxRetrans) || m.expired(now)) {
			r.abandonMessage(m, i)
			continue
		}
		if len(c.d.UserData) > maxBytes {
			return false
		}
		if c.mark == markT3 {
			c.fastDone = false // a new transmission life after a timeout
		}
		r.clearMark(c)
		r.ensurePath(path)
		c.retrans++
		c.miss = 0
		c.path = path
		c.sentAt = now
		r.addFlight(c)
		// RTT samples only from chunks sent after this retransmission
		// (RFC 9260 6.3.1 C5).
		r.rtxFence = r.next
		*d = c.d
		return true
	}
	return false
}

// nextMarked returns the lowest fast-marked chunk, else the lowest marked
// one, or nil when none is. The low-water hints keep repeated calls linear
// over a retransmission burst.
func (r *Retransmit) nextMarked() (int, *chunk) {
	if r.fastMark > 0 {
		for i := r.lowFast; i < r.n; i++ {
			if c := r.at(i); c.mark == markFast {
				r.lowFast = i
				return i, c
			}
		}
	}
	for i := r.lowMark; i < r.n; i++ {
		if c := r.at(i); c.mark != markNone {
			r.lowMark = i
			return i, c
		}
	}
	return 0, nil
}
