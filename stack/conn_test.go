package stack

import (
	"context"
	"io"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/encap/memnet"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

func TestDialListenEcho(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, st := memStacks(t, 2, memnet.LinkConfig{Delay: 5 * time.Millisecond}, assoc.Config{})
		ln, err := st[1].Listen("127.0.0.2:7")
		require.NoError(t, err)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 1<<20)
			for {
				n, err := c.Read(buf)
				if err != nil {
					c.Close()
					return
				}
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
			}
		}()
		c, err := st[0].Dial(context.Background(), "127.0.0.2:7")
		require.NoError(t, err)
		for _, size := range []int{1, 100, 1400, 5000, 100000} {
			msg := make([]byte, size)
			for i := range msg {
				msg[i] = byte(i * 7)
			}
			_, err := c.Write(msg)
			require.NoError(t, err)
			got := make([]byte, size+10)
			n, info, err := c.RecvMsg(got)
			require.NoError(t, err)
			require.Equal(t, msg, got[:n])
			require.NotZero(t, info.Flags&FlagEOR)
		}
		require.NoError(t, c.Shutdown())
		_, err = c.Read(make([]byte, 10))
		require.ErrorIs(t, err, io.EOF)
		require.NoError(t, c.Close())
		ln.Close()
	})
}

// TestConnDone: Done closes when the graceful shutdown has completed.
func TestConnDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, st := memStacks(t, 2, memnet.LinkConfig{Delay: 5 * time.Millisecond}, assoc.Config{})
		ln, err := st[1].Listen("127.0.0.2:7")
		require.NoError(t, err)
		c, err := st[0].Dial(context.Background(), "127.0.0.2:7")
		require.NoError(t, err)
		peer, err := ln.AcceptSCTP()
		require.NoError(t, err)
		select {
		case <-c.Done():
			t.Fatal("done before the shutdown")
		default:
		}
		require.NoError(t, c.Shutdown())
		<-c.Done()
		<-peer.Done()
		require.Equal(t, assoc.Closed, c.Status().State)
	})
}
