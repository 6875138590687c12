package chat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
	"github.com/udpsctp/udpsctp/stack/stacktest"
)

const testPassword = "s3cret-pw"

// syncBuf is a log sink safe for the server's goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// user is a test client whose received messages (or final error) are
// collected by a goroutine.
type user struct {
	*Client
	ip  netip.Addr
	got chan Message
	end chan error
}

// next returns the next message, failing if the association ended.
func (u *user) next(t *testing.T) Message {
	t.Helper()
	select {
	case m := <-u.got:
		return m
	case err := <-u.end:
		t.Fatalf("user %s: association ended: %v", u.ip, err)
	}
	return Message{}
}

// quiet fails if u has a message waiting once the network is idle.
func (u *user) quiet(t *testing.T) {
	t.Helper()
	synctest.Wait()
	select {
	case m := <-u.got:
		t.Fatalf("user %s: unexpected message %q", u.ip, m.Data)
	default:
	}
}

// ended waits for the association's end and returns its error.
func (u *user) ended(t *testing.T) error {
	t.Helper()
	for {
		select {
		case <-u.got:
		case err := <-u.end:
			return err
		}
	}
}

type chatNet struct {
	net   *stacktest.Network
	srv   *Server
	pc    *stack.PacketConn
	log   *syncBuf
	users []*user
}

// newChat starts a server on 127.0.0.1:2013 and n users on 127.0.0.2...
// Call inside synctest.Test.
func newChat(t *testing.T, cfg Config, n int, opts ...stacktest.Option) *chatNet {
	t.Helper()
	cn := &chatNet{net: stacktest.New(t, opts...), log: &syncBuf{}}
	s, _ := cn.net.MustStack(t)
	pc, err := s.ListenPacket("127.0.0.1:2013")
	require.NoError(t, err)
	cfg.Logger = log.New(cn.log, "", 0)
	cn.pc = pc
	cn.srv = NewServer(pc, cfg)
	done := make(chan error, 1)
	go func() { done <- cn.srv.Serve() }()
	t.Cleanup(func() {
		cn.srv.Close()
		require.NoError(t, <-done)
	})
	for range n {
		cn.addUser(t, ClientOptions{})
	}
	return cn
}

func (cn *chatNet) addUser(t *testing.T, opts ClientOptions) *user {
	t.Helper()
	s, ip := cn.net.MustStack(t)
	c, err := Dial(context.Background(), s, "127.0.0.1:2013", opts)
	require.NoError(t, err)
	u := &user{Client: c, ip: ip, got: make(chan Message, 100), end: make(chan error, 1)}
	go func() {
		for {
			m, err := c.Recv()
			if err != nil {
				u.end <- err
				return
			}
			u.got <- m
		}
	}()
	cn.users = append(cn.users, u)
	return u
}

// id is the server's association id for u.
func (cn *chatNet) id(t *testing.T, u *user) stack.AssocID {
	t.Helper()
	id, err := cn.pc.AssocID(u.Conn().LocalAddr())
	require.NoError(t, err)
	return id
}

// superuser logs u in and returns after the welcome.
func (cn *chatNet) superuser(t *testing.T, u *user) {
	t.Helper()
	require.NoError(t, u.Send([]byte("/su "+testPassword)))
	require.Contains(t, string(u.next(t).Data), "you are superuser")
}

// TestBroadcastToAll: every message reaches every association, the sender
// included, on its stream and with its PPID, byte for byte.
func TestBroadcastToAll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cn := newChat(t, Config{}, 0)
		for i := range 3 {
			cn.addUser(t, ClientOptions{Stream: uint16(i), PPID: uint32(50 + i)})
		}
		synctest.Wait()
		require.Len(t, cn.pc.Associations(), 3)
		for i, u := range cn.users {
			msg := fmt.Appendf(nil, "hello from %d \x00\xff", i)
			require.NoError(t, u.Send(msg))
			for _, v := range cn.users {
				m := v.next(t)
				require.Equal(t, msg, m.Data)
				require.Equal(t, uint16(i), m.Stream)
				require.Equal(t, uint32(50+i), m.PPID)
			}
		}
		for _, u := range cn.users {
			u.quiet(t)
		}
		require.Regexp(t, `assoc \d+ joined from 127\.0\.0\.2:\d+`, cn.log.String())
	})
}

