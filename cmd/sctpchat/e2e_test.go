package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// End-to-end tests: they build the real binary and drive servers and
// clients as processes over loopback UDP on ephemeral ports. Every wait
// has a deadline; nothing sleeps.

const (
	e2eWait    = 15 * time.Second // bound on any one expected event
	e2ePass    = "e2e-superuser-password"
	binaryName = "sctpchat"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/sctpchat once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sctpchat-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, binaryName)
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// lines collects a pipe's lines and lets a test wait for one that matches.
type lines struct {
	mu   sync.Mutex
	all  []string
	more chan struct{} // closed and replaced on every new line
	done bool
	eof  chan struct{} // closed when the pipe is drained
}

func newLines(r io.Reader) *lines {
	l := &lines{more: make(chan struct{}), eof: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 1<<16), 1<<20)
		for sc.Scan() {
			l.mu.Lock()
			l.all = append(l.all, sc.Text())
			close(l.more)
			l.more = make(chan struct{})
			l.mu.Unlock()
		}
		l.mu.Lock()
		l.done = true
		close(l.more)
		l.mu.Unlock()
		close(l.eof)
	}()
	return l
}

func (l *lines) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.all...)
}

// waitFor waits until some line from index from on matches re and returns
// its submatches and the index after it.
func (l *lines) waitFor(t *testing.T, what string, from int, re *regexp.Regexp) ([]string, int) {
	t.Helper()
	deadline := time.NewTimer(e2eWait)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		for i := from; i < len(l.all); i++ {
			if m := re.FindStringSubmatch(l.all[i]); m != nil {
				l.mu.Unlock()
				return m, i + 1
			}
		}
		more, done := l.more, l.done
		l.mu.Unlock()
		if done {
			t.Fatalf("%s: %q never came, output ended:\n%s", what, re, strings.Join(l.snapshot(), "\n"))
		}
		select {
		case <-more:
		case <-deadline.C:
			t.Fatalf("%s: %q not seen within %v; got:\n%s", what, re, e2eWait, strings.Join(l.snapshot(), "\n"))
		}
	}
}

// proc is a running sctpchat process.
type proc struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *lines
	stderr *lines
	exited chan struct{}
	err    error
}

func start(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	p := &proc{name: name, cmd: cmd, exited: make(chan struct{})}
	var err error
	p.stdin, err = cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	errPipe, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p.stdout, p.stderr = newLines(out), newLines(errPipe)
	go func() {
		// Wait closes the pipes: only after they are drained.
		<-p.stdout.eof
		<-p.stderr.eof
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("%s stderr:\n%s", name, strings.Join(p.stderr.snapshot(), "\n"))
		}
	})
	return p
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(e2eWait):
		t.Fatalf("%s still running after %v", p.name, e2eWait)
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	require.NoError(t, p.err)
	return 0
}

func (p *proc) send(t *testing.T, line string) {
	t.Helper()
	_, err := io.WriteString(p.stdin, line+"\n")
	require.NoError(t, err, "%s stdin", p.name)
}

var (
	listenRE    = regexp.MustCompile(`listening on SCTP (\S+), UDP 127\.0\.0\.1:(\d+)`)
	connectedRE = regexp.MustCompile(`connected to \S+ \(UDP port \d+\) from (127\.0\.0\.1:\d+)`)
)

// server starts a server on ephemeral UDP and returns it with its UDP port.
func server(t *testing.T, extra ...string) (*proc, string) {
	t.Helper()
	pw := filepath.Join(t.TempDir(), "pw")
	require.NoError(t, os.WriteFile(pw, []byte(e2ePass+"\n"), 0o600))
	args := append([]string{"server", "-udp-port", "0", "-su-password-file", pw}, extra...)
	p := start(t, "server", nil, args...)
	m, _ := p.stderr.waitFor(t, "server start", 0, listenRE)
	return p, m[2]
}

// client starts a client and returns it with its SCTP address as the
// server sees it.
func client(t *testing.T, name, udpPort string, extra ...string) (*proc, string) {
	t.Helper()
	args := append([]string{"client", "-peer-udp-port", udpPort, "-connect-timeout", "5s"}, extra...)
	p := start(t, name, nil, args...)
	m, _ := p.stderr.waitFor(t, name+" connect", 0, connectedRE)
	return p, m[1]
}

