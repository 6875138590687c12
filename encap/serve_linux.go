//go:build linux && !encap_portable

package encap

import (
	"errors"
	"fmt"
	"net"
	"os"
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
	r := &s.recv
	r.errno = 0
	stopped := false
	err := s.raw.Read(func(fd uintptr) bool {
		for {
			for i := range dgs {
				dgs[i].Buf = dgs[i].Buf[:cap(dgs[i].Buf)]
			}
			r.prepare(dgs)
			done := r.call(fd)
			r.release()
			if !done {
				return false // EAGAIN: wait for readability
			}
			if r.errno != 0 {
				return true
			}
			short := r.got < r.want
			if w := s.collect(dgs); w > 0 && !handle(dgs[:w]) {
				stopped = true
				return true
			}
			if short {
				return false
			}
		}
	})
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
