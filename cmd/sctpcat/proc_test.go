package main

import (
	"errors"
	"fmt"
	"io"
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
)

// Process helpers of the end-to-end tests: the real binary, driven over
// loopback UDP on ephemeral ports. Every wait has a deadline; nothing
// sleeps.

const waitLimit = 15 * time.Second // bound on any one expected event

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// sctpcatBinary builds cmd/sctpcat once per test run.
func sctpcatBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "sctpcat-test")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "sctpcat")
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

// stream collects everything a pipe carries and lets a test wait for it.
type stream struct {
	mu   sync.Mutex
	buf  []byte
	more chan struct{} // closed and replaced on every read
	done bool
}

func newStream(r io.Reader) *stream {
	s := &stream{more: make(chan struct{})}
	go func() {
		b := make([]byte, 32<<10)
		for {
			n, err := r.Read(b)
			s.mu.Lock()
			s.buf = append(s.buf, b[:n]...)
			if err != nil {
				s.done = true
			}
			close(s.more)
			s.more = make(chan struct{})
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return s
}

func (s *stream) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.buf)
}

// waitFor waits until ok accepts what the stream carried so far.
func (s *stream) waitFor(t *testing.T, what string, ok func(string) bool) string {
	t.Helper()
	deadline := time.NewTimer(waitLimit)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, more, done := string(s.buf), s.more, s.done
		s.mu.Unlock()
		if ok(got) {
			return got
		}
		if done {
			t.Fatalf("%s: never came, output ended:\n%s", what, got)
		}
		select {
		case <-more:
		case <-deadline.C:
			t.Fatalf("%s: not seen within %v; got:\n%s", what, waitLimit, got)
		}
	}
}

// waitMatch waits for re and returns its submatches.
func (s *stream) waitMatch(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	got := s.waitFor(t, re.String(), re.MatchString)
	return re.FindStringSubmatch(got)
}

// waitLines waits until the stream holds every one of lines (as whole
// lines, in any order).
func (s *stream) waitLines(t *testing.T, lines ...string) {
	t.Helper()
	s.waitFor(t, fmt.Sprintf("lines %q", lines), func(got string) bool {
		have := strings.Split(got, "\n")
		for _, l := range lines {
			found := false
			for _, h := range have {
				if h == l {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	})
}

// proc is a running sctpcat.
type proc struct {
	name   string
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *stream
	stderr *stream
	exited chan struct{}
	code   int
}

func start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	return startEnv(t, name, nil, args...)
}

func startEnv(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(sctpcatBinary(t), args...)
	cmd.Env = append(os.Environ(), env...)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	p := &proc{name: name, cmd: cmd, stdin: stdin, exited: make(chan struct{}), code: -1}
	p.stdout, p.stderr = newStream(stdout), newStream(stderr)
	require.NoError(t, cmd.Start())
	go func() {
		// Wait only after the pipes are drained: the streams read them.
		for _, s := range []*stream{p.stdout, p.stderr} {
			s.waitDone()
		}
		err := cmd.Wait()
		var ee *exec.ExitError
		switch {
		case err == nil:
			p.code = 0
		case errors.As(err, &ee):
			p.code = ee.ExitCode()
		}
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
			t.Logf("%s stderr:\n%s", name, p.stderr)
		}
	})
	return p
}

// waitDone blocks until the pipe is closed (the process ended or closed it).
func (s *stream) waitDone() {
	for {
		s.mu.Lock()
		more, done := s.more, s.done
		s.mu.Unlock()
		if done {
			return
		}
		<-more
	}
}

// send writes lines to the process's stdin.
func (p *proc) send(t *testing.T, lines ...string) {
	t.Helper()
	_, err := io.WriteString(p.stdin, strings.Join(lines, "\n")+"\n")
	require.NoError(t, err)
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.code
	case <-time.After(waitLimit):
		t.Fatalf("%s did not exit within %v; stderr:\n%s", p.name, waitLimit, p.stderr)
		return -1
	}
}

var listeningRE = regexp.MustCompile(`listening on SCTP (\S+):(\d+) \(UDP [^ )]+:(\d+)`)

// listener starts sctpcat -l on addr (ephemeral UDP port; "" for
// 127.0.0.1 and an ephemeral SCTP port) and returns it with its SCTP and
// UDP ports.
func listener(t *testing.T, name, addr string, args ...string) (p *proc, sctpPort, udpPort string) {
	t.Helper()
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	args = append(append([]string{"-l", "-udp-port", "0"}, args...), addr)
	p = start(t, name, args...)
	m := p.stderr.waitMatch(t, listeningRE)
	return p, m[2], m[3]
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}
