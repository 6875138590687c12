package encap

import "net/netip"

// Datagram is one UDP datagram carrying one SCTP packet (RFC 6951 section 5).
type Datagram struct {
	// Buf is the UDP payload. On read the caller supplies Buf with len equal
	// to the room it offers (normally len == cap); the ReceiveFunc reslices
	// it to the received length. On write it is sent as is and not retained.
	Buf []byte
	// Local is our side: the address and port a datagram arrived on, or the
	// source to send from. A zero Addr on send lets the transport pick.
	Local netip.AddrPort
	// Remote is the peer's IP address and UDP port. RFC 6951 section 5.1
	// keeps that port per peer address; the stack learns it from here.
	Remote netip.AddrPort
}

// ReceiveFunc reads datagrams into dgs. It blocks until at least one
// datagram arrived and returns how many slots of dgs it filled; after the
// transport is closed it returns net.ErrClosed. See the package doc for the
// slot-permutation rule.
type ReceiveFunc func(dgs []Datagram) (n int, err error)

// Transport is the method set shared by [UDP], memnet.Transport and the
// wrappers of this package. The stack declares its own copy of it.
type Transport interface {
	// ReceiveFuncs returns one reader per socket; run each in one goroutine.
	ReceiveFuncs() []ReceiveFunc
	// WriteBatch sends dgs, choosing the socket by dgs[i].Local.
	WriteBatch(dgs []Datagram) (int, error)
	// LocalAddrs reports the bound addresses (wildcards stay wildcards).
	LocalAddrs() []netip.AddrPort
	// BatchSize is the most datagrams one ReceiveFunc call fills and the
	// batch WriteBatch hands to the kernel at once.
	BatchSize() int
	// Close releases the sockets; pending and later reads get net.ErrClosed.
	Close() error
}
