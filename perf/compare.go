package perf

import (
	"fmt"
	"io"
	"time"
)

// CompareOptions describe a side-by-side run.
type CompareOptions struct {
	Size     int           // bulk message size; default 1200
	Duration time.Duration // bulk window per system; default 3s
	RTTSize  int           // request/response size; default 64
	RTTTime  time.Duration // round-trip run per system; default 1s
}

// Comparison holds the figures of one Compare run. Ratios are udpsctp's
// figure over the other system's (goodput: higher is better; round trip:
// lower is better).
type Comparison struct {
	Size          int     `json:"size"`
	Seconds       float64 `json:"seconds"`
	UDPSCTPMBps   float64 `json:"udpsctp_mbps"`
	PionMBps      float64 `json:"pion_mbps"`
	UDPMBps       float64 `json:"udp_mbps"`
	RatioPion     float64 `json:"udpsctp_over_pion"`
	RatioUDP      float64 `json:"udpsctp_over_udp"`
	RTTSize       int     `json:"rtt_size"`
	UDPSCTPRTTP50 float64 `json:"udpsctp_rtt_p50_us"`
	PionRTTP50    float64 `json:"pion_rtt_p50_us"`
	UDPRTTP50     float64 `json:"udp_rtt_p50_us"`
	UDPSCTPRTTP99 float64 `json:"udpsctp_rtt_p99_us"`
	PionRTTP99    float64 `json:"pion_rtt_p99_us"`
	UDPRTTP99     float64 `json:"udp_rtt_p99_us"`
	RTTRatioPion  float64 `json:"udpsctp_rtt_over_pion"`
	RTTRatioUDP   float64 `json:"udpsctp_rtt_over_udp"`
	MTU           int     `json:"mtu"`
	SockBuf       int     `json:"sockbuf_requested"`
}

// Compare runs the bulk and round-trip workloads on udpsctp, pion/sctp and
// raw UDP, one after the other in this process. progress (may be nil)
// receives a line per finished measurement.
func Compare(o CompareOptions, progress io.Writer) (Comparison, error) {
	if o.Size == 0 {
		o.Size = 1200
	}
	if o.Duration == 0 {
		o.Duration = 3 * time.Second
	}
	if o.RTTSize == 0 {
		o.RTTSize = 64
	}
	if o.RTTTime == 0 {
		o.RTTTime = time.Second
	}
	if progress == nil {
		progress = io.Discard
	}
	bulk := Options{Size: o.Size, Duration: o.Duration}
	c := Comparison{Size: o.Size, Seconds: o.Duration.Seconds(), RTTSize: o.RTTSize, MTU: MTU, SockBuf: BufferSize}
	for _, w := range []struct {
		name string
		tp   func(Options) (Throughput, error)
		rtt  func(int, time.Duration) (RTT, error)
		mbps *float64
		p50  *float64
		p99  *float64
	}{
		{"udpsctp", UDPSCTPThroughput, UDPSCTPRTT, &c.UDPSCTPMBps, &c.UDPSCTPRTTP50, &c.UDPSCTPRTTP99},
		{"pion", PionThroughput, PionRTT, &c.PionMBps, &c.PionRTTP50, &c.PionRTTP99},
		{"udp", UDPThroughput, UDPRTT, &c.UDPMBps, &c.UDPRTTP50, &c.UDPRTTP99},
	} {
		t, err := w.tp(bulk)
		if err != nil {
			return c, fmt.Errorf("%s goodput: %w", w.name, err)
		}
		fmt.Fprintf(progress, "%-8s goodput %s\n", w.name, t)
		r, err := w.rtt(o.RTTSize, o.RTTTime)
		if err != nil {
			return c, fmt.Errorf("%s round trip: %w", w.name, err)
		}
		fmt.Fprintf(progress, "%-8s rtt     %s\n", w.name, r)
		*w.mbps, *w.p50, *w.p99 = t.MBps, us(r.P50), us(r.P99)
	}
	c.RatioPion = ratio(c.UDPSCTPMBps, c.PionMBps)
	c.RatioUDP = ratio(c.UDPSCTPMBps, c.UDPMBps)
	c.RTTRatioPion = ratio(c.UDPSCTPRTTP50, c.PionRTTP50)
	c.RTTRatioUDP = ratio(c.UDPSCTPRTTP50, c.UDPRTTP50)
	return c, nil
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// Print writes the comparison as a small table with the targets of
// DESIGN.md next to the ratios.
func (c Comparison) Print(w io.Writer) {
	fmt.Fprintf(w, "loopback, %d-byte messages, MTU %d, socket buffers %d requested\n", c.Size, c.MTU, c.SockBuf)
	fmt.Fprintf(w, "%-8s %10s %14s %14s\n", "", "MB/s", "rtt p50 (us)", "rtt p99 (us)")
	fmt.Fprintf(w, "%-8s %10.1f %14.1f %14.1f\n", "udpsctp", c.UDPSCTPMBps, c.UDPSCTPRTTP50, c.UDPSCTPRTTP99)
	fmt.Fprintf(w, "%-8s %10.1f %14.1f %14.1f\n", "pion", c.PionMBps, c.PionRTTP50, c.PionRTTP99)
	fmt.Fprintf(w, "%-8s %10.1f %14.1f %14.1f\n", "udp", c.UDPMBps, c.UDPRTTP50, c.UDPRTTP99)
	fmt.Fprintf(w, "goodput udpsctp/pion %.2fx (target >= 2), udpsctp/udp %.0f%% (target >= 60%%)\n",
		c.RatioPion, 100*c.RatioUDP)
	fmt.Fprintf(w, "rtt p50 udpsctp/udp %.2fx (target <= 1.5), udpsctp/pion %.2fx\n", c.RTTRatioUDP, c.RTTRatioPion)
}
