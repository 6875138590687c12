package assoc

import (
	"errors"
	"fmt"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// Sentinel errors for errors.Is.
var (
	ErrInvalidStream     = errors.New("sctp: invalid stream")
	ErrBufferFull        = errors.New("sctp: send buffer full")
	ErrMessageTooBig     = errors.New("sctp: message too big")
	ErrShutdown          = errors.New("sctp: association shutting down")
	ErrClosed            = errors.New("sctp: association closed")
	ErrProtocolViolation = errors.New("sctp: protocol violation")
	ErrAborted           = errors.New("sctp: association aborted")
	ErrPeerUnreachable   = errors.New("sctp: peer unreachable")
	ErrInitFailed        = errors.New("sctp: association setup failed")
	ErrNoPath            = errors.New("sctp: no such peer address")
)

// Error is why an association ended or an operation failed, with the SCTP
// error cause where the protocol gave one (e.g. the peer's ABORT cause).
type Error struct {
	Err   error      // one of the sentinels
	Cause wire.Cause // nil when there is no cause
}

func (e *Error) Error() string {
	if e.Cause == nil {
		return e.Err.Error()
	}
	return fmt.Sprintf("%v (%v)", e.Err, e.Cause.CauseCode())
}

func (e *Error) Unwrap() error { return e.Err }
