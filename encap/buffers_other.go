//go:build !linux

package encap

import "net"

// SetBuffers asks for the buffer sizes; this platform does not report what
// it granted in a portable way, so the result is 0 (unknown).
func SetBuffers(c *net.UDPConn, read, write int) (gotRead, gotWrite int) {
	_ = c.SetReadBuffer(read)
	_ = c.SetWriteBuffer(write)
	return 0, 0
}
