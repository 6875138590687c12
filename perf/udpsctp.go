package perf

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// ServerPort is the SCTP port of the loopback Server (sctpperf's default).
const ServerPort = 5001

var loopback = netip.AddrFrom4([4]byte{127, 0, 0, 1})

// Loopback is a udpsctp Server Stack and a client Stack on 127.0.0.1, each
// on its own ephemeral UDP port, with a Server running on a one-to-many
// socket.
type Loopback struct {
	Server, Client *stack.Stack
	Srv            *Server
	Addr           string // the server socket's "ip:port"
	UDPPort        uint16 // the server Stack's UDP port
	// Ended receives the Server's summary of each association that ends
	// (the last 64 that nobody read are kept).
	Ended chan AssocSummary
	done  chan error
}

// NewLoopback starts the two Stacks with cfg.
func NewLoopback(cfg assoc.Config) (*Loopback, error) {
	srv, err := stack.New(stack.Config{Addrs: []netip.Addr{loopback}, Assoc: cfg})
	if err != nil {
		return nil, err
	}
	cli, err := stack.New(stack.Config{Addrs: []netip.Addr{loopback}, Assoc: cfg})
	if err != nil {
		srv.Close()
		return nil, err
	}
	l := &Loopback{Server: srv, Client: cli, UDPPort: srv.LocalAddrs()[0].Port(),
		Ended: make(chan AssocSummary, 64), done: make(chan error, 1)}
	l.Addr = netip.AddrPortFrom(loopback, ServerPort).String()
	pc, err := srv.ListenPacket(l.Addr)
	if err != nil {
		l.Close()
		return nil, err
	}
	l.Srv = NewServer(pc, func(a AssocSummary) {
		select {
		case l.Ended <- a:
		default:
		}
	})
	go func() { l.done <- l.Srv.Run() }()
	return l, nil
}

// Dial sets up one association from the client Stack to the Server.
func (l *Loopback) Dial(ctx context.Context) (*stack.Conn, error) {
	return l.Client.Dial(ctx, l.Addr, stack.DialOptions{PeerUDPPort: l.UDPPort})
}

// Close closes both Stacks and returns the Server's error, if any.
func (l *Loopback) Close() error {
	l.Client.Close()
	l.Server.Close()
	if l.Srv == nil {
		return nil
	}
	return <-l.done
}

// SendLoop sends o.Size-byte messages on c, round-robin over o.Streams,
// as fast as flow and congestion control let it, until stop is closed or a
// send fails; sent counts what was queued. It returns nil when stopped.
func SendLoop(c *stack.Conn, o Options, stop <-chan struct{}, sent *Counter) error {
	msg := make([]byte, o.Size)
	info := stack.SndInfo{}
	if o.Unordered {
		info.Flags = stack.SendUnordered
	}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return nil
		default:
		}
		info.Stream = uint16(i % o.Streams)
		n, err := c.SendMsg(msg, info)
		if err != nil {
			select {
			case <-stop:
				return nil // closing the Stack ends a blocked send
			default:
			}
			return err
		}
		sent.add(n, true)
	}
}

// UDPSCTPThroughput measures one association's goodput on loopback.
func UDPSCTPThroughput(o Options) (Throughput, error) {
	o, err := o.withDefaults()
	if err != nil {
		return Throughput{}, err
	}
	l, err := NewLoopback(assoc.Config{OutStreams: uint16(o.Streams)})
	if err != nil {
		return Throughput{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := l.Dial(ctx)
	if err != nil {
		l.Close()
		return Throughput{}, fmt.Errorf("udpsctp: dial: %w", err)
	}
	stop := make(chan struct{})
	failed := make(chan error, 1)
	sent := make(chan error, 1)
	go func() {
		err := SendLoop(c, o, stop, new(Counter))
		if err != nil {
			report(failed, fmt.Errorf("udpsctp: send: %w", err))
		}
		sent <- err
	}()
	t, err := measure(l.Srv.Total(), o, failed)
	close(stop)
	if cerr := l.Close(); err == nil && cerr != nil {
		err = cerr
	}
	<-sent
	return t, err
}

// UDPSCTPRTT measures round trips of size-byte messages echoed by the
// Server for d, with Nagle-like holding off (NoDelay), as a
// latency-sensitive application would run.
func UDPSCTPRTT(size int, d time.Duration) (RTT, error) {
	if size < 1 {
		return RTT{}, fmt.Errorf("perf: message size %d", size)
	}
	l, err := NewLoopback(assoc.Config{NoDelay: true})
	if err != nil {
		return RTT{}, err
	}
	defer l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := l.Dial(ctx)
	if err != nil {
		return RTT{}, fmt.Errorf("udpsctp: dial: %w", err)
	}
	return ConnRTT(c, size, d)
}

// ConnRTT times echo exchanges of size bytes on c (the peer must be a
// Server) for d.
func ConnRTT(c *stack.Conn, size int, d time.Duration) (RTT, error) {
	req := make([]byte, size)
	resp := make([]byte, size+1)
	info := stack.SndInfo{PPID: EchoPPID}
	return roundTrips(d, func() error {
		if _, err := c.SendMsg(req, info); err != nil {
			return err
		}
		got := 0
		for {
			n, ri, err := c.RecvMsg(resp[got:])
			if err != nil {
				return err
			}
			if ri.Flags&stack.FlagNotification != 0 {
				continue
			}
			got += n
			if ri.Flags&stack.FlagEOR != 0 {
				break
			}
			if got == len(resp) {
				return errors.New("udpsctp: echo longer than the request")
			}
		}
		if got != size {
			return fmt.Errorf("udpsctp: echo of %d bytes, want %d", got, size)
		}
		return nil
	})
}
