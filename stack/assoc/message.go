package assoc

import "time"

// OutMessage is one user message for Send. It has the fields of
// stack/internal/tx.OutMessage.
//
// PR-SCTP (RFC 3758) policies apply only when the peer supports FORWARD TSN:
// Deadline (timed reliability; zero = none) and MaxRetrans (limited
// retransmissions, RFC 7496; zero or negative = unlimited).
type OutMessage struct {
	Stream     uint16
	PPID       uint32
	Unordered  bool
	Data       []byte // owned by the association after Send
	Deadline   time.Time
	MaxRetrans int
	Context    uint64 // opaque, returned in SendFailed
}
