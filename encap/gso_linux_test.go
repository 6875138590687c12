//go:build linux && !encap_portable

package encap

import (
	"bytes"
	"net/netip"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGSORun(t *testing.T) {
	a := netip.MustParseAddrPort("127.0.0.2:9899")
	b := netip.MustParseAddrPort("127.0.0.3:9899")
	src1 := netip.MustParseAddrPort("127.0.0.1:9899")
	src2 := netip.MustParseAddrPort("127.0.0.4:9899")
	dg := func(size int, to netip.AddrPort, from netip.AddrPort) Datagram {
		return Datagram{Buf: make([]byte, size), Remote: to, Local: from}
	}
	for _, tc := range []struct {
		name  string
		dgs   []Datagram
		limit int
		want  int
	}{
		{"equal sizes, one peer", []Datagram{dg(100, a, src1), dg(100, a, src1), dg(100, a, src1)}, 64, 3},
		{"shorter last ends the run", []Datagram{dg(100, a, src1), dg(60, a, src1), dg(60, a, src1)}, 64, 2},
		{"longer one ends it", []Datagram{dg(100, a, src1), dg(120, a, src1)}, 64, 1},
		{"other peer ends it", []Datagram{dg(100, a, src1), dg(100, b, src1), dg(100, a, src1)}, 64, 1},
		{"other source ends it", []Datagram{dg(100, a, src1), dg(100, a, src2)}, 64, 1},
		{"limit", []Datagram{dg(100, a, src1), dg(100, a, src1), dg(100, a, src1)}, 2, 2},
		{"no room", []Datagram{dg(100, a, src1)}, 0, 0},
		{"64 KiB bound", []Datagram{dg(30000, a, src1), dg(30000, a, src1), dg(30000, a, src1)}, 64, 2},
		{"empty datagram not segmented", []Datagram{dg(100, a, src1), dg(0, a, src1)}, 64, 1},
	} {
		require.Equal(t, tc.want, gsoRun(tc.dgs, tc.limit), tc.name)
	}
}

// TestGSOBoundaries writes runs that GSO merges (equal sizes to one peer,
// a shorter last one) between datagrams that break them (another peer,
// another size) and checks that every datagram arrives whole and alone,
// in order per peer, with and without GSO.
func TestGSOBoundaries(t *testing.T) {
	for _, off := range []bool{false, true} {
		a, err := ListenUDP(UDPConfig{Addrs: []netip.Addr{lo1}, DisableGSO: off})
		require.NoError(t, err)
		defer a.Close()
		b, c := listen(t, lo2), listen(t, lo2)
		var dgs []Datagram
		var toB, toC [][]byte
		add := func(to *UDP, size int) {
			buf := bytes.Repeat([]byte{byte(len(dgs))}, size)
			dgs = append(dgs, Datagram{Buf: buf, Remote: to.LocalAddrs()[0]})
			if to == b {
				toB = append(toB, buf)
			} else {
				toC = append(toC, buf)
			}
		}
		for range 150 { // more than a GSO message holds
			add(b, 148)
		}
		add(b, 40) // the shorter last of a run
		add(b, 148)
		add(c, 148)
		add(b, 148)
		for i := range 70 {
			add(c, 1000+i%2) // alternating sizes: no runs
		}
		for range 5 {
			add(c, 1200)
		}
		n, err := a.WriteBatch(dgs)
		require.NoError(t, err)
		require.Equal(t, len(dgs), n)
		for _, want := range []struct {
			u   *UDP
			dgs [][]byte
		}{{b, toB}, {c, toC}} {
			got := recvN(t, want.u.ReceiveFuncs()[0], len(want.dgs))
			for i, d := range got {
				require.Equal(t, want.dgs[i], d.Buf, "datagram %d", i)
				require.Equal(t, a.LocalAddrs()[0], d.Remote)
			}
		}
		if !off && a.socks[0].gsoOff.Load() {
			t.Skip("encap: this kernel refused UDP_SEGMENT; the datagrams above went one by one")
		}
	}
}

// TestGSOWildcardSources: a wildcard socket's run breaks where the source
// address changes, so each datagram leaves from its own Local.
func TestGSOWildcardSources(t *testing.T) {
	w, err := ListenUDP(UDPConfig{})
	require.NoError(t, err)
	defer w.Close()
	peer := listen(t, netip.MustParseAddr("127.0.0.3"))
	var dgs []Datagram
	for i := range 40 {
		src := lo1
		if i/10%2 == 1 {
			src = lo2
		}
		dgs = append(dgs, Datagram{Buf: bytes.Repeat([]byte{byte(i)}, 200), Local: netip.AddrPortFrom(src, w.Port()), Remote: peer.LocalAddrs()[0]})
	}
	n, err := w.WriteBatch(dgs)
	require.NoError(t, err)
	require.Equal(t, len(dgs), n)
	got := recvN(t, peer.ReceiveFuncs()[0], len(dgs))
	for i, d := range got {
		require.Equal(t, dgs[i].Buf, d.Buf)
		require.Equal(t, dgs[i].Local, d.Remote, "datagram %d leaves from its own source", i)
	}
}

func TestGSOIPv6(t *testing.T) {
	a, err := ListenUDP(UDPConfig{Addrs: []netip.Addr{lo6}})
	if err != nil {
		t.Skipf("encap: no IPv6 loopback here: %v", err)
	}
	defer a.Close()
	b := listen(t, lo6)
	writeRun(t, a, b, 100, 300)
	if a.socks[0].gsoOff.Load() {
		t.Skip("encap: this kernel refused UDP_SEGMENT; the datagrams above went one by one")
	}
}

// TestGSOFallback: a socket whose GSO sends the kernel refuses (here
// SO_NO_CHECK, which UDP_SEGMENT cannot honour: EINVAL) switches to one
// datagram per message and loses nothing.
func TestGSOFallback(t *testing.T) {
	a, b := listen(t, lo1), listen(t, lo2)
	raw, err := a.socks[0].conn.SyscallConn()
	require.NoError(t, err)
	var serr error
	require.NoError(t, raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_NO_CHECK, 1)
	}))
	require.NoError(t, serr)
	writeRun(t, a, b, 20, 500)
	require.True(t, a.socks[0].gsoOff.Load(), "GSO off after the kernel refused it")
}

