package rx

import "errors"

// Errors returned by Reassembly.Add, for errors.Is.
var (
	// ErrInvalidStream: the stream identifier is not below the number of
	// inbound streams. The association answers with an ERROR chunk carrying
	// an Invalid Stream Identifier cause (RFC 9260 6.5) and still acks the TSN.
	ErrInvalidStream = errors.New("sctp rx: invalid stream identifier")
	// ErrNoUserData: a DATA chunk without user data (RFC 9260 6.2: ABORT with
	// a No User Data cause).
	ErrNoUserData = errors.New("sctp rx: no user data")
	// ErrProtocol: fragments that contradict each other or the stream state.
	ErrProtocol = errors.New("sctp rx: protocol violation")
	// ErrBufferFull: the chunk does not fit and cannot help delivery; the
	// association drops it unacknowledged (Tracker.Forget).
	ErrBufferFull = errors.New("sctp rx: receive buffer full")
)
