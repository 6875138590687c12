package stack

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/encap/memnet"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// TestAutoclose: an association of a one-to-many socket idle for the
// autoclose time is shut down gracefully; activity postpones it.
func TestAutoclose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, st := memStacks(t, 2, memnet.LinkConfig{Delay: time.Millisecond}, assoc.Config{})
		srv, err := st[0].ListenPacket("127.0.0.1:2013")
		require.NoError(t, err)
		srv.SetAutoclose(5 * time.Second)
		srv.Subscribe(EventAssocChange)
		c, err := st[1].Dial(context.Background(), "127.0.0.1:2013")
		require.NoError(t, err)
		up := recvNote(t, srv).(*AssocChange)
		require.Equal(t, assoc.CommUp, up.State)
		start := time.Now()
		// Activity at 3 s moves the autoclose to 8 s.
		time.Sleep(3 * time.Second)
		_, err = c.Write([]byte("still here"))
		require.NoError(t, err)
		data, _ := recvData(t, srv)
		require.Equal(t, "still here", string(data))
		down := recvNote(t, srv).(*AssocChange)
		require.Equal(t, assoc.ShutdownComp, down.State)
		elapsed := time.Since(start)
		require.GreaterOrEqual(t, elapsed, 8*time.Second)
		require.Less(t, elapsed, 9*time.Second)
		_, err = c.Read(make([]byte, 10))
		require.Error(t, err, "the client sees the graceful end")
		require.Empty(t, srv.Associations())
	})
}
