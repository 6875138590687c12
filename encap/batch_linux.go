//go:build linux && !encap_portable

package encap

import (
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/net/ipv4"
)

// batchSize is how many datagrams one recvmmsg/sendmmsg moves.
const batchSize = 64

// oobSize is the control-message room per datagram: one IP_PKTINFO (32
// bytes on 64-bit) or IPV6_PKTINFO (40 bytes) plus slack.
const oobSize = 64

// sockIO holds the reusable batch state of one socket, so the steady path
// allocates nothing: message headers, iovec slices, control buffers and the
// destination addresses x/net marshals into sockaddrs. Reads use recvmmsg
// directly (recvmmsg_linux.go), writes x/net's WriteBatch (sendmmsg).
type sockIO struct {
	rmu  sync.Mutex // one reader per socket; the lock only guards misuse
	recv recvState
	srv  serveState
	raw  syscall.RawConn

	wmu   sync.Mutex // WriteBatch may be called concurrently
	wmsgs []ipv4.Message
	wbufs [][]byte // iovecs: one per datagram, a GSO message takes a run
	wsegs []int    // datagrams in each message of the last sendmmsg
	woob  []byte
	waddr []net.UDPAddr
	wip   []byte // backing store of waddr[i].IP, 16 bytes each
}

func (s *socket) initIO(n int) {
	s.recv.init(n, s.wildcard)
	s.raw, _ = s.conn.SyscallConn() // never fails for a *net.UDPConn
	s.wmsgs = make([]ipv4.Message, n)
	s.wbufs = make([][]byte, gsoBatchDatagrams)
	s.wsegs = make([]int, n)
	s.waddr = make([]net.UDPAddr, n)
	s.wip = make([]byte, 16*n)
	s.woob = make([]byte, oobSize*n)
}

// readBatch fills dgs with up to batchSize datagrams via recvmmsg.
func (s *socket) readBatch(dgs []Datagram) (int, error) {
	s.rmu.Lock()
	defer s.rmu.Unlock()
	r := &s.recv
	for {
		r.prepare(dgs)
		err := s.raw.Read(r.fn)
		r.release()
		if err != nil {
			return 0, err
		}
		if r.errno != 0 {
			return 0, os.NewSyscallError("recvmmsg", r.errno)
		}
		if w := s.collect(dgs); w > 0 {
			return w, nil
		}
	}
}

// collect turns the r.got datagrams of the last recvmmsg into the leading
// slots of dgs and returns how many it kept: truncated datagrams and those
// with a source it cannot parse are counted as dropped.
func (s *socket) collect(dgs []Datagram) int {
	r := &s.recv
	w := 0
	for i := range r.got {
		h := &r.hdrs[i]
		remote, ok := r.source(i)
		if h.hdr.Flags&syscall.MSG_TRUNC != 0 || !ok {
			s.dropped.Add(1)
			continue
		}
		local := s.bound
		if s.wildcard {
			if dst, ok := parsePktinfo(r.control(i)); ok {
				local = netip.AddrPortFrom(dst.Unmap(), s.bound.Port())
			}
		}
		// Swap, never overwrite: each caller buffer stays in one slot.
		dgs[w], dgs[i] = dgs[i], dgs[w]
		d := &dgs[w]
		d.Buf = d.Buf[:h.len]
		d.Local = local
		d.Remote = remote
		w++
	}
	return w
}

