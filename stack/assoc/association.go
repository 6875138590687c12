package assoc

import (
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/stack/internal/rx"
	"github.com/udpsctp/udpsctp/stack/internal/tx"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// Inbound is one received SCTP packet and the addresses it came by. The
// caller (the socket layer) has verified the CRC32c.
type Inbound struct {
	Local  netip.AddrPort // our IP and UDP port it arrived on
	Remote netip.AddrPort // peer IP and UDP port (RFC 6951: remembered per peer address)
	Packet []byte         // the whole SCTP packet, valid only during the call
}

// Transmit is one packet to send.
type Transmit struct {
	Local  netip.Addr     // source address to use (zero: any)
	Remote netip.AddrPort // peer IP and UDP port
	Packet []byte         // a slice of the buffer passed to PollTransmit
}

// ctrlChunk is a queued control chunk, already serialized.
type ctrlChunk struct {
	b      []byte
	to     *path          // destination path; nil: dst, or the primary
	dst    netip.AddrPort // explicit destination when to is nil
	tag    uint32         // verification tag when ownTag
	ownTag bool           // tag overrides the peer's tag
	alone  bool           // must travel alone (INIT, INIT ACK, SHUTDOWN COMPLETE, ...)
}

// Association is one SCTP association (RFC 9260). See the package doc for
// the calling contract; every method is single-threaded.
type Association struct {
	ep        *Endpoint
	cfg       Config
	state     State
	now       time.Time
	localPort uint16
	peerPort  uint16
	localTag  uint32
	peerTag   uint32
	err       error // why it closed

	// Negotiated at setup.
	outStreams uint16
	inStreams  uint16
	prsctp     bool // both sides support FORWARD TSN
	auth       authState
	asconf     asconfState

	// Handshake.
	myInitialTSN wire.TSN
	initChunk    []byte // our INIT, for T1-init retransmission
	cookieEcho   []byte // our COOKIE ECHO chunk, for T1-cookie
	initRetries  int
	initSentAt   time.Time
	initPath     *path  // where the INIT goes: T1-init tries each peer address in turn
	preservative uint32 // Cookie Preservative to ask for (ms), after a stale cookie

	paths         []*path
	flightScratch []int // processAck's per-path flight sizes, reused
	primary       *path
	pathSeq       uint32

	// Send side (stack/internal/tx).
	sq           *tx.SendQueue
	out          *tx.Retransmit
	peerRwnd     uint32
	assocErrors  int
	fastRtxBurst bool // send fast-retransmit marks once regardless of cwnd
	fwdPending   bool // a FORWARD TSN is to be sent
	fwdSent      wire.TSN
	t3Path       *path // where the last T3-rtx expired: retransmit elsewhere
	wasDry       bool
	txFwd        wire.ForwardTSN

	// Receive side (stack/internal/rx).
	rx       *rx.Tracker
	reasm    *rx.Reassembly
	unread   rx.Unread // delivered, not yet ReadConsumed
	lastRwnd uint32
	dropSack wire.Sack // FillSack target when a SHUTDOWN replaces the SACK
	sackPath *path
	rxData   wire.Data
	rxSack   wire.Sack
	rxFwd    wire.ForwardTSN
	txData   wire.Data

	ctrl   []ctrlChunk
	timers [numTimers]time.Time
	events eventQueue

	shutdownRequested bool // Shutdown called before ESTABLISHED
}

func newAssociation(e *Endpoint, now time.Time, peerPort uint16) *Association {
	a := &Association{
		ep:        e,
		cfg:       e.cfg,
		now:       now,
		localPort: e.port,
		peerPort:  peerPort,
	}
	return a
}

// setupDataPath sizes the data path once the stream counts are known. The
// retransmission queue is the caller's: DATA may already ride with a
// COOKIE ECHO.
func (a *Association) setupDataPath(myTSN, peerTSN wire.TSN, outStreams, inStreams uint16, peerRwnd uint32) {
	a.myInitialTSN = myTSN
	a.outStreams, a.inStreams = outStreams, inStreams
	if a.sq == nil {
		a.sq = tx.NewSendQueue(outStreams, a.cfg.SendBuffer)
	} else if a.sq.Streams() != int(outStreams) {
		a.resizeSendQueue(outStreams)
	}
	a.rx = rx.NewTracker(peerTSN, rx.TrackerConfig{DelayedAckTime: a.cfg.DelayedAckTime})
	a.reasm = rx.NewReassembly(inStreams, a.cfg.RecvBuffer)
	a.peerRwnd = peerRwnd
	a.lastRwnd = uint32(a.cfg.RecvBuffer)
	for _, p := range a.paths {
		p.cc.SetSSThresh(int(min(peerRwnd, 1<<30))) // 7.2.1
	}
}

// resizeSendQueue applies the negotiated outbound stream count to messages
// queued before it was known: those for streams beyond it fail.
func (a *Association) resizeSendQueue(n uint16) {
	old := a.sq
	a.sq = tx.NewSendQueue(n, a.cfg.SendBuffer)
	for _, m := range old.Drain() {
		if m.Stream >= n || a.sq.Push(m) != nil {
			a.events.push(SendFailed{Msg: m, Unsent: true})
		}
	}
}

// advance moves the association clock; time never goes backwards.
func (a *Association) advance(now time.Time) {
	if now.After(a.now) {
		a.now = now
	}
}

// State returns the association state (RFC 9260 4).
func (a *Association) State() State { return a.state }

// Closed reports whether the association reached CLOSED. Drain
// PollTransmit before dropping it: a last ABORT or SHUTDOWN COMPLETE may
// be queued.
func (a *Association) Closed() bool { return a.state == Closed }

// Err returns why the association closed (nil while open or after a
// graceful shutdown). It wraps ErrAborted, ErrPeerUnreachable, ErrInitFailed
// or ErrProtocolViolation, with the SCTP cause when there was one.
func (a *Association) Err() error { return a.err }

// LocalTag is our verification tag: packets to us carry it. It changes on
// a restart (RFC 9260 5.2.4 action A): re-read after each call.
func (a *Association) LocalTag() uint32 { return a.localTag }

// PeerTag is the peer's verification tag (0 until known).
func (a *Association) PeerTag() uint32 { return a.peerTag }

// PeerPort is the peer's SCTP port.
func (a *Association) PeerPort() uint16 { return a.peerPort }

// LocalPort is our SCTP port.
func (a *Association) LocalPort() uint16 { return a.localPort }

// PollEvent returns the next delivered message or notification, in the
// order they happened; false when none is left. Drain it after every call
// that takes now (and after SetPrimary). Message data is the user's.
func (a *Association) PollEvent() (Event, bool) { return a.events.pop() }

// queueCtrl appends a control chunk for the peer's tag on path p.
func (a *Association) queueCtrl(b []byte, p *path) {
	a.ctrl = append(a.ctrl, ctrlChunk{b: b, to: p})
}

// queueAlone queues a chunk that travels alone with the given tag.
func (a *Association) queueAlone(b []byte, tag uint32, to *path, dst netip.AddrPort) {
	a.ctrl = append(a.ctrl, ctrlChunk{b: b, to: to, dst: dst, tag: tag, ownTag: true, alone: true})
}

// HandlePacket processes a packet the association table matched to this
// association (by verification tag, or by addresses for INIT, COOKIE ECHO
// and packets reflecting our tag). The association applies the tag rules
// of RFC 9260 8.5 itself and drops what fails them. Afterwards drain
// PollTransmit and PollEvent; NextDeadline may have changed.
func (a *Association) HandlePacket(now time.Time, in Inbound) {
	a.advance(now)
	if a.state == Closed {
		return
	}
	pkt := in.Packet
	h, err := wire.ParseHeader(pkt)
	if err != nil || h.DstPort != a.localPort || h.SrcPort != a.peerPort {
		return
	}
	it := wire.NewChunkIter(pkt[wire.HeaderLen:], wire.HeaderLen)
	if !it.Next() {
		return
	}
	first := it.Chunk()
	switch first.Type {
	case wire.TypeInit:
		// RFC 9260 8.5.1 A: vtag 0 and alone; the INIT does not update the
		// remote UDP port of an existing association (RFC 6951 5.5).
		if h.VerificationTag != 0 || it.Next() {
			return
		}
		a.handleInit(first, in)
		return
	case wire.TypeCookieEcho:
		if !a.handleCookieEchoFirst(first, h, in) {
			return
		}
		if !it.Next() {
			return
		}
	case wire.TypeAbort:
		// 8.5.1 B: our tag, or the peer's tag with the T bit.
		if !a.abortTagOK(h.VerificationTag, first.Flags) {
			return
		}
		a.updatePort(in)
		a.handleAbort(first)
		return
	case wire.TypeShutdownComplete:
		// 8.5.1 C.
		if !a.abortTagOK(h.VerificationTag, first.Flags) || a.state != ShutdownAckSent {
			return
		}
		a.handleShutdownComplete()
		return
	case wire.TypeShutdownAck:
		if a.state == CookieWait || a.state == CookieEchoed {
			// 8.5.1 E: treated as out of the blue (8.4 rule 5).
			sc := (&wire.ShutdownComplete{T: true}).AppendTo(nil)
			a.queueAlone(sc, h.VerificationTag, nil, in.Remote)
			return
		}
	}
	if h.VerificationTag != a.localTag {
		return // 8.5: wrong tag, silently discarded
	}
	src := a.updatePort(in)
	a.processChunks(&it, in, src)
}

// processChunks runs the chunk handlers from the iterator's current chunk.
func (a *Association) processChunks(it *wire.ChunkIter, in Inbound, src *path) {
	gotData := false
	immediate := false
	authed := false // an AUTH chunk before this one verified (RFC 4895 6.3)
	for ok := true; ok && a.state != Closed; ok = it.Next() {
		raw := it.Chunk()
		if a.auth.weWantAuth(raw.Type) && !authed {
			continue // must be authenticated and is not: discarded
		}
		if a.state == CookieEchoed && (raw.Type == wire.TypeData || raw.Type == wire.TypeSack) {
			// DATA or SACK with our tag means the peer has our cookie and
			// is up: take it as the COOKIE ACK that was lost, so COMM_UP
			// comes before the data (as BSD and usrsctp do).
			a.impliedCookieAck()
		}
		switch raw.Type {
		case wire.TypeData:
			gotData = true
			if a.handleData(raw, src) {
				immediate = true
			}
		case wire.TypeSack:
			a.handleSack(raw)
		case wire.TypeHeartbeat:
			a.handleHeartbeat(raw, in.Remote, src)
		case wire.TypeHeartbeatAck:
			a.handleHeartbeatAck(raw)
		case wire.TypeAbort:
			if a.abortTagOK(a.localTag, raw.Flags) {
				a.handleAbort(raw)
			}
			return
		case wire.TypeShutdown:
			a.handleShutdown(raw)
		case wire.TypeShutdownAck:
			a.handleShutdownAck()
		case wire.TypeError:
			a.handleError(raw)
		case wire.TypeCookieAck:
			a.handleCookieAck()
		case wire.TypeInitAck:
			a.handleInitAck(raw, in)
			return
		case wire.TypeForwardTSN:
			if !a.prsctp {
				if a.unrecognized(raw) {
					return
				}
				continue
			}
			gotData = true
			a.handleForwardTSN(raw)
		case wire.TypeAuth:
			if !a.auth.on {
				if a.unrecognized(raw) {
					return
				}
				continue
			}
			if !a.verifyAuth(raw, in.Packet) {
				return // 4895 6.3: the rest of the packet is discarded
			}
			authed = true
		case wire.TypeAsconf:
			if !a.asconf.on {
				if a.unrecognized(raw) {
					return
				}
				continue
			}
			a.handleAsconf(raw, in, src)
		case wire.TypeAsconfAck:
			if !a.asconf.on {
				if a.unrecognized(raw) {
					return
				}
				continue
			}
			a.handleAsconfAck(raw, src)
		case wire.TypeInit, wire.TypeShutdownComplete, wire.TypeCookieEcho:
			// Not first in the packet: bundled against RFC 9260 6.10.
			return
		default:
			if a.unrecognized(raw) {
				return
			}
		}
	}
	if gotData && a.rx != nil && (a.state == Established || a.state == ShutdownPending || a.state == ShutdownSent || a.state == CookieEchoed) {
		a.dataPacketDone(immediate, src)
	}
}

// handleError processes an ERROR chunk (RFC 9260 3.3.10).
func (a *Association) handleError(raw wire.RawChunk) {
	var e wire.Error
	if e.Decode(raw) != nil {
		return
	}
	for _, c := range e.Causes {
		if sc, ok := c.(*wire.StaleCookie); ok && a.state == CookieEchoed {
			a.handleStaleCookie(sc)
			return
		}
		a.events.push(RemoteError{Cause: copyCause(c)})
	}
}

// copyCause detaches a decoded cause from the packet buffer.
func copyCause(c wire.Cause) wire.Cause {
	if c == nil {
		return nil
	}
	b := c.AppendTo(nil)
	var e wire.Error
	raw := wire.RawChunk{Type: wire.TypeError, Value: b}
	if e.Decode(raw) != nil || len(e.Causes) == 0 {
		return c
	}
	return e.Causes[0]
}

// close moves to CLOSED and stops every timer.
func (a *Association) close() {
	a.state = Closed
	a.timers = [numTimers]time.Time{}
	for _, p := range a.paths {
		p.t3, p.hbAt = time.Time{}, time.Time{}
	}
}

// failAll reports every queued and outstanding message as failed.
func (a *Association) failAll(code uint16) {
	if a.sq != nil {
		for _, m := range a.sq.Abandoned() {
			a.events.push(SendFailed{Msg: m, Unsent: true, Error: code})
		}
		for _, m := range a.sq.Drain() {
			a.events.push(SendFailed{Msg: m, Unsent: true, Error: code})
		}
	}
	if a.out != nil {
		for _, m := range a.out.Drain() {
			a.events.push(SendFailed{Msg: m, Error: code})
		}
	}
}

// reportAbandoned turns PR-SCTP abandonments into SendFailed events.
func (a *Association) reportAbandoned() {
	for _, m := range a.sq.Abandoned() {
		a.events.push(SendFailed{Msg: m, Unsent: true})
	}
	for _, m := range a.out.Abandoned() {
		a.events.push(SendFailed{Msg: m})
	}
}

// fail ends the association on an error of ours or the network's
// (COMM_LOST): no packet is sent.
func (a *Association) fail(err *Error) {
	if a.state == Closed {
		return
	}
	wasUp := a.state != CookieWait && a.state != CookieEchoed
	a.err = err
	a.ctrl = a.ctrl[:0]
	a.failAll(0)
	a.close()
	st := CommLost
	if !wasUp {
		st = CantStartAssoc
	}
	a.events.push(AssocChange{State: st, OutStreams: a.outStreams, InStreams: a.inStreams, Cause: err.Cause})
}
