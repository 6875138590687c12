package assoc

import (
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/stack/internal/tx"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// sendInit queues our INIT (RFC 9260 5.1 A) and arms T1-init.
func (a *Association) sendInit() {
	init := &wire.Init{
		InitiateTag: a.localTag,
		ARwnd:       uint32(min(a.cfg.RecvBuffer, 1<<31)),
		OutStreams:  a.cfg.OutStreams,
		InStreams:   a.cfg.MaxInStreams,
		InitialTSN:  a.myInitialTSN,
	}
	init.Params = append(init.Params, a.ep.addrParams()...)
	if a.preservative > 0 {
		init.Params = append(init.Params, &wire.CookiePreservative{Increment: a.preservative})
	}
	init.Params = append(init.Params, extensionParams(&a.cfg)...)
	if !a.cfg.DisableAddrReconfig {
		if a.auth.localRand == nil {
			a.auth.localRand = newAuthRandom(a.ep.rand)
		}
		init.Params = append(init.Params, authParams(a.auth.localRand)...)
	}
	a.initChunk = init.AppendTo(nil)
	a.retransmitInit()
}

func (a *Association) retransmitInit() {
	p := a.initPath
	if p == nil {
		p = a.primaryPath()
		a.initPath = p
	}
	a.queueAlone(a.initChunk, 0, p, netip.AddrPort{})
	a.initSentAt = a.now
	a.timers[timerT1Init] = a.now.Add(p.rto())
}

// onT1Init retransmits the INIT with RTO back-off, or gives up after
// Max.Init.Retransmits (5.1 C, 6.3.3).
func (a *Association) onT1Init() {
	if a.state != CookieWait {
		return
	}
	a.initRetries++
	if a.initRetries > a.cfg.MaxInitRetransmits {
		a.fail(&Error{Err: ErrInitFailed})
		return
	}
	// connectx: the first reachable address wins. Each expiry moves the
	// INIT to the next peer address (and the timed-out path to its next
	// source address), so a cut primary does not stall the setup.
	p := a.initPath
	if p == nil {
		p = a.primaryPath()
	}
	p.est.Backoff()
	a.rotateLocal(p)
	a.initPath = a.paths[(p.idx+1)%len(a.paths)]
	a.retransmitInit()
}

// onT1Cookie retransmits the COOKIE ECHO likewise.
func (a *Association) onT1Cookie() {
	if a.state != CookieEchoed {
		return
	}
	a.initRetries++
	if a.initRetries > a.cfg.MaxInitRetransmits {
		a.fail(&Error{Err: ErrInitFailed})
		return
	}
	p := a.primaryPath()
	p.est.Backoff()
	a.rotateLocal(p)
	a.sendCookieEcho()
}

func (a *Association) sendCookieEcho() {
	p := a.primaryPath()
	// The COOKIE ECHO goes first so that DATA may follow it (5.1 D).
	a.ctrl = append([]ctrlChunk{{b: a.cookieEcho, to: p}}, a.ctrl...)
	a.initSentAt = a.now
	a.timers[timerT1Cookie] = a.now.Add(p.rto())
}

// handleInitAck processes an INIT ACK in COOKIE-WAIT (5.1 C); elsewhere it
// is discarded (5.2.3).
func (a *Association) handleInitAck(raw wire.RawChunk, in Inbound) {
	if a.state != CookieWait {
		return
	}
	var ack wire.InitAck
	if ack.Decode(raw) != nil {
		return
	}
	if ack.InitiateTag == 0 {
		// 3.3.3: destroy the association.
		a.fail(&Error{Err: ErrProtocolViolation})
		return
	}
	if ack.OutStreams == 0 || ack.InStreams == 0 {
		a.peerTag = ack.InitiateTag
		a.abortWith(&wire.InvalidMandatoryParam{}, &Error{Err: ErrProtocolViolation})
		return
	}
	ck, ok := ack.StateCookie()
	if !ok {
		a.peerTag = ack.InitiateTag
		a.abortWith(&wire.MissingMandatoryParam{Types: []wire.ParamType{wire.ParamStateCookie}}, &Error{Err: ErrProtocolViolation})
		return
	}
	a.peerTag = ack.InitiateTag
	a.prsctp = !a.cfg.DisablePRSCTP && (ack.ForwardTSNSupported() || ack.SupportsExtension(wire.TypeForwardTSN))
	a.timers[timerT1Init] = time.Time{}
	src := a.updatePort(in)
	if src != nil {
		if a.initRetries == 0 {
			src.est.Sample(a.now.Sub(a.initSentAt))
		}
		// The address that answered is reachable: it becomes the
		// primary (connectx) and is confirmed, the INIT ACK carrying
		// our tag back from it (RFC 9260 5.4).
		a.primary = src
		src.confirmed = true
	}
	a.addPeerAddrs(ack.Params, in.Remote)
	a.setupAuth(a.auth.localRand, authPeerFrom(ack.Params))
	a.setupAsconf(peerSupportsAsconf(ack.Params), a.myInitialTSN, ack.InitialTSN)
	a.setupDataPath(a.myInitialTSN, ack.InitialTSN, min(a.cfg.OutStreams, ack.InStreams), min(a.cfg.MaxInStreams, ack.OutStreams), ack.ARwnd)
	a.cookieEcho = (&wire.CookieEcho{Cookie: append([]byte(nil), ck...)}).AppendTo(nil)
	a.initRetries = 0
	a.state = CookieEchoed
	a.sendCookieEcho()
	// Unrecognized parameters the peer reported (3.3.3) are ours to note
	// only; unknown ones it sent with a report bit get an ERROR bundled
	// after the COOKIE ECHO (5.1 C).
	if un := unrecognizedParams(ack.Params); len(un) > 0 {
		var b []byte
		for _, p := range un {
			b = append(b, p.(*wire.UnrecognizedParam).Param...)
		}
		e := &wire.Error{Causes: []wire.Cause{&wire.UnrecognizedParams{Params: b}}}
		a.ctrl = append(a.ctrl[:1], append([]ctrlChunk{{b: e.AppendTo(nil), to: a.primaryPath()}}, a.ctrl[1:]...)...)
	}
}

// handleCookieAck completes setup in COOKIE-ECHOED (5.1 E); elsewhere it is
// a duplicate and discarded (5.2.5).
func (a *Association) handleCookieAck() {
	if a.state != CookieEchoed {
		return
	}
	a.timers[timerT1Cookie] = time.Time{}
	if p := a.primaryPath(); a.initRetries == 0 && p != nil {
		p.est.Sample(a.now.Sub(a.initSentAt))
	}
	a.becomeEstablished()
}

// impliedCookieAck ends COOKIE-ECHOED on the first DATA or SACK from the
// peer when its COOKIE ACK did not arrive (no RTT sample: the time since
// the COOKIE ECHO is not one round trip).
func (a *Association) impliedCookieAck() {
	a.timers[timerT1Cookie] = time.Time{}
	a.becomeEstablished()
}

// becomeEstablished enters ESTABLISHED and reports COMM_UP.
func (a *Association) becomeEstablished() {
	a.timers[timerT1Init] = time.Time{}
	a.timers[timerT1Cookie] = time.Time{}
	a.state = Established
	a.initRetries = 0
	a.events.push(AssocChange{State: CommUp, OutStreams: a.outStreams, InStreams: a.inStreams})
	a.startHeartbeats()
	if a.shutdownRequested {
		a.state = ShutdownPending
		a.shutdownProgress()
	}
}

// establishFromCookie sets up a new association from a verified cookie
// (5.1 D, 5.1.5): ESTABLISHED, COOKIE ACK queued, COMM_UP reported.
func (a *Association) establishFromCookie(c *cookie, from netip.AddrPort) {
	a.localTag, a.peerTag = c.localTag, c.peerTag
	a.prsctp = c.peerPRSCTP
	a.applyCookieExt(c)
	if p := a.findPath(from.Addr()); p == nil {
		a.newPath(netip.AddrPortFrom(from.Addr().Unmap(), from.Port()), true)
	}
	var ps []wire.Param
	for _, ad := range c.peerAddrs {
		ps = append(ps, wire.AddressParam(ad))
	}
	a.addPeerAddrs(ps, from)
	a.setupDataPath(c.localTSN, c.peerTSN, c.outStreams, c.inStreams, c.peerRwnd)
	a.out = tx.NewRetransmit(c.localTSN)
	a.queueCtrl((&wire.CookieAck{}).AppendTo(nil), a.findPath(from.Addr()))
	a.becomeEstablished()
}

// handleStaleCookie applies 5.2.6: a new INIT asking for a longer cookie
// life (twice the staleness), counted as an INIT retransmission.
func (a *Association) handleStaleCookie(sc *wire.StaleCookie) {
	a.initRetries++
	if a.initRetries > a.cfg.MaxInitRetransmits {
		a.fail(&Error{Err: ErrInitFailed, Cause: &wire.StaleCookie{Staleness: sc.Staleness}})
		return
	}
	ms := uint64(sc.Staleness)/1000*2 + 1
	a.preservative = uint32(min(ms, 1<<32-1))
	a.timers[timerT1Cookie] = time.Time{}
	a.removeCtrl(wire.TypeCookieEcho)
	a.peerTag = 0
	a.state = CookieWait
	a.sendInit()
}

// removeCtrl drops queued control chunks of type t.
func (a *Association) removeCtrl(t wire.ChunkType) {
	kept := a.ctrl[:0]
	for _, c := range a.ctrl {
		if len(c.b) > 0 && wire.ChunkType(c.b[0]) == t {
			continue
		}
		kept = append(kept, c)
	}
	a.ctrl = kept
}
