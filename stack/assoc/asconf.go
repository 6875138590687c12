package assoc

import (
	"errors"
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// RFC 5061 dynamic address reconfiguration: the peer adds, deletes and
// makes primary its addresses with ASCONF; we answer with ASCONF ACK, and
// send our own ASCONF when the socket layer adds or removes a local
// address. Both sides must support ASCONF and AUTH (RFC 5061 4.1).

// ErrNoAsconf: the peer did not negotiate ASCONF and AUTH, so the local
// address set of this association cannot change.
var ErrNoAsconf = errors.New("sctp: peer does not support dynamic address reconfiguration (RFC 5061 ASCONF with AUTH)")

// maxAsconfParams bounds the requests one ASCONF carries.
const maxAsconfParams = 16

// asconfState is an association's ASCONF state (RFC 5061 5).
type asconfState struct {
	on bool

	// Receiver (5.2).
	peerSerial uint32 // the last serial number processed
	lastAck    []byte // its ASCONF ACK, resent when the ASCONF is retransmitted

	// Sender (5.1): one ASCONF outstanding at a time.
	serial  uint32       // next serial number
	corr    uint32       // next correlation ID
	pending []wire.Param // requests not sent yet
	out     []byte       // the outstanding ASCONF chunk
	outSeq  uint32
	outReqs []wire.Param
	outPath *path
	t4      time.Time // T-4 RTO timer (zero: stopped)
}

// peerSupportsAsconf: an INIT or INIT ACK lists both ASCONF and ASCONF
// ACK in Supported Extensions (RFC 5061 4.2.7).
func peerSupportsAsconf(ps []wire.Param) bool {
	asconf, ack := false, false
	for _, p := range ps {
		if se, ok := p.(*wire.SupportedExtensions); ok {
			for _, t := range se.Types {
				asconf = asconf || t == wire.TypeAsconf
				ack = ack || t == wire.TypeAsconfAck
			}
		}
	}
	return asconf && ack
}

// setupAsconf turns ASCONF on when the peer supports it and AUTH was
// negotiated; serial numbers start at each side's initial TSN (5.1, 5.2).
func (a *Association) setupAsconf(peerOK bool, myTSN, peerTSN wire.TSN) {
	a.asconf = asconfState{
		on:         peerOK && a.auth.on && !a.cfg.DisableAddrReconfig,
		serial:     uint32(myTSN),
		peerSerial: uint32(peerTSN) - 1,
	}
}

// AsconfEnabled reports whether both sides negotiated ASCONF with AUTH, so
// that AddLocalAddr, RemoveLocalAddr and SetPeerPrimary work.
func (a *Association) AsconfEnabled() bool { return a.asconf.on }

// AddLocalAddr asks the peer to add addr, a new address of ours, to the
// association (RFC 5061 4.2.1). The request is queued and sent in an
// ASCONF, retransmitted until acknowledged. ErrNoAsconf when the peer does
// not support it; ErrClosed when the association is not up.
func (a *Association) AddLocalAddr(now time.Time, addr netip.Addr) error {
	return a.queueAsconf(now, &wire.AddIPAddress{Address: wire.AddressParam(addr)}, addr)
}

// RemoveLocalAddr asks the peer to delete addr from the association (RFC
// 5061 4.2.2). Paths stop sending from it at once, even when the peer
// cannot be told (ErrNoAsconf).
func (a *Association) RemoveLocalAddr(now time.Time, addr netip.Addr) error {
	err := a.queueAsconf(now, &wire.DeleteIPAddress{Address: wire.AddressParam(addr)}, addr)
	if err == nil || errors.Is(err, ErrNoAsconf) {
		a.stopUsingLocal(addr)
	}
	return err
}

// SetPeerPrimary asks the peer to make addr, one of our addresses, its
// primary destination (RFC 5061 4.2.4).
func (a *Association) SetPeerPrimary(now time.Time, addr netip.Addr) error {
	return a.queueAsconf(now, &wire.SetPrimaryAddress{Address: wire.AddressParam(addr)}, addr)
}

func (a *Association) queueAsconf(now time.Time, req wire.Param, addr netip.Addr) error {
	a.advance(now)
	if !a.asconf.on {
		return ErrNoAsconf
	}
	if !addr.IsValid() || addr.IsUnspecified() || addr.IsMulticast() {
		return errors.New("sctp: invalid address for ASCONF: " + addr.String())
	}
	switch a.state {
	case Established, ShutdownPending, ShutdownReceived:
	default:
		return ErrClosed
	}
	// An add and a delete of the same address not yet sent cancel out
	// (RFC 5061 5.1 A3 leaves the batching to us).
	addr = addr.Unmap()
	for i, p := range a.asconf.pending {
		if requestAddr(p) != addr {
			continue
		}
		_, isAdd := p.(*wire.AddIPAddress)
		_, isDel := p.(*wire.DeleteIPAddress)
		_, newAdd := req.(*wire.AddIPAddress)
		_, newDel := req.(*wire.DeleteIPAddress)
		if (isAdd && newDel) || (isDel && newAdd) {
			a.asconf.pending = append(a.asconf.pending[:i], a.asconf.pending[i+1:]...)
			return nil
		}
	}
	a.asconf.pending = append(a.asconf.pending, req)
	a.sendAsconf()
	return nil
}

// requestAddr returns the address an ASCONF request names.
func requestAddr(p wire.Param) netip.Addr {
	var ap wire.Param
	switch r := p.(type) {
	case *wire.AddIPAddress:
		ap = r.Address
	case *wire.DeleteIPAddress:
		ap = r.Address
	case *wire.SetPrimaryAddress:
		ap = r.Address
	}
	switch v := ap.(type) {
	case *wire.IPv4Address:
		return v.Addr.Unmap()
	case *wire.IPv6Address:
		return v.Addr.Unmap()
	}
	return netip.Addr{}
}

// setCorrelation gives a request its correlation ID.
func setCorrelation(p wire.Param, id uint32) {
	switch r := p.(type) {
	case *wire.AddIPAddress:
		r.CorrelationID = id
	case *wire.DeleteIPAddress:
		r.CorrelationID = id
	case *wire.SetPrimaryAddress:
		r.CorrelationID = id
	}
}

// sendAsconf sends the pending requests in one ASCONF when none is
// outstanding (5.1 A2, A4) and starts T-4.
func (a *Association) sendAsconf() {
	s := &a.asconf
	if s.out != nil || len(s.pending) == 0 {
		return
	}
	n := min(len(s.pending), maxAsconfParams)
	reqs := append([]wire.Param(nil), s.pending[:n]...)
	s.pending = append(s.pending[:0], s.pending[n:]...)
	deleting := map[netip.Addr]bool{}
	for _, r := range reqs {
		s.corr++
		setCorrelation(r, s.corr)
		if _, ok := r.(*wire.DeleteIPAddress); ok {
			deleting[requestAddr(r)] = true
		}
	}
	p := a.dataPath()
	if p == nil {
		return
	}
	c := &wire.Asconf{Seq: s.serial, Address: a.lookupAddr(p, deleting), Params: reqs}
	s.outSeq = s.serial
	s.serial++
	s.out = c.AppendTo(nil)
	s.outReqs = reqs
	s.outPath = p
	a.queueCtrl(s.out, p)
	s.t4 = a.now.Add(p.rto())
}

// lookupAddr is the ASCONF's address parameter: an address of ours already
// in the association and not being deleted (4.1.1); the path's source, else
// one of the endpoint's, else the wildcard of the path's family.
func (a *Association) lookupAddr(p *path, deleting map[netip.Addr]bool) wire.Param {
	if l := p.local.Unmap(); l.IsValid() && !l.IsUnspecified() && !deleting[l] {
		return wire.AddressParam(l)
	}
	for _, l := range a.ep.sourceAddrs() {
		l = l.Unmap()
		if !deleting[l] && l.Is4() == p.remote.Addr().Unmap().Is4() {
			return wire.AddressParam(l)
		}
	}
	if p.remote.Addr().Unmap().Is4() {
		return wire.AddressParam(netip.IPv4Unspecified())
	}
	return wire.AddressParam(netip.IPv6Unspecified())
}

// onT4 retransmits the outstanding ASCONF to an alternate path, counting
// the error against the path and the association like T3-rtx (5.1 C1-C4).
func (a *Association) onT4() {
	s := &a.asconf
	if s.out == nil {
		return
	}
	p := s.outPath
	if p == nil || a.findPath(p.remote.Addr()) != p {
		p = a.dataPath()
	}
	if p == nil {
		return
	}
	p.est.Backoff()
	if a.pathError(p, false) {
		return
	}
	alt := a.altPath(p)
	s.outPath = alt
	a.queueCtrl(s.out, alt)
	s.t4 = a.now.Add(alt.rto())
}

// stopUsingLocal moves paths that send from addr to another of the
// endpoint's addresses able to reach the peer address (zero, the
// transport's pick, when there is none).
func (a *Association) stopUsingLocal(addr netip.Addr) {
	addr = addr.Unmap()
	locals := a.ep.sourceAddrs()
	for _, p := range a.paths {
		if p.local.Unmap() != addr {
			continue
		}
		p.local = netip.Addr{}
		remote := p.remote.Addr().Unmap()
		for _, l := range locals {
			l = l.Unmap()
			if l != addr && l.Is4() == remote.Is4() && (!l.IsLoopback() || remote.IsLoopback()) {
				p.local = l
				break
			}
		}
	}
}

// handleAsconfAck applies the peer's answer to our outstanding ASCONF
// (5.3): requests without an answer before the first error succeeded, those
// after it failed unless a Success Indication says otherwise (V5). Each
// failure is reported as a RemoteError event with its cause.
func (a *Association) handleAsconfAck(raw wire.RawChunk, src *path) {
	s := &a.asconf
	var ack wire.AsconfAck
	if ack.Decode(raw) != nil || s.out == nil || ack.Seq != s.outSeq {
		return // not for the outstanding ASCONF: discarded
	}
	ok := map[uint32]bool{}
	failed := map[uint32][]wire.Cause{}
	for _, p := range ack.Params {
		switch r := p.(type) {
		case *wire.SuccessIndication:
			ok[r.CorrelationID] = true
		case *wire.ErrorCauseIndication:
			failed[r.CorrelationID] = r.Causes
			if len(r.Causes) == 0 {
				failed[r.CorrelationID] = []wire.Cause{&wire.NoAuthorization{}}
			}
		}
	}
	errSeen := false
	for _, r := range s.outReqs {
		id := correlationOf(r)
		if cs, bad := failed[id]; bad {
			errSeen = true
			for _, c := range cs {
				a.events.push(RemoteError{Cause: copyCause(c)})
			}
			continue
		}
		if errSeen && !ok[id] {
			a.events.push(RemoteError{Cause: &wire.NoAuthorization{Param: r.AppendTo(nil)}})
			continue
		}
		if _, del := r.(*wire.DeleteIPAddress); del {
			a.stopUsingLocal(requestAddr(r))
		}
	}
	if src != nil && src == s.outPath {
		a.pathAlive(src)
	}
	s.out, s.outReqs, s.outPath, s.t4 = nil, nil, nil, time.Time{}
	a.sendAsconf()
}

func correlationOf(p wire.Param) uint32 {
	switch r := p.(type) {
	case *wire.AddIPAddress:
		return r.CorrelationID
	case *wire.DeleteIPAddress:
		return r.CorrelationID
	case *wire.SetPrimaryAddress:
		return r.CorrelationID
	}
	return 0
}
