package assoc

import (
	"net/netip"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// Event is a delivered message or a notification (RFC 6458 6.1 semantics).
type Event interface{ isEvent() }

// Message is delivered user data. EOR false marks a partial delivery piece
// (more of the same message follows).
type Message struct {
	Stream    uint16
	SSN       wire.SSN
	PPID      uint32
	TSN       wire.TSN // TSN of the message's first fragment
	Unordered bool
	Data      []byte
	EOR       bool
}

// AssocChangeState is the SCTP_ASSOC_CHANGE state of RFC 6458 6.1.1.
type AssocChangeState uint8

// Association change states.
const (
	CommUp AssocChangeState = iota + 1
	CommLost
	Restart
	ShutdownComp
	CantStartAssoc
)

func (s AssocChangeState) String() string {
	switch s {
	case CommUp:
		return "COMM_UP"
	case CommLost:
		return "COMM_LOST"
	case Restart:
		return "RESTART"
	case ShutdownComp:
		return "SHUTDOWN_COMP"
	case CantStartAssoc:
		return "CANT_STR_ASSOC"
	}
	return "?"
}

// AssocChange reports the association coming up, going down or restarting.
// Cause is the peer's ABORT cause or our own, when there is one.
type AssocChange struct {
	State      AssocChangeState
	Error      uint16
	OutStreams uint16
	InStreams  uint16
	Cause      wire.Cause
}

// PeerAddrState is the SCTP_PEER_ADDR_CHANGE state of RFC 6458 6.1.2.
type PeerAddrState uint8

// Peer address states.
const (
	AddrAvailable PeerAddrState = iota + 1
	AddrUnreachable
	AddrRemoved
	AddrAdded
	AddrMadePrimary
	AddrConfirmed
)

// PeerAddrChange reports a path changing state.
type PeerAddrChange struct {
	Addr  netip.AddrPort
	State PeerAddrState
	Error uint16
}

// SendFailed returns a message that will not be delivered (abandoned by
// PR-SCTP, or left when the association ended). Unsent: no part of it was
// ever transmitted.
type SendFailed struct {
	Msg    OutMessage
	Unsent bool
	Error  uint16
}

// RemoteError is an ERROR chunk's cause from the peer.
type RemoteError struct{ Cause wire.Cause }

// ShutdownEvent: the peer sent SHUTDOWN; it will send no more data.
type ShutdownEvent struct{}

// PartialDeliveryAborted: a partially delivered message on Stream will not
// be completed (its remaining fragments were skipped by FORWARD TSN).
type PartialDeliveryAborted struct{ Stream uint16 }

// SenderDry: everything sent has been acknowledged and nothing is queued.
type SenderDry struct{}

func (Message) isEvent()                {}
func (AssocChange) isEvent()            {}
func (PeerAddrChange) isEvent()         {}
func (SendFailed) isEvent()             {}
func (RemoteError) isEvent()            {}
func (ShutdownEvent) isEvent()          {}
func (PartialDeliveryAborted) isEvent() {}
func (SenderDry) isEvent()              {}

// eventQueue is a FIFO that reuses its backing array.
type eventQueue struct {
	q    []Event
	head int
}

func (e *eventQueue) push(ev Event) { e.q = append(e.q, ev) }

func (e *eventQueue) pop() (Event, bool) {
	if e.head == len(e.q) {
		return nil, false
	}
	ev := e.q[e.head]
	e.q[e.head] = nil
	e.head++
	if e.head == len(e.q) {
		e.q, e.head = e.q[:0], 0
	}
	return ev, true
}

func (e *eventQueue) len() int { return len(e.q) - e.head }

// The peer address states under the names of the API sketch.
const (
	Available   = AddrAvailable
	Unreachable = AddrUnreachable
	Removed     = AddrRemoved
	Added       = AddrAdded
	MadePrimary = AddrMadePrimary
	Confirmed   = AddrConfirmed
)
