package tx

import "errors"

// Sentinel errors, for errors.Is.
var (
	// ErrInvalidStream: the message names a stream at or beyond the number
	// of outbound streams negotiated.
	ErrInvalidStream = errors.New("sctp: invalid stream identifier")
	// ErrBufferFull: the send buffer limit would be exceeded.
	ErrBufferFull = errors.New("sctp: send buffer full")
	// ErrEmptyMessage: a DATA chunk carries at least one byte (RFC 9260
	// 3.3.1), so an empty message cannot be sent.
	ErrEmptyMessage = errors.New("sctp: empty message")
	// ErrProtocol: the peer acknowledged TSNs that were never sent (RFC 9260
	// 6.2.1); the association aborts with a Protocol Violation cause.
	ErrProtocol = errors.New("sctp: protocol violation")
)
