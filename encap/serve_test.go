package encap

import (
	"encoding/binary"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// serving returns u's read loops, skipping where the platform has none.
func serving(t *testing.T, u *UDP) []ServeFunc {
	t.Helper()
	sv, ok := Transport(u).(Serving)
	if !ok {
		t.Skip("encap: this platform has no serving read loop")
	}
	return sv.ServeFuncs()
}

// TestServeDeliversEveryDatagram sends more datagrams than one batch holds,
// in bursts written while the loop is inside handle, so both the full-batch
// path and the wait after a short read are taken; none may be lost.
func TestServeDeliversEveryDatagram(t *testing.T) {
	a, b := listen(t, lo1), listen(t, lo2)
	serve := serving(t, b)[0]
	const total = 3 * batchSize
	dgs := make([]Datagram, 4)
	for i := range dgs {
		dgs[i].Buf = make([]byte, 64)
	}
	send := func(from, n int) {
		out := make([]Datagram, n)
		for i := range out {
			out[i] = Datagram{Buf: binary.BigEndian.AppendUint32(nil, uint32(from+i)), Remote: b.LocalAddrs()[0]}
		}
		_, err := a.WriteBatch(out)
		require.NoError(t, err)
	}
	send(0, 1)
	next, sent := 0, 1
	done := make(chan error, 1)
	go func() {
		done <- serve(dgs, func(batch []Datagram) bool {
			for _, d := range batch {
				if got := binary.BigEndian.Uint32(d.Buf); got != uint32(next) {
					t.Errorf("datagram %d arrived, want %d", got, next)
				}
				if d.Local != b.LocalAddrs()[0] || d.Remote != a.LocalAddrs()[0] {
					t.Errorf("addresses %v <- %v", d.Local, d.Remote)
				}
				next++
			}
			if next == total {
				return false
			}
			if next == sent { // the socket is empty: refill it from inside handle
				n := min(total-sent, 1+sent%7)
				send(sent, n)
				sent += n
			}
			return true
		})
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatalf("serve stalled after %d of %d datagrams", next, total)
	}
	require.Equal(t, total, next)
}

func TestServeEndsOnClose(t *testing.T) {
	u := listen(t, lo1)
	serve := serving(t, u)[0]
	done := make(chan error, 1)
	go func() {
		done <- serve([]Datagram{{Buf: make([]byte, 1500)}}, func([]Datagram) bool { return true })
	}()
	require.NoError(t, u.Close())
	select {
	case err := <-done:
		require.ErrorIs(t, err, net.ErrClosed)
	case <-time.After(5 * time.Second):
		t.Fatal("serve still running after Close")
	}
}

func TestServeNeedsASlot(t *testing.T) {
	u := listen(t, lo1)
	require.Error(t, serving(t, u)[0](nil, func([]Datagram) bool { return true }))
}
