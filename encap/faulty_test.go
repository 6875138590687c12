package encap

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

func send(t *testing.T, tr Transport, local, remote netip.AddrPort, s string) {
	t.Helper()
	n, err := tr.WriteBatch([]Datagram{{Buf: []byte(s), Local: local, Remote: remote}})
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

// TestFaultyBlocksPath cuts the 127.0.0.2 <-> 127.0.0.1 path of a
// two-address endpoint while the 127.0.0.1 <-> 127.0.0.1 path stays up.
func TestFaultyBlocksPath(t *testing.T) {
	inner := listen(t, lo1, lo2)
	f := NewFaulty(inner)
	peer := listen(t, lo1)
	peer2 := listen(t, lo2)
	p1, p2 := inner.LocalAddrs()[0], inner.LocalAddrs()[1]
	dst := peer.LocalAddrs()[0]
	f.Block(lo2, lo1)

	// Write side: the datagram from 127.0.0.2 vanishes, the other passes.
	n, err := f.WriteBatch([]Datagram{
		{Buf: []byte("drop"), Local: p2, Remote: dst},
		{Buf: []byte("keep"), Local: p1, Remote: dst},
	})
	require.NoError(t, err)
	require.Equal(t, 2, n)
	got := recvN(t, peer.ReceiveFuncs()[0], 1)
	require.Equal(t, "keep", string(got[0].Buf))
	require.Equal(t, p1, got[0].Remote)

	// Read side: peer (127.0.0.1) -> 127.0.0.2 is dropped on arrival, the
	// later datagram from peer2 (127.0.0.2) on the same socket is not.
	send(t, peer, netip.AddrPort{}, p2, "drop")
	send(t, peer2, netip.AddrPort{}, p2, "marker")
	fn := f.ReceiveFuncs()[1]
	got = recvN(t, fn, 1)
	require.Equal(t, "marker", string(got[0].Buf))
	require.Equal(t, uint64(2), f.Dropped())

	// Lifted: the path works again in both directions.
	f.Unblock(lo1, lo2)
	send(t, f, p2, dst, "back")
	require.Equal(t, "back", string(recvN(t, peer.ReceiveFuncs()[0], 1)[0].Buf))
	send(t, peer, netip.AddrPort{}, p2, "again")
	require.Equal(t, "again", string(recvN(t, fn, 1)[0].Buf))
	require.Equal(t, uint64(2), f.Dropped())
	require.Equal(t, inner.LocalAddrs(), f.LocalAddrs())
	require.Equal(t, inner.BatchSize(), f.BatchSize())
}

func TestFaultyMatching(t *testing.T) {
	f := NewFaulty(nil)
	any := netip.Addr{}
	f.Block(lo1, lo2)
	f.Block(lo1, lo2) // idempotent
	require.Len(t, f.blocks, 1)
	require.True(t, f.blocked(lo1, lo2))
	require.True(t, f.blocked(lo2, lo1))
	require.False(t, f.blocked(lo1, lo1))
	require.True(t, f.blocked(any, lo2), "unknown source matches by remote")
	require.True(t, f.blocked(netip.IPv4Unspecified(), lo2), "wildcard local counts as unknown")
	f.Block(any, lo6)
	require.True(t, f.blocked(lo6, lo6))
	f.Unblock(lo2, lo1)
	require.False(t, f.blocked(lo1, lo2))
	require.True(t, f.active.Load())
	f.UnblockAll()
	require.False(t, f.active.Load())
	require.False(t, f.blocked(lo6, lo6))
}
