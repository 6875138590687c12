package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// Cells of sctpperf against usrsctp's throughput tool tsctp (Debian
// libusrsctp-examples), both with UDP encapsulation on 127.0.0.1: the
// tsctp client sends to `sctpperf server`, and `sctpperf client` sends to
// the tsctp server. Each runs about a second and checks that both ends
// count the same bytes and messages. A third cell runs sctpperf against
// itself for the same time, so the log shows the three goodputs of one
// run side by side (a note, not an assertion: tsctp prints a debug line
// per event, which dominates its speed).
//
// tsctp's conventions, which sctpperf meets as it is: PPID 0 on stream 0
// (the sctpperf server discards anything but its echo PPID); the client's
// last message carries SCTP_EOF, so the association shuts down gracefully
// and the sctpperf server reports it with cause "shutdown"; the tsctp
// server prints its summary when a read returns 0, that is after the
// sctpperf client's SHUTDOWN.

const tsctpSeconds = 1

var perfBuild builtOnce

// sctpperfBinary builds cmd/sctpperf once per run.
func sctpperfBinary(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to build cmd/sctpperf: %v", err)
	}
	return perfBuild.get(t, "sctpperf", "go build cmd/sctpperf", 5*time.Minute, func(bin string) []string {
		return []string{goBin, "build", "-o", bin, "github.com/udpsctp/udpsctp/cmd/sctpperf"}
	})
}

// perfServer runs `sctpperf server` on 127.0.0.1 with ephemeral SCTP and
// UDP ports and returns it with those ports.
func perfServer(t *testing.T) (p *proc, sctpPort, udpPort string) {
	t.Helper()
	p = startProc(t, sctpperfBinary(t), "server", "-listen", "127.0.0.1:0", "-udp-port", "0")
	m := p.expect(`^listening on 127\.0\.0\.1:(\d+), UDP \[127\.0\.0\.1:(\d+)\]`)
	return p, m[1], m[2]
}

// perfServerSummary is the line `sctpperf server` prints when an
// association ends.
type perfServerSummary struct {
	bytes, msgs int64
	mbps        float64
	cause       string
}

func expectPerfSummary(t *testing.T, p *proc) perfServerSummary {
	t.Helper()
	m := p.expect(`^assoc \d+ \S+: (\d+) bytes (\d+) msgs in [\d.]+s: ([\d.]+) MB/s, \d+ msgs/s \((\w+)\)`)
	var s perfServerSummary
	s.bytes, _ = strconv.ParseInt(m[1], 10, 64)
	s.msgs, _ = strconv.ParseInt(m[2], 10, 64)
	s.mbps, _ = strconv.ParseFloat(m[3], 64)
	s.cause = m[4]
	return s
}

// perfClient runs `sctpperf client -json` for tsctpSeconds and returns
// its report.
func perfClient(t *testing.T, sctpPort, udpPort string, unordered bool) clientJSON {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	args := []string{"client", "-connect", "127.0.0.1:" + sctpPort, "-peer-udp-port", udpPort,
		"-l", "1200", "-t", strconv.Itoa(tsctpSeconds) + "s", "-json"}
	if unordered {
		args = append(args, "-unordered")
	}
	out, err := exec.CommandContext(ctx, sctpperfBinary(t), args...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("sctpperf client: %v %s", err, msg)
	}
	var r clientJSON
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("sctpperf client output %q: %v", out, err)
	}
	return r
}

type clientJSON struct {
	Bytes    int64   `json:"bytes"`
	Messages int64   `json:"messages"`
	MBps     float64 `json:"mbps"`
}

// watch returns a channel that gets the submatches of the first line of
// p's output matching re, or nil when p exits without printing one. The
// match is made as p's output is read, not from p.lines, which drops lines
// when a peer's debug flood outruns a loaded test (tsctp prints a line per
// event, and its summary comes last).
func watch(p *proc, re string) <-chan []string {
	w := &lineWatch{rx: regexp.MustCompile(re), ch: make(chan []string, 1)}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, line := range p.tail { // printed before we started watching
		if m := w.rx.FindStringSubmatch(line); m != nil {
			w.fired = true
			w.ch <- m
			return w.ch
		}
	}
	if p.exited {
		w.fired = true
		w.ch <- nil
		return w.ch
	}
	p.watchers = append(p.watchers, w)
	return w.ch
}

// lineWatch is one watch on a process's output.
type lineWatch struct {
	rx    *regexp.Regexp
	ch    chan []string
	fired bool
}

// matchWatchers feeds line to p's pending watches; p.mu is held.
func (p *proc) matchWatchers(line string) {
	for _, w := range p.watchers {
		if w.fired {
			continue
		}
		if m := w.rx.FindStringSubmatch(line); m != nil {
			w.fired = true
			w.ch <- m
		}
	}
}

func await(t *testing.T, p *proc, ch <-chan []string, what string) []string {
	t.Helper()
	select {
	case m := <-ch:
		if m == nil {
			t.Fatalf("%s exited without printing %s; its last output:\n%s", p.name, what, p.output())
		}
		return m
	case <-time.After(opTimeout):
		t.Fatalf("%s did not print %s within %v; its last output:\n%s", p.name, what, opTimeout, p.output())
		return nil
	}
}

