package assoc

import (
	"github.com/udpsctp/udpsctp/stack/wire"
)

// PR-SCTP (RFC 3758): the tx package abandons messages whose policy ran out
// and builds the FORWARD TSN; here we report the abandonments and send it.

// prsctpAfterAck reports abandoned messages and asks for a FORWARD TSN when
// the Advanced.Peer.Ack.Point passed the cumulative ack (3.5 C1-C3): after
// a SACK or a T3-rtx expiry (again, C4/C5), else only when the point moved
// past the last one sent.
func (a *Association) prsctpAfterAck(again bool) {
	if a.prsctp && a.out.ForwardTSN(a.now, &a.txFwd) && (again || a.fwdSent.Less(a.txFwd.NewCumTSN)) {
		a.fwdPending = true
	}
	a.reportAbandoned()
}

// expireUnsent drops unsent messages whose deadline passed.
func (a *Association) expireUnsent() {
	if !a.prsctp || a.sq.Empty() {
		return
	}
	a.sq.Expire(a.now)
	a.reportAbandoned()
}

// appendForwardTSN adds the FORWARD TSN (3.2) if one is due and fits. T3-rtx
// runs on p while it is unacknowledged, even with no DATA in flight, so a
// lost FORWARD TSN goes again (3.5 C4).
func (a *Association) appendForwardTSN(b []byte, mtu int, p *path) []byte {
	f := &a.txFwd
	if !a.out.ForwardTSN(a.now, f) {
		a.fwdPending = false
		a.reportAbandoned()
		return b
	}
	a.reportAbandoned()
	if len(b)+8+4*len(f.Streams) > mtu {
		return b
	}
	a.fwdPending = false
	a.fwdSent = f.NewCumTSN
	if p == nil {
		p = a.primaryPath()
	}
	if p.t3.IsZero() {
		p.t3 = a.now.Add(p.rto())
	}
	return f.AppendTo(b)
}

// handleForwardTSN applies a received FORWARD TSN (3.6); the Tracker counts
// it like DATA for the SACK rules.
func (a *Association) handleForwardTSN(raw wire.RawChunk) {
	switch a.state {
	case Established, ShutdownPending, ShutdownSent:
	default:
		return
	}
	f := &a.rxFwd
	if f.Decode(raw) != nil {
		return
	}
	if a.rx.CumAck().Diff(f.NewCumTSN) > 1<<20 {
		return // far beyond anything the peer can have sent: ignore
	}
	a.rx.ForwardTo(f.NewCumTSN)
	for _, s := range a.reasm.ForwardTSN(f.NewCumTSN, f.Streams) {
		a.events.push(PartialDeliveryAborted{Stream: s})
	}
	a.popMessages()
}
