package encap

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var (
	lo1 = netip.MustParseAddr("127.0.0.1")
	lo2 = netip.MustParseAddr("127.0.0.2")
	lo6 = netip.MustParseAddr("::1")
)

func listen(t testing.TB, addrs ...netip.Addr) *UDP {
	t.Helper()
	u, err := ListenUDP(UDPConfig{Addrs: addrs})
	if err != nil && len(addrs) == 1 && addrs[0] == lo6 {
		t.Skipf("encap: no IPv6 loopback here: %v", err)
	}
	require.NoError(t, err)
	t.Cleanup(func() { u.Close() })
	return u
}

// recvN reads until n datagrams arrived from fn or the deadline passes.
func recvN(t testing.TB, fn ReceiveFunc, n int) []Datagram {
	t.Helper()
	type result struct {
		dgs []Datagram
		err error
	}
	ch := make(chan result, 1)
	go func() {
		var out []Datagram
		for len(out) < n {
			dgs := make([]Datagram, 16)
			for i := range dgs {
				dgs[i].Buf = make([]byte, 2048)
			}
			k, err := fn(dgs)
			if err != nil {
				ch <- result{out, err}
				return
			}
			out = append(out, dgs[:k]...)
		}
		ch <- result{out, nil}
	}()
	select {
	case r := <-ch:
		require.NoError(t, r.err)
		return r.dgs
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %d datagrams", n)
		return nil
	}
}

func TestUDPSendReceive(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b netip.Addr
	}{
		{"ipv4", lo1, lo2},
		{"ipv6", lo6, lo6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := listen(t, tc.a), listen(t, tc.b)
			dst := b.LocalAddrs()[0]
			src := a.LocalAddrs()[0]
			require.Equal(t, tc.a, src.Addr())
			require.NotZero(t, src.Port())
			n, err := a.WriteBatch([]Datagram{{Buf: []byte("hello"), Remote: dst}, {Buf: []byte("world"), Local: src, Remote: dst}})
			require.NoError(t, err)
			require.Equal(t, 2, n)
			got := recvN(t, b.ReceiveFuncs()[0], 2)
			for i, want := range []string{"hello", "world"} {
				require.Equal(t, want, string(got[i].Buf))
				require.Equal(t, src, got[i].Remote)
				require.Equal(t, dst, got[i].Local)
			}
		})
	}
}

func TestUDPSharedEphemeralPort(t *testing.T) {
	u := listen(t, lo1, lo2, lo6)
	la := u.LocalAddrs()
	require.Len(t, la, 3)
	for _, ap := range la {
		require.Equal(t, u.Port(), ap.Port())
	}
	require.Len(t, u.ReceiveFuncs(), 3)
	require.Equal(t, batchSize, u.BatchSize())
}

func TestUDPAddrInUse(t *testing.T) {
	a := listen(t, lo1)
	_, err := ListenUDP(UDPConfig{Addrs: []netip.Addr{lo1}, Port: a.Port()})
	require.Error(t, err)
	require.True(t, errors.Is(err, syscall.EADDRINUSE), "%v", err)
	require.True(t, errors.Is(err, ErrAddrInUse), "%v", err)
	var aerr *AddrInUseError
	require.True(t, errors.As(err, &aerr))
	require.Equal(t, a.LocalAddrs()[0], aerr.Addr)
	// A clash on the second address closes the first socket again.
	_, err = ListenUDP(UDPConfig{Addrs: []netip.Addr{lo2, lo1}, Port: a.Port()})
	require.ErrorIs(t, err, syscall.EADDRINUSE)
	b, err := ListenUDP(UDPConfig{Addrs: []netip.Addr{lo2}, Port: a.Port()})
	require.NoError(t, err)
	b.Close()
}

func TestUDPConfigErrors(t *testing.T) {
	_, err := ListenUDP(UDPConfig{Addrs: []netip.Addr{{}}})
	require.Error(t, err)
	_, err = ListenUDP(UDPConfig{Addrs: []netip.Addr{lo1, lo1}})
	require.Error(t, err)
	_, err = ListenUDP(UDPConfig{Addrs: []netip.Addr{lo1}, ReadBuffer: -1})
	require.Error(t, err)
}

