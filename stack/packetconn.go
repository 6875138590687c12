package stack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/udpsctp/udpsctp/stack/assoc"
)

// PacketConn is a one-to-many SCTP socket (SOCK_SEQPACKET, RFC 6458 3): one
// SCTP port, any number of associations, each message tagged with its
// association id. It follows the UDP model and is a net.PacketConn.
//
// It accepts new associations only after Listen (ListenPacket does both).
// Sending to an address without an association sets one up implicitly; the
// message rides after the COOKIE ECHO.
type PacketConn struct {
	s  *Stack
	pb *portBinding

	// Guarded by s.mu:
	listening bool
	closed    bool
	assocs    assocSet
	rq        recvQueue
	events    EventMask
	maxAssocs int
	peerUDP   uint16        // default UDP port of peers given without one
	autoclose time.Duration // SCTP_AUTOCLOSE; 0 = off

	recvEnd func() error // for recv, made once: a closure per call allocates

	deadlines
}

var _ net.PacketConn = (*PacketConn)(nil)

// ListenPacket opens a one-to-many socket on address ("ip:port"; port 0
// picks an ephemeral port; ip may be unspecified) and listens.
func (s *Stack) ListenPacket(address string) (*PacketConn, error) {
	pc, err := s.BindPacket(address)
	if err != nil {
		return nil, err
	}
	pc.Listen()
	return pc, nil
}

// BindPacket opens a one-to-many socket that does not accept associations
// until Listen; it can still set them up itself (Connect, SendMsg with To).
func (s *Stack) BindPacket(address string) (*PacketConn, error) {
	a, err := ResolveAddr(address)
	if err != nil {
		return nil, err
	}
	return s.BindPacketAddrs(a.Port, a.IP)
}

// ListenPacketAddrs is ListenPacket on several local addresses
// (sctp_bindx): associations of the socket are multi-homed over them.
func (s *Stack) ListenPacketAddrs(port uint16, ips ...netip.Addr) (*PacketConn, error) {
	pc, err := s.BindPacketAddrs(port, ips...)
	if err != nil {
		return nil, err
	}
	pc.Listen()
	return pc, nil
}

// BindPacketAddrs is BindPacket on several local addresses (sctp_bindx).
func (s *Stack) BindPacketAddrs(port uint16, ips ...netip.Addr) (*PacketConn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	pb, err := s.bind(ips, port, func(pb *portBinding) bool { return pb.pc == nil && pb.ln == nil && pb.conns == 0 })
	if err != nil {
		return nil, err
	}
	pc := &PacketConn{
		s:         s,
		pb:        pb,
		assocs:    newAssocSet(),
		rq:        newRecvQueue(),
		maxAssocs: s.cfg.MaxAssociations,
		peerUDP:   DefaultUDPPort,
		deadlines: newDeadlines(),
	}
	pc.recvEnd = func() error {
		if pc.closed {
			return ErrClosed
		}
		return nil
	}
	pb.pc = pc
	return pc, nil
}

// bind finds or makes the binding for port (0: an ephemeral one) on the
// local addresses ips (none or unspecified: all of the Stack's); free says
// whether an existing binding may be shared. Called with s.mu held.
func (s *Stack) bind(ips []netip.Addr, port uint16, free func(*portBinding) bool) (*portBinding, error) {
	adv, err := s.advertised(ips)
	if err != nil {
		return nil, err
	}
	if port == 0 {
		for range 16384 {
			p := s.nextEphem
			s.nextEphem++
			if s.nextEphem == 0 {
				s.nextEphem = 49152
			}
			if _, used := s.ports[p]; !used {
				port = p
				break
			}
		}
		if port == 0 {
			return nil, fmt.Errorf("%w: no ephemeral SCTP port left", ErrAddrInUse)
		}
	}
	if pb, ok := s.ports[port]; ok {
		if !free(pb) {
			return nil, fmt.Errorf("%w: SCTP port %d", ErrAddrInUse, port)
		}
		return pb, nil
	}
	ep := assoc.NewEndpoint(port, s.cfg.Assoc)
	// A single address is not listed in INIT / INIT ACK: the peer takes
	// the packet's source address (RFC 9260 5.1.2), and pion/sctp drops
	// INITs that carry address parameters.
	if len(adv) > 1 {
		ep.SetLocalAddrs(adv)
	}
	pb := &portBinding{port: port, ep: ep, ips: adv}
	s.ports[port] = pb
	return pb, nil
}

