package encap

import (
	"net/netip"
	"sync"
	"sync/atomic"
)

// Faulty wraps a Transport and drops every datagram between blocked address
// pairs, in both directions, on write and on read, until unblocked. It is
// the fault injector of multi-homing tests on real sockets: blocking
// (127.0.0.1, 127.0.0.2) kills one path while the others stay up.
//
// A zero netip.Addr in Block means "any address". A datagram written with a
// zero Local (transport picks the source) matches a pair by its remote
// address alone, since its source is unknown here. Faulty adds no cost
// while nothing is blocked.
type Faulty struct {
	inner   Transport
	active  atomic.Bool // len(blocks) > 0
	mu      sync.RWMutex
	blocks  []addrPair
	dropped atomic.Uint64
}

type addrPair struct{ a, b netip.Addr }

var _ Transport = (*Faulty)(nil)

// NewFaulty wraps t. Closing the Faulty closes t.
func NewFaulty(t Transport) *Faulty { return &Faulty{inner: t} }

// Block drops traffic between a and b (both ways) until Unblock(a, b).
// Blocking a pair twice is the same as once.
func (f *Faulty) Block(a, b netip.Addr) {
	p := addrPair{a.Unmap(), b.Unmap()}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, q := range f.blocks {
		if q == p || q == (addrPair{p.b, p.a}) {
			return
		}
	}
	f.blocks = append(f.blocks, p)
	f.active.Store(true)
}

// Unblock lifts Block(a, b) (or Block(b, a)). It removes exactly that
// pair; a wider block with zero addresses stays.
func (f *Faulty) Unblock(a, b netip.Addr) {
	p := addrPair{a.Unmap(), b.Unmap()}
	f.mu.Lock()
	defer f.mu.Unlock()
	kept := f.blocks[:0]
	for _, q := range f.blocks {
		if q != p && q != (addrPair{p.b, p.a}) {
			kept = append(kept, q)
		}
	}
	clear(f.blocks[len(kept):])
	f.blocks = kept
	f.active.Store(len(kept) > 0)
}

// UnblockAll lifts every block.
func (f *Faulty) UnblockAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.blocks = nil
	f.active.Store(false)
}

// Dropped counts the datagrams dropped by blocks so far.
func (f *Faulty) Dropped() uint64 { return f.dropped.Load() }

// blocked reports whether traffic between local and remote is cut; an
// invalid local (unknown source) matches any address.
func (f *Faulty) blocked(local, remote netip.Addr) bool {
	local, remote = local.Unmap(), remote.Unmap()
	f.mu.RLock()
	defer f.mu.RUnlock()
	for _, p := range f.blocks {
		if (matches(p.a, local) && matches(p.b, remote)) || (matches(p.b, local) && matches(p.a, remote)) {
			return true
		}
	}
	return false
}

func matches(pattern, a netip.Addr) bool {
	return !pattern.IsValid() || !a.IsValid() || a.IsUnspecified() || pattern == a
}

// WriteBatch passes the unblocked datagrams on and counts the blocked ones
// as sent, as a network that loses them would.
func (f *Faulty) WriteBatch(dgs []Datagram) (int, error) {
	if !f.active.Load() {
		return f.inner.WriteBatch(dgs)
	}
	i := 0
	for i < len(dgs) {
		if f.blocked(dgs[i].Local.Addr(), dgs[i].Remote.Addr()) {
			f.dropped.Add(1)
			i++
			continue
		}
		j := i + 1
		for j < len(dgs) && !f.blocked(dgs[j].Local.Addr(), dgs[j].Remote.Addr()) {
			j++
		}
		n, err := f.inner.WriteBatch(dgs[i:j])
		i += n
		if err != nil {
			return i, err
		}
	}
	return len(dgs), nil
}

// ReceiveFuncs wraps each reader so blocked datagrams vanish. Dropped
// slots get their buffers back at full capacity before the next read.
func (f *Faulty) ReceiveFuncs() []ReceiveFunc {
	inner := f.inner.ReceiveFuncs()
	out := make([]ReceiveFunc, len(inner))
	for i, fn := range inner {
		out[i] = func(dgs []Datagram) (int, error) {
			for {
				n, err := fn(dgs)
				if err != nil || !f.active.Load() {
					return n, err
				}
				w := 0
				for i := 0; i < n; i++ {
					if f.blocked(dgs[i].Local.Addr(), dgs[i].Remote.Addr()) {
						f.dropped.Add(1)
						dgs[i].Buf = dgs[i].Buf[:cap(dgs[i].Buf)]
						continue
					}
					dgs[w], dgs[i] = dgs[i], dgs[w]
					w++
				}
				if w > 0 {
					return w, nil
				}
			}
		}
	}
	return out
}

// LocalAddrs returns the wrapped transport's addresses.
func (f *Faulty) LocalAddrs() []netip.AddrPort { return f.inner.LocalAddrs() }

// BatchSize returns the wrapped transport's batch size.
func (f *Faulty) BatchSize() int { return f.inner.BatchSize() }

// Close closes the wrapped transport.
func (f *Faulty) Close() error { return f.inner.Close() }
