package memnet

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/udpsctp/udpsctp/encap"
)

// firstEphemeral is where port 0 starts looking (the IANA dynamic range).
const firstEphemeral = 49152

// batchSize mirrors encap.UDP on Linux so stack code sees the same shape.
const batchSize = 64

// Transport is a set of sockets on one Network, one per address, all on
// one port. It has the method set of encap.UDP.
type Transport struct {
	n      *Network
	port   uint16
	socks  []*sock
	closed bool // guarded by n.mu
}

var _ encap.Transport = (*Transport)(nil)

// sock is one bound (address, port) with its bounded receive queue.
type sock struct {
	n      *Network
	addr   netip.AddrPort
	queue  []packet      // guarded by n.mu
	closed bool          // guarded by n.mu
	notify chan struct{} // capacity 1: "the queue may have grown"
	done   chan struct{} // closed by Close
}

// Listen binds the given addresses on port (0 picks a free port shared by
// all of them). Addresses must be specific: memnet has no wildcard.
func (n *Network) Listen(addrs []netip.Addr, port uint16) (*Transport, error) {
	if len(addrs) == 0 {
		return nil, fmt.Errorf("memnet: Listen needs at least one address")
	}
	seen := make(map[netip.Addr]bool, len(addrs))
	for i, a := range addrs {
		if !a.IsValid() || a.Unmap().IsUnspecified() {
			return nil, fmt.Errorf("memnet: Listen address %d (%v) must be a specific address", i, a)
		}
		if seen[a.Unmap()] {
			return nil, fmt.Errorf("memnet: address %v listed twice", a)
		}
		seen[a.Unmap()] = true
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if port == 0 {
		p, ok := n.freePort(addrs)
		if !ok {
			return nil, fmt.Errorf("memnet: no free port on %v: %w", addrs, syscall.EADDRINUSE)
		}
		port = p
	}
	for _, a := range addrs {
		ap := netip.AddrPortFrom(a.Unmap(), port)
		if n.socks[ap] != nil {
			return nil, &encap.AddrInUseError{Addr: ap, Err: syscall.EADDRINUSE}
		}
	}
	t := &Transport{n: n, port: port}
	for _, a := range addrs {
		s := &sock{
			n:      n,
			addr:   netip.AddrPortFrom(a.Unmap(), port),
			notify: make(chan struct{}, 1),
			done:   make(chan struct{}),
		}
		n.socks[s.addr] = s
		t.socks = append(t.socks, s)
	}
	return t, nil
}

// freePort finds a port free on every address. Caller holds n.mu.
func (n *Network) freePort(addrs []netip.Addr) (uint16, bool) {
	for range 65536 - firstEphemeral {
		p := n.nextPort
		n.nextPort++
		if n.nextPort == 0 {
			n.nextPort = firstEphemeral
		}
		free := true
		for _, a := range addrs {
			if n.socks[netip.AddrPortFrom(a.Unmap(), p)] != nil {
				free = false
				break
			}
		}
		if free {
			return p, true
		}
	}
	return 0, false
}

// ReceiveFuncs returns one reader per address, in LocalAddrs order.
func (t *Transport) ReceiveFuncs() []encap.ReceiveFunc {
	fns := make([]encap.ReceiveFunc, len(t.socks))
	for i, s := range t.socks {
		fns[i] = s.receive
	}
	return fns
}

func (s *sock) receive(dgs []encap.Datagram) (int, error) {
	if len(dgs) == 0 {
		return 0, nil
	}
	for {
		s.n.mu.Lock()
		k := 0
		for k < len(dgs) && len(s.queue) > 0 {
			p := s.queue[0]
			s.queue[0] = packet{}
			s.queue = s.queue[1:]
			d := &dgs[k]
			if len(p.data) > len(d.Buf) {
				s.n.stats.Truncated++
				continue
			}
			d.Buf = d.Buf[:copy(d.Buf, p.data)]
			d.Local, d.Remote = p.dst, p.src
			k++
		}
		closed := s.closed
		s.n.mu.Unlock()
		if k > 0 {
			return k, nil
		}
		if closed {
			return 0, net.ErrClosed
		}
		select {
		case <-s.notify:
		case <-s.done:
		}
	}
}

// WriteBatch copies each datagram onto its link. Loss is silent, as on a
// real network; only unusable addresses and Close give errors.
func (t *Transport) WriteBatch(dgs []encap.Datagram) (int, error) {
	n := t.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if t.closed {
		return 0, net.ErrClosed
	}
	now := time.Now()
	defer n.arm(now)
	for i := range dgs {
		d := &dgs[i]
		src, err := t.source(d)
		if err != nil {
			return i, err
		}
		n.send(now, src, netip.AddrPortFrom(d.Remote.Addr().Unmap(), d.Remote.Port()), d.Buf)
	}
	return len(dgs), nil
}

// source picks the sending socket's address like encap.UDP: the bound
// address equal to d.Local, else the first one of the remote's family.
func (t *Transport) source(d *encap.Datagram) (netip.AddrPort, error) {
	r := d.Remote.Addr().Unmap()
	if !r.IsValid() || r.IsUnspecified() || d.Remote.Port() == 0 {
		return netip.AddrPort{}, fmt.Errorf("%w: %v", encap.ErrBadAddress, d.Remote)
	}
	if l := d.Local.Addr().Unmap(); l.IsValid() && !l.IsUnspecified() {
		for _, s := range t.socks {
			if s.addr.Addr() == l {
				if l.Is4() != r.Is4() {
					break
				}
				return s.addr, nil
			}
		}
		return netip.AddrPort{}, fmt.Errorf("%w: local %v to %v", encap.ErrNoSocket, l, r)
	}
	for _, s := range t.socks {
		if s.addr.Addr().Is4() == r.Is4() {
			return s.addr, nil
		}
	}
	return netip.AddrPort{}, fmt.Errorf("%w: none of %v can reach %v", encap.ErrNoSocket, t.LocalAddrs(), r)
}

// LocalAddrs returns the bound addresses.
func (t *Transport) LocalAddrs() []netip.AddrPort {
	out := make([]netip.AddrPort, len(t.socks))
	for i, s := range t.socks {
		out[i] = s.addr
	}
	return out
}

// Port returns the port all sockets share.
func (t *Transport) Port() uint16 { return t.port }

// BatchSize matches encap.UDP on Linux.
func (t *Transport) BatchSize() int { return batchSize }

// Close unbinds the sockets and wakes their readers; it is idempotent.
// Datagrams still in flight to them count as Unreachable.
func (t *Transport) Close() error {
	n := t.n
	n.mu.Lock()
	defer n.mu.Unlock()
	if t.closed {
		return nil
	}
	t.closed = true
	for _, s := range t.socks {
		delete(n.socks, s.addr)
		s.closed = true
		s.queue = nil
		close(s.done)
	}
	return nil
}
