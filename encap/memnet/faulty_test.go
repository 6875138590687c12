package memnet

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/encap"
)

// TestFaultyOverMemnet shows the wrappers take any encap.Transport: the
// same path cut on the in-memory network, in virtual time.
func TestFaultyOverMemnet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(1, LinkConfig{})
		inner := mustListen(t, n, 9899, addrA, addrB)
		f := encap.NewFaulty(inner)
		peer := mustListen(t, n, 9899, addrC)
		got := reader(peer.ReceiveFuncs()[0])
		f.Block(addrB, addrC)
		_, err := f.WriteBatch([]encap.Datagram{
			{Buf: []byte("drop"), Local: inner.LocalAddrs()[1], Remote: peer.LocalAddrs()[0]},
			{Buf: []byte("keep"), Local: inner.LocalAddrs()[0], Remote: peer.LocalAddrs()[0]},
		})
		require.NoError(t, err)
		synctest.Wait()
		peer.Close()
		dgs := <-got
		require.Len(t, dgs, 1)
		require.Equal(t, "keep", string(dgs[0].Buf))
		require.Equal(t, uint64(1), f.Dropped())
		require.Equal(t, uint64(1), n.Stats().Sent, "the blocked datagram never reached the network")
		require.NoError(t, f.Close())
	})
}
