package encap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync/atomic"
	"syscall"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// DefaultPort is the UDP encapsulation port registered for SCTP (RFC 6951 section 5.1).
const DefaultPort = 9899

// AutoBufferSize is the socket buffer size asked for when UDPConfig leaves
// ReadBuffer or WriteBuffer at 0. The kernel may grant less (Linux caps
// SO_RCVBUF at net.core.rmem_max unless SO_RCVBUFFORCE is permitted).
// 8 MiB is where loopback SCTP stops losing to buffer overflow (DESIGN.md).
const AutoBufferSize = 8 << 20

// UDPConfig configures ListenUDP.
type UDPConfig struct {
	// Addrs are the local addresses to bind, one socket each. Empty means
	// the wildcards 0.0.0.0 and, if the host has IPv6, :: (v6-only); such
	// sockets learn and choose the local address with IP(V6)_PKTINFO.
	Addrs []netip.Addr
	// Port is the UDP encapsulation port; 0 picks an ephemeral port that
	// all sockets then share.
	Port uint16
	// ReadBuffer and WriteBuffer are the socket buffer sizes to request;
	// 0 means AutoBufferSize, as far as the OS lets the process go.
	ReadBuffer, WriteBuffer int
	// DisableGSO sends every datagram on its own even where the kernel
	// could segment a run of them (Linux UDP_SEGMENT); for measurements.
	DisableGSO bool
}

// BufferSizes are the socket buffer sizes obtained, as reported by the
// kernel (Linux reports twice the usable size, counting its bookkeeping).
// Zero means the platform does not tell.
type BufferSizes struct {
	Read, Write int
}

// UDP is the real RFC 6951 transport: one UDP socket per bound address, all
// on the same port. It is safe for concurrent use (see the package doc).
type UDP struct {
	socks  []*socket
	port   uint16
	bufs   BufferSizes
	closed atomic.Bool
}

var _ Transport = (*UDP)(nil)

// socket is one bound UDP socket plus its batch I/O state (sockIO is
// defined per platform in batch_*.go).
type socket struct {
	conn     *net.UDPConn
	pc4      *ipv4.PacketConn // set for IPv4 sockets
	pc6      *ipv6.PacketConn // set for IPv6 sockets
	bound    netip.AddrPort
	is6      bool
	wildcard bool // bound to 0.0.0.0 or ::, so Local comes from PKTINFO
	bufs     BufferSizes
	dropped  atomic.Uint64
	gsoOff   atomic.Bool // UDP_SEGMENT unavailable or disabled
	sockIO
}

// bindSpec is one socket to open.
type bindSpec struct {
	addr     netip.Addr
	optional bool // the IPv6 wildcard: skipped when the host has no IPv6
}

// ListenUDP opens the sockets described by cfg.
func ListenUDP(cfg UDPConfig) (*UDP, error) {
	specs, err := bindSpecs(cfg.Addrs)
	if err != nil {
		return nil, err
	}
	if cfg.ReadBuffer < 0 || cfg.WriteBuffer < 0 {
		return nil, fmt.Errorf("encap: negative socket buffer size (read %d, write %d)", cfg.ReadBuffer, cfg.WriteBuffer)
	}
	// An ephemeral port picked by the first socket may be taken on another
	// address; try a few fresh ports before giving up.
	const attempts = 8
	for i := 0; ; i++ {
		u, err := listenOnce(specs, cfg)
		retry := cfg.Port == 0 && errors.Is(err, errLaterSocket) && errors.Is(err, syscall.EADDRINUSE)
		if !retry || i == attempts-1 {
			return u, err
		}
	}
}

// errLaterSocket marks a failure on a socket after the first one.
var errLaterSocket = errors.New("encap: bind after the first socket failed")

type laterSocketError struct{ err error }

func (e *laterSocketError) Error() string   { return e.err.Error() }
func (e *laterSocketError) Unwrap() []error { return []error{e.err, errLaterSocket} }

