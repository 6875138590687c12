package memnet

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/encap"
)

var (
	addrA = netip.MustParseAddr("10.0.0.1")
	addrB = netip.MustParseAddr("10.0.0.2")
	addrC = netip.MustParseAddr("10.0.1.1")
	addr6 = netip.MustParseAddr("fd00::1")
)

func mustListen(t *testing.T, n *Network, port uint16, addrs ...netip.Addr) *Transport {
	t.Helper()
	tr, err := n.Listen(addrs, port)
	require.NoError(t, err)
	return tr
}

// reader collects everything one ReceiveFunc yields until it is closed.
func reader(fn encap.ReceiveFunc) <-chan []encap.Datagram {
	out := make(chan []encap.Datagram, 1)
	go func() {
		var got []encap.Datagram
		dgs := make([]encap.Datagram, 8)
		for {
			for i := range dgs {
				dgs[i].Buf = make([]byte, 1500)
			}
			n, err := fn(dgs)
			if err != nil {
				out <- got
				return
			}
			got = append(got, dgs[:n]...)
		}
	}()
	return out
}

func TestNetworkDelivers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(1, LinkConfig{Delay: 30 * time.Millisecond})
		a := mustListen(t, n, 9899, addrA)
		b := mustListen(t, n, 9899, addrB, addrC)
		got := reader(b.ReceiveFuncs()[1])
		buf := []byte("hello")
		start := time.Now()
		k, err := a.WriteBatch([]encap.Datagram{{Buf: buf, Remote: netip.AddrPortFrom(addrC, 9899)}})
		require.NoError(t, err)
		require.Equal(t, 1, k)
		buf[0] = 'j' // the network copied the bytes
		synctest.Wait()
		require.Equal(t, Stats{Sent: 1, InFlight: 1}, n.Stats())
		time.Sleep(30 * time.Millisecond) // virtual: exactly the link delay
		synctest.Wait()
		require.Equal(t, 30*time.Millisecond, time.Since(start))
		b.Close()
		dgs := <-got
		require.Len(t, dgs, 1)
		require.Equal(t, "hello", string(dgs[0].Buf))
		require.Equal(t, netip.AddrPortFrom(addrA, 9899), dgs[0].Remote)
		require.Equal(t, netip.AddrPortFrom(addrC, 9899), dgs[0].Local)
		require.Equal(t, uint64(1), n.Stats().Delivered)
		a.Close()
	})
}

// TestNetworkVirtualTime sends 10,000 datagrams over a link with 200 ms
// delay and 20% loss; under synctest that is 10 virtual seconds and no
// real waiting, and the counts are a function of the seed.
func TestNetworkVirtualTime(t *testing.T) {
	run := func(seed uint64) (Stats, int) {
		var st Stats
		var received int
		synctest.Test(t, func(t *testing.T) {
			n := New(seed, LinkConfig{Delay: 200 * time.Millisecond, Jitter: 10 * time.Millisecond, Loss: 0.2, Duplicate: 0.01, Reorder: 0.05})
			a := mustListen(t, n, 0, addrA)
			b := mustListen(t, n, 0, addrB)
			got := reader(b.ReceiveFuncs()[0])
			dst := b.LocalAddrs()[0]
			msg := make([]byte, 1200)
			for i := range 10000 {
				msg[0] = byte(i)
				_, err := a.WriteBatch([]encap.Datagram{{Buf: msg, Remote: dst}})
				require.NoError(t, err)
				time.Sleep(time.Millisecond) // virtual pacing: one datagram per ms
			}
			time.Sleep(time.Second)
			synctest.Wait()
			st = n.Stats()
			b.Close()
			received = len(<-got)
			a.Close()
		})
		return st, received
	}
	realStart := time.Now()
	st, received := run(7)
	require.Less(t, time.Since(realStart), 5*time.Second, "virtual time, not real time")
	require.Equal(t, uint64(10000), st.Sent)
	require.Equal(t, st.Sent+st.Duplicated, st.Delivered+st.Dropped+st.Overflow+st.Unreachable+st.InFlight)
	require.Equal(t, int(st.Delivered), received)
	require.InDelta(t, 2000, float64(st.Dropped), 200)
	require.Zero(t, st.Overflow)
	st2, received2 := run(7)
	require.Equal(t, st, st2, "same seed, same counts")
	require.Equal(t, received, received2)
	st3, _ := run(8)
	require.NotEqual(t, st, st3, "another seed, other losses")
	t.Logf("seed 7: %+v", st)
}

func TestNetworkPartitionAndHeal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(1, LinkConfig{})
		a := mustListen(t, n, 1, addrA)
		b := mustListen(t, n, 2, addrB)
		got := reader(b.ReceiveFuncs()[0])
		send := func(s string) {
			_, err := a.WriteBatch([]encap.Datagram{{Buf: []byte(s), Remote: b.LocalAddrs()[0]}})
			require.NoError(t, err)
			synctest.Wait()
		}
		n.Partition(addrB, addrA)
		send("lost")
		n.Heal(addrA, addrB)
		send("kept")
		b.Close()
		dgs := <-got
		require.Len(t, dgs, 1)
		require.Equal(t, "kept", string(dgs[0].Buf))
		require.Equal(t, uint64(1), n.Stats().Dropped)
		a.Close()
	})
}

