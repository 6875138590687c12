package stack

import (
	"time"
)

// SendFlags modify SendMsg (RFC 6458 5.3.4 snd_flags).
type SendFlags uint32

// Send flags.
const (
	// SendUnordered: deliver the message unordered (SCTP_UNORDERED).
	SendUnordered SendFlags = 1 << iota
	// SendEOF: after this message (which may be empty), shut the
	// association down gracefully (SCTP_EOF).
	SendEOF
	// SendAbort: abort the association; the message is the reason sent in
	// a User-Initiated Abort cause (SCTP_ABORT).
	SendAbort
	// SendAll: send the message on every association of the one-to-many
	// socket (SCTP_SENDALL).
	SendAll
	// SendAddrOver: send the message's first transmission to SndInfo.To,
	// one of the association's peer addresses, rather than the primary
	// path (SCTP_ADDR_OVER); retransmissions may use another path (RFC
	// 9260 6.4). A To that is not an address of the association fails
	// with ErrBadAddress. When that path is inactive or unconfirmed the
	// message goes to the primary (or the active alternate) instead:
	// Linux sends there anyway, but DATA to a dead path only waits an RTO
	// before T3-rtx moves it. Not valid with SendAll.
	SendAddrOver
)

// SndInfo describes a message for SendMsg (SCTP_SNDINFO and SCTP_PRINFO,
// RFC 6458 5.3.4, 5.3.7).
type SndInfo struct {
	// AssocID names the association on a one-to-many socket; 0 with To set
	// means the association to To, set up implicitly when there is none.
	AssocID AssocID
	To      *Addr
	Stream  uint16
	PPID    uint32
	Flags   SendFlags
	// Context is returned in a SendFailed notification for this message.
	Context uint64
	// TTL: PR-SCTP timed reliability (RFC 3758): abandon the message if it
	// is not delivered within TTL. 0 = fully reliable.
	TTL time.Duration
	// MaxRetrans: PR-SCTP limited retransmissions; 0 = unlimited.
	MaxRetrans int
}
