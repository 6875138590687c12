package assoc

import (
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// Shutdown starts a graceful close (RFC 9260 9.2): queued and outstanding
// data is delivered first, then SHUTDOWN goes out. Before ESTABLISHED it
// takes effect once the association is up. Idempotent. Drain PollTransmit
// after it.
func (a *Association) Shutdown(now time.Time) {
	a.advance(now)
	switch a.state {
	case CookieWait, CookieEchoed:
		a.shutdownRequested = true
	case Established:
		a.shutdownRequested = true
		a.state = ShutdownPending
		a.shutdownProgress()
	}
}

// allAcked: nothing queued and nothing outstanding.
func (a *Association) allAcked() bool { return a.sq.Empty() && a.out.Empty() }

// shutdownProgress sends SHUTDOWN or SHUTDOWN ACK once our data is all
// acknowledged (9.2).
func (a *Association) shutdownProgress() {
	if !a.allAcked() {
		return
	}
	switch a.state {
	case ShutdownPending:
		a.state = ShutdownSent
		a.sendShutdown()
		a.timers[timerT5Guard] = a.now.Add(a.t5Guard())
	case ShutdownReceived:
		a.state = ShutdownAckSent
		a.sendShutdownAck()
	}
}

// sendShutdown queues SHUTDOWN with our cumulative TSN ack and (re)arms T2.
// A SACK goes along when there are gaps (the SHUTDOWN cannot carry them).
func (a *Association) sendShutdown() {
	a.removeCtrl(wire.TypeShutdown)
	a.queueCtrl((&wire.Shutdown{CumTSNAck: a.rx.CumAck()}).AppendTo(nil), a.dataPath())
	if a.rx.HasGaps() {
		a.rx.ForceSack()
	} else if a.sackPending() {
		// The SHUTDOWN carries the cumulative ack: no SACK needed.
		a.rx.FillSack(&a.dropSack, a.rwnd(), 0)
		a.lastRwnd = a.rwnd()
	}
	a.timers[timerT2Shutdown] = a.now.Add(a.dataPath().rto())
}

func (a *Association) sendShutdownAck() {
	a.removeCtrl(wire.TypeShutdownAck)
	a.queueCtrl((&wire.ShutdownAck{}).AppendTo(nil), a.dataPath())
	a.timers[timerT2Shutdown] = a.now.Add(a.dataPath().rto())
}

// handleShutdown processes a SHUTDOWN (9.2).
func (a *Association) handleShutdown(raw wire.RawChunk) {
	var s wire.Shutdown
	if s.Decode(raw) != nil {
		return
	}
	switch a.state {
	case Established, ShutdownPending:
		a.state = ShutdownReceived
		a.events.push(ShutdownEvent{})
		a.shutdownAck(s.CumTSNAck)
		a.shutdownProgress()
	case ShutdownReceived:
		a.shutdownAck(s.CumTSNAck)
	case ShutdownSent:
		// Both sides closed: answer with SHUTDOWN ACK (9.2).
		a.events.push(ShutdownEvent{})
		a.shutdownAck(s.CumTSNAck)
		a.state = ShutdownAckSent
		a.removeCtrl(wire.TypeShutdown)
		a.sendShutdownAck()
	case ShutdownAckSent:
		a.sendShutdownAck()
	}
}

// shutdownAck applies a SHUTDOWN's cumulative TSN ack as a SACK without
// gaps whose window leaves the peer's rwnd as it was.
func (a *Association) shutdownAck(cum wire.TSN) {
	s := &wire.Sack{CumTSNAck: cum, ARwnd: a.peerRwnd + uint32(a.out.OutstandingTotal())}
	a.processAck(s, false)
}

// handleShutdownAck completes the close in SHUTDOWN-SENT or
// SHUTDOWN-ACK-SENT with SHUTDOWN COMPLETE (9.2).
func (a *Association) handleShutdownAck() {
	if a.state != ShutdownSent && a.state != ShutdownAckSent {
		return
	}
	a.ctrl = a.ctrl[:0]
	sc := (&wire.ShutdownComplete{}).AppendTo(nil)
	a.queueAlone(sc, a.peerTag, a.dataPath(), netipZero)
	a.close()
	a.events.push(AssocChange{State: ShutdownComp, OutStreams: a.outStreams, InStreams: a.inStreams})
}

// handleShutdownComplete ends SHUTDOWN-ACK-SENT (9.2).
func (a *Association) handleShutdownComplete() {
	a.ctrl = a.ctrl[:0]
	a.close()
	a.events.push(AssocChange{State: ShutdownComp, OutStreams: a.outStreams, InStreams: a.inStreams})
}

// onT2Shutdown retransmits SHUTDOWN or SHUTDOWN ACK, counting errors
// against Association.Max.Retrans (9.2).
func (a *Association) onT2Shutdown() {
	p := a.dataPath()
	a.rotateLocal(p)
	switch a.state {
	case ShutdownSent:
		p.est.Backoff()
		if a.pathError(p, false) {
			return
		}
		a.sendShutdown()
	case ShutdownAckSent:
		p.est.Backoff()
		if a.pathError(p, false) {
			return
		}
		a.sendShutdownAck()
	}
}

// peerDraining notes new DATA from the peer in SHUTDOWN-SENT: the peer
// acts on our SHUTDOWN by delivering what it still has (9.2), which can
// take many T2-shutdown periods when it backs off on a lossy path. The
// shutdown guard and the error count are for a silent peer: progress
// re-arms the one and clears the other, as an acknowledgement would (8.1),
// so that T2 expiries between the peer's retransmissions do not add up to
// Association.Max.Retrans while it is still answering.
func (a *Association) peerDraining() {
	a.timers[timerT5Guard] = a.now.Add(a.t5Guard())
	a.assocErrors = 0
}

// onT5Guard aborts a shutdown that takes too long (9.2).
func (a *Association) onT5Guard() {
	if a.state == ShutdownSent || a.state == ShutdownAckSent {
		a.abortWith(nil, &Error{Err: ErrPeerUnreachable})
	}
}

// t5Guard is the T5-shutdown-guard duration: 5 * RTO.Max (RFC 9260 9.2),
// but never shorter than the T2 retransmissions Association.Max.Retrans
// allows, so that the error counter, not the guard, decides that a
// responsive peer behind a lossy path is gone.
func (a *Association) t5Guard() time.Duration {
	g := 5 * a.cfg.RTOMax
	var sum time.Duration
	rto := a.cfg.RTOMin
	for range a.cfg.AssocMaxRetrans + 1 {
		sum += rto
		rto = min(2*rto, a.cfg.RTOMax)
	}
	return max(g, sum)
}
