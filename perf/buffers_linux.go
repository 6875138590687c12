package perf

import (
	"net"
	"syscall"
)

// RaiseBuffers gives c socket buffers of size bytes, as far as the process
// may (SO_RCVBUFFORCE/SO_SNDBUFFORCE need CAP_NET_ADMIN; without it the
// plain options are capped at net.core.rmem_max/wmem_max), which is what
// encap does for the stack's own sockets. It returns the sizes the kernel
// reports (twice the usable size on Linux).
func RaiseBuffers(c *net.UDPConn, size int) (read, write int) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, 0
	}
	_ = rc.Control(func(fd uintptr) {
		read = raise(int(fd), syscall.SO_RCVBUFFORCE, syscall.SO_RCVBUF, size)
		write = raise(int(fd), syscall.SO_SNDBUFFORCE, syscall.SO_SNDBUF, size)
	})
	return read, write
}

func raise(fd, force, plain, size int) int {
	if syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, force, size) != nil {
		_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, plain, size)
	}
	got, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, plain)
	if err != nil {
		return 0
	}
	return got
}
