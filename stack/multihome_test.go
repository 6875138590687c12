package stack

import (
	"context"
	"encoding/binary"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/encap/memnet"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

func ip4(d byte) netip.Addr { return netip.AddrFrom4([4]byte{127, 0, 0, d}) }

// TestMultihomedFailoverSim: endpoints on 127.0.0.1+127.0.0.2 and
// 127.0.0.3+127.0.0.4 carry a steady flow; when the primary peer address
// becomes unreachable, data moves to the alternate with nothing lost, and
// PeerAddrInfo reports the cut path inactive, then active after healing.
func TestMultihomedFailoverSim(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net := memnet.New(1, memnet.LinkConfig{Delay: 5 * time.Millisecond})
		cfg := mhConfig()
		srv, c := multihomedPair(t, net, cfg)
		require.Len(t, c.RemoteAddrs(), 2, "the server's two addresses from its INIT ACK")

		const total = 300
		go func() {
			var m [4]byte
			for i := range uint32(total) {
				binary.BigEndian.PutUint32(m[:], i)
				if _, err := c.Write(m[:]); err != nil {
					t.Errorf("write %d: %v", i, err)
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
		var cut time.Time
		var failover time.Duration
		var id AssocID
		for i := range uint32(total) {
			data, info := recvData(t, srv)
			require.Equal(t, i, binary.BigEndian.Uint32(data), "lost, duplicated or reordered")
			id = info.AssocID
			if i == 100 {
				// Cut the primary: 127.0.0.3 unreachable from both of a's addresses.
				net.Partition(ip4(1), ip4(3))
				net.Partition(ip4(2), ip4(3))
				cut = time.Now()
			}
			if i > 101 && failover == 0 {
				failover = time.Since(cut)
			}
		}
		t.Logf("failover: %v from the cut to the first message delivered on the alternate path (RTO.Min %v, Path.Max.Retrans %d, HB %v)",
			failover, cfg.RTOMin, cfg.PathMaxRetrans, cfg.HeartbeatInterval)
		require.Less(t, failover, time.Second)

		// Every client address maps to the same association.
		for _, ip := range []netip.Addr{ip4(1), ip4(2)} {
			got, err := srv.AssocID(&Addr{IP: ip, Port: c.LocalAddr().(*Addr).Port})
			require.NoError(t, err)
			require.Equal(t, id, got)
		}
		pi, err := c.PeerAddrInfo(&Addr{IP: ip4(3), Port: 2013})
		require.NoError(t, err)
		require.Equal(t, assoc.PathInactive, pi.State)
		net.Heal(ip4(1), ip4(3))
		net.Heal(ip4(2), ip4(3))
		time.Sleep(2 * time.Second) // heartbeats confirm the path again
		pi, err = c.PeerAddrInfo(&Addr{IP: ip4(3), Port: 2013})
		require.NoError(t, err)
		require.Equal(t, assoc.PathActive, pi.State)
	})
}

// multihomedPair sets up an association between Stacks on 127.0.0.1 +
// 127.0.0.2 (the client c) and 127.0.0.3 + 127.0.0.4 (the one-to-many
// server socket srv, SCTP port 2013) on net.
func multihomedPair(t *testing.T, net *memnet.Network, cfg assoc.Config) (*PacketConn, *Conn) {
	t.Helper()
	mk := func(ips ...netip.Addr) *Stack {
		tr, err := net.Listen(ips, DefaultUDPPort)
		require.NoError(t, err)
		s, err := New(Config{Transport: tr, Assoc: cfg})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s
	}
	a := mk(ip4(1), ip4(2))
	b := mk(ip4(3), ip4(4))
	srv, err := b.ListenPacketAddrs(2013, ip4(3), ip4(4))
	require.NoError(t, err)
	c, err := a.Dial(context.Background(), "127.0.0.3:2013", DialOptions{LocalIPs: []netip.Addr{ip4(1), ip4(2)}})
	require.NoError(t, err)
	return srv, c
}

// mhConfig bounds failover under 1 s: a path is declared inactive after
// Path.Max.Retrans+1 = 2 consecutive T3-rtx or HEARTBEAT timeouts, each
// between RTO.Min and RTO.Max.
func mhConfig() assoc.Config {
	return assoc.Config{
		RTOInitial: 100 * time.Millisecond, RTOMin: 100 * time.Millisecond, RTOMax: 400 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond, PathMaxRetrans: 1, AssocMaxRetrans: 10,
	}
}

// TestMultihomedPeerAddrNotifications: PeerAddrChange notifications reach
// the socket when the alternate is confirmed, when the primary becomes
// unreachable and available again, and when the user changes the primary.
func TestMultihomedPeerAddrNotifications(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		net := memnet.New(1, memnet.LinkConfig{Delay: 5 * time.Millisecond})
		_, c := multihomedPair(t, net, mhConfig())
		c.Subscribe(EventPeerAddrChange)
		next := func(want assoc.PeerAddrState, ip netip.Addr) {
			t.Helper()
			n, ok := recvNote(t, c).(*PeerAddrChange)
			require.True(t, ok, "want a PeerAddrChange")
			require.Equal(t, want, n.State, "for %v", n.Addr)
			require.Equal(t, ip, n.Addr.Addr())
			require.Equal(t, c.AssocID(), n.AssocID)
		}
		next(assoc.AddrConfirmed, ip4(4)) // the INIT ACK's second address, by HEARTBEAT
		net.Partition(ip4(1), ip4(3))
		net.Partition(ip4(2), ip4(3))
		next(assoc.AddrUnreachable, ip4(3))
		pi, err := c.PeerAddrInfo(&Addr{IP: ip4(3), Port: 2013})
		require.NoError(t, err)
		require.Equal(t, assoc.PathInactive, pi.State)
		net.Heal(ip4(1), ip4(3))
		net.Heal(ip4(2), ip4(3))
		next(assoc.AddrAvailable, ip4(3))
		require.NoError(t, c.SetPrimary(&Addr{IP: ip4(4), Port: 2013}))
		next(assoc.AddrMadePrimary, ip4(4))
		pi, err = c.PeerAddrInfo(&Addr{IP: ip4(4), Port: 2013})
		require.NoError(t, err)
		require.True(t, pi.Primary)
	})
}
