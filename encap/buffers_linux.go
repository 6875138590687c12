package encap

import (
	"net"
	"syscall"
)

// SetBuffers asks for read and write socket buffers of the given sizes and
// returns what the kernel reports. SO_*BUFFORCE (CAP_NET_ADMIN) goes past
// net.core.rmem_max/wmem_max; without the privilege the plain option is
// capped there, which is the most an unprivileged process can get.
func SetBuffers(c *net.UDPConn, read, write int) (gotRead, gotWrite int) {
	rc, err := c.SyscallConn()
	if err != nil {
		return 0, 0
	}
	_ = rc.Control(func(fd uintptr) {
		gotRead = setBuffer(int(fd), syscall.SO_RCVBUFFORCE, syscall.SO_RCVBUF, read)
		gotWrite = setBuffer(int(fd), syscall.SO_SNDBUFFORCE, syscall.SO_SNDBUF, write)
	})
	return gotRead, gotWrite
}

func setBuffer(fd, force, plain, size int) int {
	if syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, force, size) != nil {
		// EPERM without CAP_NET_ADMIN, ENOPROTOOPT in some sandboxes: a
		// capped buffer is still better than failing.
		_ = syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, plain, size)
	}
	got, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, plain)
	if err != nil {
		return 0
	}
	return got
}
