package stack

import (
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// EventMask selects the notifications a socket receives through RecvMsg
// (RFC 6458 6.2.1, SCTP_EVENT). None is on by default, as in RFC 6458.
type EventMask uint32

// Notification kinds.
const (
	EventAssocChange EventMask = 1 << iota
	EventPeerAddrChange
	EventSendFailed
	EventRemoteError
	EventShutdown
	EventPartialDelivery
	EventSenderDry
	EventAll = EventAssocChange | EventPeerAddrChange | EventSendFailed | EventRemoteError |
		EventShutdown | EventPartialDelivery | EventSenderDry
)

// Notification is an SCTP event delivered by RecvMsg with FlagNotification
// set. The concrete types are the ones below.
type Notification interface {
	// Assoc is the association the event is about.
	Assoc() AssocID
	mask() EventMask
}

// AssocChange: an association came up, went down or restarted
// (SCTP_ASSOC_CHANGE).
type AssocChange struct {
	AssocID AssocID
	assoc.AssocChange
}

// PeerAddrChange: a peer address changed state (SCTP_PEER_ADDR_CHANGE).
type PeerAddrChange struct {
	AssocID AssocID
	assoc.PeerAddrChange
}

// SendFailed: a message could not be delivered; it carries the data
// (SCTP_SEND_FAILED_EVENT).
type SendFailed struct {
	AssocID AssocID
	assoc.SendFailed
}

// RemoteError: the peer sent an ERROR chunk (SCTP_REMOTE_ERROR).
type RemoteError struct {
	AssocID AssocID
	assoc.RemoteError
}

// ShutdownEvent: the peer started a graceful shutdown; no more data will
// arrive (SCTP_SHUTDOWN_EVENT).
type ShutdownEvent struct{ AssocID AssocID }

// PartialDeliveryAborted: a partially delivered message will not be
// completed (SCTP_PARTIAL_DELIVERY_EVENT).
type PartialDeliveryAborted struct {
	AssocID AssocID
	Stream  uint16
}

// SenderDry: everything sent has been acknowledged (SCTP_SENDER_DRY_EVENT).
type SenderDry struct{ AssocID AssocID }

func (n *AssocChange) Assoc() AssocID            { return n.AssocID }
func (n *PeerAddrChange) Assoc() AssocID         { return n.AssocID }
func (n *SendFailed) Assoc() AssocID             { return n.AssocID }
func (n *RemoteError) Assoc() AssocID            { return n.AssocID }
func (n *ShutdownEvent) Assoc() AssocID          { return n.AssocID }
func (n *PartialDeliveryAborted) Assoc() AssocID { return n.AssocID }
func (n *SenderDry) Assoc() AssocID              { return n.AssocID }

func (*AssocChange) mask() EventMask            { return EventAssocChange }
func (*PeerAddrChange) mask() EventMask         { return EventPeerAddrChange }
func (*SendFailed) mask() EventMask             { return EventSendFailed }
func (*RemoteError) mask() EventMask            { return EventRemoteError }
func (*ShutdownEvent) mask() EventMask          { return EventShutdown }
func (*PartialDeliveryAborted) mask() EventMask { return EventPartialDelivery }
func (*SenderDry) mask() EventMask              { return EventSenderDry }

// toNotification wraps an association event; nil for delivered data.
func toNotification(id AssocID, ev assoc.Event) Notification {
	switch v := ev.(type) {
	case assoc.AssocChange:
		return &AssocChange{AssocID: id, AssocChange: v}
	case assoc.PeerAddrChange:
		return &PeerAddrChange{AssocID: id, PeerAddrChange: v}
	case assoc.SendFailed:
		return &SendFailed{AssocID: id, SendFailed: v}
	case assoc.RemoteError:
		return &RemoteError{AssocID: id, RemoteError: v}
	case assoc.ShutdownEvent:
		return &ShutdownEvent{AssocID: id}
	case assoc.PartialDeliveryAborted:
		return &PartialDeliveryAborted{AssocID: id, Stream: v.Stream}
	case assoc.SenderDry:
		return &SenderDry{AssocID: id}
	}
	return nil
}
