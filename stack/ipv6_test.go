package stack

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestIPv6Loopback: an association over ::1 on real UDP.
func TestIPv6Loopback(t *testing.T) {
	mk := func() *Stack {
		s, err := New(Config{Addrs: []netip.Addr{netip.IPv6Loopback()}})
		if err != nil {
			t.Skipf("no IPv6 loopback here: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := mk(), mk()
	ln, err := b.Listen("[::1]:7")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := a.Dial(ctx, "[::1]:7", DialOptions{PeerUDPPort: udpPort(b)})
	require.NoError(t, err)
	peer, err := ln.AcceptSCTP()
	require.NoError(t, err)
	_, err = c.Write([]byte("over v6"))
	require.NoError(t, err)
	buf := make([]byte, 16)
	n, err := peer.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "over v6", string(buf[:n]))
	require.Equal(t, netip.IPv6Loopback(), peer.RemoteAddr().(*Addr).IP)
}
