package stack

import (
	"errors"
	"net"
	"net/netip"

	"github.com/udpsctp/udpsctp/encap"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// batch collects the packets of one locked step so that they are written
// after the Stack mutex is released, in one WriteBatch call. Each goroutine
// that drives associations owns one batch.
type batch struct {
	s    *Stack
	dgs  []encap.Datagram
	bufs []*[]byte // pooled buffers backing dgs, returned after the write
	next *[]byte   // the buffer handed out by buf and not yet used
}

func (s *Stack) newBatch() *batch { return &batch{s: s} }

// buf returns a packet buffer for PollTransmit or HandleUnmatched.
func (b *batch) buf() []byte {
	if b.next == nil {
		b.next = b.s.bufPool.Get().(*[]byte)
	}
	return *b.next
}

// add queues a packet that was written into the buffer from buf.
func (b *batch) add(tx assoc.Transmit) {
	b.dgs = append(b.dgs, encap.Datagram{
		Buf:    tx.Packet,
		Local:  netip.AddrPortFrom(tx.Local, 0),
		Remote: tx.Remote,
	})
	b.bufs = append(b.bufs, b.next)
	b.next = nil
}

// flush writes the queued packets and recycles their buffers. A datagram
// the transport refuses (an unreachable address, say) is skipped: SCTP's
// retransmission and path management deal with the loss.
func (s *Stack) flush(b *batch) {
	dgs := b.dgs
	for len(dgs) > 0 {
		n, err := s.tr.WriteBatch(dgs)
		dgs = dgs[n:]
		if err == nil {
			continue
		}
		if errors.Is(err, net.ErrClosed) {
			break
		}
		s.log.Debugf("write to %v: %v", dgs[0].Remote, err)
		dgs = dgs[1:]
	}
	for i, p := range b.bufs {
		s.bufPool.Put(p)
		b.bufs[i] = nil
	}
	clear(b.dgs)
	b.dgs = b.dgs[:0]
	b.bufs = b.bufs[:0]
}