// TestSuperuser: /su peels the association off; it stops getting
// broadcasts; /who names the others with the server's ids; /say reaches
// the ordinary users; /kick aborts one; /quit ends the session.
func TestSuperuser(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cn := newChat(t, Config{Password: []byte(testPassword)}, 3)
		su, a, b := cn.users[0], cn.users[1], cn.users[2]
		idA, idB := cn.id(t, a), cn.id(t, b)
		cn.superuser(t, su)
		a.quiet(t)
		b.quiet(t)
		require.Len(t, cn.pc.Associations(), 2, "the superuser is peeled off")
		require.NotContains(t, cn.log.String(), testPassword)

		require.NoError(t, a.Send([]byte("hi")))
		require.Equal(t, "hi", string(a.next(t).Data))
		require.Equal(t, "hi", string(b.next(t).Data))
		su.quiet(t)

		require.NoError(t, su.Send([]byte("/who")))
		require.Equal(t, "*** 2 associations on the chat socket", string(su.next(t).Data))
		for _, want := range []struct {
			id stack.AssocID
			u  *user
		}{{idA, a}, {idB, b}} {
			line := string(su.next(t).Data)
			require.Regexp(t, fmt.Sprintf(`^assoc %d %s\(active\) ESTABLISHED srtt=\d+\.\dms$`,
				want.id, want.u.Conn().LocalAddr()), line)
		}

		require.NoError(t, su.Send([]byte("/say be nice")))
		require.Equal(t, "*** said", string(su.next(t).Data))
		require.Equal(t, "*** superuser: be nice", string(a.next(t).Data))
		require.Equal(t, "*** superuser: be nice", string(b.next(t).Data))

		require.NoError(t, su.Send(fmt.Appendf(nil, "/kick %d", idB)))
		require.Equal(t, fmt.Sprintf("*** kicked %d", idB), string(su.next(t).Data))
		err := b.ended(t)
		require.ErrorIs(t, err, stack.ErrAborted)
		require.ErrorContains(t, err, KickReason, "the client learns why")
		require.Equal(t, []stack.AssocID{idA}, cn.pc.Associations())
		require.Regexp(t, fmt.Sprintf(`superuser \d+ kicked assoc %d`, idB), cn.log.String())

		require.NoError(t, su.Send([]byte("/kick 999")))
		require.Contains(t, string(su.next(t).Data), "cannot kick 999")
		require.NoError(t, su.Send([]byte("/bogus")))
		require.Contains(t, string(su.next(t).Data), "commands:")

		require.NoError(t, su.Send([]byte("/quit")))
		require.Equal(t, "*** bye", string(su.next(t).Data))
		require.ErrorIs(t, su.ended(t), io.EOF, "the server shuts the superuser down gracefully")

		// The rest of the chat goes on.
		require.NoError(t, a.Send([]byte("still here")))
		require.Equal(t, "still here", string(a.next(t).Data))
	})
}

// TestWrongPassword: a wrong password is answered to the sender only, is
// neither broadcast nor logged, and the last allowed failure aborts.
func TestWrongPassword(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cn := newChat(t, Config{Password: []byte(testPassword)}, 2)
		bad, other := cn.users[0], cn.users[1]
		for _, want := range []string{"2 tries left", "1 tries left"} {
			require.NoError(t, bad.Send([]byte("/su guess-"+want)))
			require.Contains(t, string(bad.next(t).Data), want)
			other.quiet(t)
		}
		require.NoError(t, bad.Send([]byte("/su "+testPassword+"x")))
		require.ErrorIs(t, bad.ended(t), stack.ErrAborted)
		other.quiet(t)
		logs := cn.log.String()
		require.NotContains(t, logs, "guess")
		require.NotContains(t, logs, testPassword)
		require.Contains(t, logs, "aborted after 3 wrong superuser passwords")
		require.Len(t, cn.pc.Associations(), 1)
	})
}

// TestSuDisabled: without a password /su is refused and not broadcast.
func TestSuDisabled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cn := newChat(t, Config{}, 2)
		require.NoError(t, cn.users[0].Send([]byte("/su anything")))
		require.Equal(t, "*** /su is disabled on this server", string(cn.users[0].next(t).Data))
		cn.users[1].quiet(t)
		// "/sudo" is no login attempt: an ordinary message.
		require.NoError(t, cn.users[0].Send([]byte("/sudo")))
		require.Equal(t, "/sudo", string(cn.users[1].next(t).Data))
	})
}

// TestOversizedMessage: a message over the limit is refused with a log
// line, the sender is told, and the association stays up; one at the limit
// passes.
func TestOversizedMessage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 4096
		cn := newChat(t, Config{MaxMessageSize: limit}, 2)
		u, other := cn.users[0], cn.users[1]
		require.NoError(t, u.Send(bytes.Repeat([]byte("x"), 3*limit)))
		require.Equal(t, fmt.Sprintf("*** message refused: larger than %d bytes", limit), string(u.next(t).Data))
		other.quiet(t)
		require.NoError(t, u.Send(bytes.Repeat([]byte("y"), limit+1)))
		require.Contains(t, string(u.next(t).Data), "refused")
		full := bytes.Repeat([]byte("z"), limit)
		require.NoError(t, u.Send(full))
		require.Equal(t, full, u.next(t).Data)
		require.Equal(t, full, other.next(t).Data)
		require.Regexp(t, `assoc \d+: refused a message larger than 4096 bytes`, cn.log.String())
		require.Len(t, cn.pc.Associations(), 2)
	})
}

