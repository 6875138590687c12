package stack

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// rolePair is a client Stack with two associations to a one-to-many socket
// of a server Stack, both on real UDP (where the read roles exist).
func rolePair(t *testing.T) (cli, srv *Stack, c1, c2 *Conn, pc *PacketConn) {
	t.Helper()
	cli, srv = udpStack(t), udpStack(t)
	t.Cleanup(func() { cli.Close(); srv.Close() })
	require.NotEmpty(t, cli.roles, "a real UDP Stack reads through read roles")
	pc, err := srv.ListenPacket("127.0.0.1:2013")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dial := func() *Conn {
		c, err := cli.Dial(ctx, "127.0.0.1:2013", DialOptions{PeerUDPPort: udpPort(srv)})
		require.NoError(t, err)
		return c
	}
	c1, c2 = dial(), dial()
	return cli, srv, c1, c2, pc
}

// holderOf reports who holds the Stack's first read role.
func holderOf(s *Stack) roleHolder {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.roles[0].holder
}

// waitHolder spins (yielding) until cond holds for s's first role; the
// state it waits for is reached by another goroutine without a signal to
// wait on.
func waitHolder(t *testing.T, s *Stack, want roleHolder) {
	t.Helper()
	end := time.Now().Add(10 * time.Second)
	for holderOf(s) != want {
		if time.Now().After(end) {
			t.Fatalf("read role holder %d, want %d", holderOf(s), want)
		}
		runtime.Gosched()
	}
}

// blockedRead starts c.Read in a goroutine and waits until that goroutine
// reads the socket itself.
func blockedRead(t *testing.T, s *Stack, c *Conn) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 64))
		done <- err
	}()
	waitHolder(t, s, roleApp)
	return done
}

func sendTo(t *testing.T, pc *PacketConn, c *Conn, msg string) {
	t.Helper()
	_, err := pc.SendMsg([]byte(msg), SndInfo{AssocID: peerID(t, pc, c)})
	require.NoError(t, err)
}

// peerID is the server-side association id of client connection c.
func peerID(t *testing.T, pc *PacketConn, c *Conn) AssocID {
	t.Helper()
	id, err := pc.AssocID(c.LocalAddr())
	require.NoError(t, err)
	return id
}

func recvWithin(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("a blocked read did not return")
		return nil
	}
}

// TestReadRoleServesEveryAssociation: the goroutine reading the socket
// for c1 also delivers c2's message, and returns only with its own.
func TestReadRoleServesEveryAssociation(t *testing.T) {
	cli, _, c1, c2, pc := rolePair(t)
	done := blockedRead(t, cli, c1)
	sendTo(t, pc, c2, "for c2")
	require.NoError(t, c2.SetReadDeadline(time.Now().Add(10*time.Second)))
	buf := make([]byte, 64)
	n, err := c2.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "for c2", string(buf[:n]))
	select {
	case err := <-done:
		t.Fatalf("c1's read returned (%v) with nothing for it", err)
	default:
	}
	sendTo(t, pc, c1, "for c1")
	require.NoError(t, recvWithin(t, done))
}

// TestReadRoleKicks: a read parked in the socket wakes for a read
// deadline set from another goroutine, a Close of its socket and a Close
// of the Stack.
func TestReadRoleKicks(t *testing.T) {
	cli, _, c1, c2, _ := rolePair(t)
	done := blockedRead(t, cli, c1)
	require.NoError(t, c1.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
	require.ErrorIs(t, recvWithin(t, done), ErrTimeout)
	require.NoError(t, c1.SetReadDeadline(time.Time{}))

	done = blockedRead(t, cli, c1)
	require.NoError(t, c1.Close())
	require.Error(t, recvWithin(t, done))

	done = blockedRead(t, cli, c2)
	require.NoError(t, cli.Close())
	require.Error(t, recvWithin(t, done))
}

// TestReadRoleGoesBack: once the application goroutine stops reading, the
// background goroutine reads again, so an association that only sends
// still gets its SACKs (its sends would block on a full buffer forever).
func TestReadRoleGoesBack(t *testing.T) {
	cli, _, c1, c2, pc := rolePair(t)
	done := blockedRead(t, cli, c1)
	sendTo(t, pc, c1, "wake")
	require.NoError(t, recvWithin(t, done))
	waitHolder(t, cli, roleBackground)

	go func() { // the server drains what c2 sends
		buf := make([]byte, 1<<16)
		for {
			if _, _, err := pc.RecvMsg(buf); err != nil {
				return
			}
		}
	}()
	require.NoError(t, c2.SetWriteDeadline(time.Now().Add(20*time.Second)))
	msg := make([]byte, 1200)
	for range 4 << 20 / len(msg) { // well past any send buffer
		if _, err := c2.Write(msg); err != nil {
			require.False(t, errors.Is(err, ErrTimeout), "sends stalled: nobody reads the SACKs")
			require.NoError(t, err)
		}
	}
}

// TestReadRoleRoundTripsQuiet: in a request/response loop the application
// goroutine leaves the role free and takes it back every round trip; the
// background goroutine must not be signalled for each release (it waited
// untimed whenever it found the application holding the role, so the next
// release woke it: one wake-up every third round trip or so). Timing
// based, so it asserts only when round trips are fast (not under -race).
func TestReadRoleRoundTripsQuiet(t *testing.T) {
	if raceEnabled {
		t.Skip("round trips under -race are too slow for a lease of 1 ms")
	}
	cli, _, c1, _, pc := rolePair(t)
	go func() { // echo server
		buf := make([]byte, 256)
		for {
			n, info, err := pc.RecvMsg(buf)
			if err != nil {
				return
			}
			if info.Flags&FlagNotification != 0 {
				continue
			}
			if _, err := pc.SendMsg(buf[:n], SndInfo{AssocID: info.AssocID}); err != nil {
				return
			}
		}
	}()
	req, resp := make([]byte, 64), make([]byte, 256)
	rt := func() {
		_, err := c1.Write(req)
		require.NoError(t, err)
		_, err = c1.Read(resp)
		require.NoError(t, err)
	}
	for range 50 { // warm up: the role settles with the reading goroutine
		rt()
	}
	r := cli.roles[0]
	cli.mu.Lock()
	sig0 := r.signals
	cli.mu.Unlock()
	const n = 2000
	t0 := time.Now()
	for range n {
		rt()
	}
	per := time.Since(t0) / n
	cli.mu.Lock()
	sig := r.signals - sig0
	cli.mu.Unlock()
	t.Logf("%d round trips, %v each, %d background signals", n, per, sig)
	if per > 200*time.Microsecond {
		t.Skipf("round trips of %v: too slow here to judge the lease", per)
	}
	require.Less(t, sig, uint64(n/20), "the background goroutine was signalled on most releases")
}
