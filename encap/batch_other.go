//go:build !linux || encap_portable

package encap

import (
	"net/netip"
	"sync"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// batchSize is 1: without recvmmsg/sendmmsg each datagram is one system
// call. This path allocates for control messages; it is the portable
// fallback, not the fast path. Build with -tags encap_portable to test it
// on Linux.
const batchSize = 1

const oobSize = 128

type sockIO struct {
	rmu  sync.Mutex
	roob []byte
}

func (s *socket) initIO(int) {
	if s.wildcard {
		s.roob = make([]byte, oobSize)
	}
}

func (s *socket) readBatch(dgs []Datagram) (int, error) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	for {
		d := &dgs[0]
		n, oobn, flags, from, err := s.conn.ReadMsgUDPAddrPort(d.Buf, s.roob)
		if err != nil {
			return 0, err
		}
		if flags&msgTrunc != 0 || n > len(d.Buf) {
			s.dropped.Add(1)
			continue
		}
		d.Buf = d.Buf[:n]
		d.Remote = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		d.Local = s.bound
		if s.wildcard && oobn > 0 {
			var dst netip.Addr
			var ok bool
			if s.is6 {
				var cm ipv6.ControlMessage
				if cm.Parse(s.roob[:oobn]) == nil {
					dst, ok = netip.AddrFromSlice(cm.Dst)
				}
			} else {
				var cm ipv4.ControlMessage
				if cm.Parse(s.roob[:oobn]) == nil {
					dst, ok = netip.AddrFromSlice(cm.Dst)
				}
			}
			if ok {
				d.Local = netip.AddrPortFrom(dst.Unmap(), s.bound.Port())
			}
		}
		return 1, nil
	}
}

func (s *socket) writeBatch(dgs []Datagram) (int, error) {
	for i := range dgs {
		d := &dgs[i]
		var oob []byte
		if l := d.Local.Addr().Unmap(); s.wildcard && l.IsValid() && !l.IsUnspecified() {
			if s.is6 {
				oob = (&ipv6.ControlMessage{Src: l.AsSlice()}).Marshal()
			} else {
				oob = (&ipv4.ControlMessage{Src: l.AsSlice()}).Marshal()
			}
		}
		if _, _, err := s.conn.WriteMsgUDPAddrPort(d.Buf, oob, d.Remote); err != nil {
			return i, err
		}
	}
	return len(dgs), nil
}
