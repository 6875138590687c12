package assoc

import (
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// handleSack processes a SACK (RFC 9260 6.2.1, 7.2, 6.3.2).
func (a *Association) handleSack(raw wire.RawChunk) {
	switch a.state {
	case Established, ShutdownPending, ShutdownSent, ShutdownReceived:
	default:
		return
	}
	s := &a.rxSack
	if s.Decode(raw) != nil {
		return
	}
	a.processAck(s.CumTSNAck, s.ARwnd, s.Gaps, true)
}

// processAck applies a cumulative ack (from a SACK or a SHUTDOWN) and, for
// a SACK, its gap blocks and window.
func (a *Association) processAck(cum wire.TSN, arwnd uint32, gaps []wire.GapBlock, isSack bool) {
	if cum.Less(a.out.cumAck) {
		return // 6.2.1 D i: older than what we know
	}
	if !cum.Less(a.out.nextTSN) {
		// Acknowledges a TSN we never sent.
		a.abortWith(&wire.ProtocolViolation{Info: []byte("cumulative TSN ack beyond sent TSNs")}, &Error{Err: ErrProtocolViolation})
		return
	}
	flightBefore := make(map[*path]int, len(a.paths))
	for _, p := range a.paths {
		flightBefore[p] = p.flight
	}
	acked := map[*path]int{}
	cumAcked := map[*path]bool{}
	var highestNew wire.TSN
	haveNew := false
	var rttChunk *sentChunk
	cumAdvanced := a.out.cumAck.Less(cum)

	// Cumulative part.
	for a.out.len() > 0 {
		c := a.out.chunks()[0]
		if cum.Less(c.d.TSN) {
			break
		}
		a.out.popFront()
		a.out.clearMark(c)
		a.out.leaveFlight(c)
		if c.abandoned {
			continue
		}
		if !c.acked {
			acked[c.path] += c.size()
			cumAcked[c.path] = true
			highestNew, haveNew = c.d.TSN, true
			if c.sends == 1 {
				rttChunk = c
			}
		}
		a.chunkDone(c)
	}
	if cumAdvanced {
		a.out.cumAck = cum
	}
	if a.out.advancedPeerAck.Less(a.out.cumAck) {
		a.out.advancedPeerAck = a.out.cumAck
	}

	// Gap blocks: must be sorted and disjoint to be used (a semantic
	// check the codec leaves to us).
	if isSack && gapsValid(gaps) {
		gi := 0
		for _, c := range a.out.chunks() {
			off := cum.Diff(c.d.TSN)
			for gi < len(gaps) && int32(gaps[gi].End) < off {
				gi++
			}
			covered := gi < len(gaps) && int32(gaps[gi].Start) <= off && off <= int32(gaps[gi].End)
			switch {
			case covered && !c.acked && !c.abandoned:
				c.acked = true
				a.out.clearMark(c)
				a.out.leaveFlight(c)
				acked[c.path] += c.size()
				if !haveNew || highestNew.Less(c.d.TSN) {
					highestNew, haveNew = c.d.TSN, true
				}
				if c.sends == 1 {
					rttChunk = c
				}
			case !covered && c.acked:
				// Reneged (6.2.1 D iii): send it again.
				c.acked = false
				a.out.setMark(c, markT3)
			}
		}
	}

	// Fast retransmit (7.2.4): miss indications below the highest TSN newly
	// acknowledged.
	if haveNew && isSack && len(gaps) > 0 {
		for _, c := range a.out.chunks() {
			if !c.d.TSN.Less(highestNew) {
				break
			}
			if c.acked || c.abandoned || c.mark != markNone || c.fastDone {
				continue
			}
			c.misses++
			if c.misses >= 3 {
				p := c.path
				if !p.inFastRecovery {
					p.ssthresh = max(p.cwnd/2, 4*p.mtu)
					p.cwnd = p.ssthresh
					p.partialAcked = 0
					p.inFastRecovery = true
					p.fastRecoveryEnd = a.out.nextTSN - 1
				}
				c.fastDone = true
				a.out.setMark(c, markFast)
				a.fastRtxBurst = true
			}
		}
		a.abandonDue()
	}

	// RTT (6.3.1 C5: only chunks sent once), error counters (8.1, 8.2).
	if rttChunk != nil {
		a.rttSample(rttChunk.path, a.now.Sub(rttChunk.sentAt))
	}
	for p, n := range acked {
		if n > 0 {
			a.pathAlive(p)
		}
	}

	// Congestion control (7.2.1, 7.2.2) and fast recovery exit.
	for _, p := range a.paths {
		if p.inFastRecovery && !a.out.cumAck.Less(p.fastRecoveryEnd) {
			p.inFastRecovery = false
		}
		n := acked[p]
		if n == 0 || p.inFastRecovery {
			continue
		}
		full := flightBefore[p]+p.mtu > p.cwnd
		if p.cwnd <= p.ssthresh {
			if cumAdvanced && full {
				p.cwnd += min(n, p.mtu)
			}
		} else {
			p.partialAcked += n
			if p.partialAcked >= p.cwnd && full {
				p.partialAcked -= p.cwnd
				p.cwnd += p.mtu
			}
		}
		if p.flight == 0 {
			p.partialAcked = 0
		}
	}

	// The peer's window (6.2.1 D ii).
	if isSack {
		total := uint32(a.out.flightTotal(a.paths))
		a.peerRwnd = arwnd - min(arwnd, total)
	}

	// T3-rtx (6.3.2 R2, R3).
	for _, p := range a.paths {
		if p.flight == 0 {
			p.t3 = time.Time{}
		} else if cumAcked[p] {
			p.t3 = a.now.Add(p.rto)
		}
	}

	a.advancePeerAck()
	if haveNew || cumAdvanced {
		a.checkDry()
	}
	a.shutdownProgress()
}

// gapsValid: ascending, each Start <= End, starting above the cum ack.
func gapsValid(gaps []wire.GapBlock) bool {
	prev := uint16(0)
	for _, g := range gaps {
		if g.Start == 0 || g.Start > g.End || g.Start <= prev {
			return false
		}
		prev = g.End
	}
	return true
}

// chunkDone accounts a cumulatively acknowledged chunk to its message.
func (a *Association) chunkDone(c *sentChunk) {
	m := c.msg
	if m == nil {
		return
	}
	m.acked++
	if m.fullyCut() && m.acked == m.chunks && !m.abandoned {
		a.sq.buffered -= len(m.m.Data)
	}
}

// checkDry emits SenderDry once nothing is queued or outstanding.
func (a *Association) checkDry() {
	if !a.wasDry && a.out.len() == 0 && a.sq.empty() {
		a.wasDry = true
		a.events.push(SenderDry{})
	}
}
