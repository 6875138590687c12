package stack

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/udpsctp/udpsctp/stack/assoc"
)

// sctp_bindx(SCTP_BINDX_ADD_ADDR / SCTP_BINDX_REM_ADDR) after setup: the
// local address set of an SCTP port changes for future associations at
// once, and for established ones through RFC 5061 ASCONF where the peer
// negotiated it (ASCONF with AUTH, RFC 5061 4.1).

// ErrNoAsconf: some established associations could not be told of the
// change, their peer lacking ASCONF or AUTH; the local address set changed
// anyway and applies to them only as far as the local side goes (a
// removed address is no longer used as a source; an added one is not
// known to the peer). Use errors.As with *BindxError for the associations.
var ErrNoAsconf = assoc.ErrNoAsconf

// BindxError lists the associations a BindAdd or BindRemove could not
// reconfigure. It unwraps to ErrNoAsconf.
type BindxError struct {
	Assocs []AssocID
}

func (e *BindxError) Error() string {
	return fmt.Sprintf("%v: %d association(s) keep their address set: %v", ErrNoAsconf, len(e.Assocs), e.Assocs)
}

func (e *BindxError) Unwrap() error { return ErrNoAsconf }

// BindAdd adds local addresses to the socket (sctp_bindx with
// SCTP_BINDX_ADD_ADDR): future associations list them in INIT / INIT ACK;
// each established association that negotiated ASCONF asks its peer to add
// them (RFC 5061 4.2.1). Each address must be one the Stack serves, and the
// socket must be bound to explicit addresses. A *BindxError reports the
// associations whose peer cannot be told.
func (pc *PacketConn) BindAdd(ips ...netip.Addr) error {
	return pc.s.bindx(pc.pb, ips, true, pc.isClosed)
}

// BindRemove removes local addresses from the socket (sctp_bindx with
// SCTP_BINDX_REM_ADDR): established associations that negotiated ASCONF ask
// their peer to delete them (RFC 5061 4.2.2) and stop sending from them.
// At least one address must remain.
func (pc *PacketConn) BindRemove(ips ...netip.Addr) error {
	return pc.s.bindx(pc.pb, ips, false, pc.isClosed)
}

// SetPeerPrimary asks the peer of association id to make ip, one of our
// addresses, its primary destination (RFC 5061 4.2.4, SCTP_SET_PEER_PRIMARY_ADDR).
func (pc *PacketConn) SetPeerPrimary(id AssocID, ip netip.Addr) error {
	s := pc.s
	s.mu.Lock()
	if pc.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	e, err := pc.entry(id)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	return s.setPeerPrimary(e, ip)
}

// BindAdd is PacketConn.BindAdd for the association's socket; the
// addresses are those of the SCTP port, shared with the listener that
// accepted it.
func (c *Conn) BindAdd(ips ...netip.Addr) error {
	return c.s.bindx(c.pb, ips, true, c.isClosed)
}

// BindRemove is PacketConn.BindRemove for the association's socket.
func (c *Conn) BindRemove(ips ...netip.Addr) error {
	return c.s.bindx(c.pb, ips, false, c.isClosed)
}

// SetPeerPrimary is PacketConn.SetPeerPrimary for the association.
func (c *Conn) SetPeerPrimary(ip netip.Addr) error {
	s := c.s
	s.mu.Lock()
	if c.closed || c.e == nil {
		s.mu.Unlock()
		return ErrClosed
	}
	return s.setPeerPrimary(c.e, ip)
}

func (pc *PacketConn) isClosed() bool { return pc.closed }
func (c *Conn) isClosed() bool        { return c.closed }

// setPeerPrimary is called with s.mu held and releases it.
func (s *Stack) setPeerPrimary(e *entry, ip netip.Addr) error {
	pb := s.ports[e.localPort]
	if pb == nil || !slices.Contains(pb.ips, ip.Unmap()) {
		s.mu.Unlock()
		return fmt.Errorf("%w: %v is not a local address of the socket", ErrBadAddress, ip)
	}
	out := s.newBatch()
	now := time.Now()
	err := e.a.SetPeerPrimary(now, ip.Unmap())
	s.after(now, e, out)
	s.mu.Unlock()
	s.flush(out)
	return err
}

// bindx adds (add) or removes addresses of the port binding pb and tells
// the established associations on its port.
func (s *Stack) bindx(pb *portBinding, ips []netip.Addr, add bool, closed func() bool) error {
	s.mu.Lock()
	if s.closed || closed() {
		s.mu.Unlock()
		return ErrClosed
	}
	changed, err := s.bindxAddrs(pb, ips, add)
	if err != nil || len(changed) == 0 {
		s.mu.Unlock()
		return err
	}
	out := s.newBatch()
	now := time.Now()
	var refused []AssocID
	for _, e := range s.tbl.byID {
		if e.localPort != pb.port || e.a.Closed() {
			continue
		}
		for _, ip := range changed {
			var err error
			if add {
				err = e.a.AddLocalAddr(now, ip)
			} else {
				err = e.a.RemoveLocalAddr(now, ip)
			}
			if errors.Is(err, assoc.ErrNoAsconf) {
				refused = append(refused, e.id)
				break
			}
		}
		s.after(now, e, out)
	}
	s.mu.Unlock()
	s.flush(out)
	if len(refused) > 0 {
		slices.Sort(refused)
		return &BindxError{Assocs: refused}
	}
	return nil
}

// bindxAddrs applies the change to pb's address list and its endpoint's
// advertised addresses, returning the addresses that changed. Called with
// s.mu held.
func (s *Stack) bindxAddrs(pb *portBinding, ips []netip.Addr, add bool) ([]netip.Addr, error) {
	if len(ips) == 0 {
		return nil, fmt.Errorf("%w: no address given", ErrBadAddress)
	}
	if len(pb.ips) == 0 {
		return nil, fmt.Errorf("%w: the socket is bound to every address of the Stack", ErrBadAddress)
	}
	next := slices.Clone(pb.ips)
	var changed []netip.Addr
	for _, ip := range ips {
		ip = ip.Unmap()
		if !ip.IsValid() || ip.IsUnspecified() || ip.IsMulticast() {
			return nil, fmt.Errorf("%w: %v", ErrBadAddress, ip)
		}
		i := slices.Index(next, ip)
		switch {
		case add && i < 0:
			if _, err := s.advertised([]netip.Addr{ip}); err != nil {
				return nil, err
			}
			next = append(next, ip)
			changed = append(changed, ip)
		case !add && i >= 0:
			next = slices.Delete(next, i, i+1)
			changed = append(changed, ip)
		case !add:
			return nil, fmt.Errorf("%w: %v is not bound", ErrBadAddress, ip)
		}
	}
	if len(next) == 0 {
		return nil, fmt.Errorf("%w: cannot remove the last local address", ErrBadAddress)
	}
	pb.ips = next
	// Once the set was changed the endpoint lists it even when one address
	// is left: associations then pick their source addresses from it.
	pb.ep.SetLocalAddrs(next)
	return changed, nil
}

// boundIPs returns pb's local addresses: BindAdd and BindRemove replace the
// slice under s.mu (never change it in place), so the caller may keep it.
func (s *Stack) boundIPs(pb *portBinding) []netip.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return pb.ips
}
