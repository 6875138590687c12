package assoc

import (
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// handleAsconf processes the peer's ASCONF (RFC 5061 5.2): the next serial
// number is applied and answered; a retransmission of the last one gets the
// same ASCONF ACK again; anything else is discarded. The ASCONF ACK goes
// back to the packet's source (5.2 C1).
func (a *Association) handleAsconf(raw wire.RawChunk, in Inbound, src *path) {
	switch a.state {
	case Established, ShutdownPending, ShutdownReceived, ShutdownSent:
	default:
		return
	}
	var c wire.Asconf
	if c.Decode(raw) != nil {
		return
	}
	s := &a.asconf
	switch c.Seq {
	case s.peerSerial + 1:
	case s.peerSerial:
		if s.lastAck != nil {
			a.queueAsconfAck(s.lastAck, in.Remote, src)
		}
		return
	default:
		return // 5.2 C4: neither new nor a retransmission
	}
	ack := &wire.AsconfAck{Seq: c.Seq}
	from := in.Remote.Addr().Unmap()
	for _, p := range c.Params {
		resp, stop := a.asconfRequest(p, from, in.Remote.Port())
		if resp != nil {
			ack.Params = append(ack.Params, resp)
		}
		if stop {
			break
		}
	}
	s.peerSerial = c.Seq
	s.lastAck = ack.AppendTo(nil)
	a.queueAsconfAck(s.lastAck, in.Remote, a.findPath(from))
}

// queueAsconfAck sends b to the ASCONF's source: its path, or the address
// itself when it has none.
func (a *Association) queueAsconfAck(b []byte, to netip.AddrPort, p *path) {
	if p != nil {
		a.queueCtrl(b, p)
		return
	}
	a.ctrl = append(a.ctrl, ctrlChunk{b: b, dst: to})
}

// asconfRequest applies one ASCONF parameter and returns its answer, and
// whether the remaining parameters are to be skipped (an unknown one with
// the "stop" action bits, RFC 9260 3.2.1).
func (a *Association) asconfRequest(p wire.Param, from netip.Addr, port uint16) (wire.Param, bool) {
	switch r := p.(type) {
	case *wire.AddIPAddress:
		return a.asconfAdd(r.CorrelationID, r, r.Address, from, port), false
	case *wire.DeleteIPAddress:
		return a.asconfDelete(r.CorrelationID, r, r.Address, from), false
	case *wire.SetPrimaryAddress:
		return a.asconfSetPrimary(r.CorrelationID, r, r.Address, from), false
	case *wire.UnknownParam:
		act := r.Type.UnrecognizedAction()
		var resp wire.Param
		if act.Reports() {
			resp = &wire.ErrorCauseIndication{Causes: []wire.Cause{&wire.UnrecognizedParams{Params: r.AppendTo(nil)}}}
		}
		return resp, act.Stops()
	}
	return nil, false // other known parameters (e.g. Adaptation Layer) need no answer
}

// addrOf returns the address an address parameter holds; the wildcard
// stands for the packet's source (RFC 5061 4.2.1, 4.2.2, 4.2.4).
func addrOf(ap wire.Param, from netip.Addr) netip.Addr {
	var addr netip.Addr
	switch v := ap.(type) {
	case *wire.IPv4Address:
		addr = v.Addr
	case *wire.IPv6Address:
		addr = v.Addr
	}
	addr = addr.Unmap()
	if addr.IsUnspecified() {
		return from
	}
	return addr
}

func asconfError(id uint32, c wire.Cause) wire.Param {
	return &wire.ErrorCauseIndication{CorrelationID: id, Causes: []wire.Cause{c}}
}

// asconfAdd adds a path to the peer's new address, unconfirmed until a
// HEARTBEAT comes back from it (RFC 5061 5.2 / RFC 9260 5.4), with the UDP
// port of the ASCONF's packet (RFC 6951 5.5).
func (a *Association) asconfAdd(id uint32, req wire.Param, ap wire.Param, from netip.Addr, port uint16) wire.Param {
	addr := addrOf(ap, from)
	if !addr.IsValid() || addr.IsMulticast() || addr.IsUnspecified() || !a.acceptPeerAddr(addr, from) {
		return asconfError(id, &wire.NoAuthorization{Param: req.AppendTo(nil)})
	}
	if a.findPath(addr) != nil {
		return &wire.SuccessIndication{CorrelationID: id}
	}
	if len(a.paths) >= maxPeerPaths {
		return asconfError(id, &wire.ResourceShortage{Param: req.AppendTo(nil)})
	}
	p := a.newPath(netip.AddrPortFrom(addr, port), false)
	a.setPathSSThresh(p)
	a.events.push(PeerAddrChange{Addr: p.remote, State: AddrAdded})
	a.scheduleHeartbeat(p, true)
	return &wire.SuccessIndication{CorrelationID: id}
}

// maxPeerPaths bounds the peer addresses an ASCONF may add.
const maxPeerPaths = 64

// setPathSSThresh gives a path added after setup the initial ssthresh of
// RFC 9260 7.2.1, as setupDataPath did for the others.
func (a *Association) setPathSSThresh(p *path) {
	p.cc.SetSSThresh(int(min(a.peerRwnd, 1<<30)))
}

// asconfDelete removes the path to a peer address. Refused: the last
// address (Delete Last Remaining IP Address) and the packet's source
// (Delete Source IP Address), RFC 5061 5.2 C5, C6. An unknown address is a
// success: it is not in the association either way.
func (a *Association) asconfDelete(id uint32, req wire.Param, ap wire.Param, from netip.Addr) wire.Param {
	addr := addrOf(ap, from)
	if addr == from {
		return asconfError(id, &wire.DeleteSourceAddress{Param: req.AppendTo(nil)})
	}
	p := a.findPath(addr)
	if p == nil {
		return &wire.SuccessIndication{CorrelationID: id}
	}
	if len(a.paths) == 1 {
		return asconfError(id, &wire.DeleteLastAddress{Param: req.AppendTo(nil)})
	}
	a.removePath(p)
	return &wire.SuccessIndication{CorrelationID: id}
}

// asconfSetPrimary makes the path to the address our primary (5.2 / 4.2.4);
// an address that is not the peer's is refused (Unresolvable Address).
func (a *Association) asconfSetPrimary(id uint32, req wire.Param, ap wire.Param, from netip.Addr) wire.Param {
	addr := addrOf(ap, from)
	if a.findPath(addr) == nil {
		return asconfError(id, &wire.UnresolvableAddress{Address: ap.AppendTo(nil)})
	}
	_ = a.SetPrimary(addr)
	return &wire.SuccessIndication{CorrelationID: id}
}

// removePath deletes p from the association: its outstanding DATA is
// marked for retransmission on the remaining paths, the paths after it are
// renumbered (the tx package numbers paths by index), and a new primary is
// chosen when p was it. A PeerAddrChange{AddrRemoved} is queued.
func (a *Association) removePath(p *path) {
	i := p.idx
	if i < 0 || i >= len(a.paths) || a.paths[i] != p {
		return
	}
	if a.out != nil {
		a.out.RemovePath(i)
	}
	a.paths = append(a.paths[:i], a.paths[i+1:]...)
	for j := i; j < len(a.paths); j++ {
		a.paths[j].idx = j
	}
	for j := range a.ctrl {
		if a.ctrl[j].to == p {
			a.ctrl[j].to = nil
		}
	}
	if a.t3Path == p {
		a.t3Path = nil
	}
	if a.sackPath == p {
		a.sackPath = nil
	}
	if a.initPath == p {
		a.initPath = nil
	}
	if a.asconf.outPath == p {
		a.asconf.outPath = nil
	}
	p.t3, p.hbAt = time.Time{}, time.Time{}
	if a.primary == p {
		a.primary = nil
		for _, q := range a.paths {
			if q.usable() {
				a.primary = q
				break
			}
		}
		if a.primary == nil && len(a.paths) > 0 {
			a.primary = a.paths[0]
		}
	}
	a.events.push(PeerAddrChange{Addr: p.remote, State: AddrRemoved})
	// Retransmissions now pending on other paths need their T3-rtx.
	if a.out != nil && a.out.HasRetransmits() {
		if q := a.dataPath(); q != nil && q.t3.IsZero() {
			q.t3 = a.now.Add(q.rto())
		}
	}
}
