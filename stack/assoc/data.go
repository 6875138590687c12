package assoc

import (
	"errors"
	"math"
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/stack/internal/rx"
	"github.com/udpsctp/udpsctp/stack/internal/tx"
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
	if len(m.Data) == 0 {
		// RFC 9260 6.2: a DATA chunk carries at least one byte.
		return ErrMessageTooBig
	}
	if len(m.Data) > a.cfg.SendBuffer {
		return ErrMessageTooBig
	}
	if m.Dest.IsValid() && a.findPath(m.Dest) == nil {
		return ErrNoPath // SCTP_ADDR_OVER to an address that is not the peer's
	}
	if m.MaxRetrans == 0 {
		m.MaxRetrans = -1 // see OutMessage
	}
	if a.cfg.DisablePRSCTP || (a.state != CookieWait && !a.prsctp) {
		// No FORWARD TSN could announce an abandonment: fully reliable.
		m.MaxRetrans, m.Deadline = -1, time.Time{}
	}
	switch err := a.sq.Push(m); {
	case err == nil:
	case errors.Is(err, tx.ErrInvalidStream):
		return ErrInvalidStream
	case errors.Is(err, tx.ErrBufferFull):
		return ErrBufferFull
	default:
		return err
	}
	a.wasDry = false
	return nil
}

// ReadConsumed tells the association the user read n bytes of delivered
// data: the receive window grows, and a window update SACK goes out when
// it opens by at least one MTU (RFC 9260 6.2, the SWS avoidance of RFC
// 1122). Delivered but unread bytes count against RecvBuffer. Reads come
// in delivery order (a socket's queue is FIFO per association). It reports
// whether the read gave the association something to send or report
// (PollTransmit, PollEvent); most reads do not, and a caller on the
// request/response path then skips both.
func (a *Association) ReadConsumed(n int) bool {
	if n <= 0 {
		return false
	}
	a.unread.Consume(n)
	if a.state == Closed || a.rx == nil {
		return false
	}
	queued := a.events.len()
	a.popMessages() // partial delivery may resume now that there is room
	// A window update costs a packet; the SACKs of a flowing transfer
	// carry the window anyway. Send one only when the peer may be held
	// back: the window we last advertised was under a quarter of the
	// buffer (or zero) and it has opened by at least one MTU (the SWS
	// avoidance of RFC 1122 4.2.3.3).
	w := a.rwnd()
	if (a.lastRwnd == 0 && w > 0) ||
		(a.lastRwnd < uint32(a.cfg.RecvBuffer/4) && w >= a.lastRwnd+uint32(a.cfg.MTU)) {
		a.rx.ForceSack()
		return true
	}
	return a.events.len() != queued
}

// rwnd is our advertised receive window (RFC 9260 6.2): RecvBuffer less
// the bytes held, and never more than what keeps the bytes plus the
// per-message bookkeeping (rx.Reassembly.Charged, rx.Unread.Charged)
// within twice RecvBuffer. The second bound binds only for messages of
// under ~128 bytes: a peer sending one-byte messages sees the window close
// long before RecvBuffer of them are held (Linux doubles SO_RCVBUF and
// charges skb truesize alike).
func (a *Association) rwnd() uint32 {
	if a.reasm == nil {
		return uint32(a.cfg.RecvBuffer)
	}
	w := min(a.cfg.RecvBuffer-a.reasm.Buffered()-a.unread.Bytes(),
		2*a.cfg.RecvBuffer-a.reasm.Charged()-a.unread.Charged())
	if w <= 0 {
		return 0
	}
	return uint32(min(w, math.MaxUint32)) // a_rwnd is 32 bits
}

// popMessages hands what the reassembly completed to the user.
func (a *Association) popMessages() {
	for {
		m, ok := a.reasm.Pop()
		if !ok {
			return
		}
		a.unread.Deliver(len(m.Data))
		a.events.push(Message{Stream: m.Stream, SSN: m.SSN, PPID: m.PPID, TSN: m.TSN, Unordered: m.Unordered, Data: m.Data, EOR: m.EOR})
	}
}