// advertised returns the addresses an endpoint bound to ips lists in its
// INIT and INIT ACK: ips themselves, each of which the Stack's transport
// must serve; for none or the wildcard, the Stack's bound addresses (none
// when those are wildcards too: the peer then uses the packet's source
// address, RFC 9260 5.1.2).
func (s *Stack) advertised(ips []netip.Addr) ([]netip.Addr, error) {
	var bound []netip.Addr
	wildcard := false
	for _, ap := range s.tr.LocalAddrs() {
		a := ap.Addr().Unmap()
		if a.IsUnspecified() {
			wildcard = true
		} else if a.IsValid() {
			bound = append(bound, a)
		}
	}
	var out []netip.Addr
	for _, ip := range ips {
		ip = ip.Unmap()
		if !ip.IsValid() || ip.IsUnspecified() {
			continue
		}
		if !wildcard && !slices.Contains(bound, ip) {
			return nil, fmt.Errorf("%w: %v is not an address of this Stack (it serves %v)", ErrBadAddress, ip, bound)
		}
		if !slices.Contains(out, ip) {
			out = append(out, ip)
		}
	}
	if len(out) == 0 {
		return bound, nil
	}
	return out, nil
}

// releasePort drops a binding nobody uses any more. Called with s.mu.
func (s *Stack) releasePort(pb *portBinding) {
	if pb.unused() && s.ports[pb.port] == pb {
		delete(s.ports, pb.port)
	}
}

// Listen lets the socket accept new associations (listen(2) on a
// one-to-many socket, RFC 6458 3.1.3).
func (pc *PacketConn) Listen() {
	pc.s.mu.Lock()
	pc.listening = true
	pc.s.mu.Unlock()
}

// Subscribe selects the notifications RecvMsg returns (SCTP_EVENT).
func (pc *PacketConn) Subscribe(m EventMask) {
	pc.s.mu.Lock()
	pc.events = m
	pc.s.mu.Unlock()
}

// SetMaxAssociations bounds the associations of this socket; new ones past
// it are refused with an ABORT.
func (pc *PacketConn) SetMaxAssociations(n int) {
	pc.s.mu.Lock()
	pc.maxAssocs = n
	pc.s.mu.Unlock()
}

// SetPeerUDPPort sets the UDP port assumed for peer addresses given
// without one (default DefaultUDPPort).
func (pc *PacketConn) SetPeerUDPPort(p uint16) {
	pc.s.mu.Lock()
	pc.peerUDP = p
	pc.s.mu.Unlock()
}

func (pc *PacketConn) admits() bool { return !pc.closed && pc.assocs.len() < pc.maxAssocs }

// deliver queues an event of one of this socket's associations.
func (pc *PacketConn) deliver(e *entry, ev assoc.Event) {
	pc.rq.deliver(e, ev, pc.events)
}

// detach forgets an association that closed.
func (pc *PacketConn) detach(e *entry) {
	pc.assocs.remove(e.id)
}

// RecvMsg reads the next message or notification of any association
// (sctp_recvv). A message larger than b continues on the next call;
// FlagEOR marks the call that returns its end.
func (pc *PacketConn) RecvMsg(b []byte) (int, RcvInfo, error) {
	return pc.s.recv(&pc.rq, b, &pc.rdl, pc.recvEnd)
}

// ReadFrom reads the next data message (notifications are skipped) and
// returns the peer's address.
func (pc *PacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, info, err := pc.RecvMsg(b)
		if err != nil {
			return n, nil, err
		}
		if info.Flags&FlagNotification == 0 {
			return n, info.From, nil
		}
	}
}

// WriteTo sends b as one message on stream 0 to addr, setting up an
// association when there is none.
func (pc *PacketConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	a, err := toAddr(addr)
	if err != nil {
		return 0, err
	}
	return pc.SendMsg(b, SndInfo{To: a})
}

