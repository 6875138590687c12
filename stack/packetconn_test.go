package stack

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/encap/memnet"
	"github.com/udpsctp/udpsctp/stack/assoc"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// recvData reads the next data message on pc, skipping notifications.
func recvData(t *testing.T, pc interface {
	RecvMsg([]byte) (int, RcvInfo, error)
}) ([]byte, RcvInfo) {
	t.Helper()
	buf := make([]byte, 1<<16)
	for {
		n, info, err := pc.RecvMsg(buf)
		require.NoError(t, err)
		if info.Flags&FlagNotification == 0 {
			return append([]byte(nil), buf[:n]...), info
		}
	}
}

// recvNote reads the next notification, failing on data.
func recvNote(t *testing.T, pc interface {
	RecvMsg([]byte) (int, RcvInfo, error)
}) Notification {
	t.Helper()
	n, info, err := pc.RecvMsg(make([]byte, 1<<16))
	require.NoError(t, err)
	require.NotZero(t, info.Flags&FlagNotification, "got %d data bytes, want a notification", n)
	return info.Notification
}

// TestOneToManyFiftyClients: 50 clients talk to one one-to-many server
// socket; each message carries the right AssocID and stream, AssocID(addr)
// agrees with RecvMsg, and SENDALL reaches every association once.
func TestOneToManyFiftyClients(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const clients = 50
		_, st := memStacks(t, clients+1, memnet.LinkConfig{Delay: 2 * time.Millisecond}, assoc.Config{})
		srv, err := st[0].ListenPacket("127.0.0.1:2013")
		require.NoError(t, err)

		conns := make([]*Conn, clients)
		for i := range clients {
			c, err := st[i+1].Dial(context.Background(), "127.0.0.1:2013")
			require.NoError(t, err)
			conns[i] = c
			_, err = c.SendMsg(fmt.Appendf(nil, "hello from %d", i), SndInfo{Stream: uint16(i % 5), PPID: 46})
			require.NoError(t, err)
		}
		ids := map[AssocID]int{}
		for range clients {
			data, info := recvData(t, srv)
			var i int
			_, err := fmt.Sscanf(string(data), "hello from %d", &i)
			require.NoError(t, err)
			require.Equal(t, uint16(i%5), info.Stream)
			require.Equal(t, uint32(46), info.PPID)
			id, err := srv.AssocID(info.From)
			require.NoError(t, err)
			require.Equal(t, info.AssocID, id)
			_, dup := ids[id]
			require.False(t, dup)
			ids[id] = i
		}
		require.Len(t, srv.Associations(), clients)

		_, err = srv.SendMsg([]byte("to all"), SndInfo{Flags: SendAll, Stream: 1})
		require.NoError(t, err)
		for _, c := range conns {
			data, info := recvData(t, c)
			require.Equal(t, "to all", string(data))
			require.Equal(t, uint16(1), info.Stream)
		}
	})
}

// TestPeelOffKeepsOrder: messages queued on the one-to-many socket and in
// flight during PeelOff arrive on the new Conn in order, none lost or
// duplicated, and the one-to-many socket no longer sees the association.
func TestPeelOffKeepsOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, st := memStacks(t, 3, memnet.LinkConfig{Delay: time.Millisecond}, assoc.Config{})
		srv, err := st[0].ListenPacket("127.0.0.1:2013")
		require.NoError(t, err)
		a, err := st[1].Dial(context.Background(), "127.0.0.1:2013")
		require.NoError(t, err)
		b, err := st[2].Dial(context.Background(), "127.0.0.1:2013")
		require.NoError(t, err)
		_, err = b.Write([]byte("b0"))
		require.NoError(t, err)
		_, info := recvData(t, srv)
		idB := info.AssocID

		const total = 200
		go func() {
			for i := range total {
				if _, err := a.Write(fmt.Appendf(nil, "%d", i)); err != nil {
					return
				}
			}
		}()
		// Read a few on the one-to-many socket, then peel off mid-stream.
		var idA AssocID
		next := 0
		for next < 10 {
			data, info := recvData(t, srv)
			require.Equal(t, fmt.Sprint(next), string(data))
			idA = info.AssocID
			next++
		}
		pa, err := srv.PeelOff(idA)
		require.NoError(t, err)
		require.Equal(t, []AssocID{idB}, srv.Associations())
		for next < total {
			data, _ := recvData(t, pa)
			require.Equal(t, fmt.Sprint(next), string(data))
			next++
		}
		// SENDALL now reaches only b.
		_, err = srv.SendMsg([]byte("all"), SndInfo{Flags: SendAll})
		require.NoError(t, err)
		data, _ := recvData(t, b)
		require.Equal(t, "all", string(data))
		_, err = pa.Write([]byte("direct"))
		require.NoError(t, err)
		data, _ = recvData(t, a)
		require.Equal(t, "direct", string(data))
		synctest.Wait()
		a.SetReadDeadline(time.Now().Add(time.Second))
		_, _, err = a.RecvMsg(make([]byte, 10))
		require.ErrorIs(t, err, ErrTimeout, "a peeled-off association must not get SENDALL")
		_, err = srv.PeelOff(idA)
		require.ErrorIs(t, err, ErrUnknownAssoc)
	})
}

