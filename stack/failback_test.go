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

// TestFailback: after the primary is cut and healed, new data returns to it
// by default (RFC 9260 6.4); with StayOnAlternate it stays on the alternate,
// which became the primary, until the user's SetPrimary moves it back.
func TestFailback(t *testing.T) {
	for _, stay := range []bool{false, true} {
		name := "back to the primary"
		if stay {
			name = "stay on the alternate"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { testFailback(t, stay) })
		})
	}
}

func testFailback(t *testing.T, stay bool) {
	net := memnet.New(1, memnet.LinkConfig{Delay: 5 * time.Millisecond})
	cfg := mhConfig()
	cfg.DelayedAckTime = 20 * time.Millisecond // no T3-rtx behind the test's back
	cfg.StayOnAlternate = stay
	a, count := countingStack(t, net, cfg, ip4(1), ip4(2))
	b, _ := countingStack(t, net, cfg, ip4(3), ip4(4))
	srv, err := b.ListenPacketAddrs(2013, ip4(3), ip4(4))
	require.NoError(t, err)
	c, err := a.Dial(context.Background(), "127.0.0.3:2013", DialOptions{LocalIPs: []netip.Addr{ip4(1), ip4(2)}})
	require.NoError(t, err)
	c.Subscribe(EventPeerAddrChange)
	type note struct {
		state assoc.PeerAddrState
		ip    netip.Addr
	}
	var notes []note
	waitFor := func(state assoc.PeerAddrState, ip netip.Addr) {
		t.Helper()
		for {
			n, ok := recvNote(t, c).(*PeerAddrChange)
			require.True(t, ok, "want a PeerAddrChange")
			notes = append(notes, note{n.State, n.Addr.Addr()})
			if n.State == state && n.Addr.Addr() == ip {
				return
			}
		}
	}
	next := uint32(0)
	// flow sends n messages 10 ms apart; the server gets each in order.
	flow := func(n int) {
		t.Helper()
		base := next
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range n {
				data, _ := recvData(t, srv)
				require.Equal(t, next, binary.BigEndian.Uint32(data), "lost, duplicated or reordered")
				next++
			}
		}()
		var m [4]byte
		for i := range uint32(n) {
			binary.BigEndian.PutUint32(m[:], base+i)
			_, err := c.Write(m[:])
			require.NoError(t, err)
			time.Sleep(10 * time.Millisecond)
		}
		<-done
	}
	waitFor(assoc.AddrConfirmed, ip4(4))
	flow(10)
	require.Equal(t, map[netip.Addr]int{ip4(3): 10}, count.counts(), "before the cut: the primary")

	net.Partition(ip4(1), ip4(3))
	net.Partition(ip4(2), ip4(3))
	flow(60)
	waitFor(assoc.AddrUnreachable, ip4(3))
	net.Heal(ip4(1), ip4(3))
	net.Heal(ip4(2), ip4(3))
	waitFor(assoc.AddrAvailable, ip4(3))
	count.counts()
	flow(10)
	pi, err := c.PeerAddrInfo(&Addr{IP: ip4(4), Port: 2013})
	require.NoError(t, err)
	if !stay {
		require.Equal(t, map[netip.Addr]int{ip4(3): 10}, count.counts(), "after healing: back on the primary")
		require.False(t, pi.Primary)
		require.NotContains(t, notes, note{assoc.AddrMadePrimary, ip4(4)})
		return
	}
	require.Equal(t, map[netip.Addr]int{ip4(4): 10}, count.counts(), "after healing: still on the alternate")
	require.True(t, pi.Primary, "the alternate became the primary")
	require.Contains(t, notes, note{assoc.AddrMadePrimary, ip4(4)})
	require.NoError(t, c.SetPrimary(&Addr{IP: ip4(3), Port: 2013}))
	flow(10)
	require.Equal(t, map[netip.Addr]int{ip4(3): 10}, count.counts(), "SetPrimary moved data back")
}
