package chat

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/stack"
)

// Interop: a chat client and a chat server written against usrsctp
// (testdata/*.c, built here with gcc) talk with ours over loopback UDP.
// Under CI=true they must run; elsewhere they skip when usrsctp or gcc is
// missing, naming the Debian package.

const interopWait = 10 * time.Second

func missing(t *testing.T, what, pkg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required under CI=true: install the Debian package %s", what, pkg)
	}
	t.Skipf("%s not available: install the Debian package %s (required under CI=true)", what, pkg)
}

// buildC compiles testdata/name.c against usrsctp into a temp dir.
func buildC(t *testing.T, name string) string {
	t.Helper()
	if _, err := os.Stat("/usr/include/usrsctp.h"); err != nil {
		missing(t, "usrsctp headers (/usr/include/usrsctp.h)", "libusrsctp-dev")
	}
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		missing(t, "gcc", "gcc")
	}
	bin := filepath.Join(t.TempDir(), name)
	out, err := exec.Command(gcc, "-O1", "-Wall", "-o", bin, filepath.Join("testdata", name+".c"),
		"-lusrsctp", "-lpthread").CombinedOutput()
	require.NoError(t, err, "gcc testdata/%s.c:\n%s", name, out)
	return bin
}

// cproc is a running C peer whose output lines are collected.
type cproc struct {
	cmd        *exec.Cmd
	stdin      io.WriteCloser
	out, errs  chan string
	exited     chan struct{}
	err        error
	mu         sync.Mutex
	transcript []string
}

func startC(t *testing.T, bin string, args ...string) *cproc {
	t.Helper()
	p := &cproc{cmd: exec.Command(bin, args...), out: make(chan string, 100), errs: make(chan string, 100), exited: make(chan struct{})}
	var err error
	p.stdin, err = p.cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := p.cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := p.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, p.cmd.Start())
	var wg sync.WaitGroup
	for _, pipe := range []struct {
		r  io.Reader
		ch chan string
	}{{stdout, p.out}, {stderr, p.errs}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(pipe.r)
			for sc.Scan() {
				p.mu.Lock()
				p.transcript = append(p.transcript, sc.Text())
				p.mu.Unlock()
				pipe.ch <- sc.Text()
			}
		}()
	}
	go func() {
		wg.Wait()
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			p.mu.Lock()
			t.Logf("%s output:\n%s", filepath.Base(bin), strings.Join(p.transcript, "\n"))
			p.mu.Unlock()
		}
	})
	return p
}

// expect waits for a line on ch matching re, skipping others.
func expectLine(t *testing.T, what string, ch chan string, re string) []string {
	t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(interopWait)
	for {
		select {
		case l := <-ch:
			if m := rx.FindStringSubmatch(l); m != nil {
				return m
			}
		case <-deadline:
			t.Fatalf("%s: no line matching %q within %v", what, re, interopWait)
		}
	}
}

// startUsrsctp starts a C peer on a free UDP port: usrsctp_init carries on
// silently when its port is taken, so the port is checked and the start
// retried.
func startUsrsctp(t *testing.T, bin string, ready func(*cproc), args ...string) (*cproc, int) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{})
		require.NoError(t, err)
		port := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		p := startC(t, bin, append([]string{"-E", strconv.Itoa(port)}, args...)...)
		ready(p)
		if c, err := net.ListenUDP("udp4", &net.UDPAddr{Port: port}); err != nil {
			return p, port // taken: by usrsctp
		} else {
			c.Close()
		}
		p.cmd.Process.Kill()
		require.Less(t, attempt, 3, "usrsctp could not bind a UDP port")
	}
}

// goUser is one of our chat clients, with its messages collected.
type goUser struct {
	c   *Client
	got chan Message
}