// TestImplicitSetupAndFlags: WriteTo an address without an association
// sets one up and delivers the first message; SendEOF shuts the
// association down gracefully and SendAbort aborts it with the reason, with
// the notifications of RFC 6458 in order.
func TestImplicitSetupAndFlags(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, st := memStacks(t, 3, memnet.LinkConfig{Delay: time.Millisecond}, assoc.Config{})
		srv, err := st[0].ListenPacket("127.0.0.1:2013")
		require.NoError(t, err)
		srv.Subscribe(EventAll)
		cli, err := st[1].BindPacket("127.0.0.2:0")
		require.NoError(t, err)
		cli.Subscribe(EventAssocChange | EventShutdown)
		to := &Addr{IP: netip.MustParseAddr("127.0.0.1"), Port: 2013}
		_, err = cli.WriteTo([]byte("first"), to)
		require.NoError(t, err)

		n := recvNote(t, srv).(*AssocChange)
		require.Equal(t, assoc.CommUp, n.State)
		data, info := recvData(t, srv)
		require.Equal(t, "first", string(data))
		require.Equal(t, n.AssocID, info.AssocID)
		require.Equal(t, assoc.CommUp, recvNote(t, cli).(*AssocChange).State)

		// Graceful shutdown from the server with SendEOF carrying a last message.
		_, err = srv.SendMsg([]byte("bye"), SndInfo{AssocID: info.AssocID, Flags: SendEOF})
		require.NoError(t, err)
		data, _ = recvData(t, cli)
		require.Equal(t, "bye", string(data))
		require.IsType(t, &ShutdownEvent{}, recvNote(t, cli))
		require.Equal(t, assoc.ShutdownComp, recvNote(t, cli).(*AssocChange).State)
		// The server side ends too; then the association is gone.
		for {
			n := recvNote(t, srv)
			if ch, ok := n.(*AssocChange); ok {
				require.Equal(t, assoc.ShutdownComp, ch.State)
				break
			}
		}
		require.Empty(t, srv.Associations())
		_, err = srv.SendMsg([]byte("x"), SndInfo{AssocID: info.AssocID})
		require.ErrorIs(t, err, ErrUnknownAssoc)

		// A second client, aborted by the server with a reason.
		c2, err := st[2].Dial(context.Background(), "127.0.0.1:2013")
		require.NoError(t, err)
		c2.Subscribe(EventAssocChange)
		_, err = c2.Write([]byte("hi"))
		require.NoError(t, err)
		require.IsType(t, &AssocChange{}, recvNote(t, srv))
		_, info = recvData(t, srv)
		require.NoError(t, srv.Abort(info.AssocID, []byte("kicked")))
		lost := recvNote(t, c2).(*AssocChange)
		require.Equal(t, assoc.CommLost, lost.State)
		cause, ok := lost.Cause.(*wire.UserInitiatedAbort)
		require.True(t, ok, "cause %T", lost.Cause)
		require.Equal(t, "kicked", string(cause.Reason))
		_, err = c2.Read(make([]byte, 10))
		require.ErrorIs(t, err, ErrAborted)
	})
}

// TestMisuse: each misuse gets a clear error.
func TestMisuse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, st := memStacks(t, 2, memnet.LinkConfig{Delay: time.Millisecond}, assoc.Config{OutStreams: 4, SendBuffer: 1 << 16})
		srv, err := st[0].ListenPacket("127.0.0.1:2013")
		require.NoError(t, err)
		_, err = st[0].ListenPacket("127.0.0.1:2013")
		require.ErrorIs(t, err, ErrAddrInUse)
		c, err := st[1].Dial(context.Background(), "127.0.0.1:2013")
		require.NoError(t, err)

		_, err = c.SendMsg([]byte("x"), SndInfo{Stream: 4})
		require.ErrorIs(t, err, ErrInvalidStream)
		_, err = c.Write(make([]byte, 1<<17))
		require.ErrorIs(t, err, ErrMessageTooBig)
		_, err = c.Write(nil)
		require.ErrorIs(t, err, ErrEmptyMessage)
		_, err = c.SendMsg([]byte("x"), SndInfo{Flags: SendAll})
		require.ErrorIs(t, err, ErrNotOneToMany)
		_, err = srv.SendMsg([]byte("x"), SndInfo{AssocID: 999})
		require.ErrorIs(t, err, ErrUnknownAssoc)
		_, err = srv.PeelOff(999)
		require.ErrorIs(t, err, ErrUnknownAssoc)
		_, err = srv.Status(999)
		require.ErrorIs(t, err, ErrUnknownAssoc)

		require.NoError(t, srv.Close())
		_, err = srv.SendMsg([]byte("x"), SndInfo{AssocID: 1})
		require.ErrorIs(t, err, ErrClosed)
		_, _, err = srv.RecvMsg(make([]byte, 1))
		require.ErrorIs(t, err, ErrClosed)
		require.NoError(t, c.Close())
		_, err = c.Write([]byte("x"))
		require.ErrorIs(t, err, ErrClosed)
	})
}
