package assoc

import (
	"github.com/udpsctp/udpsctp/stack/wire"
)

// PR-SCTP (RFC 3758): abandoning messages whose policy ran out, and
// FORWARD TSN in both directions.

// abandonIfDue abandons c's message if its policy ran out; reports so.
func (a *Association) abandonIfDue(c *sentChunk) bool {
	if !a.prsctp || c.msg == nil || !c.msg.hasPolicy() || c.msg.abandoned {
		return c.abandoned
	}
	m := c.msg
	if m.expired(a.now) || (m.m.MaxRetrans > 0 && c.sends > m.m.MaxRetrans) {
		a.abandon(m)
		return true
	}
	return false
}

// abandonDue runs abandonIfDue over the chunks waiting for retransmission.
func (a *Association) abandonDue() {
	if !a.prsctp {
		return
	}
	for _, c := range a.out.chunks() {
		if c.mark != markNone {
			a.abandonIfDue(c)
		}
	}
	a.advancePeerAck()
}

// abandon marks every chunk of m abandoned (3.5 A3), drops its unsent
// rest and reports SendFailed.
func (a *Association) abandon(m *outMsg) {
	m.abandoned = true
	for _, c := range a.out.chunks() {
		if c.msg == m && !c.abandoned {
			c.abandoned = true
			a.out.clearMark(c)
			a.out.leaveFlight(c)
		}
	}
	if !m.fullyCut() && m.chunks > 0 {
		// Part of it went out: give the unsent rest one TSN, abandoned
		// and never sent, so that the FORWARD TSN names its stream and
		// SSN and the receiver drops the fragments it holds.
		d := wire.Data{Stream: m.m.Stream, SSN: m.ssn, PPID: m.m.PPID, Unordered: m.m.Unordered, Ending: true, TSN: a.out.nextTSN}
		a.out.nextTSN++
		a.out.add(&sentChunk{d: d, msg: m, abandoned: true})
	}
	a.sq.abandonCur(m)
	a.sq.buffered -= len(m.m.Data)
	a.sendFailed(m, 0)
}

// expireUnsent drops unsent messages whose deadline passed.
func (a *Association) expireUnsent() {
	if !a.prsctp || a.sq.empty() {
		return
	}
	for _, m := range a.sq.expire(a.now, a.scratch[:0]) {
		a.sendFailed(m, 0)
	}
}

// advancePeerAck moves the Advanced.Peer.Ack.Point over abandoned chunks
// (3.5 C1-C2) and asks for a FORWARD TSN when it passes the cum ack.
func (a *Association) advancePeerAck() {
	if !a.prsctp {
		return
	}
	if a.out.advancedPeerAck.Less(a.out.cumAck) {
		a.out.advancedPeerAck = a.out.cumAck
	}
	for _, c := range a.out.chunks() {
		if c.d.TSN.LessEq(a.out.advancedPeerAck) {
			continue
		}
		if !c.abandoned {
			break
		}
		a.out.advancedPeerAck = c.d.TSN
	}
	if a.out.cumAck.Less(a.out.advancedPeerAck) {
		a.fwdPending = true
	}
}

// appendForwardTSN adds the FORWARD TSN (3.2) naming, per ordered stream,
// the last SSN skipped.
func (a *Association) appendForwardTSN(b []byte, mtu int) []byte {
	if !a.out.cumAck.Less(a.out.advancedPeerAck) {
		a.fwdPending = false
		return b
	}
	f := wire.ForwardTSN{NewCumTSN: a.out.advancedPeerAck}
	for _, c := range a.out.chunks() {
		if a.out.advancedPeerAck.Less(c.d.TSN) {
			break
		}
		if c.d.Unordered {
			continue
		}
		found := false
		for i := range f.Streams {
			if f.Streams[i].Stream == c.d.Stream {
				if f.Streams[i].SSN.Less(c.d.SSN) {
					f.Streams[i].SSN = c.d.SSN
				}
				found = true
			}
		}
		if !found {
			f.Streams = append(f.Streams, wire.ForwardTSNStream{Stream: c.d.Stream, SSN: c.d.SSN})
		}
	}
	if len(b)+8+4*len(f.Streams) > mtu {
		return b
	}
	a.fwdPending = false
	return f.AppendTo(b)
}

// handleForwardTSN applies a received FORWARD TSN (3.6) and acknowledges it
// at once.
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
	a.sackNeeded, a.sackNow = true, true
	if !a.rx.cum.Less(f.NewCumTSN) || !a.rx.inWindow(f.NewCumTSN) {
		return
	}
	a.rx.forwardTo(f.NewCumTSN)
	a.reasm.forward(f.NewCumTSN, f.Streams, a.deliver, func(s uint16) {
		a.events.push(PartialDeliveryAborted{Stream: s})
	})
}
