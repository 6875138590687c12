package tx

import (
	"fmt"
	"slices"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// SackResult reports what one SACK changed. Its slices are reused by the
// next HandleSack call.
type SackResult struct {
	// Ignored: the SACK was older than the current cum ack (RFC 9260 6.2.1
	// D) and nothing changed; the association must not take its a_rwnd.
	Ignored     bool
	CumAdvanced bool
	// AckedBytes[path]: user-data bytes newly acknowledged (cum or gap) of
	// chunks last sent on path, for Congestion.OnAck.
	AckedBytes []int
	// RTT is a valid sample (RFC 9260 6.3.1 C5, Karn) from the newest chunk
	// newly acked, sent on RTTPath; 0 when there is none.
	RTT     time.Duration
	RTTPath int
	// FastRetransmit: chunks reached three miss indications (RFC 9260 7.2.4)
	// and were marked, last sent on the paths in FastRetransmitPaths.
	FastRetransmit      bool
	FastRetransmitPaths []int
	// EnteredFastRecovery: this SACK entered Fast Recovery; the association
	// applies Congestion.OnFastRetransmit to each FastRetransmitPaths path.
	EnteredFastRecovery bool
	// Reneged: chunks gap-acked before are missing now; they are back in
	// flight and T3-rtx must run on their paths (RFC 9260 6.2.1).
	Reneged bool
	// AllAcked: nothing sent is left unacknowledged.
	AllAcked bool
	// Delivered: messages now fully acknowledged by the cum ack.
	Delivered []MsgRef
	// PeerRwnd: a_rwnd minus the bytes still in flight (RFC 9260 6.2.1).
	PeerRwnd uint32
}

// HandleSack processes a SACK (RFC 9260 6.2.1). A SACK whose cum ack is
// behind the current one is ignored (Ignored set). A SACK acknowledging a
// TSN never sent returns an error wrapping ErrProtocol and changes nothing.
// Gap blocks with Start 0 or Start > End are skipped; blocks need not be
// sorted and may overlap. Cost: O(chunks cum-acked + chunks covered by gap
// blocks + holes below the highest TSN newly acked (miss indications) +
// gap blocks, log-linear when unsorted); only a SACK that reneges
// walks the whole span up to the highest chunk gap-acked before.
func (r *Retransmit) HandleSack(now time.Time, s *wire.Sack) (SackResult, error) {
	// The previous call's Delivered handles are no longer valid (MsgRef).
	for i, m := range r.delivered {
		m.recycle()
		r.delivered[i] = nil
	}
	r.delivered = r.delivered[:0]
	for i := range r.ackedBytes {
		r.ackedBytes[i] = 0
	}
	res := SackResult{AckedBytes: r.ackedBytes, Delivered: r.delivered[:0], FastRetransmitPaths: r.frPaths[:0]}
	if s.CumTSNAck.Less(r.cum) {
		res.Ignored = true
		res.Delivered, res.FastRetransmitPaths = nil, nil
		return res, nil
	}
	if !s.CumTSNAck.Less(r.next) {
		return SackResult{}, fmt.Errorf("%w: SACK cum ack %d, highest TSN sent %d", ErrProtocol, s.CumTSNAck, r.next-1)
	}
	gaps := r.gaps[:0]
	maxEnd := 0
	unsorted := false
	for _, g := range s.Gaps {
		if g.Start == 0 || g.Start > g.End {
			continue
		}
		if !s.CumTSNAck.Add(uint32(g.End)).Less(r.next) {
			return SackResult{}, fmt.Errorf("%w: SACK gap block acks TSN %d, highest TSN sent %d", ErrProtocol, s.CumTSNAck.Add(uint32(g.End)), r.next-1)
		}
		if n := len(gaps); n > 0 && gaps[n-1].Start > g.Start {
			unsorted = true
		}
		gaps = append(gaps, g)
		if int(g.End) > maxEnd {
			maxEnd = int(g.End)
		}
	}
	if unsorted {
		// Peers send blocks in order (RFC 9260 3.3.4); sort only when not.
		slices.SortFunc(gaps, func(a, b wire.GapBlock) int { return int(a.Start) - int(b.Start) })
	}
	r.gaps = gaps

	haveRTT := false // rttSent/rttPath name a valid RTT candidate
	var rttSent time.Time
	rttPath := 0
	htna := -1 // index (relative to the new cum ack) of the highest TSN newly acked; <0: at or below cum

	// Cumulative part.
	adv := int(r.cum.Diff(s.CumTSNAck))
	for i := 0; i < adv; i++ {
		c := r.at(i)
		if !c.abandoned {
			if !c.acked {
				r.ackedBytes[c.path] += len(c.d.UserData)
				if c.retrans == 0 && !c.d.TSN.Less(r.rtxFence) {
					haveRTT, rttSent, rttPath = true, c.sentAt, c.path
				}
			}
			if c.msg != nil {
				if c.msg.hasPolicy {
					r.prChunks--
				}
				c.msg.acked += len(c.d.UserData)
				if c.msg.acked == len(c.msg.m.Data) {
					c.msg.release()
					r.delivered = append(r.delivered, c.msg)
					res.Delivered = r.delivered
				}
			}
		} else if m := c.msg; m != nil && c.d.Ending && m.q != nil && m.q.cur != m {
			// The last fragment (or the tail's TSN, addTail) of an
			// abandoned message: nothing refers to it any more.
			m.recycle()
		}
		if c.acked {
			r.gapAcked--
		}
		r.removeFlight(c)
		r.clearMark(c)
		*c = chunk{}
	}
	if adv > 0 {
		res.CumAdvanced = true
		r.start = (r.start + adv) & (len(r.buf) - 1)
		r.n -= adv
		r.cum = s.CumTSNAck
		r.lowMark = max(0, r.lowMark-adv)
		r.lowFast = max(0, r.lowFast-adv)
		r.highGap = max(0, r.highGap-adv)
		if r.advPeerAck.Less(r.cum) {
			r.advPeerAck = r.cum
		}
		if r.inFR && !r.cum.Less(r.frExit) {
			r.inFR = false
		}
	}

	// Gap blocks: ack what they cover, visiting only covered chunks.
	prevGapAcked := r.gapAcked
	coveredPrev := 0 // chunks gap-acked before this SACK and covered again
	next := 1        // lowest offset not yet visited (blocks may overlap)
	for _, g := range gaps {
		for off := max(int(g.Start), next); off <= int(g.End); off++ {
			c := r.at(off - 1)
			if c.acked {
				coveredPrev++
				continue
			}
			if c.abandoned {
				continue
			}
			c.acked = true
			r.gapAcked++
			r.highGap = max(r.highGap, off)
			r.ackedBytes[c.path] += len(c.d.UserData)
			r.removeFlight(c)
			r.clearMark(c)
			htna = off - 1
			if c.retrans == 0 && !c.d.TSN.Less(r.rtxFence) {
				haveRTT, rttSent, rttPath = true, c.sentAt, c.path
			}
		}
		next = max(next, int(g.End)+1)
	}
	// Reneging (RFC 9260 6.2.1): some chunk gap-acked before is not covered
	// now. Only then walk the span once, holes included.
	renegedHigh := -1
	if coveredPrev < prevGapAcked {
		gi := 0
		for i := 0; i < r.highGap; i++ {
			off := i + 1
			for gi < len(gaps) && int(gaps[gi].End) < off {
				gi++
			}
			if gi < len(gaps) && int(gaps[gi].Start) <= off {
				continue
			}
			c := r.at(i)
			if c.acked && !c.abandoned {
				// Back in flight, with one miss indication (below).
				c.acked = false
				c.reneged = true
				r.gapAcked--
				r.addFlight(c)
				res.Reneged = true
				renegedHigh = i
			}
		}
	}
	if r.gapAcked == 0 {
		r.highGap = 0
	}

	// Miss indications (RFC 9260 7.2.4): only below the highest TSN newly
	// acked (HTNA), or for every reported hole when in Fast Recovery and
	// the cum ack advanced.
	limit := htna
	if r.inFR && res.CumAdvanced {
		limit = maxEnd - 1
	}
	for i := 0; i <= max(limit, renegedHigh); i++ {
		c := r.at(i)
		if c.acked || c.abandoned {
			continue
		}
		if i >= limit && !c.reneged {
			continue
		}
		c.reneged = false
		if c.mark != markNone || c.fastDone {
			continue
		}
		c.miss++
		if c.miss < 3 {
			continue
		}
		c.miss = 0
		c.fastDone = true
		r.setMark(c, i, markFast)
		res.FastRetransmit = true
		if !containsInt(r.frPaths[:len(res.FastRetransmitPaths)], c.path) {
			r.frPaths = append(r.frPaths[:len(res.FastRetransmitPaths)], c.path)
			res.FastRetransmitPaths = r.frPaths
		}
	}
	if res.FastRetransmit && !r.inFR {
		r.inFR = true
		r.frExit = r.next - 1
		res.EnteredFastRecovery = true
	}

	if haveRTT {
		// A zero RTT (virtual time) is reported as 1ns so that 0 keeps
		// meaning "no sample"; time going backwards gives no sample.
		if rtt := now.Sub(rttSent); rtt >= 0 {
			res.RTT, res.RTTPath = max(rtt, 1), rttPath
		}
	}
	res.AllAcked = r.n == 0
	if int64(s.ARwnd) > int64(r.flightTotal) {
		res.PeerRwnd = s.ARwnd - uint32(r.flightTotal)
	}
	return res, nil
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
