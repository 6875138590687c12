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

// TestPerSocketAssocConfig: stream counts set on a socket, and on one
// Dial, override the Stack's defaults and are negotiated (OS/MIS).
func TestPerSocketAssocConfig(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, st := memStacks(t, 2, memnet.LinkConfig{Delay: time.Millisecond}, assoc.Config{})
		srv, err := st[0].ListenPacket("127.0.0.1:2013")
		require.NoError(t, err)
		srv.SetAssocConfig(assoc.Config{OutStreams: 3, MaxInStreams: 7})
		c, err := st[1].Dial(context.Background(), "127.0.0.1:2013", DialOptions{Assoc: &assoc.Config{OutStreams: 20, MaxInStreams: 2}})
		require.NoError(t, err)
		st1 := c.Status()
		require.Equal(t, uint16(7), st1.OutStreams, "min(our OS 20, their MIS 7)")
		require.Equal(t, uint16(2), st1.InStreams, "min(their OS 3, our MIS 2)")
		_, err = c.SendMsg([]byte("x"), SndInfo{Stream: 7})
		require.ErrorIs(t, err, ErrInvalidStream)
		_, err = c.SendMsg([]byte("x"), SndInfo{Stream: 6})
		require.NoError(t, err)
		_, info := recvData(t, srv)
		require.Equal(t, uint16(6), info.Stream)
	})
}
