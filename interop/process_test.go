package interop

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// proc is a peer program whose stdout the test reads line by line. Lines
// that no expect call asks for (usrsctp's debug output) are discarded but
// the last ones are kept as evidence for failure messages.
type proc struct {
	t     *testing.T
	name  string
	cmd   *exec.Cmd
	lines chan string
	done  chan struct{} // closed when the process has exited

	mu       sync.Mutex
	tail     []string
	watchers []*lineWatch // see watch
	exited   bool
}

// startProc runs path with args until the test ends.
func startProc(t *testing.T, path string, args ...string) *proc {
	t.Helper()
	p, _ := startProcStdin(t, path, args...)
	return p
}

// startProcStdin is startProc with a pipe to the process's stdin.
func startProcStdin(t *testing.T, path string, args ...string) (*proc, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(path, args...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	p := &proc{t: t, name: filepath.Base(path), cmd: cmd, lines: make(chan string, 4096), done: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.tail = append(p.tail, line)
			if len(p.tail) > 40 {
				p.tail = p.tail[len(p.tail)-40:]
			}
			p.matchWatchers(line)
			p.mu.Unlock()
			select {
			case p.lines <- line:
			default: // nobody reads debug floods; keep going
			}
		}
		cmd.Wait()
		p.mu.Lock()
		p.exited = true
		for _, w := range p.watchers {
			if !w.fired {
				w.fired = true
				w.ch <- nil
			}
		}
		p.mu.Unlock()
		close(p.done)
	}()
	t.Cleanup(p.kill)
	return p, in
}

// kill ends the process (it is ours, by its own handle) and waits for it.
func (p *proc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.done
}

// output returns the last lines the process printed.
func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, "\n")
}

// expect waits for a line matching re and returns its submatches.
func (p *proc) expect(re string) []string {
	p.t.Helper()
	m, err := p.tryExpect(re, opTimeout)
	if err != nil {
		p.t.Fatal(err)
	}
	return m
}

func (p *proc) tryExpect(re string, timeout time.Duration) ([]string, error) {
	rx := regexp.MustCompile(re)
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case line := <-p.lines:
			if m := rx.FindStringSubmatch(line); m != nil {
				return m, nil
			}
		case <-p.done:
			// Drain what it printed before exiting.
			for {
				select {
				case line := <-p.lines:
					if m := rx.FindStringSubmatch(line); m != nil {
						return m, nil
					}
				default:
					return nil, fmt.Errorf("%s exited before printing /%s/; its last output:\n%s", p.name, re, p.output())
				}
			}
		case <-timer.C:
			return nil, fmt.Errorf("%s did not print /%s/ within %v; its last output:\n%s", p.name, re, timeout, p.output())
		}
	}
}

// freeUDPPort returns a UDP port free on the wildcard address, as usrsctp
// binds its encapsulation socket there.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// udpPortTaken reports whether something now holds the UDP port: usrsctp
// carries on silently when its port is taken, so the tests check it got it.
func udpPortTaken(port int) bool {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{Port: port})
	if err != nil {
		return true
	}
	c.Close()
	return false
}

// builtOnce is a program the tests build once per run into traceDir.
type builtOnce struct {
	once sync.Once
	bin  string
	err  error
}

// get builds the program on the first call, running the command that
// argv returns for the output path (what names a failure), and returns its
// path; a failed build fails every caller.
func (b *builtOnce) get(t *testing.T, name, what string, timeout time.Duration, argv func(bin string) []string) string {
	t.Helper()
	b.once.Do(func() {
		bin := filepath.Join(traceDir, name)
		cmd := argv(bin)
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if out, err := exec.CommandContext(ctx, cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
			b.err = fmt.Errorf("%s: %v\n%s", what, err, out)
			return
		}
		b.bin = bin
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.bin
}

var peerBuild builtOnce

// usrsctpPeer builds testdata/peer.c against libusrsctp once per run.
func usrsctpPeer(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/include/usrsctp.h"); err != nil {
		missing(t, "usrsctp headers (/usr/include/usrsctp.h)", "libusrsctp-dev")
	}
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		missing(t, "gcc", "gcc")
	}
	src, err := filepath.Abs("testdata/peer.c")
	if err != nil {
		t.Fatal(err)
	}
	return peerBuild.get(t, "usrsctp-peer", "gcc testdata/peer.c", 2*time.Minute, func(bin string) []string {
		return []string{gcc, "-O1", "-Wall", "-o", bin, src, "-lusrsctp"}
	})
}

// usrsctpExample returns the path of a Debian usrsctp example program.
func usrsctpExample(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join("/usr/lib/usrsctp", name)
	if _, err := os.Stat(path); err != nil {
		missing(t, "usrsctp example program "+path, "libusrsctp-examples")
	}
	return path
}
