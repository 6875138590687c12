package tx

import (
	"testing"
	"time"
)

const ms = time.Millisecond

func TestRTOSample(t *testing.T) {
	// RFC 9260 6.3.1 C2: first R: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4*RTTVAR.
	// C3: RTTVAR = 3/4 RTTVAR + 1/4 |SRTT-R'|, SRTT = 7/8 SRTT + 1/8 R'.
	tests := []struct {
		name       string
		min, max   time.Duration
		samples    []time.Duration
		srtt, var_ time.Duration
		rto        time.Duration
	}{
		{"first sample C2", 10 * ms, 60 * time.Second, []time.Duration{100 * ms}, 100 * ms, 50 * ms, 300 * ms},
		{"second sample C3", 10 * ms, 60 * time.Second, []time.Duration{100 * ms, 200 * ms}, 112500 * time.Microsecond, 62500 * time.Microsecond, 362500 * time.Microsecond},
		{"steady RTT shrinks RTTVAR", 10 * ms, 60 * time.Second, []time.Duration{100 * ms, 100 * ms}, 100 * ms, 37500 * time.Microsecond, 250 * ms},
		{"C6 clamp to RTO.Min", time.Second, 60 * time.Second, []time.Duration{100 * ms}, 100 * ms, 50 * ms, time.Second},
		{"C7 clamp to RTO.Max", 10 * ms, 2 * time.Second, []time.Duration{time.Second}, time.Second, 500 * ms, 2 * time.Second},
		{"zero RTT: RTTVAR raised to G", 0, time.Second, []time.Duration{0}, 0, ms, 4 * ms},
		{"negative sample ignored", 10 * ms, time.Second, []time.Duration{-ms}, 0, 0, 500 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRTO(500*ms, tt.min, tt.max)
			for _, s := range tt.samples {
				r.Sample(s)
			}
			if r.SRTT() != tt.srtt || r.RTTVar() != tt.var_ || r.Value() != tt.rto {
				t.Fatalf("SRTT %v RTTVAR %v RTO %v, want %v %v %v", r.SRTT(), r.RTTVar(), r.Value(), tt.srtt, tt.var_, tt.rto)
			}
		})
	}
}

func TestRTOBackoff(t *testing.T) {
	// RFC 9260 6.3.3 E2: RTO = RTO * 2, capped at RTO.Max.
	r := NewRTO(time.Second, time.Second, 5*time.Second)
	want := []time.Duration{2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i, w := range want {
		r.Backoff()
		if r.Value() != w {
			t.Fatalf("backoff %d: %v, want %v", i, r.Value(), w)
		}
	}
	// A new sample recomputes the RTO from SRTT (C3), undoing the backoff.
	r.Sample(100 * ms)
	if r.Value() != time.Second || !r.Measured() {
		t.Fatalf("after sample %v", r.Value())
	}
}

func TestRTOInitialClamped(t *testing.T) {
	if v := NewRTO(100*time.Second, time.Second, 60*time.Second).Value(); v != 60*time.Second {
		t.Fatalf("initial above max: %v", v)
	}
	if v := NewRTO(time.Second, 3*time.Second, time.Second).Value(); v != 3*time.Second {
		t.Fatalf("max below min: %v", v)
	}
}
