package stack

import (
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/stack/assoc"
)

// Conn is a one-to-one SCTP socket (SOCK_STREAM style, RFC 6458 4): one
// association. It follows the TCP model and is a net.Conn whose Write sends
// one message on the default stream and whose Read returns message bytes (a
// message larger than the buffer continues on the next Read; RecvMsg says
// where messages end). Read returns io.EOF once the peer has shut down and
// every message has been read.
type Conn struct {
	s  *Stack
	pb *portBinding

	// Guarded by s.mu:
	e           *entry
	rq          recvQueue
	events      EventMask
	defaults    SndInfo
	established bool
	peerDone    bool  // the peer shut down or the association ended
	endErr      error // why the association ended abnormally
	closed      bool

	recvEnd func() error // recvEndErr, bound once: a method value per call allocates

	deadlines
}

var _ net.Conn = (*Conn)(nil)

func newConn(s *Stack, pb *portBinding) *Conn {
	c := &Conn{s: s, pb: pb, rq: newRecvQueue(), deadlines: newDeadlines()}
	c.recvEnd = c.recvEndErr
	return c
}

// attach makes c the owner of e. Called with s.mu held.
func (c *Conn) attach(e *entry) {
	c.e = e
	e.owner = c
}

func (c *Conn) deliver(e *entry, ev assoc.Event) {
	switch v := ev.(type) {
	case assoc.ShutdownEvent:
		c.peerDone = true
	case assoc.AssocChange:
		switch v.State {
		case assoc.CommUp, assoc.Restart:
			c.established = true
		case assoc.CommLost, assoc.CantStartAssoc:
			c.peerDone = true
			c.endErr = e.closeErr
		case assoc.ShutdownComp:
			c.peerDone = true
		}
	}
	c.rq.deliver(e, ev, c.events)
	if c.peerDone {
		c.rq.signal()
	}
}

func (c *Conn) detach(e *entry) {
	c.peerDone = true
	if c.endErr == nil && e.closeErr != nil && e.closeErr != ErrShutdown {
		c.endErr = e.closeErr
	}
	c.pb.conns--
	c.s.releasePort(c.pb)
	c.rq.signal()
	close(c.rq.closed)
}

// Done returns a channel that is closed once the association has ended
// (SHUTDOWN COMPLETE, ABORT or failure) and left the Stack: a program that
// shut down gracefully waits on it before closing its Stack, so the last
// packets of the shutdown are not cut short.
func (c *Conn) Done() <-chan struct{} { return c.rq.closed }

// AssocID returns the association's id.
func (c *Conn) AssocID() AssocID { return c.e.id }

// Subscribe selects the notifications RecvMsg returns (SCTP_EVENT).
func (c *Conn) Subscribe(m EventMask) {
	c.s.mu.Lock()
	c.events = m
	c.s.mu.Unlock()
}

// SetDefaultSend sets the stream, PPID and flags Write uses
// (SCTP_DEFAULT_SNDINFO).
func (c *Conn) SetDefaultSend(info SndInfo) {
	c.s.mu.Lock()
	c.defaults = info
	c.s.mu.Unlock()
}

// RecvMsg reads the next message (or notification) with its details.
// After the peer's shutdown and the last message, it returns io.EOF.
func (c *Conn) RecvMsg(b []byte) (int, RcvInfo, error) {
	return c.s.recv(&c.rq, b, &c.rdl, c.recvEnd)
}

// recvEndErr says why RecvMsg cannot wait for more (nil while it can).
// Called with s.mu held.
func (c *Conn) recvEndErr() error {
	switch {
	case c.closed:
		return ErrClosed
	case c.endErr != nil:
		return c.endErr
	case c.peerDone:
		return io.EOF
	}
	return nil
}

// Read reads message bytes, skipping notifications.
func (c *Conn) Read(b []byte) (int, error) {
	for {
		n, info, err := c.RecvMsg(b)
		if err != nil {
			return n, err
		}
		if info.Flags&FlagNotification == 0 {
			return n, nil
		}
	}
}

// Write sends b as one message with the default send parameters. It blocks
// while the send buffer is full.
func (c *Conn) Write(b []byte) (int, error) {
	c.s.mu.Lock()
	info := c.defaults
	c.s.mu.Unlock()
	return c.SendMsg(b, info)
}

// SendMsg sends b as one message with info's stream, PPID and flags
// (AssocID is ignored, To is used only with SendAddrOver). SendEOF shuts
// down after it; SendAbort aborts with b as the reason.
func (c *Conn) SendMsg(b []byte, info SndInfo) (int, error) {
	if info.Flags&SendAll != 0 {
		return 0, ErrNotOneToMany
	}
	return c.s.send(c.e, b, info, &c.wdl, func() bool { return c.closed })
}

// Shutdown starts a graceful shutdown (SHUTDOWN after queued data, RFC
// 9260 9.2); Read keeps returning what arrives until the peer finishes.
func (c *Conn) Shutdown() error {
	_, err := c.SendMsg(nil, SndInfo{Flags: SendEOF})
	return err
}

// Abort aborts the association with reason in a User-Initiated Abort cause.
func (c *Conn) Abort(reason []byte) error {
	_, err := c.SendMsg(reason, SndInfo{Flags: SendAbort})
	return err
}

// Close shuts the association down gracefully and closes the socket. The
// shutdown completes in the background; pending calls return ErrClosed.
func (c *Conn) Close() error {
	s := c.s
	s.mu.Lock()
	if c.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	c.closed = true
	out := s.newBatch()
	if _, live := s.tbl.byID[c.e.id]; live {
		now := time.Now()
		c.e.a.Shutdown(now)
		s.after(now, c.e, out)
	}
	c.rq.signal()
	s.mu.Unlock()
	s.flush(out)
	return nil
}

// Status reports the association's state (SCTP_STATUS).
func (c *Conn) Status() Status {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return statusOf(c.e)
}

// PeerAddrInfo reports one path (SCTP_GET_PEER_ADDR_INFO).
func (c *Conn) PeerAddrInfo(addr net.Addr) (PathInfo, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return pathInfoOf(c.e, addr)
}

// SetPrimary makes addr the primary path (SCTP_PRIMARY_ADDR).
func (c *Conn) SetPrimary(addr net.Addr) error {
	a, err := toAddr(addr)
	if err != nil {
		return err
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.e.a.SetPrimary(a.IP.Unmap())
}

// LocalAddr returns the socket's first local address and SCTP port.
func (c *Conn) LocalAddr() net.Addr {
	a := &Addr{Port: c.pb.port, IP: netip.IPv4Unspecified()}
	if ips := c.s.boundIPs(c.pb); len(ips) > 0 {
		a.IP = ips[0]
	}
	return a
}

// LocalAddrs returns every local address of the association.
func (c *Conn) LocalAddrs() []*Addr {
	ips := c.s.boundIPs(c.pb)
	out := make([]*Addr, 0, len(ips))
	for _, ip := range ips {
		out = append(out, &Addr{IP: ip, Port: c.pb.port})
	}
	return out
}

// RemoteAddr returns the peer's primary address.
func (c *Conn) RemoteAddr() net.Addr {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return c.e.from()
}

// RemoteAddrs returns every address of the peer.
func (c *Conn) RemoteAddrs() []*Addr {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return peerAddrsOf(c.e)
}

func peerAddrsOf(e *entry) []*Addr {
	var out []*Addr
	for _, p := range e.a.PeerAddrs() {
		out = append(out, &Addr{IP: p.Addr(), Port: e.a.PeerPort(), UDPPort: p.Port()})
	}
	return out
}
