package main

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/perf"
	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// clientFlags are the flags client and rtt share.
type clientFlags struct {
	connect *string
	udpPort *uint
}

func addClientFlags(fs interface {
	String(string, string, string) *string
	Uint(string, uint, string) *uint
}) clientFlags {
	return clientFlags{
		connect: fs.String("connect", "127.0.0.1:5001", "server SCTP address (ip:port)"),
		udpPort: fs.Uint("peer-udp-port", stack.DefaultUDPPort, "server UDP encapsulation port"),
	}
}

// dial starts a client Stack on an ephemeral UDP port (bound to the
// server's address family, and to the loopback address when the server is
// on loopback) and sets up one association.
func (f clientFlags) dial(cfg assoc.Config) (*stack.Stack, *stack.Conn, error) {
	ap, err := netip.ParseAddrPort(*f.connect)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: -connect: %v", errUsage, err)
	}
	if *f.udpPort == 0 || *f.udpPort > 65535 {
		return nil, nil, fmt.Errorf("%w: -peer-udp-port %d out of range 1..65535", errUsage, *f.udpPort)
	}
	scfg := stack.Config{Assoc: cfg}
	if ap.Addr().IsLoopback() {
		scfg.Addrs = []netip.Addr{ap.Addr()}
	}
	s, err := stack.New(scfg)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := s.Dial(ctx, *f.connect, stack.DialOptions{PeerUDPPort: uint16(*f.udpPort)})
	if err != nil {
		s.Close()
		return nil, nil, err
	}
	return s, c, nil
}

// closeGracefully shuts the association down and waits (up to a few
// seconds) for the peer to finish, so queued data is delivered before the
// Stack closes.
func closeGracefully(s *stack.Stack, c *stack.Conn) {
	_ = c.Shutdown()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1<<16)
	for {
		if _, err := c.Read(buf); err != nil {
			break
		}
	}
	s.Close()
}

// clientReport is the -json output of client.
type clientReport struct {
	Bytes      int64   `json:"bytes"`
	Messages   int64   `json:"messages"`
	Seconds    float64 `json:"seconds"`
	MBps       float64 `json:"mbps"`
	MsgsPerSec float64 `json:"msgs_per_sec"`
	Size       int     `json:"size"`
	Streams    int     `json:"streams"`
	Unordered  bool    `json:"unordered"`
}

func cmdClient(args []string, stdout, stderr io.Writer) error {
	fs := flags("client", stderr)
	cf := addClientFlags(fs)
	size := fs.Int("l", 1200, "message size in bytes")
	dur := fs.Duration("t", 5*time.Second, "how long to send")
	streams := fs.Int("streams", 1, "streams to send on, round-robin")
	unordered := fs.Bool("unordered", false, "send unordered messages")
	interval := fs.Duration("i", time.Second, "interval between progress lines (0: none)")
	asJSON := fs.Bool("json", false, "print one JSON object at the end instead of text")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *size < 1 || *size > 1<<20:
		return fmt.Errorf("%w: -l %d out of range 1..1048576", errUsage, *size)
	case *dur <= 0:
		return fmt.Errorf("%w: -t must be positive", errUsage)
	case *streams < 1 || *streams > 65535:
		return fmt.Errorf("%w: -streams %d out of range 1..65535", errUsage, *streams)
	case *interval < 0:
		return fmt.Errorf("%w: -i must not be negative", errUsage)
	}
	s, c, err := cf.dial(assoc.Config{OutStreams: uint16(*streams)})
	if err != nil {
		return err
	}
	defer s.Close()
	if !*asJSON {
		fmt.Fprintf(stdout, "connected %s -> %s, %d-byte messages on %d stream(s) for %v\n",
			c.LocalAddr(), c.RemoteAddr(), *size, *streams, *dur)
	}
	var sent perf.Counter
	stop := make(chan struct{})
	done := make(chan error, 1)
	o := perf.Options{Size: *size, Streams: *streams, Unordered: *unordered}
	start := time.Now()
	go func() { done <- perf.SendLoop(c, o, stop, &sent) }()

	end := time.NewTimer(*dur)
	defer end.Stop()
	var tick <-chan time.Time
	if *interval > 0 && !*asJSON {
		t := time.NewTicker(*interval)
		defer t.Stop()
		tick = t.C
	}
	var lastBytes, lastMsgs int64
	last := start
	printInterval := func(now time.Time) {
		b, m := sent.Load()
		d := now.Sub(last).Seconds()
		if d <= 0 {
			return
		}
		fmt.Fprintf(stdout, "[%6.1f-%6.1f s] %12d bytes %8.1f MB/s %10.0f msgs/s\n",
			last.Sub(start).Seconds(), now.Sub(start).Seconds(), b-lastBytes,
			float64(b-lastBytes)/d/1e6, float64(m-lastMsgs)/d)
		lastBytes, lastMsgs, last = b, m, now
	}
	var sendErr error
loop:
	for {
		select {
		case now := <-tick:
			printInterval(now)
		case <-end.C:
			break loop
		case sendErr = <-done:
			break loop
		}
	}
	if tick != nil && time.Since(last) > *interval/10 {
		printInterval(time.Now()) // the last, partial interval
	}
	close(stop)
	elapsed := time.Since(start)
	if sendErr == nil {
		sendErr = <-done
	}
	b, m := sent.Load()
	closeGracefully(s, c)
	if sendErr != nil {
		return fmt.Errorf("send: %w", sendErr)
	}
	r := clientReport{Bytes: b, Messages: m, Seconds: elapsed.Seconds(), Size: *size,
		Streams: *streams, Unordered: *unordered}
	r.MBps = float64(b) / r.Seconds / 1e6
	r.MsgsPerSec = float64(m) / r.Seconds
	if *asJSON {
		return printJSON(stdout, r)
	}
	fmt.Fprintf(stdout, "total: %d bytes %d msgs in %.2fs: %.1f MB/s, %.0f msgs/s\n",
		r.Bytes, r.Messages, r.Seconds, r.MBps, r.MsgsPerSec)
	return nil
}

// rttReport is the -json output of rtt.
type rttReport struct {
	Size  int     `json:"size"`
	Count int     `json:"count"`
	P50us float64 `json:"p50_us"`
	P99us float64 `json:"p99_us"`
	MinUs float64 `json:"min_us"`
}

func cmdRTT(args []string, stdout, stderr io.Writer) error {
	fs := flags("rtt", stderr)
	cf := addClientFlags(fs)
	size := fs.Int("l", 64, "request and response size in bytes")
	dur := fs.Duration("t", 3*time.Second, "how long to exchange")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *size < 1 || *size > 1<<20 {
		return fmt.Errorf("%w: -l %d out of range 1..1048576", errUsage, *size)
	}
	if *dur <= 0 {
		return fmt.Errorf("%w: -t must be positive", errUsage)
	}
	s, c, err := cf.dial(assoc.Config{NoDelay: true})
	if err != nil {
		return err
	}
	defer s.Close()
	r, err := perf.ConnRTT(c, *size, *dur)
	closeGracefully(s, c)
	if err != nil {
		return err
	}
	rep := rttReport{Size: *size, Count: r.Count, P50us: us(r.P50), P99us: us(r.P99), MinUs: us(r.Min)}
	if *asJSON {
		return printJSON(stdout, rep)
	}
	fmt.Fprintf(stdout, "%d-byte round trips: %d, p50 %.1f us, p99 %.1f us, min %.1f us\n",
		rep.Size, rep.Count, rep.P50us, rep.P99us, rep.MinUs)
	return nil
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
