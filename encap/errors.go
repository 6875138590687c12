package encap

import (
	"errors"
	"fmt"
	"net/netip"
)

// ErrAddrInUse is matched (errors.Is) by every error that reports a local
// address and port already taken, by the OS or by memnet.
var ErrAddrInUse = errors.New("encap: address already in use")

// ErrNoSocket means no bound socket can send from the requested local
// address or to the remote address's family.
var ErrNoSocket = errors.New("encap: no socket for this address")

// ErrBadAddress reports a datagram whose remote address or port is unusable.
var ErrBadAddress = errors.New("encap: invalid remote address")

// AddrInUseError says which local address was taken. It unwraps to the cause
// (syscall.EADDRINUSE) and matches ErrAddrInUse.
type AddrInUseError struct {
	Addr netip.AddrPort
	Err  error
}

func (e *AddrInUseError) Error() string {
	return fmt.Sprintf("encap: listen on %v: address already in use (%v)", e.Addr, e.Err)
}

// Unwrap returns the underlying OS error, so errors.Is(err, syscall.EADDRINUSE) holds.
func (e *AddrInUseError) Unwrap() error { return e.Err }

// Is reports whether target is ErrAddrInUse.
func (e *AddrInUseError) Is(target error) bool { return target == ErrAddrInUse }
