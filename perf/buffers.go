package perf

import (
	"net"

	"github.com/udpsctp/udpsctp/encap"
)

// RaiseBuffers gives c socket buffers of size bytes the way encap does for
// the stack's own sockets, so that the baselines get the same; it returns
// the sizes the kernel reports (twice the usable size on Linux, 0 where the
// platform does not say).
func RaiseBuffers(c *net.UDPConn, size int) (read, write int) {
	return encap.SetBuffers(c, size, size)
}
