package assoc

// SCTP_ADDR_OVER (RFC 6458 5.3.4, sinfo_flags 5.3.2): a message sent with
// OutMessage.Dest has its first transmission go to that peer address
// instead of the primary path. Retransmissions go wherever the association
// sends them (RFC 9260 6.4 lets them move to an alternate path).
//
// Dest must be one of the peer's addresses when Send is called (else
// ErrNoPath). When its path cannot take data at the time the message is
// sent, because it is unconfirmed (RFC 9260 5.4 forbids DATA there) or
// inactive, the message goes to the data path instead, like any other.
// Linux sends to an inactive override address anyway; we do not, because
// such DATA would wait a whole RTO for T3-rtx to move it to an alternate
// (6.4.1) while the user asked for a path, not for the delay; heartbeats
// already probe inactive paths.
//
// Messages are taken in the send queue's order: a message bound for another
// path than the current packet's ends the packet's new data, and the next
// PollTransmit sends it to its own path. So an override never reorders a
// stream, and a message without Dest never rides on an override path
// (except after retransmissions, as before: see newDataFits).

// overPath returns the path the next message to cut asked for with
// SCTP_ADDR_OVER when that path may carry data now, else nil.
func (a *Association) overPath() *path {
	d := a.sq.NextDest()
	if !d.IsValid() {
		return nil
	}
	if p := a.findPath(d); p != nil && p.usable() {
		return p
	}
	return nil
}

// newDataFits reports whether the next message's chunks may go in a packet
// for p: to its override path when it has a usable one; else to the data
// path, or to whatever path retransmissions just went to in this packet
// (afterRtx), where new data has always followed them.
func (a *Association) newDataFits(p *path, afterRtx bool) bool {
	if op := a.overPath(); op != nil {
		return op == p
	}
	return afterRtx || p == a.dataPath()
}
