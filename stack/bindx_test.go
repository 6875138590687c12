package stack

import (
	"context"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/encap/memnet"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// bindxPair: a client Stack serving 127.0.0.1 and 127.0.0.5 whose Conn is
// bound to 127.0.0.1 only, and a one-to-many server on 127.0.0.3:2013.
func bindxPair(t *testing.T, net *memnet.Network, ccfg, scfg assoc.Config) (*PacketConn, *Conn) {
	t.Helper()
	mk := func(cfg assoc.Config, ips ...netip.Addr) *Stack {
		tr, err := net.Listen(ips, DefaultUDPPort)
		require.NoError(t, err)
		s, err := New(Config{Transport: tr, Assoc: cfg})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	}
	a := mk(ccfg, ip4(1), ip4(5))
	b := mk(scfg, ip4(3))
	srv, err := b.ListenPacketAddrs(2013, ip4(3))
	require.NoError(t, err)
	c, err := a.Dial(context.Background(), "127.0.0.3:2013", DialOptions{LocalIPs: []netip.Addr{ip4(1)}})
	require.NoError(t, err)
	return srv, c
}

func peerIPs(t *testing.T, srv *PacketConn, id AssocID) []netip.Addr {
	t.Helper()
	as, err := srv.PeerAddrs(id)
	require.NoError(t, err)
	var out []netip.Addr
	for _, a := range as {
		out = append(out, a.IP)
	}
	return out
}

// TestBindAddRemoveSim: with a steady flow from the server, the client
// adds 127.0.0.5 after setup (ASCONF); the server confirms it by HEARTBEAT
// and, asked to (Set Primary), sends there; the client then removes
// 127.0.0.1, which the server deletes, and the flow goes on with nothing
// lost, duplicated or reordered.
func TestBindAddRemoveSim(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net := memnet.New(1, memnet.LinkConfig{Delay: 5 * time.Millisecond})
		srv, c := bindxPair(t, net, mhConfig(), mhConfig())
		// The server learns the association from its first message.
		_, err := c.Write([]byte("hello"))
		require.NoError(t, err)
		_, info := recvData(t, srv)
		id := info.AssocID
		require.Equal(t, []netip.Addr{ip4(1)}, peerIPs(t, srv, id))

		const total = 300
		done := sendNumbered(srv, id, total)
		buf := make([]byte, 64)
		for i := range uint32(total) {
			n, err := c.Read(buf)
			require.NoError(t, err)
			require.Equal(t, 4, n)
			require.Equal(t, i, binary.BigEndian.Uint32(buf[:n]), "lost, duplicated or reordered")
			switch i {
			case 50:
				require.NoError(t, c.BindAdd(ip4(5)))
			case 100:
				pi, err := srv.PeerAddrInfo(id, &Addr{IP: ip4(5), Port: c.LocalAddr().(*Addr).Port})
				require.NoError(t, err)
				require.Equal(t, assoc.PathActive, pi.State, "confirmed by HEARTBEAT")
				require.NoError(t, c.SetPeerPrimary(ip4(5)))
			case 150:
				st, err := srv.Status(id)
				require.NoError(t, err)
				require.Equal(t, ip4(5), st.Primary.Addr.Addr(), "the server sends to the added address")
				// From now on nothing reaches 127.0.0.1.
				net.Partition(ip4(1), ip4(3))
				require.NoError(t, c.BindRemove(ip4(1)))
			case 200:
				require.Equal(t, []netip.Addr{ip4(5)}, peerIPs(t, srv, id))
			}
		}
		require.NoError(t, <-done)
		require.Len(t, c.LocalAddrs(), 1)
		require.Equal(t, ip4(5), c.LocalAddrs()[0].IP)
	})
}