func TestNetworkSetLinkOneDirection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(1, LinkConfig{})
		n.SetLink(addrA, addrB, LinkConfig{MTU: 100})
		a := mustListen(t, n, 1, addrA)
		b := mustListen(t, n, 1, addrB)
		_, err := a.WriteBatch([]encap.Datagram{{Buf: make([]byte, 101), Remote: b.LocalAddrs()[0]}})
		require.NoError(t, err)
		_, err = b.WriteBatch([]encap.Datagram{{Buf: make([]byte, 101), Remote: a.LocalAddrs()[0]}})
		require.NoError(t, err)
		synctest.Wait()
		st := n.Stats()
		require.Equal(t, uint64(1), st.Dropped)
		require.Equal(t, uint64(1), st.Delivered)
		a.Close()
		b.Close()
	})
}

func TestNetworkBoundedQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(1, LinkConfig{})
		n.SetLimits(0, 10)
		a := mustListen(t, n, 1, addrA)
		b := mustListen(t, n, 1, addrB)
		dgs := make([]encap.Datagram, 25)
		for i := range dgs {
			dgs[i] = encap.Datagram{Buf: []byte{byte(i)}, Remote: b.LocalAddrs()[0]}
		}
		_, err := a.WriteBatch(dgs)
		require.NoError(t, err)
		synctest.Wait() // nobody reads: the queue fills
		st := n.Stats()
		require.Equal(t, uint64(10), st.Delivered)
		require.Equal(t, uint64(15), st.Overflow)
		got := reader(b.ReceiveFuncs()[0])
		synctest.Wait()
		b.Close()
		rx := <-got
		require.Len(t, rx, 10)
		for i, d := range rx {
			require.Equal(t, byte(i), d.Buf[0], "in order")
		}
		a.Close()
	})
}

func TestNetworkMaxInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(1, LinkConfig{Delay: time.Second})
		n.SetLimits(5, 0)
		a := mustListen(t, n, 1, addrA)
		dgs := make([]encap.Datagram, 8)
		for i := range dgs {
			dgs[i] = encap.Datagram{Buf: []byte{1}, Remote: netip.AddrPortFrom(addrB, 1)}
		}
		_, err := a.WriteBatch(dgs)
		require.NoError(t, err)
		st := n.Stats()
		require.Equal(t, uint64(5), st.InFlight)
		require.Equal(t, uint64(3), st.Overflow)
		time.Sleep(time.Second)
		synctest.Wait()
		require.Equal(t, uint64(5), n.Stats().Unreachable, "nobody listens on addrB")
		a.Close()
	})
}

func TestNetworkTruncated(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := New(1, LinkConfig{})
		a := mustListen(t, n, 1, addrA)
		b := mustListen(t, n, 1, addrB)
		_, err := a.WriteBatch([]encap.Datagram{{Buf: make([]byte, 50), Remote: b.LocalAddrs()[0]}, {Buf: []byte("ok"), Remote: b.LocalAddrs()[0]}})
		require.NoError(t, err)
		synctest.Wait()
		dgs := []encap.Datagram{{Buf: make([]byte, 10)}}
		k, err := b.ReceiveFuncs()[0](dgs)
		require.NoError(t, err)
		require.Equal(t, 1, k)
		require.Equal(t, "ok", string(dgs[0].Buf))
		require.Equal(t, uint64(1), n.Stats().Truncated)
		a.Close()
		b.Close()
	})
}

func TestNetworkListenErrors(t *testing.T) {
	n := New(1, LinkConfig{})
	a, err := n.Listen([]netip.Addr{addrA, addr6}, 0)
	require.NoError(t, err)
	require.GreaterOrEqual(t, a.Port(), uint16(firstEphemeral))
	for _, ap := range a.LocalAddrs() {
		require.Equal(t, a.Port(), ap.Port())
	}
	_, err = n.Listen([]netip.Addr{addrB, addrA}, a.Port())
	require.ErrorIs(t, err, syscall.EADDRINUSE)
	require.ErrorIs(t, err, encap.ErrAddrInUse)
	b, err := n.Listen([]netip.Addr{addrB}, a.Port()) // the failed Listen bound nothing
	require.NoError(t, err)
	b.Close()
	for i, bad := range [][]netip.Addr{nil, {{}}, {netip.IPv4Unspecified()}, {addrA, addrA}} {
		_, err := n.Listen(bad, 0)
		require.Error(t, err, "case %d", i)
	}
	a.Close()
	// Closing frees the port.
	a2, err := n.Listen([]netip.Addr{addrA}, a.Port())
	require.NoError(t, err)
	a2.Close()
}

func TestTransportWriteErrors(t *testing.T) {
	n := New(1, LinkConfig{})
	a, err := n.Listen([]netip.Addr{addrA}, 1)
	require.NoError(t, err)
	peer := netip.AddrPortFrom(addrB, 1)
	for _, tc := range []struct {
		d    encap.Datagram
		want error
	}{
		{encap.Datagram{}, encap.ErrBadAddress},
		{encap.Datagram{Remote: netip.AddrPortFrom(addrB, 0)}, encap.ErrBadAddress},
		{encap.Datagram{Local: netip.AddrPortFrom(addrC, 1), Remote: peer}, encap.ErrNoSocket},
		{encap.Datagram{Remote: netip.AddrPortFrom(addr6, 1)}, encap.ErrNoSocket},
	} {
		k, err := a.WriteBatch([]encap.Datagram{{Buf: []byte{1}, Remote: peer}, tc.d})
		require.Equal(t, 1, k)
		require.ErrorIs(t, err, tc.want, fmt.Sprint(tc.d))
	}
	require.NoError(t, a.Close())
	require.NoError(t, a.Close())
	_, err = a.WriteBatch([]encap.Datagram{{Remote: peer}})
	require.True(t, errors.Is(err, net.ErrClosed))
	_, err = a.ReceiveFuncs()[0]([]encap.Datagram{{Buf: make([]byte, 1)}})
	require.ErrorIs(t, err, net.ErrClosed)
}
