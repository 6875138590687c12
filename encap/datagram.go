package encap

import (
	"net/netip"
	"time"
)

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

// ServeFunc runs the read loop of one socket in the calling goroutine: it
// reads datagrams into dgs (re-extending each Buf to its capacity before
// every read) and passes each non-empty batch to handle, until handle
// returns false (ServeFunc then returns nil), the transport is closed
// (net.ErrClosed) or a read fails (that error; the caller may call it
// again). handle must not keep dgs or their buffers after it returns.
// Calls for one socket are serialized: a second call waits until the first
// returns, so callers taking turns may share dgs.
//
// It does what a loop over a [ReceiveFunc] does, minus one system call per
// wake-up: a read that came back short of a full batch means the socket was
// just emptied, so it waits for readability straight away instead of
// reading again to find nothing. On a request/response exchange that
// futile read sits between handing a packet to its reader and that reader
// running (issue 8).
type ServeFunc func(dgs []Datagram, handle func(batch []Datagram) bool) error

// Serving is implemented by transports that can run their read loops
// themselves ([UDP] on Linux). Its ServeFuncs are an alternative to
// ReceiveFuncs, one per socket in the same order; use one or the other.
type Serving interface {
	ServeFuncs() []ServeFunc
	// SetReadDeadline sets the read deadline of socket i (ServeFuncs
	// order): a ServeFunc of that socket still waiting at t returns an
	// error wrapping os.ErrDeadlineExceeded; a time in the past wakes it at
	// once, and the zero time clears the deadline.
	SetReadDeadline(i int, t time.Time) error
}
