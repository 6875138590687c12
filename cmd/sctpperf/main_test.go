package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/udpsctp/udpsctp/perf"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// runJSON runs sctpperf with args and decodes its JSON output.
func runJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(args, &out, &errb); code != 0 {
		t.Fatalf("sctpperf %v: exit %d: %s", args, code, errb.String())
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatalf("sctpperf %v: %v in %q", args, err, out.String())
	}
	return m
}

func positive(t *testing.T, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if v, ok := m[k].(float64); !ok || v <= 0 {
			t.Errorf("%s = %v, want a positive number", k, m[k])
		}
	}
}

// TestCompareJSON: compare runs about 300 ms per system and prints every
// figure the issue asks for (their values are not judged).
func TestCompareJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("real loopback traffic for about 1.5 s")
	}
	m := runJSON(t, "compare", "-t", "300ms", "-rtt-t", "100ms", "-json")
	positive(t, m, "udpsctp_mbps", "pion_mbps", "udp_mbps",
		"udpsctp_rtt_p50_us", "pion_rtt_p50_us", "udp_rtt_p50_us")
}

// TestClientAndRTT: client and rtt against a Server on loopback.
func TestClientAndRTT(t *testing.T) {
	l, err := perf.NewLoopback(assoc.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := strconv.Itoa(int(l.UDPPort))
	m := runJSON(t, "client", "-connect", l.Addr, "-peer-udp-port", port, "-t", "200ms", "-streams", "3", "-unordered", "-json")
	positive(t, m, "bytes", "messages", "seconds", "mbps")
	m = runJSON(t, "rtt", "-connect", l.Addr, "-peer-udp-port", port, "-t", "100ms", "-json")
	positive(t, m, "count", "p50_us", "p99_us")
}

// TestUsage: bad commands and flags exit 2 with a message.
func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"nope"},
		{"client", "-l", "0"},
		{"client", "-streams", "0"},
		{"client", "-connect", "not-an-address"},
		{"compare", "-l", "70000"},
		{"scale", "-n", "0"},
		{"scale", "-mem"},
		{"server", "extra"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 || !strings.Contains(errb.String(), "sctpperf") {
			t.Errorf("sctpperf %v: exit %d, stderr %q; want 2 and a message", args, code, errb.String())
		}
	}
}