// TestDefaultMaxMessageSize: the 64 KiB default holds: 64 KiB + 1 refused.
func TestDefaultMaxMessageSize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cn := newChat(t, Config{}, 1)
		u := cn.users[0]
		require.NoError(t, u.Send(make([]byte, DefaultMaxMessageSize+1)))
		require.Contains(t, string(u.next(t).Data), "larger than 65536 bytes")
		require.NoError(t, u.Send(make([]byte, DefaultMaxMessageSize)))
		require.Len(t, u.next(t).Data, DefaultMaxMessageSize)
	})
}

// TestClientVanishes: a client that disappears without SHUTDOWN is lost
// after heartbeat failure, logged, and the others keep chatting.
func TestClientVanishes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cn := newChat(t, Config{}, 3, stacktest.Protocol(assoc.Config{
			HeartbeatInterval: time.Second, PathMaxRetrans: 2, AssocMaxRetrans: 2,
			RTOMin: 100 * time.Millisecond, RTOInitial: 100 * time.Millisecond, RTOMax: 400 * time.Millisecond,
		}))
		gone := cn.users[2]
		idGone := cn.id(t, gone)
		server := netip.MustParseAddr("127.0.0.1")
		cn.net.Mem().Partition(server, gone.ip)
		// Virtual time: heartbeats every ~1s, three unanswered ones with
		// RTO at most 400ms end the association well within 10s.
		time.Sleep(10 * time.Second)
		synctest.Wait()
		require.Len(t, cn.pc.Associations(), 2)
		require.Contains(t, cn.log.String(), fmt.Sprintf("assoc %d lost", idGone))
		a, b := cn.users[0], cn.users[1]
		require.NoError(t, a.Send([]byte("anyone?")))
		require.Equal(t, "anyone?", string(a.next(t).Data))
		require.Equal(t, "anyone?", string(b.next(t).Data))
	})
}

// TestMaxAssociations: past the limit new associations are refused.
func TestMaxAssociations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cn := newChat(t, Config{MaxAssociations: 2}, 2)
		s, _ := cn.net.MustStack(t)
		_, err := Dial(context.Background(), s, "127.0.0.1:2013", ClientOptions{})
		require.Error(t, err)
		require.Len(t, cn.pc.Associations(), 2)
	})
}

// TestClientLeaves: a graceful client exit is logged as "left", and
// WaitSent returns once the server has everything.
func TestClientLeaves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cn := newChat(t, Config{}, 2)
		u := cn.users[0]
		id := cn.id(t, u)
		for i := range 20 {
			require.NoError(t, u.Send(fmt.Appendf(nil, "line %d", i)))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, u.WaitSent(ctx))
		for i := range 20 {
			require.Equal(t, fmt.Sprintf("line %d", i), string(cn.users[1].next(t).Data))
		}
		require.NoError(t, u.Shutdown())
		err := u.ended(t)
		require.True(t, err == nil || errors.Is(err, io.EOF), "got %v", err)
		synctest.Wait()
		require.Contains(t, cn.log.String(), fmt.Sprintf("assoc %d left", id))
		require.Len(t, cn.pc.Associations(), 1)
	})
}

// TestLoadPassword: file first line, environment, errors without the secret.
func TestLoadPassword(t *testing.T) {
	dir := t.TempDir()
	f := dir + "/pw"
	require.NoError(t, writeFile(f, "topsecret\nignored\n"))
	pw, err := LoadPassword(f)
	require.NoError(t, err)
	require.Equal(t, "topsecret", string(pw))

	require.NoError(t, writeFile(f, "\n"))
	_, err = LoadPassword(f)
	require.ErrorContains(t, err, "empty first line")
	_, err = LoadPassword(dir + "/missing")
	require.Error(t, err)

	t.Setenv(PasswordEnv, "fromenv")
	pw, err = LoadPassword("")
	require.NoError(t, err)
	require.Equal(t, "fromenv", string(pw))
}

func writeFile(name, s string) error { return os.WriteFile(name, []byte(s), 0o600) }

func TestSuAttempt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		pw   string
		isSu bool
	}{
		{"/su pw", "pw", true},
		{"/su pw\r\n", "pw", true},
		{"/su", "", true},
		{"/su  two", " two", true},
		{"/sudo", "", false},
		{"hello /su x", "", false},
	} {
		pw, ok := suAttempt([]byte(tc.in))
		require.Equal(t, tc.isSu, ok, tc.in)
		require.Equal(t, tc.pw, string(pw), tc.in)
	}
	require.False(t, strings.HasPrefix("x", suPrefix))
}
