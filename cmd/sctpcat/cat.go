package main

import (
	"context"
	"errors"
	"io"
	"log"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/udpsctp/udpsctp/stack"
)

// cat is one run of the program: a Stack, stdin's messages and the place
// received messages go.
type cat struct {
	o      *options
	s      *stack.Stack
	lg     *log.Logger
	stdout io.Writer
	in     <-chan []byte // stdin's messages; closed at EOF
	sig    <-chan os.Signal

	stopOnce sync.Once
	stop     chan struct{} // closed on the first signal
	inDone   bool          // in has been seen closed (owned by the main goroutine)
}

// watchSignals turns the first signal into a closed stop channel, so that
// every waiting part of the program sees it.
func (c *cat) watchSignals() {
	c.stop = make(chan struct{})
	go func() {
		if _, ok := <-c.sig; ok {
			c.lg.Printf("signal: shutting down")
		}
		c.stopOnce.Do(func() { close(c.stop) })
	}()
}

func (c *cat) stopped() bool {
	select {
	case <-c.stop:
		return true
	default:
		return false
	}
}

// sndInfo is how every message from stdin is sent.
func (c *cat) sndInfo() stack.SndInfo {
	info := stack.SndInfo{Stream: c.o.stream, PPID: c.o.ppid}
	if c.o.unordered {
		info.Flags |= stack.SendUnordered
	}
	return info
}

// dial sets the association up and runs it.
func (c *cat) dial() int {
	o := c.o
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	go func() {
		select {
		case <-c.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	opts := stack.DialOptions{PeerUDPPort: o.peerUDP}
	if len(o.local) > 0 {
		opts.Local = netip.AddrPortFrom(o.local[0], o.localPort).String()
		opts.LocalIPs = o.local[1:]
	}
	for _, ip := range o.peers[1:] {
		opts.More = append(opts.More, &stack.Addr{IP: ip, Port: o.port, UDPPort: o.peerUDP})
	}
	to := joinAddrs(o.peers, o.port)
	conn, err := c.s.Dial(ctx, netip.AddrPortFrom(o.peers[0], o.port).String(), opts)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			c.lg.Printf("dial %s (UDP port %d): no association within %v", to, o.peerUDP, o.timeout)
		} else {
			c.lg.Printf("%v (peer UDP port %d)", err, o.peerUDP)
		}
		return exitLost
	}
	if o.verbose {
		c.lg.Printf("connected to %s (UDP port %d) from %s (UDP %s)", to, o.peerUDP, conn.LocalAddr(), udpAddrs(c.s))
	}
	return c.serve(conn)
}

// listen accepts one-to-one associations: one, or with -k one after
// another until a signal.
func (c *cat) listen() int {
	o := c.o
	ln, err := c.s.ListenAddrs(o.port, o.local...)
	if err != nil {
		c.lg.Printf("listen on %s: %v", joinAddrs(o.local, o.port), err)
		return exitLost
	}
	port := ln.Addr().(*stack.Addr).Port
	c.lg.Printf("listening on SCTP %s (UDP %s)", joinAddrs(o.local, port), udpAddrs(c.s))
	go func() {
		<-c.stop
		ln.Close()
	}()
	for {
		conn, err := ln.AcceptSCTP()
		if err != nil {
			if c.stopped() {
				return exitOK
			}
			c.lg.Printf("accept: %v", err)
			return exitLost
		}
		if !o.keep {
			// One association only: later INITs are refused (ABORT) as
			// nc -l refuses a second connection.
			ln.Close()
		}
		if o.verbose {
			c.lg.Printf("association %d from %s", conn.AssocID(), conn.RemoteAddr())
		}
		code := c.serve(conn)
		if !o.keep {
			return code
		}
		if c.stopped() {
			return exitOK
		}
	}
}

// udpAddrs lists the Stack's UDP sockets.
func udpAddrs(s *stack.Stack) string {
	var parts []string
	for _, ap := range s.LocalAddrs() {
		parts = append(parts, ap.String())
	}
	return strings.Join(parts, " ")
}

// waitDeadline is the wait after stdin EOF: nil (never) when -wait is
// negative.
func (c *cat) waitDeadline() <-chan time.Time {
	if c.o.wait < 0 {
		return nil
	}
	return time.After(c.o.wait)
}