func newGoUser(t *testing.T, address string, peerUDP uint16, opts ClientOptions) *goUser {
	t.Helper()
	s, err := stack.New(stack.Config{Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	opts.PeerUDPPort = peerUDP
	ctx, cancel := context.WithTimeout(context.Background(), interopWait)
	defer cancel()
	c, err := Dial(ctx, s, address, opts)
	require.NoError(t, err)
	u := &goUser{c: c, got: make(chan Message, 100)}
	go func() {
		for {
			m, err := c.Recv()
			if err != nil {
				close(u.got)
				return
			}
			u.got <- m
		}
	}()
	return u
}

// expectMsgs waits until u has received every message of want (any order).
func (u *goUser) expectMsgs(t *testing.T, want ...string) []Message {
	t.Helper()
	left := map[string]bool{}
	for _, w := range want {
		left[w] = true
	}
	var got []Message
	deadline := time.After(interopWait)
	for len(left) > 0 {
		select {
		case m, ok := <-u.got:
			require.True(t, ok, "association ended; still waiting for %v", left)
			delete(left, string(m.Data))
			got = append(got, m)
		case <-deadline:
			t.Fatalf("still waiting for %v", left)
		}
	}
	return got
}

// TestInteropUsrsctpClientOurServer: a usrsctp chat client chats through
// our server with two of our clients; everyone gets every line.
func TestInteropUsrsctpClientOurServer(t *testing.T) {
	bin := buildC(t, "chatclient")
	s, err := stack.New(stack.Config{Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	require.NoError(t, err)
	defer s.Close()
	pc, err := s.ListenPacket("127.0.0.1:2013")
	require.NoError(t, err)
	logs := &syncBuf{}
	srv := NewServer(pc, Config{Logger: log.New(logs, "", 0)})
	go srv.Serve()
	defer srv.Close()
	udp := s.LocalAddrs()[0].Port()

	a := newGoUser(t, "127.0.0.1:2013", udp, ClientOptions{})
	b := newGoUser(t, "127.0.0.1:2013", udp, ClientOptions{Stream: 2, PPID: 51})
	cc, _ := startUsrsctp(t, bin, func(p *cproc) { expectLine(t, "usrsctp client", p.errs, `^READY port=\d+`) },
		"-U", strconv.Itoa(int(udp)), "-a", "127.0.0.1", "-r", "2013")
	expectLine(t, "usrsctp client", cc.errs, `^UP id=\d+`)

	_, err = io.WriteString(cc.stdin, "from usrsctp\n")
	require.NoError(t, err)
	require.NoError(t, a.c.Send([]byte("from go a")))
	require.NoError(t, b.c.Send([]byte("from go b")))
	all := []string{"from usrsctp", "from go a", "from go b"}
	for _, u := range []*goUser{a, b} {
		for _, m := range u.expectMsgs(t, all...) {
			if string(m.Data) == "from go b" {
				require.Equal(t, uint16(2), m.Stream)
				require.Equal(t, uint32(51), m.PPID)
			}
		}
	}
	seen := map[string]bool{}
	for len(seen) < len(all) {
		seen[expectLine(t, "usrsctp client stdout", cc.out, `^from (usrsctp|go a|go b)$`)[0]] = true
	}

	// stdin EOF: SCTP_EOF, a graceful SHUTDOWN, exit 0.
	require.NoError(t, cc.stdin.Close())
	expectLine(t, "usrsctp client", cc.errs, `^DONE$`)
	<-cc.exited
	require.NoError(t, cc.err)
	require.Eventually(t, func() bool { return len(pc.Associations()) == 2 }, interopWait, 10*time.Millisecond)
	require.Regexp(t, `assoc \d+ left`, logs.String())
}

// TestInteropOurClientUsrsctpServer: our clients chat through the
// article's server written against usrsctp, which relays with
// SCTP_SENDALL, alongside a usrsctp client.
func TestInteropOurClientUsrsctpServer(t *testing.T) {
	srvBin := buildC(t, "chatserver")
	cliBin := buildC(t, "chatclient")
	srv, udp := startUsrsctp(t, srvBin, func(p *cproc) { expectLine(t, "usrsctp server", p.out, `^READY port=2013$`) },
		"-p", "2013")

	a := newGoUser(t, "127.0.0.1:2013", uint16(udp), ClientOptions{Stream: 1, PPID: 51})
	b := newGoUser(t, "127.0.0.1:2013", uint16(udp), ClientOptions{})
	cc, _ := startUsrsctp(t, cliBin, func(p *cproc) { expectLine(t, "usrsctp client", p.errs, `^READY port=\d+`) },
		"-U", strconv.Itoa(udp), "-a", "127.0.0.1", "-r", "2013")
	expectLine(t, "usrsctp client", cc.errs, `^UP id=\d+`)
	for range 3 {
		expectLine(t, "usrsctp server", srv.errs, `^JOIN id=\d+`)
	}

	var all []string
	for i := range 5 {
		for _, u := range []*goUser{a, b} {
			msg := fmt.Sprintf("go %p line %d", u, i)
			require.NoError(t, u.c.Send([]byte(msg)))
			all = append(all, msg)
		}
		msg := fmt.Sprintf("usrsctp line %d", i)
		_, err := io.WriteString(cc.stdin, msg+"\n")
		require.NoError(t, err)
		all = append(all, msg)
	}
	for _, u := range []*goUser{a, b} {
		for _, m := range u.expectMsgs(t, all...) {
			if strings.HasPrefix(string(m.Data), fmt.Sprintf("go %p ", a)) {
				require.Equal(t, uint16(1), m.Stream, "SENDALL keeps the stream")
				require.Equal(t, uint32(51), m.PPID, "SENDALL keeps the PPID")
			}
		}
	}
	seen := map[string]bool{}
	for len(seen) < len(all) {
		seen[expectLine(t, "usrsctp client stdout", cc.out, `^(go|usrsctp) .*line \d$`)[0]] = true
	}

	require.NoError(t, cc.stdin.Close())
	expectLine(t, "usrsctp client", cc.errs, `^DONE$`)
	<-cc.exited
	require.NoError(t, cc.err)
	for _, u := range []*goUser{a, b} {
		ctx, cancel := context.WithTimeout(context.Background(), interopWait)
		require.NoError(t, u.c.WaitSent(ctx))
		cancel()
		require.NoError(t, u.c.Close())
	}
}
