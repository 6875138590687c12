package main

import (
	"errors"
	"time"

	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// serveMany runs a one-to-many socket (-m, RFC 6458 3): every peer's
// messages to stdout, stdin's messages to every association (SENDALL), and
// at the end a graceful shutdown of each association.
func (c *cat) serveMany() int {
	o := c.o
	pc, err := c.s.ListenPacketAddrs(o.port, o.local...)
	if err != nil {
		c.lg.Printf("listen on %s: %v", joinAddrs(o.local, o.port), err)
		return exitLost
	}
	pc.SetPeerUDPPort(o.peerUDP)
	// Association changes are always on: they wake the shutdown wait.
	events := stack.EventAssocChange
	if o.verbose {
		events = stack.EventAll
	}
	pc.Subscribe(events)
	port := pc.LocalAddr().(*stack.Addr).Port
	c.lg.Printf("listening on SCTP %s (UDP %s)", joinAddrs(o.local, port), udpAddrs(c.s))

	changed := make(chan struct{}, 1)
	done := make(chan error, 1)
	go func() { done <- c.receiveMany(pc, changed) }()
	info := c.sndInfo()
	info.Flags |= stack.SendAll
	msgs := c.in
	var waitC <-chan time.Time
loop:
	for {
		select {
		case err := <-done:
			c.lg.Printf("receive: %v", err)
			return exitLost
		case m, ok := <-msgs:
			if !ok {
				msgs = nil
				waitC = c.waitDeadline()
				continue
			}
			// SendAll never blocks; a skipped association is reported.
			if _, err := pc.SendMsg(m, info); err != nil {
				c.lg.Printf("send: %v", err)
			}
		case <-waitC:
			break loop
		case <-c.stop:
			break loop
		}
	}
	return c.shutdownMany(pc, changed, done)
}

// shutdownMany shuts every association down gracefully and waits until
// they are gone, then closes the socket.
func (c *cat) shutdownMany(pc *stack.PacketConn, changed <-chan struct{}, done <-chan error) int {
	for _, id := range pc.Associations() {
		if err := pc.Shutdown(id); err != nil && c.o.verbose {
			c.lg.Printf("assoc %d: shutdown: %v", id, err)
		}
	}
	deadline := time.After(shutdownTimeout)
	// An association leaves the socket's list in the same step that
	// queues its SHUTDOWN_COMP, or just after: the tick covers the latter.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for len(pc.Associations()) > 0 {
		select {
		case <-changed:
		case <-tick.C:
		case err := <-done:
			c.lg.Printf("receive: %v", err)
			return exitLost
		case <-deadline:
			c.lg.Printf("associations %v not shut down within %v", pc.Associations(), shutdownTimeout)
			return exitLost
		}
	}
	pc.Close()
	return exitOK
}

// receiveMany copies every association's messages to stdout until the
// socket closes; changed is signalled on every association change.
func (c *cat) receiveMany(pc *stack.PacketConn, changed chan<- struct{}) error {
	out := newOutput(c.stdout, c.o.raw)
	buf := make([]byte, 64<<10)
	for {
		n, info, err := pc.RecvMsg(buf)
		if errors.Is(err, stack.ErrClosed) {
			return nil
		}
		if err != nil {
			return err
		}
		if info.Flags&stack.FlagNotification != 0 {
			if ac, ok := info.Notification.(*stack.AssocChange); ok {
				if ac.State == assoc.CommLost || ac.State == assoc.ShutdownComp {
					out.drop(ac.AssocID)
				}
				select {
				case changed <- struct{}{}:
				default:
				}
			}
			if c.o.verbose {
				c.lg.Print(describe(info.Notification))
				c.printManyStatus(pc, info.Notification)
			}
			continue
		}
		if err := out.write(info.AssocID, buf[:n], info.Flags&stack.FlagEOR != 0); err != nil {
			return err
		}
		if c.o.verbose && info.Flags&stack.FlagEOR != 0 {
			c.lg.Print(describeMessage(info, out.last))
		}
	}
}

// printManyStatus prints the status of an association that just came up.
func (c *cat) printManyStatus(pc *stack.PacketConn, n stack.Notification) {
	ac, ok := n.(*stack.AssocChange)
	if !ok || (ac.State != assoc.CommUp && ac.State != assoc.Restart) {
		return
	}
	st, err := pc.Status(ac.AssocID)
	if err != nil {
		return // already gone
	}
	peers, _ := pc.PeerAddrs(ac.AssocID)
	c.printStatus(st, []*stack.Addr{pc.LocalAddr().(*stack.Addr)}, peers)
}