// TestE2EThreeClients: every line of every client reaches all three,
// exactly, and each exits 0 after stdin ends.
func TestE2EThreeClients(t *testing.T) {
	_, port := server(t)
	names := []string{"ann", "ben", "cat"}
	var cs []*proc
	for _, n := range names {
		c, _ := client(t, n, port, "-nick", n)
		cs = append(cs, c)
	}
	for i, c := range cs {
		c.send(t, fmt.Sprintf("line %d with  spaces\tand tab", i))
	}
	for _, c := range cs {
		for i, n := range names {
			c.stdout.waitFor(t, c.name, 0, regexp.MustCompile("^"+regexp.QuoteMeta(fmt.Sprintf("%s: line %d with  spaces\tand tab", n, i))+"$"))
		}
	}
	for _, c := range cs {
		require.NoError(t, c.stdin.Close())
	}
	for _, c := range cs {
		require.Equal(t, 0, c.wait(t), c.name)
		require.Len(t, c.stdout.snapshot(), 3, "%s: stdout holds only the messages", c.name)
	}
}

// TestE2EWaitAfterEOF: a client whose stdin is empty from the start still
// prints what arrives during -wait, then exits 0.
func TestE2EWaitAfterEOF(t *testing.T) {
	_, port := server(t)
	talker, _ := client(t, "talker", port)
	listener, _ := client(t, "listener", port, "-wait", "3s")
	require.NoError(t, listener.stdin.Close())
	talker.send(t, "hello listener")
	listener.stdout.waitFor(t, "listener", 0, regexp.MustCompile(`^hello listener$`))
	require.Equal(t, 0, listener.wait(t))
	require.NoError(t, talker.stdin.Close())
	require.Equal(t, 0, talker.wait(t))
}

var whoRE = regexp.MustCompile(`^assoc (\d+) (127\.0\.0\.1:\d+)\(\w+\) (\S+) srtt=`)

// who runs /who on the superuser client and returns peer address -> id.
func who(t *testing.T, su *proc, from int) (map[string]string, int) {
	t.Helper()
	su.send(t, "/who")
	m, next := su.stdout.waitFor(t, "/who header", from, regexp.MustCompile(`^\*\*\* (\d+) associations on the chat socket$`))
	var n int
	fmt.Sscan(m[1], &n)
	got := map[string]string{}
	for range n {
		var mm []string
		mm, next = su.stdout.waitFor(t, "/who line", next, whoRE)
		got[mm[2]] = mm[1]
	}
	return got, next
}

// TestE2ESuperuserKick: /su peels the association off, /who lists the
// other users with the ids the server uses, /kick ends one which exits
// non-zero, the rest keeps chatting, and a wrong password stays private.
func TestE2ESuperuserKick(t *testing.T) {
	srv, port := server(t)
	a, addrA := client(t, "a", port)
	b, addrB := client(t, "b", port)
	su, addrSu := client(t, "su", port)

	a.send(t, "/su wrong-password")
	a.stdout.waitFor(t, "a", 0, regexp.MustCompile(`^\*\*\* wrong password \(2 tries left\)$`))

	su.send(t, "/su "+e2ePass)
	_, next := su.stdout.waitFor(t, "su", 0, regexp.MustCompile(`^\*\*\* you are superuser`))
	srv.stderr.waitFor(t, "server", 0, regexp.MustCompile(`assoc (\d+) is superuser, peeled off`))

	ids, next := who(t, su, next)
	require.Len(t, ids, 2, "the superuser is no longer on the chat socket")
	require.Contains(t, ids, addrA)
	require.Contains(t, ids, addrB)
	require.NotContains(t, ids, addrSu)
	// The ids are the server's: its join log names the same ones.
	for addr, id := range ids {
		srv.stderr.waitFor(t, "join log", 0, regexp.MustCompile(`assoc `+id+` joined from `+regexp.QuoteMeta(addr)+`$`))
	}

	su.send(t, "/kick "+ids[addrB])
	su.stdout.waitFor(t, "kick", next, regexp.MustCompile(`^\*\*\* kicked `+ids[addrB]+`$`))
	require.Equal(t, exitLost, b.wait(t), "a kicked client exits non-zero")
	b.stderr.waitFor(t, "b", 0, regexp.MustCompile(`association lost`))

	a.send(t, "still chatting")
	a.stdout.waitFor(t, "a", 0, regexp.MustCompile(`^still chatting$`))
	for _, l := range append(a.stdout.snapshot(), su.stdout.snapshot()...) {
		require.NotContains(t, l, "wrong-password")
	}
	for _, l := range srv.stderr.snapshot() {
		require.NotContains(t, l, e2ePass)
		require.NotContains(t, l, "wrong-password")
	}
	require.NotContains(t, su.stdout.snapshot(), "still chatting", "the superuser gets no broadcasts")

	su.send(t, "/quit")
	require.NoError(t, su.stdin.Close())
	require.Equal(t, 0, su.wait(t))
	require.NoError(t, a.stdin.Close())
	require.Equal(t, 0, a.wait(t))
}

