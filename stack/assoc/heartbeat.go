package assoc

import (
	"encoding/binary"
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// Heartbeat Info as we send it (opaque to the peer, RFC 9260 8.3): path id,
// nonce, send time.
const hbInfoLen = 4 + 8 + 8

// startHeartbeats arms the heartbeat timer of every path once the
// association is up: unconfirmed paths are probed at once (5.4), confirmed
// ones after RTO + HB.interval with jitter.
func (a *Association) startHeartbeats() {
	if a.cfg.HeartbeatInterval < 0 {
		return
	}
	for _, p := range a.paths {
		a.scheduleHeartbeat(p, !p.confirmed)
	}
}

func (a *Association) scheduleHeartbeat(p *path, now bool) {
	if a.cfg.HeartbeatInterval < 0 {
		p.hbAt = time.Time{}
		return
	}
	if now {
		p.hbAt = a.now
		return
	}
	d := a.jitter(p.rto())
	if p.confirmed {
		d += a.cfg.HeartbeatInterval
	}
	p.hbAt = a.now.Add(d)
}

// onHeartbeatTimer sends a HEARTBEAT on p, first counting the previous one
// as lost if it is still unanswered (8.3).
func (a *Association) onHeartbeatTimer(p *path) {
	switch a.state {
	case Established, ShutdownPending, ShutdownReceived, ShutdownSent:
	default:
		return
	}
	if p.hbOutstanding {
		p.hbOutstanding = false
		p.est.Backoff()
		if p.local == p.hbLocal {
			// The pair may be cut: try another source address. Not
			// when a packet from the peer address has since shown
			// another local address working (learnLocal): rotating
			// away from it would undo that, and with a peer that
			// heartbeats out of phase with us, forever.
			a.rotateLocal(p)
		} else {
			p.heard = false // the learned address had its one timeout's grace
		}
		if !p.confirmed {
			// An unconfirmed address does not count against the
			// association; after Path.Max.Retrans it is inactive but
			// still probed at the confirmed pace, so that it can
			// come up once reachable.
			p.errors++
			if p.errors > a.cfg.PathMaxRetrans {
				p.active = false
				a.sendHeartbeat(p)
				p.hbAt = a.now.Add(a.jitter(p.rto()) + max(a.cfg.HeartbeatInterval, 0))
				return
			}
		} else if a.pathError(p, true) {
			return
		}
	}
	if p.confirmed && a.flight(p) > 0 && a.now.Sub(p.lastSend) < p.rto() {
		// Data in flight probes the path already (T3-rtx counts errors).
		a.scheduleHeartbeat(p, false)
		return
	}
	a.sendHeartbeat(p)
	a.scheduleHeartbeat(p, false)
	if !p.confirmed {
		p.hbAt = a.now.Add(p.rto())
	}
}

func (a *Association) sendHeartbeat(p *path) {
	p.hbNonce = uint64(a.ep.rand())<<32 | uint64(a.ep.rand())
	p.hbOutstanding = true
	p.hbLocal, p.hbSent = p.local, a.now
	info := make([]byte, hbInfoLen)
	binary.BigEndian.PutUint32(info[0:], p.id)
	binary.BigEndian.PutUint64(info[4:], p.hbNonce)
	binary.BigEndian.PutUint64(info[12:], uint64(a.now.UnixNano()))
	a.queueCtrl((&wire.Heartbeat{Info: info}).AppendTo(nil), p)
}

// handleHeartbeat answers a HEARTBEAT to its source (8.3).
func (a *Association) handleHeartbeat(raw wire.RawChunk, from netip.AddrPort, src *path) {
	var hb wire.Heartbeat
	if hb.Decode(raw) != nil {
		return
	}
	ack := (&wire.HeartbeatAck{Info: hb.Info}).AppendTo(nil)
	if src != nil {
		a.queueCtrl(ack, src)
		return
	}
	a.ctrl = append(a.ctrl, ctrlChunk{b: ack, dst: from})
}

// handleHeartbeatAck confirms the path, clears its errors and takes an RTT
// sample (8.3, 5.4).
func (a *Association) handleHeartbeatAck(raw wire.RawChunk) {
	var ack wire.HeartbeatAck
	if ack.Decode(raw) != nil || len(ack.Info) != hbInfoLen {
		return
	}
	id := binary.BigEndian.Uint32(ack.Info[0:])
	nonce := binary.BigEndian.Uint64(ack.Info[4:])
	sent := time.Unix(0, int64(binary.BigEndian.Uint64(ack.Info[12:])))
	var p *path
	for _, q := range a.paths {
		if q.id == id {
			p = q
		}
	}
	if p == nil || nonce != p.hbNonce || !p.hbOutstanding {
		return
	}
	p.hbOutstanding = false
	p.est.Sample(a.now.Sub(sent))
	if !p.confirmed {
		p.confirmed = true
		p.active = true
		p.errors = 0
		a.events.push(PeerAddrChange{Addr: p.remote, State: AddrConfirmed})
		a.scheduleHeartbeat(p, false)
	}
	a.pathAlive(p)
}
