package encap

import (
	"net/netip"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTracedRecordsBothDirections(t *testing.T) {
	var buf bytesBuffer
	pw := NewPcapWriter(&buf)
	a := Traced(listen(t, lo1), pw)
	b := listen(t, lo2)
	src, dst := a.LocalAddrs()[0], b.LocalAddrs()[0]
	send(t, a, netip.AddrPort{}, dst, "out")
	recvN(t, b.ReceiveFuncs()[0], 1)
	send(t, b, netip.AddrPort{}, src, "in")
	got := recvN(t, a.ReceiveFuncs()[0], 1)
	require.Equal(t, "in", string(got[0].Buf))
	require.NoError(t, a.Err())
	recs := pcapRecords(t, buf.Bytes())
	require.Len(t, recs, 2)
	for i, want := range []struct {
		from, to netip.AddrPort
		payload  string
	}{{src, dst, "out"}, {dst, src, "in"}} {
		r := recs[i]
		require.Equal(t, want.from.Addr().AsSlice(), r[12:16])
		require.Equal(t, want.to.Addr().AsSlice(), r[16:20])
		require.Equal(t, want.from.Port(), uint16(r[20])<<8|uint16(r[21]))
		require.Equal(t, want.payload, string(r[28:]))
	}
	require.NoError(t, a.Close())
}

// bytesBuffer is a bytes.Buffer safe for the concurrent trace writes
// (PcapWriter serializes them already; this keeps the race detector calm
// about the test reading it).
type bytesBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (w *bytesBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, p...)
	return len(p), nil
}

func (w *bytesBuffer) Bytes() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]byte(nil), w.b...)
}
