package stack

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/stack/assoc"
)

// DefaultBacklog bounds the associations a Listener holds before Accept.
const DefaultBacklog = 128

// Listener accepts one-to-one associations (listen(2) and accept(2) on a
// one-to-one socket). It is a net.Listener of *Conn.
type Listener struct {
	s  *Stack
	pb *portBinding

	// Guarded by s.mu:
	backlog []*Conn
	max     int
	closed  bool
	ready   chan struct{} // one wake-up for Accept
	done    chan struct{} // closed by Close
}

var _ net.Listener = (*Listener)(nil)

// Listen opens a one-to-one listening socket on address ("ip:port").
func (s *Stack) Listen(address string) (*Listener, error) {
	a, err := ResolveAddr(address)
	if err != nil {
		return nil, err
	}
	return s.ListenAddrs(a.Port, a.IP)
}

// ListenAddrs is Listen on several local addresses (sctp_bindx).
func (s *Stack) ListenAddrs(port uint16, ips ...netip.Addr) (*Listener, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	pb, err := s.bind(ips, port, func(pb *portBinding) bool { return pb.pc == nil && pb.ln == nil })
	if err != nil {
		return nil, err
	}
	ln := &Listener{s: s, pb: pb, max: DefaultBacklog,
		ready: make(chan struct{}, 1), done: make(chan struct{})}
	pb.ln = ln
	return ln, nil
}

// admit makes the Conn for a new association, if the backlog has room.
// Called with s.mu held.
func (ln *Listener) admit() (*Conn, bool) {
	if ln.closed || len(ln.backlog) >= ln.max {
		return nil, false
	}
	return newConn(ln.s, ln.pb), true
}

// queue hands a new Conn to Accept. Called with s.mu held.
func (ln *Listener) queue(c *Conn) {
	c.established = true
	ln.backlog = append(ln.backlog, c)
	select {
	case ln.ready <- struct{}{}:
	default:
	}
}

// Accept waits for the next association.
func (ln *Listener) Accept() (net.Conn, error) { return ln.AcceptSCTP() }

// AcceptSCTP is Accept returning the concrete type.
func (ln *Listener) AcceptSCTP() (*Conn, error) {
	s := ln.s
	for {
		s.mu.Lock()
		if ln.closed {
			s.mu.Unlock()
			return nil, ErrClosed
		}
		if len(ln.backlog) > 0 {
			c := ln.backlog[0]
			ln.backlog[0] = nil
			ln.backlog = ln.backlog[1:]
			if len(ln.backlog) > 0 {
				select {
				case ln.ready <- struct{}{}:
				default:
				}
			}
			s.mu.Unlock()
			return c, nil
		}
		s.urgeReaders()
		s.mu.Unlock()
		select {
		case <-ln.ready:
		case <-ln.done:
		}
	}
}

// Close stops accepting; associations not yet accepted are aborted.
func (ln *Listener) Close() error {
	s := ln.s
	s.mu.Lock()
	if ln.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	out := s.newBatch()
	now := time.Now()
	for _, c := range ln.backlog {
		c.closed = true
		if _, live := s.tbl.byID[c.e.id]; live {
			c.e.a.Abort(now, nil)
			s.after(now, c.e, out)
		}
	}
	ln.backlog = nil
	ln.closeLocked()
	s.mu.Unlock()
	s.flush(out)
	return nil
}

// closeLocked marks the listener closed. Called with s.mu held.
func (ln *Listener) closeLocked() {
	if ln.closed {
		return
	}
	ln.closed = true
	close(ln.done)
	ln.pb.ln = nil
	ln.s.releasePort(ln.pb)
}

// Addr returns the listening address.
func (ln *Listener) Addr() net.Addr {
	a := &Addr{Port: ln.pb.port, IP: netip.IPv4Unspecified()}
	if ips := ln.s.boundIPs(ln.pb); len(ips) > 0 {
		a.IP = ips[0]
	}
	return a
}

// DialOptions refine Dial.
type DialOptions struct {
	// Local is the local address ("ip:port"); empty: the Stack's addresses
	// on an ephemeral SCTP port.
	Local string
	// LocalIPs are further local addresses (sctp_bindx).
	LocalIPs []netip.Addr
	// PeerUDPPort is the peer's UDP encapsulation port when the address
	// does not carry one (default DefaultUDPPort).
	PeerUDPPort uint16
	// More are further addresses of the same peer (sctp_connectx).
	More []*Addr
	// Assoc, when set, replaces the Stack's Config.Assoc for this
	// association (see PacketConn.SetAssocConfig).
	Assoc *assoc.Config
}

// Dial sets up an association to address ("ip:port") from a new
// one-to-one socket and waits until it is established, fails, or ctx ends.
func (s *Stack) Dial(ctx context.Context, address string, opts ...DialOptions) (*Conn, error) {
	to, err := ResolveAddr(address)
	if err != nil {
		return nil, err
	}
	var o DialOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	local := &Addr{IP: netip.IPv4Unspecified()}
	if o.Local != "" {
		if local, err = ResolveAddr(o.Local); err != nil {
			return nil, err
		}
	}
	peers := append([]*Addr{to}, o.More...)
	remotes := make([]netip.AddrPort, 0, len(peers))
	for _, p := range peers {
		r := p.udp()
		if p.UDPPort == 0 && o.PeerUDPPort != 0 {
			r = netip.AddrPortFrom(r.Addr(), o.PeerUDPPort)
		}
		remotes = append(remotes, r)
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	pb, err := s.bind(append([]netip.Addr{local.IP}, o.LocalIPs...), local.Port, func(pb *portBinding) bool { return pb.pc == nil && pb.ln == nil })
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if o.Assoc != nil {
		s.setPortConfig(pb, *o.Assoc)
	}
	now := time.Now()
	a, err := pb.ep.Connect(now, remotes, to.Port)
	if err != nil {
		s.releasePort(pb)
		s.mu.Unlock()
		return nil, fmt.Errorf("sctp: dial %v: %w", to, err)
	}
	c := newConn(s, pb)
	e, err := s.register(a, pb.port, c)
	if err != nil {
		s.releasePort(pb)
		s.mu.Unlock()
		return nil, fmt.Errorf("sctp: dial %v: %w", to, err)
	}
	c.attach(e)
	pb.conns++
	out := s.newBatch()
	s.after(now, e, out)
	s.mu.Unlock()
	s.flush(out)
	if err := s.waitEstablished(ctx, e); err != nil {
		c.closeQuiet()
		return nil, fmt.Errorf("sctp: dial %v: %w", to, err)
	}
	return c, nil
}

// closeQuiet marks a Conn that never reached the user closed.
func (c *Conn) closeQuiet() {
	c.s.mu.Lock()
	c.closed = true
	c.s.mu.Unlock()
}
