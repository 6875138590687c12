package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/udpsctp/udpsctp/stack"
)

// goPeer is a Stack in the test process on 127.0.0.1 and an ephemeral UDP
// port, to check what sctpcat puts on the wire (stream, PPID, flags).
func goPeer(t *testing.T) (*stack.Stack, uint16) {
	t.Helper()
	s, err := stack.New(stack.Config{Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s, s.LocalAddrs()[0].Port()
}

// goListener listens on the Go peer and returns the sctpcat arguments
// that dial it.
func goListener(t *testing.T) (*stack.Listener, []string) {
	t.Helper()
	s, udp := goPeer(t)
	ln, err := s.Listen("127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*stack.Addr).Port
	return ln, []string{"-peer-udp-port", strconv.Itoa(int(udp)), "127.0.0.1:" + strconv.Itoa(int(port))}
}

func accept(t *testing.T, ln *stack.Listener) *stack.Conn {
	t.Helper()
	type res struct {
		c   *stack.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.AcceptSCTP()
		ch <- res{c, err}
	}()
	select {
	case r := <-ch:
		require.NoError(t, r.err)
		return r.c
	case <-time.After(waitLimit):
		ln.Close()
		t.Fatalf("no association within %v", waitLimit)
		return nil
	}
}

// recvMsg reads one whole message (notifications skipped) with a deadline.
func recvMsg(t *testing.T, c *stack.Conn) (string, stack.RcvInfo, error) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(waitLimit)))
	buf := make([]byte, 1<<16)
	for {
		n, info, err := c.RecvMsg(buf)
		if err != nil || info.Flags&stack.FlagNotification == 0 {
			return string(buf[:n]), info, err
		}
	}
}

func args(a []string, more ...string) []string { return append(append([]string{}, more...), a...) }

func TestLinesBothWays(t *testing.T) {
	l, port, udp := listener(t, "listener", "")
	d := start(t, "dialer", "-peer-udp-port", udp, "127.0.0.1:"+port)
	d.send(t, "hello", "", "from the dialer\r")
	l.stdout.waitLines(t, "hello", "from the dialer")
	l.send(t, "and back")
	d.stdout.waitLines(t, "and back")
	require.NoError(t, d.stdin.Close())
	require.Equal(t, exitOK, d.wait(t), "dialer")
	require.Equal(t, exitOK, l.wait(t), "listener")
	require.Equal(t, "hello\nfrom the dialer\n", l.stdout.String())
	require.Equal(t, "and back\n", d.stdout.String())
}

func TestDialerStreamPPID(t *testing.T) {
	ln, dial := goListener(t)
	d := start(t, "dialer", args(dial, "-v", "-stream", "3", "-ppid", "42", "-unordered")...)
	c := accept(t, ln)
	d.send(t, "one")
	msg, info, err := recvMsg(t, c)
	require.NoError(t, err)
	require.Equal(t, "one", msg)
	require.Equal(t, uint16(3), info.Stream)
	require.Equal(t, uint32(42), info.PPID)
	require.NotZero(t, info.Flags&stack.FlagUnordered, "unordered")
	require.NotZero(t, info.Flags&stack.FlagEOR, "whole message")

	_, err = c.SendMsg([]byte("reply"), stack.SndInfo{Stream: 5, PPID: 7})
	require.NoError(t, err)
	d.stdout.waitLines(t, "reply")
	d.stderr.waitMatch(t, regexp.MustCompile(`message stream 5 ppid 7 ordered, 5 bytes`))

	// The peer ends the association: sctpcat follows, gracefully.
	require.NoError(t, c.Shutdown())
	_, _, err = recvMsg(t, c)
	require.ErrorIs(t, err, io.EOF)
	require.Equal(t, exitOK, d.wait(t))
}

func TestListenerStreamPPID(t *testing.T) {
	l, port, udp := listener(t, "listener", "", "-stream", "2", "-ppid", "99")
	s, _ := goPeer(t)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	c, err := s.Dial(ctx, "127.0.0.1:"+port, stack.DialOptions{PeerUDPPort: uint16(atoi(t, udp))})
	require.NoError(t, err)
	_, err = c.SendMsg([]byte("to the listener"), stack.SndInfo{Stream: 1, PPID: 5})
	require.NoError(t, err)
	l.stdout.waitLines(t, "to the listener")

	l.send(t, "to go")
	msg, info, err := recvMsg(t, c)
	require.NoError(t, err)
	require.Equal(t, "to go", msg)
	require.Equal(t, uint16(2), info.Stream)
	require.Equal(t, uint32(99), info.PPID)
	require.Zero(t, info.Flags&stack.FlagUnordered, "ordered")

	// stdin EOF (with -wait 0) shuts the association down.
	require.NoError(t, l.stdin.Close())
	_, _, err = recvMsg(t, c)
	require.ErrorIs(t, err, io.EOF)
	require.Equal(t, exitOK, l.wait(t))
}

