package assoc

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"sync"
	"time"

	"github.com/udpsctp/udpsctp/stack/internal/tx"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// Endpoint is the state one SCTP port keeps outside any association: its
// config, local port and addresses, and the cookie secret (rotating, the
// previous one still accepted). It answers packets that match no
// association without creating state (RFC 9260 5.1.3, 8.4). Safe for
// concurrent use.
type Endpoint struct {
	mu         sync.Mutex
	cfg        Config
	port       uint16
	localAddrs []netip.Addr
	secrets    [2][]byte // current, previous
	rotatedAt  time.Time
}

// NewEndpoint returns the endpoint of SCTP port port. Port 0 makes the
// closed-port endpoint, which answers packets to any unbound port as RFC
// 9260 8.4 says and accepts nothing.
func NewEndpoint(port uint16, cfg Config) *Endpoint {
	return &Endpoint{cfg: cfg.withDefaults(), port: port}
}

// SetConfig replaces the parameters new associations of this endpoint
// start with (existing ones keep theirs). Not safe concurrently with
// HandleUnmatched or Connect: the owner serializes it with them.
func (e *Endpoint) SetConfig(cfg Config) {
	e.cfg = cfg.withDefaults()
}

// Port returns the endpoint's SCTP port.
func (e *Endpoint) Port() uint16 { return e.port }

// SetLocalAddrs sets the addresses advertised in INIT and INIT ACK (none:
// the peer uses the packet's source address only).
func (e *Endpoint) SetLocalAddrs(addrs []netip.Addr) {
	e.mu.Lock()
	e.localAddrs = append([]netip.Addr(nil), addrs...)
	e.mu.Unlock()
}

func (e *Endpoint) addrParams() []wire.Param {
	e.mu.Lock()
	defer e.mu.Unlock()
	ps := make([]wire.Param, 0, len(e.localAddrs))
	for _, a := range e.localAddrs {
		ps = append(ps, wire.AddressParam(a))
	}
	return ps
}

// rand draws from Config.Rand under the endpoint's lock.
func (e *Endpoint) rand() uint32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.cfg.Rand()
}

// secretPeriod is how long a secret signs new cookies; the previous one
// verifies for another period, which covers the longest cookie life.
func (e *Endpoint) secretPeriod() time.Duration {
	return max(e.cfg.ValidCookieLife+e.cfg.MaxCookiePreservative, time.Minute)
}

func (e *Endpoint) newSecret() []byte {
	s := make([]byte, 32)
	for i := 0; i < 32; i += 4 {
		binary.BigEndian.PutUint32(s[i:], e.cfg.Rand())
	}
	return s
}

// currentSecrets rotates if due and returns (current, previous).
func (e *Endpoint) currentSecrets(now time.Time) ([]byte, []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.secrets[0] == nil {
		e.secrets[0] = e.newSecret()
		e.rotatedAt = now
	} else if now.Sub(e.rotatedAt) >= e.secretPeriod() {
		e.secrets[1] = e.secrets[0]
		e.secrets[0] = e.newSecret()
		e.rotatedAt = now
	}
	return e.secrets[0], e.secrets[1]
}

// signCookie serializes and signs c.
func (e *Endpoint) signCookie(now time.Time, c *cookie) []byte {
	cur, _ := e.currentSecrets(now)
	return c.marshal(nil, cur)
}

// openCookie checks the signature (current or previous secret) and decodes.
func (e *Endpoint) openCookie(now time.Time, raw []byte) (*cookie, error) {
	cur, prev := e.currentSecrets(now)
	if !verifyMAC(raw, cur) && (prev == nil || !verifyMAC(raw, prev)) {
		return nil, errBadCookie
	}
	return unmarshalCookie(raw)
}

// Connect creates an association in COOKIE-WAIT whose INIT is queued
// (retransmitted by T1-init). remotes: the peer's addresses (IP and UDP
// port), the first is the primary; peerPort: the peer's SCTP port.
func (e *Endpoint) Connect(now time.Time, remotes []netip.AddrPort, peerPort uint16) (*Association, error) {
	if len(remotes) == 0 || !remotes[0].IsValid() {
		return nil, errors.New("sctp: no peer address")
	}
	if peerPort == 0 {
		return nil, errors.New("sctp: peer port 0")
	}
	a := newAssociation(e, now, peerPort)
	for i, r := range remotes {
		if r.IsValid() && a.findPath(r.Addr()) == nil {
			a.newPath(netip.AddrPortFrom(r.Addr().Unmap(), r.Port()), i == 0)
		}
	}
	a.localTag = nonZeroTag(e.rand)
	a.sq = tx.NewSendQueue(a.cfg.OutStreams, a.cfg.SendBuffer)
	a.myInitialTSN = wire.TSN(e.rand())
	a.out = tx.NewRetransmit(a.myInitialTSN)
	a.state = CookieWait
	a.sendInit()
	return a, nil
}

