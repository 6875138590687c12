package assoc

import "time"

// Association-wide timers; T3-rtx and the heartbeat timer live per path.
const (
	timerT1Init     = iota // RFC 9260 5.1: INIT retransmission
	timerT1Cookie          // 5.1: COOKIE ECHO retransmission
	timerT2Shutdown        // 9.2: SHUTDOWN / SHUTDOWN ACK retransmission
	timerT5Guard           // 9.2: shutdown guard, 5 * RTO.Max
	numTimers
)

// NextDeadline returns the earliest armed timer (zero: none). It changes
// after HandlePacket, HandleTimeout, PollTransmit and the user calls; the
// owner re-reads it after each.
func (a *Association) NextDeadline() time.Time {
	var d time.Time
	take := func(t time.Time) {
		if !t.IsZero() && (d.IsZero() || t.Before(d)) {
			d = t
		}
	}
	for _, t := range a.timers {
		take(t)
	}
	if a.state != Closed {
		take(a.asconf.t4)
	}
	if a.rx != nil && a.state != Closed {
		take(a.rx.Deadline())
	}
	for _, p := range a.paths {
		take(p.t3)
		take(p.hbAt)
	}
	return d
}

// HandleTimeout runs the timers due at now. Calls before any deadline, or
// repeated calls, change nothing. Drain PollTransmit and PollEvent after it.
func (a *Association) HandleTimeout(now time.Time) {
	a.advance(now)
	if a.state == Closed {
		return
	}
	due := func(t time.Time) bool { return !t.IsZero() && !a.now.Before(t) }
	if due(a.timers[timerT1Init]) {
		a.timers[timerT1Init] = time.Time{}
		a.onT1Init()
	}
	if due(a.timers[timerT1Cookie]) {
		a.timers[timerT1Cookie] = time.Time{}
		a.onT1Cookie()
	}
	if due(a.timers[timerT2Shutdown]) {
		a.timers[timerT2Shutdown] = time.Time{}
		a.onT2Shutdown()
	}
	if due(a.timers[timerT5Guard]) {
		a.timers[timerT5Guard] = time.Time{}
		a.onT5Guard()
	}
	if due(a.asconf.t4) {
		a.asconf.t4 = time.Time{}
		a.onT4() // RFC 5061 5.1 C
	}
	if a.state == Closed {
		return
	}
	if a.rx != nil {
		a.rx.HandleTimeout(a.now) // the delayed SACK (6.2)
	}
	for _, p := range a.paths {
		if a.state == Closed {
			return
		}
		if due(p.t3) {
			p.t3 = time.Time{}
			a.onT3(p)
		}
		if a.state == Closed {
			return
		}
		if due(p.hbAt) {
			p.hbAt = time.Time{}
			a.onHeartbeatTimer(p)
		}
	}
}

// onT3 handles a T3-rtx expiry on p (RFC 9260 6.3.3).
func (a *Association) onT3(p *path) {
	if a.state == CookieEchoed || a.state == CookieWait {
		if a.flight(p) > 0 {
			p.t3 = a.now.Add(p.rto())
		}
		return
	}
	p.cc.OnT3(a.flight(p))            // E1 (7.2.3)
	p.est.Backoff()                   // E2
	a.rotateLocal(p)                  // the pair may be cut: try another source
	a.out.MarkAllForRetransmit(p.idx) // E3
	a.t3Path = p
	if a.pathError(p, false) {
		return
	}
	a.prsctpAfterAck(true) // 3758 3.5 C4: a FORWARD TSN goes again if due
	if a.out.HasRetransmits() || a.fwdPending || a.out.HasOutstandingOn(p.idx) {
		// Restarted by the retransmission too; armed meanwhile so a
		// stalled path keeps counting errors.
		p.t3 = a.now.Add(p.rto())
	}
	switch a.state {
	case ShutdownPending, ShutdownReceived:
		a.shutdownProgress()
	}
}

// jitter returns d spread by ±50% (RFC 9260 8.3).
func (a *Association) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	r := time.Duration(a.ep.rand() % 1000)
	return d/2 + d*r/1000
}