func TestOneToManyTwoDialers(t *testing.T) {
	l, port, udp := listener(t, "listener", "", "-m", "-v")
	peer := "127.0.0.1:" + port
	// Two peers need two transport addresses: different loopback IPs.
	d1 := start(t, "dialer1", "-wait", "-1s", "-peer-udp-port", udp, "-local", "127.0.0.1", peer)
	d2 := start(t, "dialer2", "-wait", "-1s", "-peer-udp-port", udp, "-local", "127.0.0.2", peer)
	d1.send(t, "from one")
	d2.send(t, "from two")
	l.stdout.waitLines(t, "from one", "from two")
	idRE := regexp.MustCompile(`assoc (\d+) from 127\.0\.0\.2:\d+: message stream 0 ppid 0 ordered, 8 bytes`)
	l.stderr.waitMatch(t, idRE)

	// A listener's line goes to every association (SENDALL).
	l.send(t, "to all")
	d1.stdout.waitLines(t, "to all")
	d2.stdout.waitLines(t, "to all")

	// stdin EOF shuts every association down; the dialers end with it.
	require.NoError(t, l.stdin.Close())
	require.Equal(t, exitOK, l.wait(t), "listener")
	require.Equal(t, exitOK, d1.wait(t), "dialer1")
	require.Equal(t, exitOK, d2.wait(t), "dialer2")
	require.Equal(t, "to all\n", d1.stdout.String())
	require.Equal(t, "to all\n", d2.stdout.String())
}

func TestRaw(t *testing.T) {
	l, port, udp := listener(t, "listener", "", "-raw")
	d := start(t, "dialer", "-raw", "-size", "7", "-peer-udp-port", udp, "127.0.0.1:"+port)
	data := []byte("no\nframing\x00here, and no newline at the end")
	_, err := d.stdin.Write(data)
	require.NoError(t, err)
	require.NoError(t, d.stdin.Close())
	require.Equal(t, exitOK, d.wait(t), "dialer")
	require.Equal(t, exitOK, l.wait(t), "listener")
	require.Equal(t, string(data), l.stdout.String())
}

func TestRawMessageSize(t *testing.T) {
	ln, dial := goListener(t)
	d := start(t, "dialer", args(dial, "-raw", "-size", "4")...)
	c := accept(t, ln)
	_, err := d.stdin.Write([]byte("abcdefghij"))
	require.NoError(t, err)
	var got []string
	for n := 0; n < 10; {
		msg, _, err := recvMsg(t, c)
		require.NoError(t, err)
		require.LessOrEqual(t, len(msg), 4, "one read of at most -size bytes per message")
		got = append(got, msg)
		n += len(msg)
	}
	require.Equal(t, "abcdefghij", joined(got))
	require.NoError(t, d.stdin.Close())
	_, _, err = recvMsg(t, c)
	require.ErrorIs(t, err, io.EOF)
	require.Equal(t, exitOK, d.wait(t))
}

func joined(s []string) string {
	var b bytes.Buffer
	for _, x := range s {
		b.WriteString(x)
	}
	return b.String()
}

func TestWaitAfterEOF(t *testing.T) {
	t.Run("keeps receiving", func(t *testing.T) {
		ln, dial := goListener(t)
		d := start(t, "dialer", args(dial, "-wait", "1m")...)
		require.NoError(t, d.stdin.Close())
		c := accept(t, ln)
		_, err := c.Write([]byte("after your EOF"))
		require.NoError(t, err)
		d.stdout.waitLines(t, "after your EOF")
		require.NoError(t, c.Shutdown())
		require.Equal(t, exitOK, d.wait(t))
	})
	t.Run("then shuts down", func(t *testing.T) {
		ln, dial := goListener(t)
		d := start(t, "dialer", args(dial, "-wait", "50ms")...)
		c := accept(t, ln)
		d.send(t, "last words")
		require.NoError(t, d.stdin.Close())
		msg, _, err := recvMsg(t, c)
		require.NoError(t, err)
		require.Equal(t, "last words", msg)
		_, _, err = recvMsg(t, c)
		require.ErrorIs(t, err, io.EOF, "a graceful shutdown after -wait")
		require.Equal(t, exitOK, d.wait(t))
	})
}