// HandleUnmatched processes a packet that matched no association (RFC 9260
// 8.4). listening: the socket accepts new associations. It returns at most
// one reply written into buf (INIT ACK to an INIT; ABORT or SHUTDOWN
// COMPLETE per 8.4; nothing for what 8.4 says to discard) and, for a valid
// COOKIE ECHO, the new association: ESTABLISHED, COOKIE ACK queued, COMM_UP
// queued, bundled DATA processed. Drain its PollTransmit and PollEvent.
func (e *Endpoint) HandleUnmatched(now time.Time, in Inbound, listening bool, buf []byte) (reply Transmit, ok bool, a *Association) {
	pkt := in.Packet
	h, err := wire.ParseHeader(pkt)
	// An endpoint of port 0 stands for every port nobody binds: it answers
	// out-of-the-blue packets (RFC 9260 8.4) and never accepts.
	if err != nil || h.SrcPort == 0 || h.DstPort == 0 || (e.port != 0 && h.DstPort != e.port) {
		return Transmit{}, false, nil
	}
	if e.port == 0 {
		listening = false
	}
	if !in.Remote.Addr().IsValid() || in.Remote.Addr().IsMulticast() || in.Remote.Addr().IsUnspecified() {
		return Transmit{}, false, nil // 8.4 rule 1
	}
	it := wire.NewChunkIter(pkt[wire.HeaderLen:], wire.HeaderLen)
	var first wire.RawChunk
	n := 0
	for it.Next() {
		raw := it.Chunk()
		if n == 0 {
			first = raw
		}
		n++
		switch raw.Type {
		case wire.TypeAbort:
			return Transmit{}, false, nil // 8.4 rule 2
		case wire.TypeShutdownComplete, wire.TypeCookieAck:
			return Transmit{}, false, nil // 8.4 rules 6, 7
		case wire.TypeError:
			var ec wire.Error
			if ec.Decode(raw) == nil {
				for _, c := range ec.Causes {
					if c.CauseCode() == wire.CauseStaleCookie {
						return Transmit{}, false, nil // 8.4 rule 7
					}
				}
			}
		}
	}
	if n == 0 {
		return Transmit{}, false, nil // empty or malformed from the start
	}
	reply = Transmit{Local: in.Local.Addr(), Remote: in.Remote}
	out := func(tag uint32, c wire.Chunk) (Transmit, bool, *Association) {
		b := wire.AppendHeader(buf[:0], wire.Header{SrcPort: h.DstPort, DstPort: h.SrcPort, VerificationTag: tag})
		b = c.AppendTo(b)
		wire.Finish(b)
		reply.Packet = b
		return reply, true, nil
	}
	switch first.Type {
	case wire.TypeInit:
		// 8.4 rule 3 / 5.1: vtag 0, alone.
		if h.VerificationTag != 0 || n != 1 {
			return Transmit{}, false, nil
		}
		var init wire.Init
		if init.Decode(first) != nil || init.InitiateTag == 0 {
			return Transmit{}, false, nil
		}
		if !listening {
			return out(init.InitiateTag, &wire.Abort{})
		}
		if c, bad := checkInit(&init); bad {
			return out(init.InitiateTag, &wire.Abort{Causes: []wire.Cause{c}})
		}
		return out(init.InitiateTag, e.initAck(now, &init, in, h, 0, 0, nonZeroTag(e.rand), wire.TSN(e.rand()), nil))
	case wire.TypeCookieEcho:
		if !listening {
			return out(h.VerificationTag, &wire.Abort{T: true})
		}
		var ce wire.CookieEcho
		_ = ce.Decode(first)
		c, err := e.openCookie(now, ce.Cookie)
		if err != nil || c.localTag != h.VerificationTag || c.peerPort != h.SrcPort || c.localPort != e.port {
			return Transmit{}, false, nil // 5.1.5 step 2: silently discard
		}
		if !c.fromPeer(in.Remote.Addr()) {
			// A cookie captured and echoed from elsewhere: only the
			// INIT's source or an address it listed may set it up.
			return Transmit{}, false, nil
		}
		if now.After(c.expiry()) {
			// 5.1.5 step 3: Stale Cookie, staleness in microseconds.
			st := now.Sub(c.expiry()).Microseconds()
			st = min(st, 1<<32-1)
			return out(c.peerTag, &wire.Error{Causes: []wire.Cause{&wire.StaleCookie{Staleness: uint32(st)}}})
		}
		a := newAssociation(e, now, h.SrcPort)
		a.establishFromCookie(c, in.Remote)
		a.updatePort(in) // replies leave from the address the COOKIE ECHO arrived on
		it := wire.NewChunkIter(pkt[wire.HeaderLen:], wire.HeaderLen)
		it.Next()
		if it.Next() {
			a.processChunks(&it, in, a.findPath(in.Remote.Addr()))
		}
		return Transmit{}, false, a
	case wire.TypeShutdownAck:
		// 8.4 rule 5.
		return out(h.VerificationTag, &wire.ShutdownComplete{T: true})
	}
	// 8.4 rule 8: ABORT with the T bit.
	return out(h.VerificationTag, &wire.Abort{T: true})
}

