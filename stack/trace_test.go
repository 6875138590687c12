package stack

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestTraceEnv: UDPSCTP_TRACE makes a Stack write a pcap of both
// directions; tshark (when installed; required under CI=true) decodes
// every packet as SCTP with a good checksum and nothing malformed.
func TestTraceEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "trace.pcap")
	t.Setenv(TraceEnv, path)
	a := udpStack(t)
	t.Setenv(TraceEnv, "")
	b := udpStack(t)
	ln, err := b.Listen("127.0.0.1:7")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := a.Dial(ctx, "127.0.0.1:7", DialOptions{PeerUDPPort: udpPort(b)})
	require.NoError(t, err)
	peer, err := ln.Accept()
	require.NoError(t, err)
	_, err = c.Write([]byte("traced"))
	require.NoError(t, err)
	buf := make([]byte, 10)
	n, err := peer.Read(buf)
	require.NoError(t, err)
	require.Equal(t, "traced", string(buf[:n]))
	require.NoError(t, c.Close())
	_, err = peer.Read(buf)
	require.Error(t, err) // EOF after the shutdown
	require.NoError(t, a.Close())
	require.NoError(t, b.Close())

	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Greater(t, len(raw), 24)
	require.Equal(t, uint32(0xa1b2c3d4), binary.LittleEndian.Uint32(raw[:4]), "pcap magic")

	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark (Debian package tshark) is required under CI=true")
		}
		t.Skip("tshark not installed (Debian package tshark): pcap decoding not checked")
	}
	port := strconv.Itoa(int(udpPort(a)))
	out, err := exec.Command(tshark, "-r", path, "-o", "sctp.checksum:CRC-32C",
		"-d", "udp.port=="+port+",sctp", "-d", "udp.port=="+strconv.Itoa(int(udpPort(b)))+",sctp",
		"-T", "fields", "-e", "sctp.chunk_type", "-e", "sctp.checksum.status", "-e", "_ws.malformed").Output()
	require.NoError(t, err, "%s", out)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	// INIT, INIT ACK, COOKIE ECHO, COOKIE ACK, DATA, SACK, SHUTDOWN trio.
	require.GreaterOrEqual(t, len(lines), 8, "%s", out)
	var types []string
	for _, l := range lines {
		f := strings.Split(l, "\t")
		require.GreaterOrEqual(t, len(f), 2, "line %q", l)
		require.NotEmpty(t, f[0], "packet not decoded as SCTP: %q", l)
		require.Equal(t, "1", f[1], "checksum status of %q (1 = good)", l)
		if len(f) > 2 {
			require.Empty(t, f[2], "malformed packet: %q", l)
		}
		types = append(types, f[0])
	}
	require.Contains(t, types, "1", "INIT in %v", types)
	require.True(t, bytes.Contains(raw, []byte("traced")), "the DATA payload is in the trace")
}
