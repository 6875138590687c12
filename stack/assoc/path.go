package assoc

import (
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/stack/internal/tx"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// path is one destination transport address of the peer (RFC 9260 6.4) with
// its remote UDP port (RFC 6951 5.5), reachability, congestion state (7.2)
// and RTO (6.3).
type path struct {
	id        uint32
	idx       int // index in Association.paths: the tx package's path number
	remote    netip.AddrPort
	local     netip.Addr // source address (zero: the transport picks); see learnLocal, rotateLocal
	active    bool
	confirmed bool
	errors    int
	mtu       int
	lastSend  time.Time

	cc  *tx.Congestion // RFC 9260 7.2
	est *tx.RTO        // RFC 9260 6.3.1

	t3 time.Time // T3-rtx deadline (zero: stopped)

	// heard: a packet from the peer arrived on local since the last
	// timeout on p, so that pair works and a timeout keeps it (rotateLocal).
	heard bool

	// Heartbeat (RFC 9260 8.3).
	hbAt          time.Time // next HEARTBEAT due
	hbNonce       uint64
	hbOutstanding bool
	hbLocal       netip.Addr // source address of the last HEARTBEAT
	hbSent        time.Time  // when the last HEARTBEAT went out
}

func (a *Association) newPath(remote netip.AddrPort, confirmed bool) *path {
	a.pathSeq++
	p := &path{
		id:        a.pathSeq,
		idx:       len(a.paths),
		remote:    remote,
		active:    true,
		confirmed: confirmed,
		mtu:       a.cfg.MTU,
		cc:        tx.NewCongestion(a.cfg.MTU),
		est:       tx.NewRTO(a.cfg.RTOInitial, a.cfg.RTOMin, a.cfg.RTOMax),
	}
	a.paths = append(a.paths, p)
	return p
}

// rto is the path's current retransmission timeout.
func (p *path) rto() time.Duration { return p.est.Value() }

// flight is the user data in flight on p.
func (a *Association) flight(p *path) int {
	if a.out == nil {
		return 0
	}
	return a.out.Outstanding(p.idx)
}

func (p *path) stateValue() PathState {
	switch {
	case !p.confirmed:
		return PathUnconfirmed
	case !p.active:
		return PathInactive
	}
	return PathActive
}

// usable: data may be sent on the path (confirmed and active, 8.2/5.4).
func (p *path) usable() bool { return p.active && p.confirmed }

// maxPayload is the user data that fits one DATA chunk alone in a packet.
func (p *path) maxPayload() int { return p.mtu - wire.HeaderLen - 16 }

func (a *Association) findPath(addr netip.Addr) *path {
	addr = addr.Unmap()
	for _, p := range a.paths {
		if p.remote.Addr().Unmap() == addr {
			return p
		}
	}
	return nil
}

func (a *Association) primaryPath() *path {
	if a.primary != nil {
		return a.primary
	}
	if len(a.paths) > 0 {
		return a.paths[0]
	}
	return nil
}

// dataPath is where new data goes: the primary when usable, else the first
// usable alternate (RFC 9260 6.4), else the primary anyway.
func (a *Association) dataPath() *path {
	p := a.primaryPath()
	if p == nil || p.usable() {
		return p
	}
	for _, q := range a.paths {
		if q.usable() {
			a.adoptAlternate(q)
			return q
		}
	}
	return p
}

// altPath is where retransmissions go: an active alternate to `from` when
// there is one (RFC 9260 6.4.1), else `from` when usable, else dataPath.
func (a *Association) altPath(from *path) *path {
	for _, q := range a.paths {
		if q != from && q.usable() {
			return q
		}
	}
	if from != nil && from.usable() {
		return from
	}
	return a.dataPath()
}

// SetPrimary makes the path to addr the primary (SCTP_PRIMARY_ADDR): new
// DATA goes there while it is active and confirmed. It queues a
// PeerAddrChange{MadePrimary} event; ErrNoPath when addr is no peer address.
func (a *Association) SetPrimary(addr netip.Addr) error {
	p := a.findPath(addr)
	if p == nil {
		return ErrNoPath
	}
	if a.primary != p {
		a.primary = p
		a.events.push(PeerAddrChange{Addr: p.remote, State: AddrMadePrimary})
	}
	return nil
}

// PeerAddrs returns the peer's addresses, one per path, with the UDP port
// currently used for each.
func (a *Association) PeerAddrs() []netip.AddrPort {
	out := make([]netip.AddrPort, len(a.paths))
	for i, p := range a.paths {
		out[i] = p.remote
	}
	return out
}

// pathError counts a failed transmission on p (RFC 9260 8.1, 8.2): a
// T3-rtx timeout, or an unanswered HEARTBEAT. Every T3-rtx counts against
// the association too, but a HEARTBEAT only on the path data currently
// goes to (8.1): lost probes of an idle, failed alternate must not end an
// association whose data path works. It reports whether the association
// failed.
func (a *Association) pathError(p *path, heartbeat bool) bool {
	counts := !heartbeat || p == a.dataPath() // before p may turn inactive
	p.errors++
	if p.active && p.errors > a.cfg.PathMaxRetrans {
		p.active = false
		a.events.push(PeerAddrChange{Addr: p.remote, State: AddrUnreachable})
	}
	if !counts {
		return false
	}
	a.assocErrors++
	if a.assocErrors > a.cfg.AssocMaxRetrans {
		a.fail(&Error{Err: ErrPeerUnreachable})
		return true
	}
	return false
}

// pathAlive records that p delivered an acknowledgement (8.1, 8.2, 8.3).
func (a *Association) pathAlive(p *path) {
	a.assocErrors = 0
	if p == nil {
		return
	}
	p.errors = 0
	if !p.active {
		p.active = true
		if p.confirmed {
			a.events.push(PeerAddrChange{Addr: p.remote, State: AddrAvailable})
		}
	}
}

// updatePort applies RFC 6951 5.5: the remote UDP port of a peer address is
// taken from the latest packet that passed the verification tag check. The
// path also learns the local address the packet arrived on (learnLocal).
func (a *Association) updatePort(in Inbound) *path {
	from := in.Remote
	p := a.findPath(from.Addr())
	if p != nil && from.Port() != 0 {
		p.remote = netip.AddrPortFrom(p.remote.Addr(), from.Port())
	}
	if p != nil {
		p.learnLocal(in.Local.Addr())
		a.probeInactive(p)
	}
	return p
}

// probeInactive sends a HEARTBEAT at once to an inactive path a packet just
// arrived from, unless a probe on the pair it arrived on may still be
// answered: the pair works, and the HEARTBEAT ACK makes the path active
// again (8.3) without waiting for the next heartbeat interval, during which
// the association would keep sending on failed paths. At most one such
// probe per RTO.Min.
func (a *Association) probeInactive(p *path) {
	if p.active || !p.confirmed || a.cfg.HeartbeatInterval < 0 {
		return
	}
	switch a.state {
	case Established, ShutdownPending, ShutdownReceived, ShutdownSent:
	default:
		return
	}
	if p.hbOutstanding && p.hbLocal == p.local && a.now.Sub(p.hbSent) < p.rto() {
		return // this pair is being probed and may still answer
	}
	if !p.hbSent.IsZero() && a.now.Sub(p.hbSent) < a.cfg.RTOMin {
		return
	}
	a.sendHeartbeat(p)
	p.hbAt = a.now.Add(p.rto())
}

// learnLocal makes p send from l, the address a packet from p's peer
// address just arrived on: that pair of addresses works, and replies to the
// packet (SACK, HEARTBEAT ACK, COOKIE ACK ...) leave from where it arrived.
// RFC 9260 6.4 leaves the source address to the implementation; sending
// from an address the peer reaches us on keeps both directions on one
// local/remote pair.
func (p *path) learnLocal(l netip.Addr) {
	l = l.Unmap()
	if l.IsValid() && !l.IsUnspecified() {
		p.local = l
		p.heard = true
	}
}

// rotateLocal moves p to the next of the endpoint's local addresses able to
// reach its peer address, after a timeout on p (T1, T3-rtx, HEARTBEAT): when
// the current local/remote pair is cut, another may get through. Nothing
// changes when the endpoint has fewer than two such addresses (the socket
// layer lists them only for multi-homed endpoints; otherwise the transport
// picks the source).
//
// A pair a packet arrived on since the previous timeout is kept: the lost
// packet left from an earlier source address, and rotating away from the
// learned one would trade a working pair for a cut one.
func (a *Association) rotateLocal(p *path) {
	if p.heard {
		p.heard = false
		return
	}
	locals := a.ep.sourceAddrs()
	remote := p.remote.Addr().Unmap()
	cands := locals[:0]
	for _, l := range locals {
		l = l.Unmap()
		if l.Is4() != remote.Is4() || (l.IsLoopback() && !remote.IsLoopback()) {
			continue
		}
		cands = append(cands, l)
	}
	if len(cands) < 2 {
		return
	}
	i := 0 // a zero local is the transport's pick: its first address
	for j, l := range cands {
		if l == p.local {
			i = j
		}
	}
	p.local = cands[(i+1)%len(cands)]
}

// sourceAddrs returns a copy of the endpoint's local addresses.
func (e *Endpoint) sourceAddrs() []netip.Addr {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]netip.Addr(nil), e.localAddrs...)
}

// addPeerAddrs adds paths for the addresses a peer listed in INIT or INIT
// ACK (RFC 9260 5.1.2), arrived from `from`, whose UDP port they use until
// a packet from them says otherwise. New paths start unconfirmed (5.4).
func (a *Association) addPeerAddrs(params []wire.Param, from netip.AddrPort) {
	port := from.Port()
	for _, prm := range params {
		var addr netip.Addr
		switch v := prm.(type) {
		case *wire.IPv4Address:
			addr = v.Addr
		case *wire.IPv6Address:
			addr = v.Addr
		default:
			continue
		}
		addr = addr.Unmap()
		if !addr.IsValid() || addr.IsUnspecified() || addr.IsMulticast() {
			continue
		}
		if !a.acceptPeerAddr(addr, from.Addr()) {
			continue
		}
		if a.findPath(addr) != nil {
			continue
		}
		a.newPath(netip.AddrPortFrom(addr, port), false)
	}
}
