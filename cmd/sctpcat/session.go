package main

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// serve runs one one-to-one association: stdin's messages out, received
// messages to stdout, until the association ends. It returns the exit
// code. Only the goroutine running receive writes to stdout.
func (c *cat) serve(conn *stack.Conn) int {
	if c.o.verbose {
		conn.Subscribe(stack.EventAll)
		c.printStatus(conn.Status(), conn.LocalAddrs(), conn.RemoteAddrs())
	}
	done := make(chan error, 1)
	go func() { done <- c.receive(conn) }()
	msgs := c.in
	if c.inDone {
		msgs = nil // -k: stdin ended in an earlier association
	}
	info := c.sndInfo()
	var waitC <-chan time.Time
	for {
		select {
		case err := <-done:
			return c.ended(conn, err)
		case m, ok := <-msgs:
			if !ok {
				msgs, c.inDone = nil, true
				waitC = c.waitDeadline()
				continue
			}
			if _, err := conn.SendMsg(m, info); err != nil {
				c.lg.Printf("send: %v", err)
				if errors.Is(err, stack.ErrMessageTooBig) || errors.Is(err, stack.ErrInvalidStream) {
					continue // this message only
				}
				// The association is ending; receive reports how.
				return c.shutdown(conn, done)
			}
		case <-waitC:
			return c.shutdown(conn, done)
		case <-c.stop:
			return c.shutdown(conn, done)
		}
	}
}

// receive copies messages to stdout until the association ends: io.EOF
// after a graceful shutdown, the reason otherwise.
func (c *cat) receive(conn *stack.Conn) error {
	out := newOutput(c.stdout, c.o.raw)
	buf := make([]byte, 64<<10)
	for {
		n, info, err := conn.RecvMsg(buf)
		if err != nil {
			return err
		}
		if info.Flags&stack.FlagNotification != 0 {
			if c.o.verbose {
				c.lg.Print(describe(info.Notification))
			}
			continue
		}
		if err := out.write(info.AssocID, buf[:n], info.Flags&stack.FlagEOR != 0); err != nil {
			return fmt.Errorf("stdout: %w", err)
		}
		if c.o.verbose && info.Flags&stack.FlagEOR != 0 {
			c.lg.Print(describeMessage(info, out.last))
		}
	}
}

// shutdown starts the graceful end and waits for it (RFC 9260 9.2: the
// peer's remaining data still arrives and is printed).
func (c *cat) shutdown(conn *stack.Conn, done <-chan error) int {
	if err := conn.Shutdown(); err != nil && c.o.verbose {
		c.lg.Printf("shutdown: %v", err)
	}
	select {
	case err := <-done:
		return c.ended(conn, err)
	case <-time.After(shutdownTimeout):
		c.lg.Printf("shutdown not completed within %v", shutdownTimeout)
		return exitLost
	}
}

// ended reports how the association ended and returns the exit code.
func (c *cat) ended(conn *stack.Conn, err error) int {
	if !errors.Is(err, io.EOF) {
		c.lg.Printf("association lost: %v", err)
		return exitLost
	}
	// io.EOF comes with the peer's SHUTDOWN, before our SHUTDOWN ACK is
	// answered; closing the Stack now would abort the association, so
	// wait until it is closed.
	if !waitClosed(conn) {
		c.lg.Printf("shutdown not completed within %v", shutdownTimeout)
		return exitLost
	}
	if c.o.verbose {
		c.lg.Printf("association %d ended gracefully", conn.AssocID())
	}
	return exitOK
}

// waitClosed waits until the association reaches CLOSED. The Conn offers
// no event for that once Read has returned io.EOF, so this polls its
// status; the SHUTDOWN ACK / COMPLETE exchange takes one round trip.
func waitClosed(conn *stack.Conn) bool {
	deadline := time.Now().Add(shutdownTimeout)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for conn.Status().State != assoc.Closed {
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
	return true
}
