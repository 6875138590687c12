package tx

import (
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// ForwardTSN applies the PR-SCTP policies (RFC 3758 3.5): it abandons
// messages whose deadline passed, advances the Advanced.Peer.Ack.Point over
// the abandoned chunks that follow the cum ack (C2), and, when that point is
// beyond the cum ack (C3), fills f with the new cumulative TSN and, per
// ordered stream skipped, the highest SSN abandoned, and returns true. It
// returns false when no FORWARD TSN is needed. Call it after HandleSack and
// after T3-rtx expiry; f.Streams is reused.
func (r *Retransmit) ForwardTSN(now time.Time, f *wire.ForwardTSN) bool {
	r.applyDeadlines(now)
	i := int(r.cum.Diff(r.advPeerAck))
	if i < 0 {
		i = 0
	}
	for i < r.n && r.at(i).abandoned {
		i++
	}
	r.advPeerAck = r.cum.Add(uint32(i))
	if i == 0 {
		return false
	}
	f.NewCumTSN = r.advPeerAck
	f.Streams = f.Streams[:0]
	for j := 0; j < i; j++ {
		c := r.at(j)
		if c.d.Unordered {
			continue
		}
		found := false
		for k := range f.Streams {
			if f.Streams[k].Stream == c.d.Stream {
				if f.Streams[k].SSN.Less(c.d.SSN) {
					f.Streams[k].SSN = c.d.SSN
				}
				found = true
				break
			}
		}
		if !found {
			f.Streams = append(f.Streams, wire.ForwardTSNStream{Stream: c.d.Stream, SSN: c.d.SSN})
		}
	}
	return true
}

// AdvancedPeerAckPoint returns the RFC 3758 Advanced.Peer.Ack.Point.
func (r *Retransmit) AdvancedPeerAckPoint() wire.TSN { return r.advPeerAck }
