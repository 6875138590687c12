package encap

import (
	"net/netip"
	"sync"
	"time"
)

// TracedTransport records every datagram it sends and receives to a pcap
// trace. Build it with Traced.
type TracedTransport struct {
	inner Transport
	pw    *PcapWriter
	mu    sync.Mutex
	err   error // first trace write error
}

var _ Transport = (*TracedTransport)(nil)

// Traced wraps t so both directions go to pw, stamped with time.Now().
// A failing trace never fails the transport; Err reports it. Closing the
// wrapper closes t.
func Traced(t Transport, pw *PcapWriter) *TracedTransport {
	return &TracedTransport{inner: t, pw: pw}
}

// Err returns the first error writing the trace, if any.
func (t *TracedTransport) Err() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.err
}

func (t *TracedTransport) record(ts time.Time, src, dst netip.AddrPort, b []byte) {
	if err := t.pw.Write(ts, src, dst, b); err != nil {
		t.mu.Lock()
		if t.err == nil {
			t.err = err
		}
		t.mu.Unlock()
	}
}

// WriteBatch sends through the wrapped transport and records what it sent.
// A datagram without Local is shown from the first bound address of its
// family (the wildcard if so bound), as the real source is unknown here.
func (t *TracedTransport) WriteBatch(dgs []Datagram) (int, error) {
	n, err := t.inner.WriteBatch(dgs)
	now := time.Now()
	for i := range dgs[:n] {
		d := &dgs[i]
		t.record(now, t.source(d), d.Remote, d.Buf)
	}
	return n, err
}

func (t *TracedTransport) source(d *Datagram) netip.AddrPort {
	src := d.Local
	is4 := d.Remote.Addr().Unmap().Is4()
	if src.Addr().IsValid() && src.Port() != 0 {
		return src
	}
	for _, la := range t.inner.LocalAddrs() {
		if la.Addr().Unmap().Is4() == is4 {
			if src.Addr().IsValid() {
				return netip.AddrPortFrom(src.Addr(), la.Port())
			}
			return la
		}
	}
	if is4 {
		return netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	}
	return netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
}

// ReceiveFuncs wraps each reader to record what it returns.
func (t *TracedTransport) ReceiveFuncs() []ReceiveFunc {
	inner := t.inner.ReceiveFuncs()
	out := make([]ReceiveFunc, len(inner))
	for i, fn := range inner {
		out[i] = func(dgs []Datagram) (int, error) {
			n, err := fn(dgs)
			now := time.Now()
			for _, d := range dgs[:n] {
				t.record(now, d.Remote, d.Local, d.Buf)
			}
			return n, err
		}
	}
	return out
}

// LocalAddrs returns the wrapped transport's addresses.
func (t *TracedTransport) LocalAddrs() []netip.AddrPort { return t.inner.LocalAddrs() }

// BatchSize returns the wrapped transport's batch size.
func (t *TracedTransport) BatchSize() int { return t.inner.BatchSize() }

// Close closes the wrapped transport.
func (t *TracedTransport) Close() error { return t.inner.Close() }