func TestUDPWriteErrors(t *testing.T) {
	u := listen(t, lo1)
	peer := netip.AddrPortFrom(lo1, 9)
	for _, tc := range []struct {
		name string
		d    Datagram
		want error
	}{
		{"zero remote", Datagram{Buf: []byte{1}}, ErrBadAddress},
		{"port 0", Datagram{Buf: []byte{1}, Remote: netip.AddrPortFrom(lo1, 0)}, ErrBadAddress},
		{"unbound local", Datagram{Buf: []byte{1}, Local: netip.AddrPortFrom(lo2, 1), Remote: peer}, ErrNoSocket},
		{"no ipv6 socket", Datagram{Buf: []byte{1}, Remote: netip.AddrPortFrom(lo6, 9)}, ErrNoSocket},
		{"family mismatch", Datagram{Buf: []byte{1}, Local: netip.AddrPortFrom(lo6, 1), Remote: peer}, ErrNoSocket},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := u.WriteBatch([]Datagram{tc.d})
			require.Equal(t, 0, n)
			require.ErrorIs(t, err, tc.want)
		})
	}
	// The count stops at the bad datagram.
	n, err := u.WriteBatch([]Datagram{{Buf: []byte{1}, Remote: peer}, {Buf: []byte{1}}})
	require.Equal(t, 1, n)
	require.ErrorIs(t, err, ErrBadAddress)
}

func TestUDPMixedSocketsOneBatch(t *testing.T) {
	u := listen(t, lo1, lo2)
	peer := listen(t, lo1)
	dst := peer.LocalAddrs()[0]
	var dgs []Datagram
	for i := range 10 {
		src := u.LocalAddrs()[i%2]
		dgs = append(dgs, Datagram{Buf: fmt.Appendf(nil, "%d", i), Local: src, Remote: dst})
	}
	n, err := u.WriteBatch(dgs)
	require.NoError(t, err)
	require.Equal(t, 10, n)
	got := recvN(t, peer.ReceiveFuncs()[0], 10)
	for i, d := range got {
		require.Equal(t, fmt.Sprint(i), string(d.Buf))
		require.Equal(t, u.LocalAddrs()[i%2], d.Remote)
	}
}

func TestUDPLargeBatch(t *testing.T) {
	a, b := listen(t, lo1), listen(t, lo2)
	const total = 3*batchSize + 5
	dgs := make([]Datagram, total)
	for i := range dgs {
		dgs[i] = Datagram{Buf: bytes.Repeat([]byte{byte(i)}, 1200), Remote: b.LocalAddrs()[0]}
	}
	n, err := a.WriteBatch(dgs)
	require.NoError(t, err)
	require.Equal(t, total, n)
	got := recvN(t, b.ReceiveFuncs()[0], total)
	for i, d := range got {
		require.Len(t, d.Buf, 1200)
		require.Equal(t, byte(i), d.Buf[0])
	}
}

func TestUDPWildcardPktinfo(t *testing.T) {
	w, err := ListenUDP(UDPConfig{})
	require.NoError(t, err)
	defer w.Close()
	require.True(t, w.LocalAddrs()[0].Addr().IsUnspecified())
	peer := listen(t, lo2)
	fn := w.ReceiveFuncs()[0]
	for _, dst := range []netip.Addr{lo1, lo2} {
		_, err := peer.WriteBatch([]Datagram{{Buf: []byte("x"), Remote: netip.AddrPortFrom(dst, w.Port())}})
		require.NoError(t, err)
		got := recvN(t, fn, 1)
		require.Equal(t, netip.AddrPortFrom(dst, w.Port()), got[0].Local, "PKTINFO gives the destination address")
		require.Equal(t, peer.LocalAddrs()[0], got[0].Remote)
		// The reply leaves from the address the request arrived on.
		_, err = w.WriteBatch([]Datagram{{Buf: []byte("y"), Local: got[0].Local, Remote: got[0].Remote}})
		require.NoError(t, err)
		back := recvN(t, peer.ReceiveFuncs()[0], 1)
		require.Equal(t, got[0].Local, back[0].Remote, "PKTINFO sets the source address")
	}
}

func TestUDPWildcardPktinfoIPv6(t *testing.T) {
	w, err := ListenUDP(UDPConfig{})
	require.NoError(t, err)
	defer w.Close()
	if len(w.ReceiveFuncs()) < 2 {
		t.Skip("encap: no IPv6 wildcard socket on this host")
	}
	peer := listen(t, lo6)
	dst := netip.AddrPortFrom(lo6, w.Port())
	_, err = peer.WriteBatch([]Datagram{{Buf: []byte("x"), Remote: dst}})
	require.NoError(t, err)
	got := recvN(t, w.ReceiveFuncs()[1], 1)
	require.Equal(t, dst, got[0].Local)
	_, err = w.WriteBatch([]Datagram{{Buf: []byte("y"), Local: dst, Remote: got[0].Remote}})
	require.NoError(t, err)
	back := recvN(t, peer.ReceiveFuncs()[0], 1)
	require.Equal(t, dst, back[0].Remote)
}