// checkInit validates the mandatory fields of an INIT (RFC 9260 3.3.2).
func checkInit(init *wire.Init) (wire.Cause, bool) {
	if init.OutStreams == 0 || init.InStreams == 0 {
		return &wire.InvalidMandatoryParam{}, true
	}
	if _, ok := init.HostName(); ok {
		var ps []byte
		for _, p := range init.Params {
			if hn, ok := p.(*wire.HostNameAddress); ok {
				ps = hn.AppendTo(ps)
			}
		}
		return &wire.UnresolvableAddress{Address: ps}, true
	}
	return nil, false
}

// initAck builds the INIT ACK answering init with the given tag and TSN,
// its State Cookie carrying the tie-tags (5.2.2; zero for a new
// association) and the AUTH RANDOM rnd (nil: a new one).
func (e *Endpoint) initAck(now time.Time, init *wire.Init, in Inbound, h wire.Header, localTie, peerTie, tag uint32, tsn wire.TSN, rnd []byte) *wire.InitAck {
	cfg := &e.cfg
	life := cfg.ValidCookieLife
	if ms, ok := init.CookiePreservative(); ok {
		life += min(time.Duration(ms)*time.Millisecond, cfg.MaxCookiePreservative)
	}
	c := &cookie{
		created:    now,
		life:       life,
		localTag:   tag,
		peerTag:    init.InitiateTag,
		localTSN:   tsn,
		peerTSN:    init.InitialTSN,
		outStreams: min(cfg.OutStreams, init.InStreams),
		inStreams:  min(cfg.MaxInStreams, init.OutStreams),
		peerRwnd:   init.ARwnd,
		localTie:   localTie,
		peerTie:    peerTie,
		peerPRSCTP: !cfg.DisablePRSCTP && (init.ForwardTSNSupported() || init.SupportsExtension(wire.TypeForwardTSN)),
		localPort:  e.port,
		peerPort:   h.SrcPort,
		src:        in.Remote,
		peerAddrs:  init.Addresses(),
	}
	if !cfg.DisableAddrReconfig {
		if rnd == nil {
			rnd = newAuthRandom(e.rand)
		}
		c.ext = cookieExt{localRand: rnd, peer: authPeerFrom(init.Params), peerASCONF: peerSupportsAsconf(init.Params)}
	}
	ack := &wire.InitAck{
		InitiateTag: tag,
		ARwnd:       uint32(min(cfg.RecvBuffer, 1<<31)),
		OutStreams:  cfg.OutStreams,
		InStreams:   cfg.MaxInStreams,
		InitialTSN:  tsn,
	}
	ack.Params = append(ack.Params, e.addrParams()...)
	ack.Params = append(ack.Params, &wire.StateCookie{Cookie: e.signCookie(now, c)})
	ack.Params = append(ack.Params, extensionParams(cfg)...)
	if !cfg.DisableAddrReconfig {
		ack.Params = append(ack.Params, authParams(rnd)...)
	}
	if un := unrecognizedParams(init.Params); len(un) > 0 {
		ack.Params = append(ack.Params, un...)
	}
	return ack
}

// extensionParams advertises what we support (RFC 3758 3.1, RFC 5061 4.2.7,
// RFC 4895 3).
func extensionParams(cfg *Config) []wire.Param {
	var ps []wire.Param
	var ext []wire.ChunkType
	if !cfg.DisablePRSCTP {
		ps = append(ps, &wire.ForwardTSNSupported{})
		ext = append(ext, wire.TypeForwardTSN)
	}
	if !cfg.DisableAddrReconfig {
		ext = append(ext, wire.TypeAsconf, wire.TypeAsconfAck, wire.TypeAuth)
	}
	if len(ext) > 0 {
		ps = append(ps, &wire.SupportedExtensions{Types: ext})
	}
	return ps
}

// unrecognizedParams applies RFC 9260 3.2.1 to an INIT's unknown
// parameters: those whose action bits ask for a report come back as
// Unrecognized Parameter parameters; processing stops at a "stop" one.
func unrecognizedParams(ps []wire.Param) []wire.Param {
	var out []wire.Param
	for _, p := range ps {
		u, ok := p.(*wire.UnknownParam)
		if !ok {
			continue
		}
		act := u.Type.UnrecognizedAction()
		if act.Reports() {
			out = append(out, &wire.UnrecognizedParam{Param: u.AppendTo(nil)})
		}
		if act.Stops() {
			break
		}
	}
	return out
}
