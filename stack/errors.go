package stack

import (
	"errors"
	"net"
	"os"

	"github.com/udpsctp/udpsctp/encap"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// Errors of the sockets API, for errors.Is. Those of the association core
// are the same values, so a caller needs only this package.
var (
	// ErrClosed: the socket or Stack is closed (it is net.ErrClosed).
	ErrClosed = net.ErrClosed
	// ErrTimeout: a deadline passed (it is os.ErrDeadlineExceeded, so
	// net.Error's Timeout() is true as in package net).
	ErrTimeout = os.ErrDeadlineExceeded
	// ErrUnknownAssoc: no association with that id (or address) on this
	// socket (EINVAL in RFC 6458).
	ErrUnknownAssoc = errors.New("sctp: no such association")
	// ErrAssocExists: an association with that peer already exists.
	ErrAssocExists = errors.New("sctp: association already exists")
	// ErrAddrInUse: the SCTP port (or UDP port) is taken.
	ErrAddrInUse = encap.ErrAddrInUse
	// ErrNotOneToMany: the operation needs a one-to-many socket.
	ErrNotOneToMany = errors.New("sctp: not a one-to-many socket")
	// ErrTooManyAssocs: the socket's or Stack's association limit is reached.
	ErrTooManyAssocs = errors.New("sctp: too many associations")
	// ErrBadAddress: an address that is not an SCTP-over-UDP peer address.
	ErrBadAddress = errors.New("sctp: bad address")
	// ErrEmptyMessage: SCTP carries no empty messages (RFC 9260 6.2); an
	// empty SendMsg is only valid with SendEOF or SendAbort.
	ErrEmptyMessage = errors.New("sctp: empty message")

	ErrInvalidStream     = assoc.ErrInvalidStream
	ErrMessageTooBig     = assoc.ErrMessageTooBig
	ErrShutdown          = assoc.ErrShutdown
	ErrAborted           = assoc.ErrAborted
	ErrPeerUnreachable   = assoc.ErrPeerUnreachable
	ErrInitFailed        = assoc.ErrInitFailed
	ErrProtocolViolation = assoc.ErrProtocolViolation
)
