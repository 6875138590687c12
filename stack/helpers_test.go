package stack

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/encap/memnet"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// memStacks makes n Stacks on one in-memory network, at 127.0.0.1,
// 127.0.0.2, ... with UDP port 9899. Call inside synctest.Test.
func memStacks(t *testing.T, n int, link memnet.LinkConfig, cfg assoc.Config) (*memnet.Network, []*Stack) {
	t.Helper()
	net := memnet.New(1, link)
	var out []*Stack
	for i := range n {
		ip := netip.AddrFrom4([4]byte{127, 0, 0, byte(i + 1)})
		tr, err := net.Listen([]netip.Addr{ip}, DefaultUDPPort)
		require.NoError(t, err)
		s, err := New(Config{Transport: tr, Assoc: cfg})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		out = append(out, s)
	}
	return net, out
}
