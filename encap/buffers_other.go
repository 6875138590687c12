//go:build !linux

package encap

import "net"

// setBuffers asks for the buffer sizes; this platform does not report what
// it granted in a portable way, so the result is 0 (unknown).
func setBuffers(c *net.UDPConn, read, write int) (gotRead, gotWrite int) {
	_ = c.SetReadBuffer(read)
	_ = c.SetWriteBuffer(write)
	return 0, 0
}