// SendMsg sends b as one message (sctp_sendv) to info.AssocID, or to
// info.To (implicit setup), or to every association with SendAll. With
// SendEOF or SendAbort it shuts down or aborts that association. With
// SendAddrOver, info.To names the peer address (path) of the association
// the message goes to first.
//
// A full send buffer blocks only this caller, until there is room or the
// write deadline passes. SendAll never blocks: an association without room
// is skipped and named in the returned *SendAllError.
func (pc *PacketConn) SendMsg(b []byte, info SndInfo) (int, error) {
	s := pc.s
	if info.Flags&SendAll != 0 {
		return pc.sendAll(b, info)
	}
	s.mu.Lock()
	if pc.closed {
		s.mu.Unlock()
		return 0, ErrClosed
	}
	out := s.newBatch()
	e, err := pc.target(info, out)
	s.mu.Unlock()
	s.flush(out)
	if err != nil {
		return 0, err
	}
	return s.send(e, b, info, &pc.wdl, func() bool { return pc.closed })
}

// target finds (or sets up) the association SendMsg addresses. Called with
// s.mu held.
func (pc *PacketConn) target(info SndInfo, out *batch) (*entry, error) {
	if info.AssocID != 0 {
		e, ok := pc.assocs.get(info.AssocID)
		if !ok {
			return nil, fmt.Errorf("%w: %d", ErrUnknownAssoc, info.AssocID)
		}
		return e, nil
	}
	if info.To == nil {
		return nil, fmt.Errorf("%w: no association id and no address", ErrUnknownAssoc)
	}
	if e := pc.byAddr(info.To); e != nil {
		return e, nil
	}
	if info.Flags&(SendAbort|SendEOF) != 0 {
		return nil, fmt.Errorf("%w: %v", ErrUnknownAssoc, info.To)
	}
	return pc.connectLocked([]*Addr{info.To}, out)
}

func (pc *PacketConn) byAddr(a *Addr) *entry {
	e := pc.s.tbl.lookup(pc.pb.port, a.IP.Unmap(), a.Port, 0)
	if e == nil || e.owner != owner(pc) {
		return nil
	}
	return e
}

// connectLocked starts an association to the peer's addresses. Called with
// s.mu held.
func (pc *PacketConn) connectLocked(addrs []*Addr, out *batch) (*entry, error) {
	s := pc.s
	if !pc.admits() {
		return nil, ErrTooManyAssocs
	}
	remotes := make([]netip.AddrPort, 0, len(addrs))
	for _, a := range addrs {
		if a.Port != addrs[0].Port {
			return nil, fmt.Errorf("%w: peer addresses with different SCTP ports", ErrBadAddress)
		}
		r := a.udp()
		if a.UDPPort == 0 {
			r = netip.AddrPortFrom(r.Addr(), pc.peerUDP)
		}
		remotes = append(remotes, r)
	}
	now := time.Now()
	a, err := pc.pb.ep.Connect(now, remotes, addrs[0].Port)
	if err != nil {
		return nil, err
	}
	e, err := s.register(a, pc.pb.port, pc)
	if err != nil {
		return nil, err
	}
	s.after(now, e, out)
	return e, nil
}

// Connect sets up an association to the peer (sctp_connectx: several
// addresses of the same peer) and waits until it is established or fails.
func (pc *PacketConn) Connect(ctx context.Context, addrs ...*Addr) (AssocID, error) {
	if len(addrs) == 0 {
		return 0, fmt.Errorf("%w: no address", ErrBadAddress)
	}
	s := pc.s
	s.mu.Lock()
	if pc.closed {
		s.mu.Unlock()
		return 0, ErrClosed
	}
	if e := pc.byAddr(addrs[0]); e != nil {
		s.mu.Unlock()
		return e.id, fmt.Errorf("%w: %v", ErrAssocExists, addrs[0])
	}
	out := s.newBatch()
	e, err := pc.connectLocked(addrs, out)
	s.mu.Unlock()
	s.flush(out)
	if err != nil {
		return 0, err
	}
	return e.id, s.waitEstablished(ctx, e)
}

// AssocID returns the id of the association with the peer at addr (any of
// the peer's addresses), as sctp_getassocid / SCTP_GET_PEER_ADDR_INFO.
func (pc *PacketConn) AssocID(addr net.Addr) (AssocID, error) {
	a, err := toAddr(addr)
	if err != nil {
		return 0, err
	}
	pc.s.mu.Lock()
	defer pc.s.mu.Unlock()
	if e := pc.byAddr(a); e != nil {
		return e.id, nil
	}
	return 0, fmt.Errorf("%w: %v", ErrUnknownAssoc, addr)
}