func TestUDPTruncatedDropped(t *testing.T) {
	a, b := listen(t, lo1), listen(t, lo2)
	dst := b.LocalAddrs()[0]
	_, err := a.WriteBatch([]Datagram{{Buf: make([]byte, 100), Remote: dst}, {Buf: []byte("ok"), Remote: dst}})
	require.NoError(t, err)
	dgs := []Datagram{{Buf: make([]byte, 10)}, {Buf: make([]byte, 10)}}
	for {
		n, err := b.ReceiveFuncs()[0](dgs)
		require.NoError(t, err)
		if n > 0 && string(dgs[0].Buf) == "ok" {
			break
		}
		require.Fail(t, "unexpected datagram", "%q", dgs[0].Buf)
	}
	require.Equal(t, uint64(1), b.Dropped())
}

func TestUDPCloseUnblocksReader(t *testing.T) {
	u := listen(t, lo1)
	errc := make(chan error, 1)
	go func() {
		_, err := u.ReceiveFuncs()[0]([]Datagram{{Buf: make([]byte, 1500)}})
		errc <- err
	}()
	require.NoError(t, u.Close())
	select {
	case err := <-errc:
		require.ErrorIs(t, err, net.ErrClosed)
	case <-time.After(5 * time.Second):
		t.Fatal("reader still blocked after Close")
	}
	require.NoError(t, u.Close(), "Close is idempotent")
	_, err := u.WriteBatch([]Datagram{{Buf: []byte{1}, Remote: netip.AddrPortFrom(lo1, 9)}})
	require.ErrorIs(t, err, net.ErrClosed)
}

func TestUDPBufferSizes(t *testing.T) {
	u := listen(t, lo1)
	bs := u.BufferSizes()
	require.Positive(t, bs.Read)
	require.Positive(t, bs.Write)
	t.Logf("granted socket buffers: read %d, write %d (as the kernel reports them)", bs.Read, bs.Write)
	small, err := ListenUDP(UDPConfig{Addrs: []netip.Addr{lo1}, ReadBuffer: 64 << 10, WriteBuffer: 64 << 10})
	require.NoError(t, err)
	defer small.Close()
	require.Less(t, small.BufferSizes().Read, bs.Read)
}

func TestUDPWriteDoesNotAllocate(t *testing.T) {
	if raceEnabled || batchSize == 1 {
		t.Skip("encap: allocations are counted on the Linux batch path without the race detector")
	}
	a, b := listen(t, lo1), listen(t, lo2)
	dgs := make([]Datagram, 8)
	for i := range dgs {
		dgs[i] = Datagram{Buf: make([]byte, 100), Local: a.LocalAddrs()[0], Remote: b.LocalAddrs()[0]}
	}
	// One datagram takes the sendto path, several the sendmmsg path.
	for _, n := range []int{1, len(dgs)} {
		allocs := testing.AllocsPerRun(50, func() {
			if _, err := a.WriteBatch(dgs[:n]); err != nil {
				t.Fatal(err)
			}
		})
		require.Zero(t, allocs, "%d datagrams", n)
	}
}

func TestUDPReadDoesNotAllocate(t *testing.T) {
	if raceEnabled || batchSize == 1 {
		t.Skip("encap: allocations are counted on the Linux batch path without the race detector")
	}
	for _, wildcard := range []bool{false, true} {
		t.Run(fmt.Sprintf("wildcard=%v", wildcard), func(t *testing.T) {
			var rx *UDP
			if wildcard {
				var err error
				rx, err = ListenUDP(UDPConfig{})
				require.NoError(t, err)
				t.Cleanup(func() { rx.Close() })
			} else {
				rx = listen(t, lo2)
			}
			tx := listen(t, lo1)
			out := make([]Datagram, 4)
			for i := range out {
				out[i] = Datagram{Buf: make([]byte, 100), Remote: netip.AddrPortFrom(lo2, rx.Port())}
			}
			in := make([]Datagram, 4)
			bufs := make([][]byte, 4)
			for i := range bufs {
				bufs[i] = make([]byte, 1500)
			}
			fn := rx.ReceiveFuncs()[0]
			allocs := testing.AllocsPerRun(50, func() {
				if _, err := tx.WriteBatch(out); err != nil {
					t.Fatal(err)
				}
				for got := 0; got < len(out); {
					for i := range in {
						in[i].Buf = bufs[i]
					}
					n, err := fn(in)
					if err != nil {
						t.Fatal(err)
					}
					got += n
				}
			})
			require.Zero(t, allocs)
		})
	}
}