func bindSpecs(addrs []netip.Addr) ([]bindSpec, error) {
	if len(addrs) == 0 {
		return []bindSpec{{addr: netip.IPv4Unspecified()}, {addr: netip.IPv6Unspecified(), optional: true}}, nil
	}
	specs := make([]bindSpec, 0, len(addrs))
	seen := make(map[netip.Addr]bool, len(addrs))
	for _, a := range addrs {
		if !a.IsValid() {
			return nil, fmt.Errorf("encap: invalid local address in UDPConfig.Addrs")
		}
		a = a.Unmap()
		if seen[a] {
			return nil, fmt.Errorf("encap: local address %v listed twice", a)
		}
		seen[a] = true
		specs = append(specs, bindSpec{addr: a})
	}
	return specs, nil
}

func listenOnce(specs []bindSpec, cfg UDPConfig) (*UDP, error) {
	u := &UDP{port: cfg.Port}
	for _, sp := range specs {
		s, err := openSocket(sp.addr, u.port, cfg)
		if err != nil {
			if sp.optional && !errors.Is(err, syscall.EADDRINUSE) {
				continue // no IPv6 here
			}
			u.closeSockets()
			if len(u.socks) > 0 {
				return nil, &laterSocketError{err}
			}
			return nil, err
		}
		if u.port == 0 {
			u.port = s.bound.Port()
		}
		u.socks = append(u.socks, s)
	}
	if len(u.socks) == 0 {
		return nil, fmt.Errorf("encap: no socket could be opened")
	}
	// Report the smallest buffers granted: the bottleneck socket.
	for i, s := range u.socks {
		if i == 0 || s.bufs.Read < u.bufs.Read {
			u.bufs.Read = s.bufs.Read
		}
		if i == 0 || s.bufs.Write < u.bufs.Write {
			u.bufs.Write = s.bufs.Write
		}
	}
	return u, nil
}

func openSocket(addr netip.Addr, port uint16, cfg UDPConfig) (*socket, error) {
	is6 := addr.Is6()
	network := "udp4"
	if is6 {
		network = "udp6" // Go sets IPV6_V6ONLY for "udp6", so :: leaves IPv4 to 0.0.0.0
	}
	ap := netip.AddrPortFrom(addr, port)
	pc, err := (&net.ListenConfig{}).ListenPacket(context.Background(), network, ap.String())
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, &AddrInUseError{Addr: ap, Err: err}
		}
		return nil, fmt.Errorf("encap: listen on %v: %w", ap, err)
	}
	conn := pc.(*net.UDPConn)
	s := &socket{conn: conn, is6: is6, wildcard: addr.IsUnspecified()}
	s.bound = netip.AddrPortFrom(addr, conn.LocalAddr().(*net.UDPAddr).AddrPort().Port())
	if is6 {
		s.pc6 = ipv6.NewPacketConn(conn)
	} else {
		s.pc4 = ipv4.NewPacketConn(conn)
	}
	if s.wildcard {
		if is6 {
			err = s.pc6.SetControlMessage(ipv6.FlagDst, true)
		} else {
			err = s.pc4.SetControlMessage(ipv4.FlagDst, true)
		}
		// Only Linux must support it; elsewhere Local stays the wildcard.
		if err != nil && runtime.GOOS == "linux" {
			conn.Close()
			return nil, fmt.Errorf("encap: enable packet info on %v: %w", s.bound, err)
		}
	}
	s.bufs.Read, s.bufs.Write = SetBuffers(conn, orAuto(cfg.ReadBuffer), orAuto(cfg.WriteBuffer))
	s.gsoOff.Store(cfg.DisableGSO)
	s.initIO(batchSize)
	return s, nil
}

func orAuto(n int) int {
	if n == 0 {
		return AutoBufferSize
	}
	return n
}

// ReceiveFuncs returns one reader per socket, in LocalAddrs order.
func (u *UDP) ReceiveFuncs() []ReceiveFunc {
	fns := make([]ReceiveFunc, len(u.socks))
	for i, s := range u.socks {
		fns[i] = s.receive
	}
	return fns
}

