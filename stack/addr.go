package stack

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// Addr is an SCTP-over-UDP transport address: an IP address, an SCTP port,
// and the UDP encapsulation port the peer listens on (RFC 6951 5.1: the
// remote UDP port is kept per peer address). It is a net.Addr.
type Addr struct {
	IP      netip.Addr
	Port    uint16 // SCTP port
	UDPPort uint16 // the peer's UDP encapsulation port; 0 = DefaultUDPPort
}

// Network returns "sctp".
func (a *Addr) Network() string { return "sctp" }

// String returns "ip:port", as net.JoinHostPort does.
func (a *Addr) String() string {
	if a == nil {
		return "<nil>"
	}
	return net.JoinHostPort(a.IP.String(), strconv.Itoa(int(a.Port)))
}

// AddrPort returns the IP and SCTP port.
func (a *Addr) AddrPort() netip.AddrPort { return netip.AddrPortFrom(a.IP, a.Port) }

// udp returns the peer's UDP transport address.
func (a *Addr) udp() netip.AddrPort {
	p := a.UDPPort
	if p == 0 {
		p = DefaultUDPPort
	}
	return netip.AddrPortFrom(a.IP.Unmap(), p)
}

// ResolveAddr parses "ip:port" (numeric; "localhost" means 127.0.0.1) into
// an Addr with the default UDP port.
func ResolveAddr(s string) (*Addr, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrBadAddress, s, err)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: bad port", ErrBadAddress, s)
	}
	var ip netip.Addr
	switch host {
	case "":
		ip = netip.IPv4Unspecified()
	case "localhost":
		ip = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	default:
		ip, err = netip.ParseAddr(host)
		if err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrBadAddress, s, err)
		}
	}
	return &Addr{IP: ip.Unmap(), Port: uint16(p)}, nil
}

// toAddr converts a net.Addr given by a caller of WriteTo and friends.
func toAddr(a net.Addr) (*Addr, error) {
	switch v := a.(type) {
	case *Addr:
		if v == nil || !v.IP.IsValid() {
			return nil, fmt.Errorf("%w: %v", ErrBadAddress, a)
		}
		return v, nil
	case nil:
		return nil, fmt.Errorf("%w: nil address", ErrBadAddress)
	default:
		return ResolveAddr(a.String())
	}
}
