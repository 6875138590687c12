package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/netip"
	"strings"
	"time"

	"github.com/udpsctp/udpsctp/chat"
	"github.com/udpsctp/udpsctp/stack"
)

// Time limits of the client's setup and graceful end.
const (
	connectTimeout  = 10 * time.Second
	drainTimeout    = 30 * time.Second
	shutdownTimeout = 5 * time.Second
	// linger works around a race in stack.Stack.Close: the SHUTDOWN
	// COMPLETE that ends a graceful shutdown is written by the Stack's
	// reader goroutine just after Recv sees the end, and closing the
	// Stack at once can drop it, leaving the server to retransmit its
	// SHUTDOWN ACK until it gives up.
	linger = 50 * time.Millisecond
)

func runClient(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("client", stderr, append(hiddenProto, "connect-timeout")...)
	connect := fs.String("connect", fmt.Sprintf("127.0.0.1:%d", chat.DefaultPort), "chat server's SCTP address (ip:port)")
	peerUDP := fs.Uint("peer-udp-port", stack.DefaultUDPPort, "server's UDP encapsulation port")
	udpPort := fs.Uint("udp-port", 0, "local UDP encapsulation port (0: any free port)")
	nick := fs.String("nick", "", `prefix each line sent with "NAME: "`)
	streamID := fs.Uint("stream", 0, "SCTP stream to send on")
	wait := fs.Duration("wait", 0, "after stdin ends and everything sent is acknowledged, keep printing for this long")
	connTimeout := fs.Duration("connect-timeout", connectTimeout, "give up setting the association up after this long")
	proto := protoFlags(fs)
	if err := fs.Parse(args); err != nil {
		return parseCode(err)
	}
	lg := log.New(stderr, "sctpchat client: ", 0)
	if fs.NArg() > 0 || *peerUDP > 65535 || *udpPort > 65535 || *streamID > 65535 {
		lg.Printf("bad arguments: %q", fs.Args())
		fs.Usage()
		return exitUsage
	}
	ap, err := netip.ParseAddrPort(*connect)
	if err != nil {
		lg.Printf("-connect: %v", err)
		return exitUsage
	}
	var local []netip.Addr
	if ap.Addr().IsLoopback() {
		// Keep loopback chats on loopback: the INIT then lists only it.
		local = stackAddrs(ap.Addr())
	}
	s, err := stack.New(stack.Config{UDPPort: uint16(*udpPort), Addrs: local, Assoc: proto()})
	if err != nil {
		lg.Printf("UDP port %d: %v", *udpPort, err)
		return exitLost
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *connTimeout)
	c, err := chat.Dial(ctx, s, *connect, chat.ClientOptions{PeerUDPPort: uint16(*peerUDP), Stream: uint16(*streamID)})
	cancel()
	if err != nil {
		lg.Print(err)
		return exitLost
	}
	lg.Printf("connected to %s (UDP port %d) from %s (UDP %s)", *connect, *peerUDP, c.Conn().LocalAddr(), s.LocalAddrs()[0])

	ended := make(chan error, 1)
	go func() {
		for {
			m, err := c.Recv()
			if err != nil {
				ended <- err
				return
			}
			// One write per message so lines never interleave.
			if _, err := stdout.Write(append(m.Data, '\n')); err != nil {
				ended <- fmt.Errorf("stdout: %w", err)
				return
			}
		}
	}()
	lines := make(chan []byte)
	go readLines(stdin, lines, lg)

	prefix := ""
	if *nick != "" {
		prefix = *nick + ": "
	}
	for {
		select {
		case err := <-ended:
			return endCode(lg, err)
		case line, ok := <-lines:
			if !ok {
				return finish(c, lg, ended, *wait)
			}
			msg := append([]byte(prefix), line...)
			if len(msg) == 0 {
				continue // SCTP has no empty messages
			}
			if err := c.Send(msg); err != nil {
				lg.Printf("send: %v", err)
				if errors.Is(err, stack.ErrMessageTooBig) {
					continue
				}
				select {
				case err := <-ended:
					return endCode(lg, err)
				case <-time.After(shutdownTimeout):
					return exitLost
				}
			}
		}
	}
}

// readLines sends stdin's lines, without their line endings, and closes
// out at EOF.
func readLines(r io.Reader, out chan<- []byte, lg *log.Logger) {
	defer close(out)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		out <- []byte(strings.TrimSuffix(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		lg.Printf("stdin: %v", err)
	}
}

// finish is the end after stdin EOF: wait until the server has
// acknowledged everything, print for wait, then shut down gracefully.
func finish(c *chat.Client, lg *log.Logger, ended <-chan error, wait time.Duration) int {
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	sent := make(chan error, 1)
	go func() { sent <- c.WaitSent(ctx) }()
	select {
	case err := <-ended:
		return endCode(lg, err)
	case err := <-sent:
		if err != nil {
			lg.Printf("waiting for acknowledgements: %v", err)
			return exitLost
		}
	}
	if wait > 0 {
		select {
		case err := <-ended:
			return endCode(lg, err)
		case <-time.After(wait):
		}
	}
	if err := c.Shutdown(); err != nil {
		lg.Printf("shutdown: %v", err)
		return exitLost
	}
	select {
	case err := <-ended:
		if err == nil || errors.Is(err, io.EOF) || errors.Is(err, stack.ErrShutdown) {
			time.Sleep(linger)
			lg.Printf("left the chat")
			return exitOK
		}
		return endCode(lg, err)
	case <-time.After(shutdownTimeout):
		lg.Printf("shutdown not acknowledged within %v", shutdownTimeout)
		return exitLost
	}
}

// endCode reports why the association ended while the client was running.
func endCode(lg *log.Logger, err error) int {
	if errors.Is(err, io.EOF) {
		lg.Printf("the server closed the association")
		return exitOK
	}
	lg.Printf("association lost: %v", err)
	return exitLost
}