// writeBatch sends dgs (all routed to this socket) via sendmmsg, looping
// over partial sends. Consecutive datagrams to one destination go as one
// UDP GSO message where the kernel allows it (gso_linux.go).
func (s *socket) writeBatch(dgs []Datagram) (int, error) {
	if len(dgs) == 1 {
		return s.writeOne(&dgs[0])
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	sent := 0
	for sent < len(dgs) {
		gso := !s.gsoOff.Load()
		ms := s.wmsgs[:0]
		next := sent // first datagram not yet in a message
		nb := 0      // wbufs used
		for len(ms) < cap(s.wmsgs) && next < len(dgs) {
			d := &dgs[next]
			run := 1
			if gso {
				run = gsoRun(dgs[next:], min(gsoMaxSegments, len(s.wbufs)-nb))
			}
			if run == 0 {
				break // no wbufs left for this round
			}
			i := len(ms)
			ms = ms[:i+1]
			a := &s.waddr[i]
			r := d.Remote.Addr().Unmap()
			if s.is6 {
				b := r.As16()
				a.IP = s.wip[16*i : 16*i+16]
				copy(a.IP, b[:])
			} else {
				b := r.As4()
				a.IP = s.wip[16*i : 16*i+4]
				copy(a.IP, b[:])
			}
			a.Port = int(d.Remote.Port())
			a.Zone = ""
			ms[i].Addr = a
			for k := range run {
				s.wbufs[nb+k] = dgs[next+k].Buf
			}
			ms[i].Buffers = s.wbufs[nb : nb+run]
			nb += run
			oob := s.woob[i*oobSize : i*oobSize : (i+1)*oobSize]
			if s.wildcard {
				if l := d.Local.Addr().Unmap(); l.IsValid() && !l.IsUnspecified() {
					oob = putPktinfo(oob[:oobSize], l)
				}
			}
			if run > 1 {
				oob = appendSegment(oob, len(d.Buf))
			}
			ms[i].OOB = oob
			s.wsegs[i] = run
			next += run
		}
		var n int
		var err error
		if s.is6 {
			n, err = s.pc6.WriteBatch(ms, 0)
		} else {
			n, err = s.pc4.WriteBatch(ms, 0)
		}
		n = max(n, 0) // x/net reports -1 when the first message failed
		for i := range n {
			sent += s.wsegs[i]
		}
		clear(s.wbufs[:nb])
		if err != nil {
			if n < len(ms) && s.wsegs[n] > 1 && gsoRefused(err) {
				// The kernel or the device cannot segment: send
				// datagram by datagram from now on.
				s.gsoOff.Store(true)
				continue
			}
			return sent, err
		}
		if n == 0 {
			return sent, syscall.EAGAIN // never expected from a blocking batch write
		}
	}
	return sent, nil
}

// writeOne sends a lone datagram with sendto (sendmsg when it needs a
// source address): on a request/response exchange most writes are one
// packet, and sendmmsg costs about a microsecond more per packet than
// sendto once x/net's marshalling is counted (issue 8).
func (s *socket) writeOne(d *Datagram) (int, error) {
	to := netip.AddrPortFrom(d.Remote.Addr().Unmap(), d.Remote.Port())
	var err error
	if l := d.Local.Addr().Unmap(); s.wildcard && l.IsValid() && !l.IsUnspecified() {
		s.wmu.Lock() // guards woob
		_, _, err = s.conn.WriteMsgUDPAddrPort(d.Buf, putPktinfo(s.woob[:oobSize], l), to)
		s.wmu.Unlock()
	} else {
		_, err = s.conn.WriteToUDPAddrPort(d.Buf, to)
	}
	if err != nil {
		return 0, err
	}
	return 1, nil
}

// cmsgHdrLen is the aligned size of struct cmsghdr.
var cmsgHdrLen = syscall.CmsgLen(0)

// putPktinfo writes a control message that selects src as the source
// address (IP_PKTINFO ipi_spec_dst, or IPV6_PKTINFO ipi6_addr) into b,
// which must be cmsg-aligned, and returns the used prefix.
func putPktinfo(b []byte, src netip.Addr) []byte {
	clear(b)
	h := (*syscall.Cmsghdr)(unsafe.Pointer(&b[0]))
	data := b[cmsgHdrLen:]
	if src.Is4() {
		h.Level = syscall.IPPROTO_IP
		h.Type = syscall.IP_PKTINFO
		h.SetLen(syscall.CmsgLen(syscall.SizeofInet4Pktinfo))
		a := src.As4()
		copy(data[4:8], a[:]) // struct in_pktinfo { ifindex; spec_dst; addr }
		return b[:syscall.CmsgSpace(syscall.SizeofInet4Pktinfo)]
	}
	h.Level = syscall.IPPROTO_IPV6
	h.Type = syscall.IPV6_PKTINFO
	h.SetLen(syscall.CmsgLen(syscall.SizeofInet6Pktinfo))
	a := src.As16()
	copy(data[0:16], a[:]) // struct in6_pktinfo { addr; ifindex }
	return b[:syscall.CmsgSpace(syscall.SizeofInet6Pktinfo)]
}

// parsePktinfo finds the datagram's destination address in the received
// control messages without allocating.
func parsePktinfo(oob []byte) (netip.Addr, bool) {
	for len(oob) >= cmsgHdrLen {
		h := (*syscall.Cmsghdr)(unsafe.Pointer(&oob[0]))
		l := int(h.Len)
		if l < cmsgHdrLen || l > len(oob) {
			return netip.Addr{}, false
		}
		data := oob[cmsgHdrLen:l]
		switch {
		case h.Level == syscall.IPPROTO_IP && h.Type == syscall.IP_PKTINFO && len(data) >= syscall.SizeofInet4Pktinfo:
			return netip.AddrFrom4([4]byte(data[8:12])), true
		case h.Level == syscall.IPPROTO_IPV6 && h.Type == syscall.IPV6_PKTINFO && len(data) >= syscall.SizeofInet6Pktinfo:
			return netip.AddrFrom16([16]byte(data[0:16])), true
		}
		next := syscall.CmsgSpace(l - cmsgHdrLen)
		if next >= len(oob) {
			break
		}
		oob = oob[next:]
	}
	return netip.Addr{}, false
}
