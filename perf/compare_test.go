package perf

import (
	"encoding/json"
	"testing"
	"time"
)

// TestCompareSmoke runs the whole comparison briefly and checks that every
// figure is there and positive; the figures themselves are not judged.
func TestCompareSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real loopback traffic for about 1.5 s")
	}
	c, err := Compare(CompareOptions{Duration: 300 * time.Millisecond, RTTTime: 100 * time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"udpsctp_mbps", "pion_mbps", "udp_mbps",
		"udpsctp_rtt_p50_us", "pion_rtt_p50_us", "udp_rtt_p50_us"} {
		v, ok := m[k].(float64)
		if !ok || v <= 0 {
			t.Errorf("%s = %v, want a positive number (%s)", k, m[k], b)
		}
	}
}
