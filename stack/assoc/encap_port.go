package assoc

import "github.com/udpsctp/udpsctp/stack/wire"

// An INIT carries verification tag 0 (RFC 9260 8.5.1 A), so nothing proves
// it comes from the peer: RFC 6951 5.5 lets only packets that passed the tag
// check move a path's remote UDP port, and an INIT for an existing
// association never does. draft-tuexen-tsvwg-sctp-udp-encaps-cons (section
// 4, implemented by Linux as SCTP_ERROR_NEW_ENCAP_PORT) says what to answer
// when such an INIT comes from a known peer address but another UDP source
// port: not an INIT ACK (a restart would move the association to a port
// that nobody authenticated), but an ABORT with the cause "Restart of an
// Association with New Encapsulation Port", with the INIT's Initiate Tag as
// verification tag and the T bit clear (8.4 rule 3), sent back to the
// address and port the INIT came from. The existing association goes on
// with its port untouched. A peer that restarted with a new port sees its
// setup fail with that cause (ErrAborted, Error.Cause) and must wait for
// the old association to end (its heartbeats go unanswered) or come back
// from the old port; the receiver has no other duty.
//
// COOKIE-WAIT is exempt: the port there is only our configured guess, as no
// packet of the peer has been verified yet, and an INIT collision must
// still meet an INIT ACK (5.2.1).

// refuseNewEncapPort answers an INIT from a known peer address whose UDP
// source port differs from the path's, and reports whether it did.
func (a *Association) refuseNewEncapPort(init *wire.Init, in Inbound) bool {
	if a.state == CookieWait || in.Remote.Port() == 0 {
		return false
	}
	p := a.findPath(in.Remote.Addr())
	if p == nil || p.remote.Port() == in.Remote.Port() {
		return false
	}
	ab := &wire.Abort{Causes: []wire.Cause{&wire.RestartWithNewEncapPort{
		CurrentPort: p.remote.Port(), NewPort: in.Remote.Port(),
	}}}
	a.queueAlone(ab.AppendTo(nil), init.InitiateTag, nil, in.Remote)
	return true
}