// Associations lists the ids of this socket's associations, sorted
// (SCTP_GET_ASSOC_ID_LIST).
func (pc *PacketConn) Associations() []AssocID {
	pc.s.mu.Lock()
	defer pc.s.mu.Unlock()
	ids := make([]AssocID, 0, pc.assocs.len())
	for id := range pc.assocs.byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (pc *PacketConn) entry(id AssocID) (*entry, error) {
	e, ok := pc.assocs.get(id)
	if !ok {
		return nil, fmt.Errorf("%w: %d", ErrUnknownAssoc, id)
	}
	return e, nil
}

// Status reports an association's state (SCTP_STATUS).
func (pc *PacketConn) Status(id AssocID) (Status, error) {
	pc.s.mu.Lock()
	defer pc.s.mu.Unlock()
	e, err := pc.entry(id)
	if err != nil {
		return Status{}, err
	}
	return statusOf(e), nil
}

// PeerAddrInfo reports one path of an association: state, cwnd, srtt, rto,
// mtu (SCTP_GET_PEER_ADDR_INFO).
func (pc *PacketConn) PeerAddrInfo(id AssocID, addr net.Addr) (PathInfo, error) {
	pc.s.mu.Lock()
	defer pc.s.mu.Unlock()
	e, err := pc.entry(id)
	if err != nil {
		return PathInfo{}, err
	}
	return pathInfoOf(e, addr)
}

// Shutdown starts the graceful shutdown of one association (SCTP_EOF).
func (pc *PacketConn) Shutdown(id AssocID) error {
	_, err := pc.SendMsg(nil, SndInfo{AssocID: id, Flags: SendEOF})
	return err
}

// Abort aborts one association, sending reason in a User-Initiated Abort
// cause (SCTP_ABORT).
func (pc *PacketConn) Abort(id AssocID, reason []byte) error {
	_, err := pc.SendMsg(reason, SndInfo{AssocID: id, Flags: SendAbort})
	return err
}

// PeelOff moves an association to a new one-to-one socket
// (sctp_peeloff). Messages not yet read move with it, in order; the
// one-to-many socket no longer sees the association.
func (pc *PacketConn) PeelOff(id AssocID) (*Conn, error) {
	s := pc.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if pc.closed {
		return nil, ErrClosed
	}
	e, err := pc.entry(id)
	if err != nil {
		return nil, err
	}
	pc.assocs.remove(id)
	c := newConn(s, pc.pb)
	c.events = pc.events
	c.attach(e)
	c.established = true
	for _, it := range pc.rq.take(id) {
		c.rq.push(it)
	}
	pc.pb.conns++
	return c, nil
}

// LocalAddr returns the socket's SCTP address.
func (pc *PacketConn) LocalAddr() net.Addr {
	ips := pc.s.boundIPs(pc.pb)
	a := &Addr{Port: pc.pb.port}
	if len(ips) > 0 {
		a.IP = ips[0]
	} else {
		a.IP = netip.IPv4Unspecified()
	}
	return a
}

// Close shuts every association of the socket down gracefully and closes
// it; pending calls return ErrClosed.
func (pc *PacketConn) Close() error {
	s := pc.s
	s.mu.Lock()
	if pc.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	out := pc.closeLocked(true)
	s.mu.Unlock()
	s.flush(out)
	return nil
}

// closeLocked closes the socket; graceful shuts its associations down
// (else the Stack is aborting them). Called with s.mu held.
func (pc *PacketConn) closeLocked(graceful bool) *batch {
	s := pc.s
	pc.closed = true
	pc.listening = false
	out := s.newBatch()
	if graceful {
		now := time.Now()
		pc.assocs.walk(func(e *entry) {
			e.a.Shutdown(now)
			s.after(now, e, out)
		})
	}
	pc.pb.pc = nil
	s.releasePort(pc.pb)
	pc.rq.signal()
	close(pc.rq.closed)
	return out
}

var errNoAssoc = errors.New("sctp: association gone")

// PeerAddrs returns every address of the association's peer.
func (pc *PacketConn) PeerAddrs(id AssocID) ([]*Addr, error) {
	pc.s.mu.Lock()
	defer pc.s.mu.Unlock()
	e, err := pc.entry(id)
	if err != nil {
		return nil, err
	}
	return peerAddrsOf(e), nil
}