// tsctpToPerf runs the tsctp client against `sctpperf server` and returns
// tsctp's goodput in MB/s.
func tsctpToPerf(t *testing.T, tsctp string, unordered bool) float64 {
	srv, sctpPort, udpPort := perfServer(t)
	args := []string{"-E", strconv.Itoa(freeUDPPort(t)), "-U", udpPort, "-L", "127.0.0.1",
		"-p", sctpPort, "-l", "1200", "-T", strconv.Itoa(tsctpSeconds)}
	if unordered {
		args = append(args, "-u")
	}
	// tsctp's stdout is not line buffered (its debug output would slow it
	// further); its summary comes at exit.
	cli := startProc(t, tsctp, append(args, "127.0.0.1")...)
	sent := await(t, cli, watch(cli, `^Sending of (\d+) messages of length (\d+) took ([\d.]+) seconds\.`), "its summary")
	got := expectPerfSummary(t, srv)
	msgs, _ := strconv.ParseInt(sent[1], 10, 64)
	size, _ := strconv.ParseInt(sent[2], 10, 64)
	secs, _ := strconv.ParseFloat(sent[3], 64)
	t.Logf("tsctp sent %d x %d bytes in %.2fs; sctpperf server got %d bytes, %d msgs (%s)", msgs, size, secs, got.bytes, got.msgs, got.cause)
	if msgs == 0 || got.bytes != msgs*size || got.msgs != msgs {
		t.Fatalf("tsctp sent %d messages of %d bytes, sctpperf server counted %d bytes in %d messages", msgs, size, got.bytes, got.msgs)
	}
	if got.cause != "shutdown" {
		t.Errorf("association ended by %q, want a graceful shutdown (tsctp's SCTP_EOF)", got.cause)
	}
	if secs <= 0 {
		return 0
	}
	return float64(msgs*size) / secs / 1e6
}

// perfToTsctp runs `sctpperf client` against the tsctp server and returns
// the client's goodput in MB/s.
func perfToTsctp(t *testing.T, unordered bool) float64 {
	var srv *proc
	udp := 0
	for attempt := 0; ; attempt++ {
		udp = freeUDPPort(t)
		// Line buffered, to see it bound before the client starts.
		srv, _ = startExample(t, "tsctp", "-E", strconv.Itoa(udp), "-L", "127.0.0.1", "-p", "5001")
		srv.expect(`Bind called port: 5001`)
		if udpPortTaken(udp) {
			break
		}
		srv.kill() // usrsctp_init carries on silently without its UDP port
		if attempt == 3 {
			t.Fatalf("tsctp could not bind UDP port %d; its output:\n%s", udp, srv.output())
		}
	}
	summary := watch(srv, `^(\d+), (\d+), (\d+), (\d+), ([\d.]+), ([\d.]+), (\d+)$`)
	r := perfClient(t, "5001", strconv.Itoa(udp), unordered)
	m := await(t, srv, summary, "its summary")
	msgs, _ := strconv.ParseInt(m[2], 10, 64)
	sum, _ := strconv.ParseInt(m[4], 10, 64)
	t.Logf("sctpperf client sent %d bytes, %d msgs (%.1f MB/s); tsctp server got %d bytes, %d msgs", r.Bytes, r.Messages, r.MBps, sum, msgs)
	if r.Bytes == 0 || sum != r.Bytes || msgs != r.Messages {
		t.Fatalf("sctpperf client sent %d bytes in %d messages, tsctp server counted %d bytes in %d messages", r.Bytes, r.Messages, sum, msgs)
	}
	return r.MBps
}

func TestTsctp(t *testing.T) {
	tsctp := usrsctpExample(t, "tsctp")
	var mbps [3]float64 // ordered: tsctp->sctpperf, sctpperf->tsctp, sctpperf->sctpperf
	for _, unordered := range []bool{false, true} {
		t.Run(fmt.Sprintf("tsctp_client_to_sctpperf_server/unordered=%v", unordered), func(t *testing.T) {
			if v := tsctpToPerf(t, tsctp, unordered); !unordered {
				mbps[0] = v
			}
		})
		t.Run(fmt.Sprintf("sctpperf_client_to_tsctp_server/unordered=%v", unordered), func(t *testing.T) {
			if v := perfToTsctp(t, unordered); !unordered {
				mbps[1] = v
			}
		})
	}
	// sctpperf against itself, for comparison.
	t.Run("sctpperf_to_sctpperf", func(t *testing.T) {
		srv, sctpPort, udpPort := perfServer(t)
		r := perfClient(t, sctpPort, udpPort, false)
		got := expectPerfSummary(t, srv)
		if r.Bytes == 0 || got.bytes != r.Bytes || got.msgs != r.Messages {
			t.Fatalf("sctpperf client sent %d bytes in %d messages, sctpperf server counted %d bytes in %d messages", r.Bytes, r.Messages, got.bytes, got.msgs)
		}
		mbps[2] = r.MBps
	})
	t.Logf("goodput, ordered 1200-byte messages for %ds: tsctp->sctpperf %.1f MB/s, sctpperf->tsctp %.1f MB/s, sctpperf->sctpperf %.1f MB/s",
		tsctpSeconds, mbps[0], mbps[1], mbps[2])
}
