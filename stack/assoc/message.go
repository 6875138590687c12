package assoc

import "github.com/udpsctp/udpsctp/stack/internal/tx"

// OutMessage is one user message for Send (stack/internal/tx.OutMessage):
// Stream, PPID, Unordered, Data (owned by the association after Send),
// Deadline and MaxRetrans (PR-SCTP, RFC 3758 / RFC 7496, applied only when
// the peer supports FORWARD TSN), Context (returned in SendFailed) and Dest
// (SCTP_ADDR_OVER: the peer address for the first transmission, see
// addr_over.go; Send fails with ErrNoPath when it is not the peer's).
//
// MaxRetrans: -1 is unlimited; Send also takes 0 as unlimited, so that a
// zero OutMessage is fully reliable (limits start at 1 retransmission).
type OutMessage = tx.OutMessage
