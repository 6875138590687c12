package stack

import (
	"context"
	"encoding/binary"
	"net/netip"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/encap"
	"github.com/udpsctp/udpsctp/encap/memnet"
	"github.com/udpsctp/udpsctp/stack/assoc"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// dataCounter is a Transport that counts the DATA chunks it sends per
// destination address.
type dataCounter struct {
	Transport
	mu   sync.Mutex
	data map[netip.Addr]int
}

func (d *dataCounter) WriteBatch(dgs []encap.Datagram) (int, error) {
	d.mu.Lock()
	for _, dg := range dgs {
		if len(dg.Buf) < wire.HeaderLen {
			continue
		}
		it := wire.NewChunkIter(dg.Buf[wire.HeaderLen:], wire.HeaderLen)
		for it.Next() {
			if it.Chunk().Type == wire.TypeData {
				d.data[dg.Remote.Addr()]++
			}
		}
	}
	d.mu.Unlock()
	return d.Transport.WriteBatch(dgs)
}

// counts returns the DATA counts so far and starts again from zero.
func (d *dataCounter) counts() map[netip.Addr]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.data
	d.data = map[netip.Addr]int{}
	return c
}

// countingStack is a Stack on ips of net whose sent DATA is counted.
func countingStack(t *testing.T, net *memnet.Network, cfg assoc.Config, ips ...netip.Addr) (*Stack, *dataCounter) {
	t.Helper()
	tr, err := net.Listen(ips, DefaultUDPPort)
	require.NoError(t, err)
	dc := &dataCounter{Transport: tr, data: map[netip.Addr]int{}}
	s, err := New(Config{Transport: dc, Assoc: cfg})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, dc
}

// addrOverPair is multihomedPair with DATA counted on both Stacks' sends,
// returned once each side has confirmed the other's second address (so
// both paths may carry data).
func addrOverPair(t *testing.T) (srv *PacketConn, c *Conn, srvCount, cliCount *dataCounter) {
	t.Helper()
	net := memnet.New(1, memnet.LinkConfig{Delay: 5 * time.Millisecond})
	// SACKs come back well within RTO.Min, so no T3-rtx moves data to
	// the alternate path behind the test's back (6.4.1).
	cfg := mhConfig()
	cfg.DelayedAckTime = 20 * time.Millisecond
	a, cliCount := countingStack(t, net, cfg, ip4(1), ip4(2))
	b, srvCount := countingStack(t, net, cfg, ip4(3), ip4(4))
	srv, err := b.ListenPacketAddrs(2013, ip4(3), ip4(4))
	require.NoError(t, err)
	srv.Subscribe(EventPeerAddrChange)
	c, err = a.Dial(context.Background(), "127.0.0.3:2013", DialOptions{LocalIPs: []netip.Addr{ip4(1), ip4(2)}})
	require.NoError(t, err)
	c.Subscribe(EventPeerAddrChange)
	confirmed := func(pc interface {
		RecvMsg([]byte) (int, RcvInfo, error)
	}, ip netip.Addr) {
		t.Helper()
		for {
			n, ok := recvNote(t, pc).(*PeerAddrChange)
			if ok && n.State == assoc.AddrConfirmed && n.Addr.Addr() == ip {
				return
			}
		}
	}
	confirmed(c, ip4(4))
	confirmed(srv, ip4(2))
	return srv, c, srvCount, cliCount
}

// TestAddrOverSim: on two-homed endpoints, messages sent with SendAddrOver
// to the secondary peer address travel on that path and the others on the
// primary, from a one-to-one and from a one-to-many socket, in order and
// with nothing lost.
func TestAddrOverSim(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c, srvCount, cliCount := addrOverPair(t)
		const total = 40
		send := func(i uint32, write func([]byte, SndInfo) (int, error), info, over SndInfo) {
			var m [4]byte
			binary.BigEndian.PutUint32(m[:], i)
			if i%2 == 1 {
				info = over
			}
			_, err := write(m[:], info)
			require.NoError(t, err)
		}
		cliCount.counts()
		go func() {
			for i := range uint32(total) {
				send(i, c.SendMsg, SndInfo{}, SndInfo{Flags: SendAddrOver, To: &Addr{IP: ip4(4), Port: 2013}})
			}
		}()
		var id AssocID
		for i := range uint32(total) {
			data, info := recvData(t, srv)
			require.Equal(t, i, binary.BigEndian.Uint32(data), "lost, duplicated or reordered")
			id = info.AssocID
		}
		require.Equal(t, map[netip.Addr]int{ip4(3): total / 2, ip4(4): total / 2}, cliCount.counts(),
			"DATA chunks the client sent per server address")

		// The server's primary path is the client's first address.
		srvCount.counts()
		go func() {
			for i := range uint32(total) {
				send(i, srv.SendMsg, SndInfo{AssocID: id}, SndInfo{AssocID: id, Flags: SendAddrOver, To: &Addr{IP: ip4(2)}})
			}
		}()
		for i := range uint32(total) {
			data, _ := recvData(t, c)
			require.Equal(t, i, binary.BigEndian.Uint32(data), "lost, duplicated or reordered")
		}
		require.Equal(t, map[netip.Addr]int{ip4(1): total / 2, ip4(2): total / 2}, srvCount.counts(),
			"DATA chunks the server sent per client address")
	})
}

// TestAddrOverBadAddress: SendAddrOver to an address that is not the
// association's, without an address, or with SendAll is refused.
func TestAddrOverBadAddress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv, c, _, _ := addrOverPair(t)
		msg := []byte("x")
		_, err := c.SendMsg(msg, SndInfo{Flags: SendAddrOver, To: &Addr{IP: ip4(9), Port: 2013}})
		require.ErrorIs(t, err, ErrBadAddress)
		_, err = c.SendMsg(msg, SndInfo{Flags: SendAddrOver})
		require.ErrorIs(t, err, ErrBadAddress)
		ids := srv.Associations()
		require.Len(t, ids, 1)
		_, err = srv.SendMsg(msg, SndInfo{AssocID: ids[0], Flags: SendAddrOver, To: &Addr{IP: ip4(3)}})
		require.ErrorIs(t, err, ErrBadAddress, "the server's own address")
		_, err = srv.SendMsg(msg, SndInfo{Flags: SendAll | SendAddrOver, To: &Addr{IP: ip4(2)}})
		require.ErrorIs(t, err, ErrBadAddress)
		// Nothing was queued: the association still works.
		_, err = c.SendMsg([]byte("after"), SndInfo{Flags: SendAddrOver, To: &Addr{IP: ip4(3), Port: 2013}})
		require.NoError(t, err)
		data, info := recvData(t, srv)
		require.Equal(t, "after", string(data))
		require.Equal(t, ids[0], info.AssocID)
	})
}
