package stack

import (
	"net/netip"

	"github.com/udpsctp/udpsctp/encap"
)

// Transport moves SCTP packets as UDP payloads (RFC 6951). The Stack opens
// a real UDP one by default; tests pass an in-memory one (encap/memnet).
// *encap.UDP and *memnet.Transport satisfy it.
type Transport interface {
	// ReceiveFuncs returns one blocking reader per socket; the Stack runs
	// each in its own goroutine.
	ReceiveFuncs() []encap.ReceiveFunc
	// WriteBatch sends datagrams; it may be called concurrently.
	WriteBatch(dgs []encap.Datagram) (int, error)
	// LocalAddrs reports the bound addresses.
	LocalAddrs() []netip.AddrPort
	// BatchSize is the most datagrams one read returns.
	BatchSize() int
	// Close releases the sockets and unblocks the readers.
	Close() error
}
