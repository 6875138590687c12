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
	a.processAck(s, true)
}

// processAck feeds a SACK (or the cumulative ack of a SHUTDOWN, as a SACK
// without gaps) to the retransmission queue and applies what it reports:
// congestion control per path, the RTT sample, error counters, T3-rtx
// rules, PR-SCTP and the shutdown's progress.
func (a *Association) processAck(s *wire.Sack, isSack bool) {
	// Reused across SACKs: this runs for every SACK of a transfer.
	flightBefore := a.flightScratch[:0]
	for _, p := range a.paths {
		flightBefore = append(flightBefore, a.flight(p))
	}
	a.flightScratch = flightBefore
	res, err := a.out.HandleSack(a.now, s)
	if err != nil {
		// It acknowledges a TSN we never sent.
		a.abortWith(&wire.ProtocolViolation{Info: []byte("cumulative TSN ack beyond sent TSNs")}, &Error{Err: ErrProtocolViolation})
		return
	}
	if res.Ignored {
		return
	}
	if isSack && s.ARwnd == 0 {
		// RFC 9260 6.1 A: while the peer keeps answering our zero window
		// probes, the unacknowledged probes do not count as errors: a
		// reader that pauses must not get the association torn down.
		a.pathAlive(a.dataPath())
	}
	if res.EnteredFastRecovery {
		for _, i := range res.FastRetransmitPaths {
			if i >= 0 && i < len(a.paths) {
				a.paths[i].cc.OnFastRetransmit(flightBefore[i])
			}
		}
	}
	if res.FastRetransmit {
		a.fastRtxBurst = true
	}
	if res.RTT > 0 && res.RTTPath >= 0 && res.RTTPath < len(a.paths) {
		a.paths[res.RTTPath].est.Sample(res.RTT)
	}
	inFR := a.out.InFastRecovery()
	for i, p := range a.paths {
		n := 0
		if i < len(res.AckedBytes) {
			n = res.AckedBytes[i]
		}
		if n > 0 {
			a.pathAlive(p) // 8.1, 8.2: an acknowledgement clears the counters
			p.cc.OnAck(a.now, n, flightBefore[i], res.CumAdvanced, inFR)
		}
		// T3-rtx (6.3.2 R2, R3).
		switch {
		case !a.out.HasOutstandingOn(i) && (a.out.Empty() || !a.prsctp || p != a.dataPath()):
			p.t3 = time.Time{}
		case !a.out.HasOutstandingOn(i):
			// Only abandoned chunks left: the FORWARD TSN that skips
			// them is what is outstanding; T3 resends it if lost.
			if p.t3.IsZero() {
				p.t3 = a.now.Add(p.rto())
			}
		case res.CumAdvanced && n > 0, p.t3.IsZero():
			p.t3 = a.now.Add(p.rto())
		}
	}
	if isSack {
		a.peerRwnd = res.PeerRwnd
	}
	a.prsctpAfterAck(true)
	if res.AllAcked && a.sq.Empty() {
		a.checkDry()
	}
	a.shutdownProgress()
}

// checkDry emits SenderDry once nothing is queued or outstanding.
func (a *Association) checkDry() {
	if !a.wasDry && a.out.Empty() && a.sq.Empty() {
		a.wasDry = true
		a.events.push(SenderDry{})
	}
}