// receive is the ReceiveFunc of one socket.
func (s *socket) receive(dgs []Datagram) (int, error) {
	if len(dgs) == 0 {
		return 0, nil
	}
	n, err := s.readBatch(dgs)
	if err != nil {
		if errors.Is(err, net.ErrClosed) {
			return 0, net.ErrClosed
		}
		return 0, fmt.Errorf("encap: read on %v: %w", s.bound, err)
	}
	return n, nil
}

// WriteBatch sends dgs in order. Runs of consecutive datagrams for the same
// socket go to the kernel together. It returns the number of datagrams sent
// and, when short, the error that stopped it at dgs[n].
func (u *UDP) WriteBatch(dgs []Datagram) (int, error) {
	if u.closed.Load() {
		return 0, net.ErrClosed
	}
	i := 0
	for i < len(dgs) {
		s, err := u.pick(&dgs[i])
		if err != nil {
			return i, err
		}
		j := i + 1
		for j < len(dgs) {
			t, err := u.pick(&dgs[j])
			if err != nil || t != s {
				break
			}
			j++
		}
		n, err := s.writeBatch(dgs[i:j])
		i += n
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return i, net.ErrClosed
			}
			if i < len(dgs) {
				return i, fmt.Errorf("encap: write from %v to %v: %w", s.bound, dgs[i].Remote, err)
			}
			return i, fmt.Errorf("encap: write from %v: %w", s.bound, err)
		}
	}
	return i, nil
}

// pick chooses the socket for d: the one bound to d.Local.Addr, else a
// wildcard socket of the family (which sets the source with PKTINFO), else,
// with no Local, the first socket of the remote's family.
func (u *UDP) pick(d *Datagram) (*socket, error) {
	r := d.Remote.Addr()
	if !r.IsValid() || d.Remote.Port() == 0 || r.IsUnspecified() {
		return nil, fmt.Errorf("%w: %v", ErrBadAddress, d.Remote)
	}
	is6 := r.Is6() && !r.Is4In6()
	l := d.Local.Addr().Unmap()
	if l.IsValid() && !l.IsUnspecified() {
		if l.Is6() != is6 {
			return nil, fmt.Errorf("%w: local %v and remote %v differ in family", ErrNoSocket, l, r)
		}
		for _, s := range u.socks {
			if s.bound.Addr() == l {
				return s, nil
			}
		}
		for _, s := range u.socks {
			if s.wildcard && s.is6 == is6 {
				return s, nil
			}
		}
		return nil, fmt.Errorf("%w: local %v", ErrNoSocket, l)
	}
	for _, s := range u.socks {
		if s.is6 == is6 {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%w: no socket of the family of %v", ErrNoSocket, r)
}

// LocalAddrs returns the bound addresses (wildcards are not expanded).
func (u *UDP) LocalAddrs() []netip.AddrPort {
	out := make([]netip.AddrPort, len(u.socks))
	for i, s := range u.socks {
		out[i] = s.bound
	}
	return out
}

// Port returns the UDP port all sockets share.
func (u *UDP) Port() uint16 { return u.port }

// BatchSize is the most datagrams one system call moves.
func (u *UDP) BatchSize() int { return batchSize }

// BufferSizes reports the smallest socket buffers granted over all sockets.
func (u *UDP) BufferSizes() BufferSizes { return u.bufs }

// Dropped counts datagrams received but discarded: truncated because the
// caller's buffer was too small, or with an unparsable source address.
func (u *UDP) Dropped() uint64 {
	var n uint64
	for _, s := range u.socks {
		n += s.dropped.Load()
	}
	return n
}

// Close closes every socket; it is idempotent.
func (u *UDP) Close() error {
	if u.closed.Swap(true) {
		return nil
	}
	return u.closeSockets()
}

func (u *UDP) closeSockets() error {
	var errs []error
	for _, s := range u.socks {
		if err := s.conn.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
