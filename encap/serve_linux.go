//go:build linux && !encap_portable

package encap

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

var _ Serving = (*UDP)(nil)

// ServeFuncs returns one read loop per socket, in LocalAddrs order.
func (u *UDP) ServeFuncs() []ServeFunc {
	fns := make([]ServeFunc, len(u.socks))
	for i, s := range u.socks {
		fns[i] = s.serve
	}
	return fns
}

// SetReadDeadline sets socket i's read deadline (see Serving).
func (u *UDP) SetReadDeadline(i int, t time.Time) error {
	if i < 0 || i >= len(u.socks) {
		return fmt.Errorf("encap: no socket %d", i)
	}
	return u.socks[i].conn.SetReadDeadline(t)
}

// serve is the ServeFunc of one socket. It runs the whole loop inside one
// syscall.RawConn.Read: the runtime clears a socket's readiness when a
// RawConn.Read starts, so only by staying inside one call may a short read
// skip the read that would find the socket empty. Readiness is edge
// triggered and set by every datagram that arrives after the last wake-up,
// so waiting right after a short read loses nothing: a datagram that came
// in during handle makes the wait return at once.
func (s *socket) serve(dgs []Datagram, handle func(batch []Datagram) bool) error {
	if len(dgs) == 0 {
		return errors.New("encap: serve needs at least one datagram slot")
	}
	s.rmu.Lock()
	defer s.rmu.Unlock()
	sv := &s.srv
	if sv.fn == nil {
		sv.fn = func(fd uintptr) bool { return s.serveReady(fd) }
	}
	r := &s.recv
	r.errno = 0
	sv.dgs, sv.handle, sv.stopped, sv.dirty = dgs, handle, false, len(dgs)
	err := s.raw.Read(sv.fn)
	r.release()
	stopped := sv.stopped
	sv.dgs, sv.handle = nil, nil
	switch {
	case stopped:
		return nil
	case err != nil:
		if errors.Is(err, net.ErrClosed) {
			return net.ErrClosed
		}
		return fmt.Errorf("encap: read on %v: %w", s.bound, err)
	case r.errno != 0:
		return fmt.Errorf("encap: read on %v: %w", s.bound, os.NewSyscallError("recvmmsg", r.errno))
	}
	return nil
}

// serveState is what serve's RawConn.Read callback works on, kept in the
// socket (guarded by rmu) so that a call allocates nothing.
type serveState struct {
	fn      func(fd uintptr) bool
	dgs     []Datagram
	handle  func(batch []Datagram) bool
	stopped bool
	dirty   int // leading slots the last read touched, to set up again
}

// serveReady runs under RawConn.Read: it reads and handles batches until
// a read comes back short (false: wait for readability), or handle says
// stop or a read fails (true).
func (s *socket) serveReady(fd uintptr) bool {
	sv, r := &s.srv, &s.recv
	for {
		// Only the slots the last read filled changed: setting up all
		// 64 on every wake-up was a measurable part of a round trip.
		n := min(sv.dirty, len(sv.dgs))
		for i := range n {
			sv.dgs[i].Buf = sv.dgs[i].Buf[:cap(sv.dgs[i].Buf)]
		}
		r.preparePrefix(sv.dgs, n)
		sv.dirty = 0
		done := r.call(fd)
		if !done {
			return false // EAGAIN: wait for readability
		}
		if r.errno != 0 {
			return true
		}
		sv.dirty = r.got
		short := r.got < r.want
		if w := s.collect(sv.dgs); w > 0 && !sv.handle(sv.dgs[:w]) {
			sv.stopped = true
			return true
		}
		if short {
			return false
		}
	}
}
