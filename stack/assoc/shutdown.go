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
func (a *Association) allAcked() bool { return a.sq.empty() && a.out.len() == 0 }

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
		a.timers[timerT5Guard] = a.now.Add(5 * a.cfg.RTOMax)
	case ShutdownReceived:
		a.state = ShutdownAckSent
		a.sendShutdownAck()
	}
}

// sendShutdown queues SHUTDOWN with our cumulative TSN ack and (re)arms T2.
// A SACK goes along when there are gaps (the SHUTDOWN cannot carry them).
func (a *Association) sendShutdown() {
	a.removeCtrl(wire.TypeShutdown)
	a.queueCtrl((&wire.Shutdown{CumTSNAck: a.rx.cum}).AppendTo(nil), a.primaryPath())
	if len(a.rx.ranges) > 0 || len(a.rx.dups) > 0 {
		a.sackNeeded, a.sackNow = true, true
	} else {
		a.sackNeeded, a.sackNow = false, false
		a.timers[timerDelayedAck] = time.Time{}
	}
	a.timers[timerT2Shutdown] = a.now.Add(a.primaryPath().rto)
}

func (a *Association) sendShutdownAck() {
	a.removeCtrl(wire.TypeShutdownAck)
	a.queueCtrl((&wire.ShutdownAck{}).AppendTo(nil), a.primaryPath())
	a.timers[timerT2Shutdown] = a.now.Add(a.primaryPath().rto)
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
		a.processAck(s.CumTSNAck, 0, nil, false)
		a.shutdownProgress()
	case ShutdownReceived:
		a.processAck(s.CumTSNAck, 0, nil, false)
	case ShutdownSent:
		// Both sides closed: answer with SHUTDOWN ACK (9.2).
		a.events.push(ShutdownEvent{})
		a.processAck(s.CumTSNAck, 0, nil, false)
		a.state = ShutdownAckSent
		a.removeCtrl(wire.TypeShutdown)
		a.sendShutdownAck()
	case ShutdownAckSent:
		a.sendShutdownAck()
	}
}

// handleShutdownAck completes the close in SHUTDOWN-SENT or
// SHUTDOWN-ACK-SENT with SHUTDOWN COMPLETE (9.2).
func (a *Association) handleShutdownAck() {
	if a.state != ShutdownSent && a.state != ShutdownAckSent {
		return
	}
	a.ctrl = a.ctrl[:0]
	sc := (&wire.ShutdownComplete{}).AppendTo(nil)
	a.queueAlone(sc, a.peerTag, a.primaryPath(), netipZero)
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
	p := a.primaryPath()
	switch a.state {
	case ShutdownSent:
		a.backoff(p)
		if a.pathError(p) {
			return
		}
		a.sendShutdown()
	case ShutdownAckSent:
		a.backoff(p)
		if a.pathError(p) {
			return
		}
		a.sendShutdownAck()
	}
}

// onT5Guard aborts a shutdown that takes too long (9.2).
func (a *Association) onT5Guard() {
	if a.state == ShutdownSent || a.state == ShutdownAckSent {
		a.abortWith(nil, &Error{Err: ErrPeerUnreachable})
	}
}