func TestKeepAcceptingUntilSignal(t *testing.T) {
	l, port, udp := listener(t, "listener", "", "-k")
	for _, line := range []string{"first", "second"} {
		d := start(t, "dialer "+line, "-peer-udp-port", udp, "127.0.0.1:"+port)
		d.send(t, line)
		l.stdout.waitLines(t, line)
		require.NoError(t, d.stdin.Close())
		require.Equal(t, exitOK, d.wait(t))
	}
	require.NoError(t, l.cmd.Process.Signal(syscall.SIGTERM))
	require.Equal(t, exitOK, l.wait(t))
	require.Equal(t, "first\nsecond\n", l.stdout.String())
}

func TestMultiHomed(t *testing.T) {
	l, port, udp := listener(t, "listener", "127.0.0.3,127.0.0.4:0")
	d := start(t, "dialer", "-v", "-local", "127.0.0.1,127.0.0.2", "-peer-udp-port", udp, "127.0.0.3,127.0.0.4:"+port)
	d.stderr.waitMatch(t, regexp.MustCompile(
		`local \[127\.0\.0\.1:(\d+) 127\.0\.0\.2:(\d+)\], peer \[127\.0\.0\.3:`+port+` 127\.0\.0\.4:`+port+`\]`))
	d.send(t, "multi-homed")
	l.stdout.waitLines(t, "multi-homed")
	require.NoError(t, d.stdin.Close())
	require.Equal(t, exitOK, d.wait(t))
	require.Equal(t, exitOK, l.wait(t))
}

func TestDialFailures(t *testing.T) {
	t.Run("nobody at the UDP port", func(t *testing.T) {
		// A port just released: nothing answers the INIT.
		uc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		require.NoError(t, err)
		free := uc.LocalAddr().(*net.UDPAddr).Port
		require.NoError(t, uc.Close())
		d := start(t, "dialer", "-timeout", "1s", "-peer-udp-port", strconv.Itoa(free), "127.0.0.1:7")
		require.Equal(t, exitLost, d.wait(t))
		require.Contains(t, d.stderr.String(), "no association within 1s")
	})
	t.Run("no SCTP listener", func(t *testing.T) {
		// The peer's Stack answers an INIT to an unbound SCTP port with
		// an ABORT (RFC 9260 8.4).
		_, udp := goPeer(t)
		d := start(t, "dialer", "-timeout", "10s", "-peer-udp-port", strconv.Itoa(int(udp)), "127.0.0.1:7")
		require.Equal(t, exitLost, d.wait(t))
		require.Contains(t, d.stderr.String(), "aborted", "refused by an ABORT, not timed out")
	})
	t.Run("peer aborts", func(t *testing.T) {
		ln, dial := goListener(t)
		d := start(t, "dialer", dial...)
		c := accept(t, ln)
		// Once a message has come through, sctpcat's Dial has returned.
		d.send(t, "hi")
		msg, _, err := recvMsg(t, c)
		require.NoError(t, err)
		require.Equal(t, "hi", msg)
		require.NoError(t, c.Abort([]byte("go away")))
		require.Equal(t, exitLost, d.wait(t))
		require.Contains(t, d.stderr.String(), "association lost")
	})
}

func TestTrace(t *testing.T) {
	var peerUDP string
	check := func(t *testing.T, path string) {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(b), 24, "pcap global header")
		magic := binary.LittleEndian.Uint32(b)
		require.True(t, magic == 0xa1b2c3d4 || magic == 0xd4c3b2a1, "pcap magic, got %x", b[:4])
		require.Greater(t, len(b), 24, "packets after the header")
	}
	run := func(t *testing.T, env []string, extra ...string) {
		ln, dial := goListener(t)
		peerUDP = dial[1]
		d := startEnv(t, "dialer", env, args(dial, extra...)...)
		c := accept(t, ln)
		d.send(t, "traced")
		msg, _, err := recvMsg(t, c)
		require.NoError(t, err)
		require.Equal(t, "traced", msg)
		require.NoError(t, d.stdin.Close())
		require.Equal(t, exitOK, d.wait(t))
	}
	t.Run("flag", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "cat.pcap")
		run(t, nil, "-trace", path)
		check(t, path)
		checkWithTshark(t, path, peerUDP)
	})
	t.Run("environment", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "env.pcap")
		run(t, []string{stack.TraceEnv + "=" + path})
		check(t, path)
	})
}