// handleData processes one DATA chunk (RFC 9260 6.2) and reports whether it
// asks for an immediate SACK (the I bit of RFC 7053).
func (a *Association) handleData(raw wire.RawChunk, src *path) bool {
	switch a.state {
	case Established, ShutdownPending, ShutdownSent, CookieEchoed:
		// In COOKIE-ECHOED the peer is up (our COOKIE ACK is on its
		// way): keep its DATA; the SACK waits for ESTABLISHED.
	default:
		// COOKIE-WAIT (not set up) or the peer already sent SHUTDOWN.
		return false
	}
	if a.rx == nil {
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
	if a.rwnd() == 0 && a.rx.Highest().Less(d.TSN) {
		// 6.2: no room; drop what is beyond the highest TSN received
		// (holes below it may still be filled).
		return true
	}
	if !a.rx.Observe(d.TSN) {
		return false // duplicate (reported in the SACK) or out of window
	}
	if a.state == ShutdownSent {
		a.peerDraining()
	}
	switch err := a.reasm.Add(d); {
	case err == nil:
	case errors.Is(err, rx.ErrInvalidStream):
		// 6.5: ERROR with Invalid Stream; the TSN is still acknowledged.
		e := &wire.Error{Causes: []wire.Cause{&wire.InvalidStream{Stream: d.Stream}}}
		a.queueCtrl(e.AppendTo(nil), src)
		return true
	case errors.Is(err, rx.ErrBufferFull):
		a.rx.Forget(d.TSN) // the peer retransmits it
		return true
	case errors.Is(err, rx.ErrNoUserData):
		a.abortWith(&wire.NoUserData{TSN: d.TSN}, &Error{Err: ErrProtocolViolation})
		return false
	case errors.Is(err, rx.ErrProtocol) && a.prsctp:
		// With PR-SCTP a sender may abandon a message half sent and go
		// on with the next one before its FORWARD TSN arrives: refuse
		// the chunk unacknowledged, the peer retransmits it after.
		a.rx.Forget(d.TSN)
		return true
	default:
		a.abortWith(&wire.ProtocolViolation{Info: []byte(err.Error())}, &Error{Err: ErrProtocolViolation})
		return false
	}
	a.popMessages()
	return d.Immediate
}

// dataPacketDone applies the SACK timing rules (RFC 9260 6.2) after a packet
// with DATA or FORWARD TSN: the Tracker decides between an immediate and a
// delayed SACK.
func (a *Association) dataPacketDone(immediate bool, src *path) {
	a.rx.PacketDone(a.now, immediate)
	if a.state == ShutdownSent {
		// 9.2: answer DATA in SHUTDOWN-SENT with SACK and SHUTDOWN, and
		// restart T2.
		a.sendShutdown()
		a.rx.ForceSack()
	}
}

// sackPending: a SACK is owed, now or when the delayed-ack timer fires.
func (a *Association) sackPending() bool {
	return a.rx != nil && (a.rx.SackNow() || !a.rx.Deadline().IsZero())
}

// sackLenMax bounds a SACK's size: header, gaps that fit, 32 duplicates.
const sackFixed = 16 + 4*32

// appendSack appends a SACK for the current receive state.
func (a *Association) appendSack(b []byte, room int) []byte {
	maxGaps := max((room-sackFixed)/4, 0)
	s := &a.rxSack
	w := a.rwnd()
	a.rx.FillSack(s, w, maxGaps)
	a.lastRwnd = w
	return s.AppendTo(b)
}

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

	// Pick the destination (RFC 9260 6.4): the first control chunk's; else
	// that of a due SACK, which goes to the source of the DATA it
	// acknowledges; else where DATA is due.
	var first *ctrlChunk
	for i := range a.ctrl {
		if !a.ctrl[i].alone {
			first = &a.ctrl[i]
			break
		}
	}
	cookieFirst := first != nil && a.state == CookieEchoed && a.ctrl[0].b[0] == byte(wire.TypeCookieEcho)
	dataOK := a.sendingData() || cookieFirst
	var dataDst *path
	if dataOK {
		dataDst = a.dataDue()
	}
	sackOK := a.rx != nil && a.state != CookieWait && a.state != CookieEchoed
	sackDue := sackOK && a.rx.SackNow()
	var dst *path
	var dstAddr netip.AddrPort
	switch {
	case first != nil && first.to == nil && first.dst.IsValid():
		dstAddr = first.dst // a reply to an address that has no path
	case first != nil:
		dst = first.to
		if dst == nil {
			dst = a.dataPath()
		}
	case sackDue && a.sackPath != nil:
		dst = a.sackPath
	case dataDst != nil:
		dst = dataDst
	case sackDue || (a.fwdPending && a.prsctp):
		dst = a.dataPath()
	}
	if dst != nil {
		dstAddr = dst.remote
	}
	if !dstAddr.IsValid() {
		return Transmit{}, false
	}
	mtu := a.cfg.MTU
	if dst != nil {
		mtu = dst.mtu
	}
	mtu -= a.authRoom()
	b := wire.AppendHeader(buf[:0], wire.Header{SrcPort: a.localPort, DstPort: a.peerPort, VerificationTag: a.peerTag})
	start := len(b)

	// Control chunks for this destination, in order.
	kept := a.ctrl[:0]
	for i, c := range a.ctrl {
		same := c.to == dst || (c.to == nil && (!c.dst.IsValid() || c.dst == dstAddr))
		if c.alone || !same || len(b)+len(c.b) > mtu && len(b) > start {
			kept = append(kept, a.ctrl[i])
			continue
		}
		b = append(b, c.b...)
	}
	clear(a.ctrl[len(kept):])
	a.ctrl = kept

	// A SACK rides only to its own path (6.4): bundled with a HEARTBEAT to
	// another address it would be lost with that address.
	sackHere := a.sackPath == nil || a.sackPath == dst
	if sackOK && sackHere && a.sackPending() && (sackDue || len(b) > start || (dataDst != nil && dataDst == dst)) {
		if len(b)+sackFixed <= mtu || len(b) == start {
			b = a.appendSack(b, mtu-len(b))
		}
	}
	if a.fwdPending && a.prsctp {
		b = a.appendForwardTSN(b, mtu, dst)
	}
	// DATA only to the path it is due on: never with a HEARTBEAT to an
	// unconfirmed or inactive address (5.4, 8.2).
	if dataDst != nil && dst == dataDst {
		b = a.appendData(b, dst, mtu, cookieFirst)
	}
	if len(b) == start {
		return Transmit{}, false
	}
	b = a.authenticate(b, start)
	wire.Finish(b)
	tr := Transmit{Remote: dstAddr, Packet: b}
	if dst == nil {
		dst = a.findPath(dstAddr.Addr())
	}
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
	if a.out.HasRetransmits() {
		p := a.rtxPath()
		if (a.fastRtxBurst && a.out.HasFastRetransmits()) || a.flight(p) < p.cc.Cwnd() {
			return p
		}
		return nil // retransmissions first (6.1 C)
	}
	p := a.overPath()
	if p == nil {
		p = a.dataPath()
	}
	if p == nil || !a.newDataAllowed(p) {
		return nil
	}
	return p
}