// TestE2EKilledClient: a client killed with SIGKILL (no SHUTDOWN) drops
// out of /who after heartbeat failure while the others keep chatting.
func TestE2EKilledClient(t *testing.T) {
	srv, port := server(t, "-hb-interval", "200ms", "-max-retrans", "2", "-rto-max", "200ms")
	a, _ := client(t, "a", port)
	b, _ := client(t, "b", port)
	victim, addrV := client(t, "victim", port)
	su, _ := client(t, "su", port)
	su.send(t, "/su "+e2ePass)
	_, next := su.stdout.waitFor(t, "su", 0, regexp.MustCompile(`^\*\*\* you are superuser`))
	ids, next := who(t, su, next)
	idV := ids[addrV]
	require.NotEmpty(t, idV)

	require.NoError(t, victim.cmd.Process.Signal(syscall.SIGKILL))
	victim.wait(t)
	srv.stderr.waitFor(t, "server", 0, regexp.MustCompile(`assoc `+idV+` lost`))
	ids, _ = who(t, su, next)
	require.NotContains(t, ids, addrV)
	require.Len(t, ids, 2)

	a.send(t, "after the crash")
	b.stdout.waitFor(t, "b", 0, regexp.MustCompile(`^after the crash$`))
	a.stdout.waitFor(t, "a", 0, regexp.MustCompile(`^after the crash$`))
}

// TestE2ENoServer: a client that cannot set up its association exits
// non-zero.
func TestE2ENoServer(t *testing.T) {
	// An ephemeral UDP port nobody listens on: our own server's, after it
	// has exited.
	srv, port := server(t)
	require.NoError(t, srv.cmd.Process.Signal(syscall.SIGTERM))
	require.Equal(t, 0, srv.wait(t))
	p := start(t, "client", nil, "client", "-peer-udp-port", port, "-connect-timeout", "1s")
	require.Equal(t, exitLost, p.wait(t))
	require.Empty(t, p.stdout.snapshot())
}

// TestE2EDemo: the README's command exits 0 within 10 seconds and tells
// the whole story.
func TestE2EDemo(t *testing.T) {
	p := start(t, "demo", nil, "demo")
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("demo still running after 10s")
	}
	require.NoError(t, p.err)
	out := strings.Join(p.stdout.snapshot(), "\n")
	for _, want := range []string{"SENDALL", "id 1", "peeled off", "/who", "/kick", "kicked", "== done"} {
		require.Contains(t, out, want)
	}
}

// TestUsage: bad invocations exit 2 without touching the network.
func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"bogus"}, {"client", "-connect", "not-an-address"}, {"server", "-udp-port", "70000"}, {"demo", "x"}} {
		var out, errOut strings.Builder
		require.Equal(t, exitUsage, run(args, strings.NewReader(""), &out, &errOut), "%q", args)
		require.Empty(t, out.String())
	}
	var out, errOut strings.Builder
	require.Equal(t, exitOK, run([]string{"client", "-h"}, strings.NewReader(""), &out, &errOut))
	require.Contains(t, errOut.String(), "-nick")
	require.NotContains(t, errOut.String(), "hb-interval", "tuning flags stay hidden")
}