// checkWithTshark decodes the trace with tshark's SCTP dissector, when
// tshark is installed: every packet well-formed with a good CRC32c
// (checksum status 1), and the association's whole life is there.
func checkWithTshark(t *testing.T, path, udpPort string) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Log("tshark not installed: trace not decoded")
		return
	}
	out, err := exec.Command(tshark, "-r", path, "-d", "udp.port=="+udpPort+",sctp",
		"-o", "sctp.checksum:crc-32c", "-T", "fields", "-e", "sctp.checksum.status",
		"-e", "_ws.malformed", "-e", "sctp.chunk_type").Output()
	require.NoError(t, err, "tshark")
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var chunks []string
	for _, l := range lines {
		f := strings.Split(l, "\t")
		require.Len(t, f, 3, "tshark line %q", l)
		require.Equal(t, "1", f[0], "checksum status in %q", l)
		require.Empty(t, f[1], "malformed: %q", l)
		chunks = append(chunks, f[2])
	}
	all := strings.Join(chunks, ",")
	for _, typ := range []string{"1", "0", "7", "8", "14"} { // INIT, DATA, SHUTDOWN, SHUTDOWN ACK, SHUTDOWN COMPLETE
		require.Contains(t, strings.Split(strings.ReplaceAll(all, ",", " "), " "), typ, "chunk type %s in %q", typ, all)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want int
	}{
		{"no address", nil, exitUsage},
		{"two addresses", []string{"127.0.0.1:7", "127.0.0.2:7"}, exitUsage},
		{"no port", []string{"127.0.0.1"}, exitUsage},
		{"port 0", []string{"127.0.0.1:0"}, exitUsage},
		{"name", []string{"example.com:7"}, exitUsage},
		{"unspecified peer", []string{"0.0.0.0:7"}, exitUsage},
		{"stream", []string{"-stream", "70000", "127.0.0.1:7"}, exitUsage},
		{"ppid", []string{"-ppid", "4294967296", "127.0.0.1:7"}, exitUsage},
		{"udp port", []string{"-udp-port", "70000", "127.0.0.1:7"}, exitUsage},
		{"size", []string{"-raw", "-size", "0", "127.0.0.1:7"}, exitUsage},
		{"k without l", []string{"-k", "127.0.0.1:7"}, exitUsage},
		{"m without l", []string{"-m", "127.0.0.1:7"}, exitUsage},
		{"k and m", []string{"-l", "-k", "-m"}, exitUsage},
		{"bad local", []string{"-local", "127.0.0.1,nope", "127.0.0.1:7"}, exitUsage},
		{"bad listen", []string{"-l", "127.0.0.1:99999"}, exitUsage},
		{"unknown flag", []string{"-nope"}, exitUsage},
		{"help", []string{"-h"}, exitOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			code := run(tc.args, bytes.NewReader(nil), io.Discard, &stderr, nil)
			require.Equal(t, tc.want, code, "stderr:\n%s", stderr.String())
			require.NotEmpty(t, stderr.String(), "says why")
		})
	}
}

func TestParseAddrList(t *testing.T) {
	ip := netip.MustParseAddr
	for _, tc := range []struct {
		in       string
		optional bool
		ips      []netip.Addr
		port     uint16
		err      bool
	}{
		{in: "127.0.0.1:7", ips: []netip.Addr{ip("127.0.0.1")}, port: 7},
		{in: "127.0.0.3,127.0.0.4:7", ips: []netip.Addr{ip("127.0.0.3"), ip("127.0.0.4")}, port: 7},
		{in: "[::1]:9", ips: []netip.Addr{ip("::1")}, port: 9},
		{in: "[::1,127.0.0.1]:9", ips: []netip.Addr{ip("::1"), ip("127.0.0.1")}, port: 9},
		{in: "localhost:1", ips: []netip.Addr{ip("127.0.0.1")}, port: 1},
		{in: ":5", ips: []netip.Addr{ip("0.0.0.0")}, port: 5},
		{in: "127.0.0.1,127.0.0.2", optional: true, ips: []netip.Addr{ip("127.0.0.1"), ip("127.0.0.2")}},
		{in: "::1", optional: true, ips: []netip.Addr{ip("::1")}},
		{in: "127.0.0.1", err: true},
		{in: "", err: true},
		{in: "127.0.0.1:x", err: true},
		{in: "127.0.0.1:65536", err: true},
		{in: "127.0.0.1,127.0.0.1:7", err: true},
		{in: "0.0.0.0,127.0.0.1:7", err: true},
		{in: "host:7", err: true},
		{in: "[fe80::1%eth0]:7", err: true},
	} {
		ips, port, err := parseAddrList(tc.in, tc.optional)
		if tc.err {
			require.Error(t, err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.ips, ips, tc.in)
		require.Equal(t, tc.port, port, tc.in)
	}
}