// TestBindAddRemoveLossySim: the same moves on a network that loses 5% and
// duplicates and reorders 2% of the datagrams: ASCONFs lost are sent again
// on T-4, duplicates are answered, not applied twice; the flow arrives
// whole and in order and the peer ends with 127.0.0.5 alone.
func TestBindAddRemoveLossySim(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net := memnet.New(7, memnet.LinkConfig{Delay: 5 * time.Millisecond, Loss: 0.05, Duplicate: 0.02, Reorder: 0.02})
		srv, c := bindxPair(t, net, mhConfig(), mhConfig())
		_, err := c.Write([]byte("hello"))
		require.NoError(t, err)
		_, info := recvData(t, srv)
		id := info.AssocID

		const total = 400
		done := sendNumbered(srv, id, total)
		buf := make([]byte, 64)
		for i := range uint32(total) {
			n, err := c.Read(buf)
			require.NoError(t, err)
			require.Equal(t, i, binary.BigEndian.Uint32(buf[:n]), "lost, duplicated or reordered")
			switch i {
			case 50:
				require.NoError(t, c.BindAdd(ip4(5)))
			case 100:
				require.NoError(t, c.SetPeerPrimary(ip4(5)))
			case 150:
				require.NoError(t, c.BindRemove(ip4(1)))
			}
		}
		require.NoError(t, <-done)
		require.Equal(t, []netip.Addr{ip4(5)}, peerIPs(t, srv, id))
		st, err := srv.Status(id)
		require.NoError(t, err)
		require.Equal(t, ip4(5), st.Primary.Addr.Addr())
	})
}

// TestBindAddWithoutAsconfPeer: against a peer that did not negotiate
// ASCONF the socket's address set still changes (future associations),
// and the error names the association that keeps its addresses.
func TestBindAddWithoutAsconfPeer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net := memnet.New(1, memnet.LinkConfig{Delay: 5 * time.Millisecond})
		scfg := mhConfig()
		scfg.DisableAddrReconfig = true
		_, c := bindxPair(t, net, mhConfig(), scfg)
		err := c.BindAdd(ip4(5))
		var be *BindxError
		require.True(t, errors.As(err, &be), "got %v", err)
		require.ErrorIs(t, err, ErrNoAsconf)
		require.Equal(t, []AssocID{c.AssocID()}, be.Assocs)
		require.Len(t, c.LocalAddrs(), 2)
	})
}

// TestBindxBadInput: every misuse gets a clear error.
func TestBindxBadInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net := memnet.New(1, memnet.LinkConfig{Delay: 5 * time.Millisecond})
		_, c := bindxPair(t, net, mhConfig(), mhConfig())
		require.ErrorIs(t, c.BindAdd(), ErrBadAddress)
		require.ErrorIs(t, c.BindAdd(ip4(9)), ErrBadAddress, "not served by the Stack")
		require.ErrorIs(t, c.BindAdd(netip.IPv4Unspecified()), ErrBadAddress)
		require.ErrorIs(t, c.BindRemove(ip4(5)), ErrBadAddress, "not bound")
		require.ErrorIs(t, c.BindRemove(ip4(1)), ErrBadAddress, "the last address")
		require.ErrorIs(t, c.SetPeerPrimary(ip4(5)), ErrBadAddress, "not an address of the socket")
		require.NoError(t, c.BindAdd(ip4(1)), "already bound: nothing to do")
		require.NoError(t, c.Close())
		require.ErrorIs(t, c.BindAdd(ip4(5)), ErrClosed)
	})
}

// sendNumbered sends total numbered 4-byte messages on association id,
// 10 ms apart, and reports the first error (or nil) when done.
func sendNumbered(srv *PacketConn, id AssocID, total int) <-chan error {
	done := make(chan error, 1)
	go func() {
		var m [4]byte
		for i := range uint32(total) {
			binary.BigEndian.PutUint32(m[:], i)
			if _, err := srv.SendMsg(m[:], SndInfo{AssocID: id}); err != nil {
				done <- err
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		done <- nil
	}()
	return done
}