// TestUDPBatchFirstFails: when the kernel refuses the first datagram of a
// batch, WriteBatch reports 0 sent and the error (x/net says -1), so the
// caller can skip that datagram and go on.
func TestUDPBatchFirstFails(t *testing.T) {
	a, b := listen(t, lo1), listen(t, lo2)
	bad := netip.AddrPortFrom(lo2, 0) // port 0: EINVAL
	dgs := []Datagram{{Buf: []byte("x"), Remote: bad}, {Buf: []byte("y"), Remote: b.LocalAddrs()[0]}, {Buf: []byte("z"), Remote: b.LocalAddrs()[0]}}
	n, err := a.WriteBatch(dgs)
	require.Error(t, err)
	require.Equal(t, 0, n)
	n, err = a.WriteBatch(dgs[1:])
	require.NoError(t, err)
	require.Equal(t, 2, n)
	got := recvN(t, b.ReceiveFuncs()[0], 2)
	require.Equal(t, "y", string(got[0].Buf))
	require.Equal(t, "z", string(got[1].Buf))
}

// writeRun sends n datagrams of size bytes from a to b in one WriteBatch,
// each filled with its index, and checks that b gets each whole, in order.
func writeRun(t *testing.T, a, b *UDP, n, size int) {
	t.Helper()
	var dgs []Datagram
	for i := range n {
		dgs = append(dgs, Datagram{Buf: bytes.Repeat([]byte{byte(i)}, size), Remote: b.LocalAddrs()[0]})
	}
	sent, err := a.WriteBatch(dgs)
	require.NoError(t, err)
	require.Equal(t, n, sent)
	for i, d := range recvN(t, b.ReceiveFuncs()[0], n) {
		require.Equal(t, dgs[i].Buf, d.Buf)
	}
}
