package assoc

import (
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// Send queues a message. Messages may be queued from COOKIE-WAIT on; they
// ride after the COOKIE ECHO when they fit (RFC 9260 5.1 D). Errors:
// ErrInvalidStream, ErrBufferFull (retry once data is acknowledged),
// ErrMessageTooBig (larger than SendBuffer), ErrShutdown, ErrClosed.
// The association owns m.Data afterwards. Drain PollTransmit after it.
func (a *Association) Send(now time.Time, m OutMessage) error {
	a.advance(now)
	switch a.state {
	case Closed:
		return ErrClosed
	case ShutdownPending, ShutdownSent, ShutdownReceived, ShutdownAckSent:
		return ErrShutdown
	}
	if a.shutdownRequested {
		return ErrShutdown
	}
	if int(m.Stream) >= len(a.sq.streams) {
		return ErrInvalidStream
	}
	if len(m.Data) == 0 {
		// RFC 9260 6.2: a DATA chunk carries at least one byte.
		return ErrMessageTooBig
	}
	if len(m.Data) > a.cfg.SendBuffer {
		return ErrMessageTooBig
	}
	if a.sq.buffered+len(m.Data) > a.cfg.SendBuffer {
		return ErrBufferFull
	}
	a.sq.push(&outMsg{m: m})
	a.wasDry = false
	return nil
}

// ReadConsumed tells the association the user read n bytes of delivered
// data: the receive window grows, and a window update SACK goes out when
// it opens by at least one MTU (RFC 9260 6.2, the SWS avoidance of RFC
// 1122). Delivered but unread bytes count against RecvBuffer.
func (a *Association) ReadConsumed(n int) {
	if n <= 0 {
		return
	}
	a.unread = max(a.unread-n, 0)
	if a.state == Closed {
		return
	}
	if w := a.rwnd(); w >= a.lastRwnd+uint32(a.cfg.MTU) || (a.lastRwnd == 0 && w > 0) {
		a.sackNeeded, a.sackNow = true, true
	}
}

// rwnd is our advertised receive window (RFC 9260 6.2).
func (a *Association) rwnd() uint32 {
	used := a.reasm.held + a.unread
	if used >= a.cfg.RecvBuffer {
		return 0
	}
	return uint32(a.cfg.RecvBuffer - used)
}

// deliver queues a received message for the user.
func (a *Association) deliver(m Message) {
	a.unread += len(m.Data)
	a.events.push(m)
}

// handleData processes one DATA chunk (RFC 9260 6.2) and reports whether it
// asks for an immediate SACK.
func (a *Association) handleData(raw wire.RawChunk, src *path) bool {
	switch a.state {
	case Established, ShutdownPending, ShutdownSent, CookieEchoed:
		// In COOKIE-ECHOED the peer is up (our COOKIE ACK is on its
		// way): keep its DATA; the SACK waits for ESTABLISHED.
	default:
		// COOKIE-WAIT (not set up) or the peer already sent SHUTDOWN.
		return false
	}
	d := &a.rxData
	if d.Decode(raw) != nil {
		return false
	}
	if src != nil {
		a.sackPath = src
	}
	if len(d.UserData) == 0 {
		// RFC 9260 6.2: ABORT with "No User Data".
		a.abortWith(&wire.NoUserData{TSN: d.TSN}, &Error{Err: ErrProtocolViolation})
		return false
	}
	if a.rx.has(d.TSN) {
		a.rx.dup(d.TSN)
		return true
	}
	if !a.rx.inWindow(d.TSN) {
		return true
	}
	if a.rwnd() == 0 && a.rx.highest.Less(d.TSN) {
		// 6.2: no room; drop what is beyond the highest TSN received.
		return true
	}
	a.rx.add(d.TSN)
	if a.state == ShutdownSent {
		// The peer still drains its data: the guard is for a silent peer,
		// so progress re-arms it.
		a.timers[timerT5Guard] = a.now.Add(5 * a.cfg.RTOMax)
	}
	if d.Stream >= a.inStreams {
		// 6.5: ERROR with Invalid Stream; the TSN is still acknowledged.
		e := &wire.Error{Causes: []wire.Cause{&wire.InvalidStream{Stream: d.Stream}}}
		a.queueCtrl(e.AppendTo(nil), src)
		return true
	}
	a.reasm.add(d, a.deliver)
	return d.Immediate || len(a.rx.ranges) > 0
}

// dataPacketDone applies the SACK timing rules (RFC 9260 6.2) after a packet
// with DATA: every second packet, gaps, duplicates and the I bit are
// acknowledged at once; otherwise the delayed-ack timer runs.
func (a *Association) dataPacketDone(immediate bool, src *path) {
	a.sackNeeded = true
	a.dataPackets++
	if immediate || a.dataPackets >= 2 || len(a.rx.dups) > 0 || a.state == ShutdownSent {
		a.sackNow = true
	}
	if a.state == ShutdownSent {
		// 9.2: answer DATA in SHUTDOWN-SENT with SACK and SHUTDOWN, and
		// restart T2.
		a.sendShutdown()
	}
	if !a.sackNow && a.timers[timerDelayedAck].IsZero() {
		a.timers[timerDelayedAck] = a.now.Add(a.cfg.DelayedAckTime)
	}
}

// appendSack appends a SACK for the current receive state.
func (a *Association) appendSack(b []byte, room int) []byte {
	maxGaps := max((room-4-12-4*len(a.rx.dups))/4, 0)
	s := &a.rxSack
	w := a.rwnd()
	a.rx.fillSack(s, w, maxGaps)
	a.lastRwnd = w
	a.sackNeeded, a.sackNow = false, false
	a.dataPackets = 0
	a.timers[timerDelayedAck] = time.Time{}
	return s.AppendTo(b)
}

func sackLen(t *tracker) int { return 16 + 4*len(t.ranges) + 4*len(t.dups) }

// sendingData reports whether DATA may be sent in the current state.
func (a *Association) sendingData() bool {
	switch a.state {
	case Established, ShutdownPending, ShutdownReceived:
		return true
	}
	return false
}

// PollTransmit writes the next packet into buf (which should hold at least
// Config.MTU bytes) and returns it: control chunks first, then a SACK, a
// FORWARD TSN, retransmissions and new DATA, up to the path MTU and within
// cwnd and the peer's window (RFC 9260 6.1). Call it until it returns
// false after every other call. It may start T3-rtx (NextDeadline changes).
func (a *Association) PollTransmit(now time.Time, buf []byte) (Transmit, bool) {
	a.advance(now)
	if len(a.ctrl) > 0 && a.ctrl[0].alone {
		c := a.ctrl[0]
		a.ctrl = a.ctrl[1:]
		tr := a.transmitTo(c.to, c.dst)
		b := wire.AppendHeader(buf[:0], wire.Header{SrcPort: a.localPort, DstPort: a.peerPort, VerificationTag: c.tag})
		b = append(b, c.b...)
		wire.Finish(b)
		tr.Packet = b
		return tr, true
	}
	if a.state == Closed {
		a.ctrl = a.ctrl[:0]
		return Transmit{}, false
	}
	if a.peerTag == 0 {
		return Transmit{}, false
	}
	a.expireUnsent()

	// Pick the destination: the first control chunk's, else where DATA is
	// due, else where the SACK goes.
	var dst *path
	var dstAddr = a.primaryPath().remote
	haveCtrl := false
	for _, c := range a.ctrl {
		if !c.alone {
			dst, haveCtrl = c.to, true
			if dst == nil && c.dst.IsValid() {
				dstAddr = c.dst
			}
			break
		}
	}
	cookieFirst := haveCtrl && a.state == CookieEchoed && len(a.ctrl) > 0 && a.ctrl[0].b[0] == byte(wire.TypeCookieEcho)
	dataOK := a.sendingData() || cookieFirst
	sackDue := a.sackNeeded && a.sackNow
	if !haveCtrl {
		if dataOK {
			dst = a.dataDue()
		}
		if dst == nil && !sackDue && !(a.fwdPending && a.prsctp) {
			return Transmit{}, false
		}
	}
	if dst == nil && !(haveCtrl && a.ctrl[0].dst.IsValid() && a.ctrl[0].to == nil) {
		if !haveCtrl && sackDue && a.sackPath != nil {
			dst = a.sackPath
		} else {
			dst = a.primaryPath()
		}
	}
	if dst != nil {
		dstAddr = dst.remote
	}
	mtu := a.cfg.MTU
	if dst != nil {
		mtu = dst.mtu
	}
	b := wire.AppendHeader(buf[:0], wire.Header{SrcPort: a.localPort, DstPort: a.peerPort, VerificationTag: a.peerTag})
	start := len(b)

	// Control chunks for this destination, in order.
	kept := a.ctrl[:0]
	for i, c := range a.ctrl {
		same := c.to == dst && (c.to != nil || !c.dst.IsValid() || c.dst == dstAddr)
		if c.alone || !same || len(b)+len(c.b) > mtu && len(b) > start {
			kept = append(kept, a.ctrl[i])
			continue
		}
		b = append(b, c.b...)
	}
	clear(a.ctrl[len(kept):])
	a.ctrl = kept

	if a.sackNeeded && (sackDue || len(b) > start || dataOK) && a.state != CookieWait && a.state != CookieEchoed {
		if len(b)+sackLen(&a.rx) <= mtu || len(b) == start {
			b = a.appendSack(b, mtu-len(b))
		}
	}
	if a.fwdPending && a.prsctp {
		b = a.appendForwardTSN(b, mtu)
	}
	if dataOK && dst != nil {
		b = a.appendData(b, dst, mtu, cookieFirst)
	}
	if len(b) == start {
		return Transmit{}, false
	}
	wire.Finish(b)
	tr := Transmit{Remote: dstAddr, Packet: b}
	if dst != nil {
		tr.Local = dst.local
	}
	return tr, true
}

// transmitTo resolves a control chunk's destination.
func (a *Association) transmitTo(p *path, dst netip.AddrPort) Transmit {
	if p == nil && dst.IsValid() {
		return Transmit{Remote: dst}
	}
	if p == nil {
		p = a.primaryPath()
	}
	if p == nil {
		return Transmit{Remote: dst}
	}
	return Transmit{Local: p.local, Remote: p.remote}
}

// dataDue returns the path DATA would go to now, or nil when nothing may be
// sent (nothing queued, or cwnd, rwnd or Nagle hold it).
func (a *Association) dataDue() *path {
	if a.out.marked > 0 {
		for _, c := range a.out.chunks() {
			if c.mark != markNone && !c.abandoned {
				p := a.rtxPathFor(c)
				if (c.mark == markFast && a.fastRtxBurst) || p.flight < p.cwnd {
					return p
				}
				break
			}
		}
	}
	p := a.dataPath()
	if p == nil || !a.newDataAllowed(p) {
		return nil
	}
	return p
}

// rtxPathFor is where a marked chunk is retransmitted (RFC 9260 6.4.1).
func (a *Association) rtxPathFor(c *sentChunk) *path {
	if c.mark == markT3 {
		return a.altPath(c.path)
	}
	if c.path.usable() {
		return c.path
	}
	return a.altPath(c.path)
}

// newDataAllowed applies cwnd (6.1 B), the peer's rwnd with zero window
// probing (6.1 A) and the Nagle-like hold to new data on p.
func (a *Association) newDataAllowed(p *path) bool {
	if a.sq.empty() {
		return false
	}
	if p.flight >= p.cwnd {
		return false
	}
	total := a.out.flightTotal(a.paths)
	next := min(a.sq.nextLen(), p.maxPayload())
	if uint32(next) > a.peerRwnd && total > 0 {
		return false // 6.1 A; with nothing in flight one chunk probes the window
	}
	if !a.cfg.NoDelay && total > 0 && a.sq.peekLen() < p.maxPayload() && !a.shutdownRequested && a.state == Established {
		return false
	}
	return true
}

// appendData adds retransmissions and then new DATA chunks for p.
func (a *Association) appendData(b []byte, p *path, mtu int, cookie bool) []byte {
	sent := false
	if a.out.marked > 0 && !cookie {
		burst := a.fastRtxBurst
		for _, c := range a.out.chunks() {
			if c.mark == markNone || c.abandoned || a.rtxPathFor(c) != p {
				continue
			}
			if !(burst && c.mark == markFast) && p.flight >= p.cwnd {
				break
			}
			if len(b)+16+len(c.d.UserData) > mtu {
				break
			}
			if a.abandonIfDue(c) {
				continue
			}
			b = c.d.AppendTo(b)
			a.out.clearMark(c)
			a.markSent(c, p)
			sent = true
		}
		a.fastRtxBurst = false
		if a.out.marked > 0 {
			// Retransmissions come first (6.1 C): no new data yet.
			return a.afterSend(b, p, sent)
		}
	}
	for !a.sq.empty() {
		room := mtu - len(b) - 16
		if room <= 0 || p.flight >= p.cwnd {
			break
		}
		total := a.out.flightTotal(a.paths)
		rest := a.sq.nextLen()
		if rest > room && rest <= p.maxPayload() && len(b) > wire.HeaderLen {
			break // fits whole in the next packet: do not split it here
		}
		n := min(rest, room, p.maxPayload())
		if uint32(n) > a.peerRwnd && total > 0 {
			break
		}
		if !a.cfg.NoDelay && total > 0 && !sent && a.sq.peekLen() < p.maxPayload() && !a.shutdownRequested && a.state == Established {
			break
		}
		m := a.sq.next(n, &a.txData)
		if m == nil {
			break
		}
		c := &sentChunk{d: a.txData, msg: m}
		c.d.TSN = a.out.nextTSN
		a.out.nextTSN++
		a.out.add(c)
		b = c.d.AppendTo(b)
		a.markSent(c, p)
		sent = true
		if total == 0 && uint32(n) > a.peerRwnd {
			break // zero window probe: one chunk
		}
	}
	return a.afterSend(b, p, sent)
}

// markSent records a (re)transmission of c on p.
func (a *Association) markSent(c *sentChunk, p *path) {
	c.path = p
	c.sends++
	c.sentAt = a.now
	c.inFlight = true
	c.misses = 0
	p.flight += c.size()
	a.peerRwnd -= min(a.peerRwnd, uint32(c.size()))
}

// afterSend starts T3-rtx for p when data went out (6.3.2 R1).
func (a *Association) afterSend(b []byte, p *path, sent bool) []byte {
	if sent {
		p.lastSend = a.now
		if p.t3.IsZero() {
			p.t3 = a.now.Add(p.rto)
		}
	}
	return b
}