// rtxPath is where retransmissions go: after a T3-rtx expiry an active
// alternate of the path that timed out (RFC 9260 6.4.1), else the data path.
func (a *Association) rtxPath() *path {
	if a.t3Path != nil {
		return a.altPath(a.t3Path)
	}
	return a.dataPath()
}

// newDataAllowed applies cwnd (6.1 B), the peer's rwnd with zero window
// probing (6.1 A) and the Nagle-like hold to new data on p.
func (a *Association) newDataAllowed(p *path) bool {
	if a.sq.Empty() {
		return false
	}
	if a.flight(p) >= p.cc.Cwnd() {
		return false
	}
	total := a.out.OutstandingTotal()
	next := min(a.sq.NextLen(), p.maxPayload())
	if uint32(next) > a.peerRwnd && total > 0 {
		return false // 6.1 A; with nothing in flight one chunk probes the window
	}
	if a.nagle(total) {
		return false
	}
	return true
}

// nagle: hold a small message while data is in flight (unless NoDelay).
func (a *Association) nagle(inFlight int) bool {
	return !a.cfg.NoDelay && inFlight > 0 && a.sq.Unsent() < a.dataPath().maxPayload() &&
		!a.shutdownRequested && a.state == Established
}

// appendData adds retransmissions and then new DATA chunks for p.
func (a *Association) appendData(b []byte, p *path, mtu int, cookie bool) []byte {
	sent := false
	rtx := a.out.HasRetransmits() && !cookie
	if rtx {
		burst := a.fastRtxBurst && a.out.HasFastRetransmits()
		for {
			if !burst && a.flight(p) >= p.cc.Cwnd() {
				break
			}
			room := mtu - len(b) - 16
			if room <= 0 || !a.out.NextRetransmit(a.now, p.idx, room, &a.txData) {
				break
			}
			b = a.txData.AppendTo(b)
			a.peerRwnd -= min(a.peerRwnd, uint32(len(a.txData.UserData)))
			sent = true
		}
		a.fastRtxBurst = false
		a.prsctpAfterAck(false) // NextRetransmit may have abandoned messages
		if a.out.HasRetransmits() {
			return a.afterSend(b, p, sent)
		}
		a.t3Path = nil
	}
	for !a.sq.Empty() {
		room := mtu - len(b) - 16
		if room <= 0 || a.flight(p) >= p.cc.Cwnd() || !a.newDataFits(p, rtx) {
			break
		}
		total := a.out.OutstandingTotal()
		rest := a.sq.NextLen()
		if rest > room && rest <= p.maxPayload() && len(b) > wire.HeaderLen {
			break // fits whole in the next packet: do not split it here
		}
		n := min(rest, room, p.maxPayload())
		if uint32(n) > a.peerRwnd && total > 0 {
			break
		}
		if !sent && a.nagle(total) {
			break
		}
		ref, ok := a.sq.Next(a.now, n, &a.txData)
		if !ok {
			break
		}
		a.out.Add(a.now, p.idx, &a.txData, ref)
		b = a.txData.AppendTo(b)
		a.peerRwnd -= min(a.peerRwnd, uint32(len(a.txData.UserData)))
		sent = true
		if total == 0 && uint32(n) > a.peerRwnd {
			break // zero window probe: one chunk
		}
	}
	a.reportAbandoned()
	return a.afterSend(b, p, sent)
}

// afterSend starts T3-rtx for p when data went out (6.3.2 R1).
func (a *Association) afterSend(b []byte, p *path, sent bool) []byte {
	if sent {
		p.lastSend = a.now
		if p.t3.IsZero() {
			p.t3 = a.now.Add(p.rto())
		}
	}
	return b
}
