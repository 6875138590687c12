package interop

import (
	"github.com/udpsctp/udpsctp/stack/wire"
)

// lossState drops chosen messages on the wire, chunk by chunk, to drive
// PR-SCTP (RFC 3758): a DATA chunk whose message header names a dropped
// sequence number is cut out of the packet, on every transmission, and the
// rest of the packet goes on. It counts the FORWARD TSN chunks it sees.
// The guard's mutex protects it.
type lossState struct {
	dropIn, dropOut func(seq int) bool
	lostIn, lostOut []int // sequence numbers cut out, per direction
	fwdIn, fwdOut   int   // FORWARD TSN chunks seen, per direction
}

// filter returns the packet to deliver (in: arriving, else leaving) and
// whether anything is left of it.
func (l *lossState) filter(b []byte, in bool) ([]byte, bool) {
	drop := l.dropOut
	if in {
		drop = l.dropIn
	}
	if drop == nil {
		return b, true
	}
	pkt, err := wire.ParsePacket(b)
	if err != nil {
		return b, true
	}
	kept := pkt.Chunks[:0:0]
	for _, ch := range pkt.Chunks {
		switch c := ch.(type) {
		case *wire.ForwardTSN:
			if in {
				l.fwdIn++
			} else {
				l.fwdOut++
			}
		case *wire.Data:
			if h, ok := parseHeader(c.UserData); ok && c.Beginning && drop(h.seq) {
				if in {
					l.lostIn = append(l.lostIn, h.seq)
				} else {
					l.lostOut = append(l.lostOut, h.seq)
				}
				continue
			}
		}
		kept = append(kept, ch)
	}
	if len(kept) == len(pkt.Chunks) {
		return b, true
	}
	if len(kept) == 0 {
		return nil, false
	}
	pkt.Chunks = kept
	return pkt.AppendTo(nil), true
}

// setLoss makes the guard drop the messages whose sequence numbers in
// drops, arriving (in) or leaving (out).
func (g *loopbackGuard) setLoss(in bool, drops ...int) {
	set := map[int]bool{}
	for _, d := range drops {
		set[d] = true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if in {
		g.loss.dropIn = func(seq int) bool { return set[seq] }
	} else {
		g.loss.dropOut = func(seq int) bool { return set[seq] }
	}
}

// lossReport returns what the loss filter did so far.
func (g *loopbackGuard) lossReport() lossState {
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.loss
	l.lostIn = append([]int(nil), l.lostIn...)
	l.lostOut = append([]int(nil), l.lostOut...)
	return l
}
