package assoc

import (
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/stack/internal/tx"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// handleInit processes an INIT for an existing association (RFC 9260 5.2.1,
// 5.2.2, 9.2). No state changes: the answer's cookie carries what is needed.
func (a *Association) handleInit(raw wire.RawChunk, in Inbound) {
	var init wire.Init
	if init.Decode(raw) != nil || init.InitiateTag == 0 {
		return
	}
	reply := func(c wire.Chunk) {
		a.queueAlone(c.AppendTo(nil), init.InitiateTag, nil, in.Remote)
	}
	if c, bad := checkInit(&init); bad {
		reply(&wire.Abort{Causes: []wire.Cause{c}})
		return
	}
	if a.state != ShutdownAckSent && a.refuseNewEncapPort(&init, in) {
		return
	}
	h, _ := wire.ParseHeader(in.Packet)
	switch a.state {
	case ShutdownAckSent:
		// 9.2: discard the INIT and retransmit the SHUTDOWN ACK.
		a.queueCtrl((&wire.ShutdownAck{}).AppendTo(nil), a.primaryPath())
		return
	case CookieWait, CookieEchoed:
		// 5.2.1: answer with our original tag and TSN. In COOKIE-ECHOED
		// an INIT adding addresses is refused.
		if a.state == CookieEchoed && a.hasNewAddrs(init.Addresses(), in.Remote.Addr()) {
			reply(a.newAddrsAbort(init.Addresses()))
			return
		}
		ack := a.ep.initAck(a.now, &init, in, h, a.localTag, a.peerTag, a.localTag, a.myInitialTSN, a.auth.localRand)
		reply(ack)
		return
	}
	// 5.2.2: the peer may have restarted. A restart may not add addresses.
	if a.hasNewAddrs(init.Addresses(), in.Remote.Addr()) {
		reply(a.newAddrsAbort(init.Addresses()))
		return
	}
	ack := a.ep.initAck(a.now, &init, in, h, a.localTag, a.peerTag, nonZeroTag(a.ep.rand), wire.TSN(a.ep.rand()), nil)
	reply(ack)
}

// hasNewAddrs reports whether the peer lists an address we have no path
// for (5.2.1, 5.2.2, 5.2.4 A).
func (a *Association) hasNewAddrs(addrs []netip.Addr, src netip.Addr) bool {
	if a.findPath(src) == nil {
		return true
	}
	for _, ad := range addrs {
		if !a.acceptPeerAddr(ad.Unmap(), src) {
			continue
		}
		if a.findPath(ad) == nil {
			return true
		}
	}
	return false
}

func (a *Association) newAddrsAbort(addrs []netip.Addr) *wire.Abort {
	var b []byte
	for _, ad := range addrs {
		if a.findPath(ad) == nil {
			b = wire.AddressParam(ad).AppendTo(b)
		}
	}
	return &wire.Abort{Causes: []wire.Cause{&wire.RestartWithNewAddresses{Addresses: b}}}
}

// handleCookieEchoFirst processes a COOKIE ECHO that opens a packet for an
// existing association (5.2.4) and reports whether the rest of the packet
// is to be processed.
func (a *Association) handleCookieEchoFirst(raw wire.RawChunk, h wire.Header, in Inbound) bool {
	var ce wire.CookieEcho
	_ = ce.Decode(raw)
	c, err := a.ep.openCookie(a.now, ce.Cookie)
	if err != nil || c.localTag != h.VerificationTag || c.peerPort != a.peerPort || c.localPort != a.localPort {
		return false // 8.5.1 D / 5.1.5: silently discard
	}
	localM := c.localTag == a.localTag
	peerM := c.peerTag == a.peerTag
	tiesM := c.localTie == a.localTag && c.peerTie == a.peerTag
	var action byte
	switch {
	case !localM && !peerM && tiesM:
		action = 'A'
	case localM && (!peerM || a.peerTag == 0):
		action = 'B'
	case !localM && peerM && c.localTie == 0 && c.peerTie == 0:
		action = 'C'
	case localM && peerM:
		action = 'D'
	default:
		return false
	}
	if action == 'C' {
		return false // a late cookie: silently discarded
	}
	if action != 'D' && a.now.After(c.expiry()) {
		st := min(a.now.Sub(c.expiry()).Microseconds(), 1<<32-1)
		e := &wire.Error{Causes: []wire.Cause{&wire.StaleCookie{Staleness: uint32(st)}}}
		a.queueAlone(e.AppendTo(nil), c.peerTag, nil, in.Remote)
		return false
	}
	switch action {
	case 'A':
		return a.handleRestart(c, in)
	case 'B':
		// An INIT collision: take the peer's tag from the cookie, stop the
		// setup timers, enter ESTABLISHED.
		a.peerTag = c.peerTag
		src := a.updatePort(in)
		if a.state == CookieWait || a.state == CookieEchoed {
			a.prsctp = c.peerPRSCTP
			a.applyCookieExt(c)
			a.setupDataPath(a.myInitialTSN, c.peerTSN, c.outStreams, c.inStreams, c.peerRwnd)
			a.removeCtrl(wire.TypeCookieEcho)
			a.removeCtrl(wire.TypeInit)
			a.queueCtrl((&wire.CookieAck{}).AppendTo(nil), src)
			a.becomeEstablished()
		} else {
			a.queueCtrl((&wire.CookieAck{}).AppendTo(nil), src)
		}
	case 'D':
		src := a.updatePort(in)
		if a.state == CookieWait || a.state == CookieEchoed {
			// The peer's INIT ACK (or our COOKIE ACK) crossed: same
			// association.
			if a.state == CookieWait {
				a.prsctp = c.peerPRSCTP
				a.applyCookieExt(c)
				a.setupDataPath(a.myInitialTSN, c.peerTSN, c.outStreams, c.inStreams, c.peerRwnd)
				a.removeCtrl(wire.TypeInit)
			}
			a.queueCtrl((&wire.CookieAck{}).AppendTo(nil), src)
			a.becomeEstablished()
		} else {
			a.queueCtrl((&wire.CookieAck{}).AppendTo(nil), src)
		}
	}
	return true
}

// handleRestart is 5.2.4 action A: the peer restarted. Unless we are
// shutting down, the association starts over with the cookie's tags and
// TSNs; undelivered messages fail and RESTART is reported.
func (a *Association) handleRestart(c *cookie, in Inbound) bool {
	if a.state == ShutdownAckSent {
		// 5.2.4 A: retransmit SHUTDOWN ACK with "Cookie Received While
		// Shutting Down", no restart.
		b := (&wire.ShutdownAck{}).AppendTo(nil)
		b = (&wire.Error{Causes: []wire.Cause{&wire.CookieWhileShuttingDown{}}}).AppendTo(b)
		a.queueAlone(b, c.peerTag, nil, in.Remote)
		return false
	}
	if a.hasNewAddrs(c.peerAddrs, in.Remote.Addr()) {
		a.queueAlone(a.newAddrsAbort(c.peerAddrs).AppendTo(nil), c.peerTag, nil, in.Remote)
		return false
	}
	a.failAll(0)
	a.ctrl = a.ctrl[:0]
	a.localTag, a.peerTag = c.localTag, c.peerTag
	a.prsctp = c.peerPRSCTP
	a.applyCookieExt(c)
	a.sq = nil
	for _, p := range a.paths {
		p.cc = tx.NewCongestion(p.mtu)
		p.errors, p.t3, p.hbOutstanding = 0, time.Time{}, false
	}
	a.setupDataPath(c.localTSN, c.peerTSN, c.outStreams, c.inStreams, c.peerRwnd)
	a.out = tx.NewRetransmit(c.localTSN)
	a.unread.Consume(a.unread.Bytes()) // a restart starts with nothing unread
	a.fwdPending = false
	a.assocErrors = 0
	a.timers = [numTimers]time.Time{}
	src := a.updatePort(in)
	a.state = Established
	a.queueCtrl((&wire.CookieAck{}).AppendTo(nil), src)
	a.events.push(AssocChange{State: Restart, OutStreams: a.outStreams, InStreams: a.inStreams})
	a.startHeartbeats()
	return true
}
