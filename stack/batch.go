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
	s       *Stack
	dgs     []encap.Datagram
	bufs    []*[]byte // pooled buffers backing dgs, returned after the write
	next    *[]byte   // the buffer handed out by buf and not yet used
	counted bool      // counted in s.unflushed
	pooled  bool      // from newBatch: back to the pool after flush

	// free holds buffers already written, for buf to reuse before flush
	// gives them back to the pool: a SENDALL writes every 256 packets and
	// cycles the same few hundred buffers instead of the sync.Pool.
	free []*[]byte
}

// newBatch returns a batch for one user call; flush recycles it, so the
// caller must not touch it after flush.
func (s *Stack) newBatch() *batch {
	b := s.batchPool.Get().(*batch)
	b.pooled = true
	return b
}

// loopBatch returns a batch that a long-lived goroutine keeps and reuses.
func (s *Stack) loopBatch() *batch { return &batch{s: s} }

// buf returns a packet buffer for PollTransmit or HandleUnmatched.
func (b *batch) buf() []byte {
	if b.next == nil {
		if n := len(b.free); n > 0 {
			b.next = b.free[n-1]
			b.free[n-1] = nil
			b.free = b.free[:n-1]
		} else {
			b.next = b.s.bufPool.Get().(*[]byte)
		}
	}
	return *b.next
}

// add queues a packet that was written into the buffer from buf. Called
// with s.mu held: the batch is counted as unflushed so that Close waits for
// it before closing the transport (a final SHUTDOWN COMPLETE is not lost).
func (b *batch) add(tx assoc.Transmit) {
	if !b.counted {
		b.counted = true
		b.s.unflushed++
	}
	b.dgs = append(b.dgs, encap.Datagram{
		Buf:    tx.Packet,
		Local:  netip.AddrPortFrom(tx.Local, 0),
		Remote: tx.Remote,
	})
	b.bufs = append(b.bufs, b.next)
	b.next = nil
}

// flush writes the queued packets and gives their buffers back to the
// pool. Called without s.mu.
func (s *Stack) flush(b *batch) {
	s.write(b)
	for i, p := range b.free {
		s.bufPool.Put(p)
		b.free[i] = nil
	}
	b.free = b.free[:0]
	if b.counted {
		b.counted = false
		s.mu.Lock()
		s.unflushed--
		if s.unflushed == 0 {
			s.flushed.Broadcast()
		}
		s.mu.Unlock()
	}
	if b.pooled {
		b.pooled = false
		s.batchPool.Put(b)
	}
}

// write hands the queued packets to the transport and keeps their buffers
// for reuse by this batch until flush; it touches no Stack state, so a
// long SENDALL may call it with s.mu held. A datagram the transport
// refuses (an unreachable address, say) is skipped: SCTP's retransmission
// and path management deal with the loss.
func (s *Stack) write(b *batch) {
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
	b.free = append(b.free, b.bufs...)
	clear(b.bufs)
	if b.next != nil { // handed out for a PollTransmit that sent nothing
		b.free = append(b.free, b.next)
		b.next = nil
	}
	clear(b.dgs)
	b.dgs = b.dgs[:0]
	b.bufs = b.bufs[:0]
}
