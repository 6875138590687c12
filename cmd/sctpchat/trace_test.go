package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/stack"
)

// TestDemoTraceWellFormed: a chat session (the demo: SENDALL, peel-off,
// /who, /kick, shutdowns) traced with UDPSCTP_TRACE opens in tshark with
// zero malformed packets and zero bad checksums (issue 7). tshark is
// required under CI=true (Debian package tshark).
func TestDemoTraceWellFormed(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tshark (Debian package tshark) is required under CI=true")
		}
		t.Skip("tshark not installed (Debian package tshark)")
	}
	pcap := filepath.Join(t.TempDir(), "chat.pcap")
	cmd := exec.Command(binary(t), "demo")
	cmd.Env = append(os.Environ(), stack.TraceEnv+"="+pcap)
	done := make(chan error, 1)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		require.NoError(t, err, "%s", out.String())
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("demo did not finish")
	}

	// The demo's UDP ports are ephemeral: learn them, then decode each as
	// SCTP.
	ports, err := exec.Command(tshark, "-r", pcap, "-T", "fields", "-e", "udp.srcport", "-e", "udp.dstport").Output()
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, f := range strings.Fields(string(ports)) {
		seen[f] = true
	}
	require.NotEmpty(t, seen, "empty trace")
	args := []string{"-r", pcap, "-o", "sctp.checksum:CRC-32C"}
	var list []string
	for p := range seen {
		list = append(list, p)
	}
	sort.Strings(list)
	for _, p := range list {
		args = append(args, "-d", "udp.port=="+p+",sctp")
	}
	args = append(args, "-T", "fields", "-e", "frame.number", "-e", "sctp.checksum.status", "-e", "_ws.malformed", "-e", "sctp.chunk_type")
	fields, err := exec.Command(tshark, args...).Output()
	require.NoError(t, err)
	rows := strings.Split(strings.TrimSpace(string(fields)), "\n")
	chunkTypes := map[string]bool{}
	for _, r := range rows {
		f := strings.Split(r, "\t")
		require.GreaterOrEqual(t, len(f), 4, "row %q", r)
		require.Equal(t, "1", f[1], "frame %s: checksum status %q (1 = good)", f[0], f[1])
		require.Empty(t, f[2], "frame %s is malformed", f[0])
		require.NotEmpty(t, f[3], "frame %s not decoded as SCTP", f[0])
		for _, c := range strings.Split(f[3], ",") {
			chunkTypes[c] = true
		}
	}
	// INIT, INIT ACK, DATA, SACK, ABORT (the kick), SHUTDOWN: the session
	// is all there.
	for _, c := range []string{"1", "2", "0", "3", "6", "7"} {
		require.True(t, chunkTypes[c], "chunk type %s missing from the trace (have %v)", c, chunkTypes)
	}
	t.Logf("%d packets, all well-formed with good CRC32c", len(rows))
}
