//go:build linux && !encap_portable

package encap

import (
	"encoding/binary"
	"net/netip"
	"syscall"
	"unsafe"
)

// recvmmsg is the Linux read path. It calls recvmmsg(2) directly instead of
// x/net's ReadBatch because ReadBatch returns each source as a fresh
// *net.UDPAddr (two allocations per datagram); here the source address
// lands in a reused sockaddr and becomes a netip.AddrPort, so a steady
// reader allocates nothing.

// mmsghdr is struct mmsghdr; Go adds the same tail padding as C.
type mmsghdr struct {
	hdr syscall.Msghdr
	len uint32
}

// recvState is the reusable recvmmsg state of one socket.
type recvState struct {
	hdrs  []mmsghdr
	iovs  []syscall.Iovec
	names []syscall.RawSockaddrInet6 // large enough for either family
	oob   []byte
	want  int // datagrams asked of the current call
	got   int // result of the current call
	errno syscall.Errno
	fn    func(fd uintptr) bool // bound once: no closure per call
}

func (r *recvState) init(n int, withOOB bool) {
	r.hdrs = make([]mmsghdr, n)
	r.iovs = make([]syscall.Iovec, n)
	r.names = make([]syscall.RawSockaddrInet6, n)
	if withOOB {
		r.oob = make([]byte, oobSize*n)
	}
	r.fn = r.call
}

// prepare points the headers at the caller's buffers.
func (r *recvState) prepare(dgs []Datagram) { r.preparePrefix(dgs, len(dgs)) }

// preparePrefix is prepare for a reader that keeps its slots between
// calls: only the first n headers (those the last call filled, whose
// buffers it resliced or swapped) are set again.
func (r *recvState) preparePrefix(dgs []Datagram, n int) {
	r.want = min(len(dgs), len(r.hdrs))
	for i := range min(n, r.want) {
		buf := dgs[i].Buf
		iov := &r.iovs[i]
		iov.Base = nil
		if len(buf) > 0 {
			iov.Base = &buf[0]
		}
		iov.SetLen(len(buf))
		h := &r.hdrs[i]
		h.len = 0
		h.hdr = syscall.Msghdr{
			Name:    (*byte)(unsafe.Pointer(&r.names[i])),
			Namelen: syscall.SizeofSockaddrInet6,
			Iov:     iov,
		}
		h.hdr.Iovlen = 1
		if r.oob != nil {
			h.hdr.Control = &r.oob[i*oobSize]
			h.hdr.SetControllen(oobSize)
		}
	}
}

// call runs under syscall.RawConn.Read; false means "wait until readable".
func (r *recvState) call(fd uintptr) bool {
	for {
		n, _, e := syscall.Syscall6(syscall.SYS_RECVMMSG, fd,
			uintptr(unsafe.Pointer(&r.hdrs[0])), uintptr(r.want), 0, 0, 0)
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		r.got, r.errno = int(n), e
		return true
	}
}

// release drops the references to the caller's buffers.
func (r *recvState) release() {
	for i := range r.want {
		r.iovs[i].Base = nil
	}
}

// source decodes the sockaddr recvmmsg stored for datagram i.
func (r *recvState) source(i int) (netip.AddrPort, bool) {
	b := (*[syscall.SizeofSockaddrInet6]byte)(unsafe.Pointer(&r.names[i]))
	port := binary.BigEndian.Uint16(b[2:4]) // sin_port / sin6_port, network order
	switch r.names[i].Family {
	case syscall.AF_INET:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), port), true
	case syscall.AF_INET6:
		return netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[8:24])).Unmap(), port), true
	}
	return netip.AddrPort{}, false
}

// control returns datagram i's control messages.
func (r *recvState) control(i int) []byte {
	if r.oob == nil {
		return nil
	}
	return r.oob[i*oobSize : i*oobSize+int(r.hdrs[i].hdr.Controllen)]
}
