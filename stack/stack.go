package stack

import (
	cryptorand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/pion/logging"
	"github.com/udpsctp/udpsctp/encap"
	"github.com/udpsctp/udpsctp/stack/assoc"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// DefaultUDPPort is the UDP encapsulation port of RFC 6951 5.1.
const DefaultUDPPort = 9899

// Config configures a Stack. The zero value works: real UDP on an
// ephemeral port on every address, RFC 9260 protocol defaults.
type Config struct {
	// UDPPort is the UDP encapsulation port; 0 picks an ephemeral one.
	// Peers expect DefaultUDPPort unless told otherwise.
	UDPPort uint16
	// Addrs are the local IP addresses to bind; empty binds the wildcard.
	Addrs []netip.Addr
	// Transport replaces real UDP (UDPPort and Addrs are then ignored),
	// e.g. an in-memory network in tests.
	Transport Transport
	// Assoc holds the protocol parameters every association starts with.
	Assoc assoc.Config
	// MaxAssociations bounds the associations of the whole Stack (0 means
	// 1<<20); sockets have their own limit too.
	MaxAssociations int
	// LoggerFactory receives the Stack's logs; nil discards them.
	LoggerFactory logging.LoggerFactory
	// Trace, when set, receives a pcap trace of every datagram sent and
	// received (see TraceEnv for turning it on from the environment).
	Trace io.Writer
}

// Stack is one SCTP-over-UDP instance: its UDP sockets, SCTP ports and
// associations. Create it with New; it is safe for concurrent use.
type Stack struct {
	cfg Config
	tr  Transport
	log logging.LeveledLogger

	mu      sync.Mutex // guards everything below and every association
	closed  bool
	tbl     *table
	timers  timerHeap
	timer   *time.Timer
	armedAt time.Time // when timer fires; zero when stopped
	ports   map[uint16]*portBinding
	tombs   tombstones // tags of recently closed associations
	// closedPort answers packets for SCTP ports nobody binds (RFC 9260
	// 8.4), without state.
	closedPort *assoc.Endpoint
	nextEphem  uint16

	bufPool   sync.Pool // *[]byte packet buffers of bufLen
	batchPool sync.Pool // *batch for user calls
	bufLen    int
	wg        sync.WaitGroup
	done      chan struct{}
	trace     io.Closer // the trace file opened for TraceEnv, if any

	// roles are the read roles of a serving transport's sockets (nil
	// otherwise); rxRole is the one whose batch is being handled.
	roles  []*readRole
	rxRole *readRole

	// unflushed counts batches holding packets not yet written (guarded by
	// mu); Close waits on flushed until it is zero.
	unflushed int
	flushed   *sync.Cond
}

// portBinding is one SCTP port in use and the sockets on it.
type portBinding struct {
	port  uint16
	ep    *assoc.Endpoint
	ips   []netip.Addr // advertised local addresses
	pc    *PacketConn  // the one-to-many socket on this port, if any
	ln    *Listener    // the one-to-one listener, if any
	conns int          // one-to-one sockets (dialed or accepted) using it
}

func (pb *portBinding) unused() bool { return pb.pc == nil && pb.ln == nil && pb.conns == 0 }

// New starts a Stack: it opens the transport and starts one reader
// goroutine per UDP socket and the timer goroutine.
func New(cfg Config) (*Stack, error) {
	tr := cfg.Transport
	if tr == nil {
		u, err := encap.ListenUDP(encap.UDPConfig{Addrs: cfg.Addrs, Port: cfg.UDPPort})
		if err != nil {
			return nil, fmt.Errorf("sctp: open UDP encapsulation port: %w", err)
		}
		tr = u
	}
	inner := tr
	tr, traceCloser, err := traceTransport(inner, cfg)
	if err != nil {
		inner.Close()
		return nil, err
	}
	if cfg.MaxAssociations <= 0 {
		cfg.MaxAssociations = 1 << 20
	}
	if cfg.Assoc.AcceptPeerAddr == nil && cfg.Assoc.AcceptPeerAddrFrom == nil {
		cfg.Assoc.AcceptPeerAddrFrom = scopeFilter(tr.LocalAddrs())
	}
	lf := cfg.LoggerFactory
	if lf == nil {
		lf = discardLoggerFactory{}
	}
	s := &Stack{
		cfg:       cfg,
		tr:        tr,
		log:       lf.NewLogger("sctp"),
		tbl:       newTable(),
		tombs:     newTombstones(cfg.Assoc.ValidCookieLife),
		ports:     make(map[uint16]*portBinding),
		nextEphem: firstEphemeral(cfg.Assoc.Rand),
		bufLen:    bufLenFor(cfg.Assoc.MTU),
		done:      make(chan struct{}),
		trace:     traceCloser,
	}
	s.flushed = sync.NewCond(&s.mu)
	s.closedPort = assoc.NewEndpoint(0, cfg.Assoc)
	s.bufPool.New = func() any { b := make([]byte, s.bufLen); return &b }
	s.batchPool.New = func() any { return &batch{s: s} }
	s.timer = time.NewTimer(time.Hour)
	s.timer.Stop()
	if sv, ok := tr.(encap.Serving); ok {
		s.startRoles(sv)
	} else {
		for _, recv := range tr.ReceiveFuncs() {
			s.wg.Add(1)
			go s.runReader(recv)
		}
	}
	s.wg.Add(1)
	go s.runTimers()
	return s, nil
}

// bufLenFor sizes outbound packet buffers: the configured MTU, or the
// association default.
func bufLenFor(mtu int) int {
	if mtu <= 0 {
		return 1452
	}
	return min(mtu, 65535)
}

// LocalAddrs reports the UDP addresses the Stack listens on.
func (s *Stack) LocalAddrs() []netip.AddrPort { return s.tr.LocalAddrs() }

// Close aborts every association, closes every socket and the transport,
// and waits for the Stack's goroutines to end.
func (s *Stack) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	out := s.newBatch()
	now := time.Now()
	for _, e := range s.tbl.byID {
		e.a.Abort(now, nil)
		s.after(now, e, out)
	}
	for _, pb := range s.ports {
		if pb.pc != nil {
			pb.pc.closeLocked(false)
		}
		if pb.ln != nil {
			pb.ln.closeLocked()
		}
	}
	s.closed = true
	s.timer.Stop()
	close(s.done)
	s.mu.Unlock()
	s.flush(out)
	// Packets other goroutines built before Close (a SHUTDOWN COMPLETE,
	// say) go out before the transport closes.
	s.mu.Lock()
	for s.unflushed > 0 {
		s.flushed.Wait()
	}
	s.mu.Unlock()
	err := s.tr.Close()
	s.wg.Wait()
	if s.trace != nil {
		s.trace.Close()
	}
	return err
}

// runReader reads batches of datagrams from one UDP socket and feeds them to
// the associations, holding the Stack mutex once per batch.
func (s *Stack) runReader(recv encap.ReceiveFunc) {
	defer s.wg.Done()
	dgs := s.readerSlots()
	out := s.loopBatch()
	for {
		for i := range dgs {
			dgs[i].Buf = dgs[i].Buf[:cap(dgs[i].Buf)]
		}
		got, err := recv(dgs)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || s.isClosed() {
				return
			}
			s.log.Debugf("read: %v", err)
			continue
		}
		if !s.handleBatch(dgs[:got], out, nil, nil) {
			return
		}
	}
}

// readerSlots allocates one reader's datagram buffers.
func (s *Stack) readerSlots() []encap.Datagram {
	dgs := make([]encap.Datagram, max(s.tr.BatchSize(), 1))
	for i := range dgs {
		dgs[i].Buf = make([]byte, 1<<16)
	}
	return dgs
}

// handleBatch feeds one batch of inbound datagrams to the associations
// under one hold of the Stack mutex and writes what they answered. r is
// the read role the batch came through (nil without roles); stop, checked
// with the mutex still held, says whether its reader should stop reading.
// It reports false once the Stack is closed or stop said so.
func (s *Stack) handleBatch(dgs []encap.Datagram, out *batch, r *readRole, stop func() bool) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	now := time.Now()
	if r != nil {
		r.handling = true
		r.handledAt = now
		r.bulk = len(dgs) > 1
		s.rxRole = r
	}
	for i := range dgs {
		s.handleDatagram(now, &dgs[i], out)
	}
	more := true
	if r != nil {
		r.handling = false
		s.rxRole = nil
		more = !stop()
	}
	s.mu.Unlock()
	s.flush(out)
	return more
}

func (s *Stack) isClosed() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// runTimers runs the expired timers of every association; one time.Timer
// serves the whole Stack, armed at the earliest deadline of the heap.
func (s *Stack) runTimers() {
	defer s.wg.Done()
	out := s.loopBatch()
	for {
		select {
		case <-s.done:
			return
		case <-s.timer.C:
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return
		}
		now := time.Now()
		s.armedAt = time.Time{}
		for e := s.timers.popDue(now); e != nil; e = s.timers.popDue(now) {
			if e.autocloseDue(now) {
				e.a.Shutdown(now)
			}
			e.a.HandleTimeout(now)
			s.after(now, e, out)
		}
		s.arm(now)
		s.mu.Unlock()
		s.flush(out)
	}
}

// arm points the Stack's timer at the heap's earliest deadline when that is
// earlier than what it is armed for. Called with s.mu held.
func (s *Stack) arm(now time.Time) {
	next := s.timers.next()
	if next.IsZero() || (!s.armedAt.IsZero() && !next.Before(s.armedAt)) {
		return
	}
	s.armedAt = next
	s.timer.Reset(max(next.Sub(now), 0))
}

// handleDatagram demultiplexes one inbound packet (RFC 9260 8.5): to its
// association, or to the endpoint of its SCTP port when it matches none.
// Called with s.mu held.
func (s *Stack) handleDatagram(now time.Time, dg *encap.Datagram, out *batch) {
	b := dg.Buf
	// RFC 9260 6.8: a packet with a bad CRC32c is discarded silently.
	if len(b) < wire.HeaderLen || !wire.VerifyChecksum(b) {
		return
	}
	hdr, _ := wire.ParseHeader(b)
	in := assoc.Inbound{Local: dg.Local, Remote: dg.Remote, Packet: b}
	if e := s.tbl.lookup(hdr.DstPort, dg.Remote.Addr().Unmap(), hdr.SrcPort, hdr.VerificationTag); e != nil {
		if s.rxRole != nil {
			e.role = s.rxRole
		}
		e.a.HandlePacket(now, in)
		s.after(now, e, out)
		return
	}
	pb := s.ports[hdr.DstPort]
	ep, listening := s.closedPort, false
	if pb != nil {
		ep = pb.ep
		listening = (pb.pc != nil && pb.pc.listening) || pb.ln != nil
	}
	reply, ok, a := ep.HandleUnmatched(now, in, listening, out.buf())
	if ok {
		out.add(reply)
	}
	if a != nil {
		if s.tombs.buried(now, a.LocalTag(), a.PeerTag()) {
			// A COOKIE ECHO replayed after its association closed: drop
			// the resurrection, send nothing.
			return
		}
		s.adopt(now, pb, a, out)
	}
}

// adopt registers an association that a listening socket accepted.
// Called with s.mu held.
func (s *Stack) adopt(now time.Time, pb *portBinding, a *assoc.Association, out *batch) {
	var o owner
	switch {
	case pb.pc != nil && pb.pc.listening:
		if !pb.pc.admits() {
			a.Abort(now, []byte("too many associations"))
			s.drain(now, a, out)
			return
		}
		o = pb.pc
	case pb.ln != nil:
		c, ok := pb.ln.admit()
		if !ok {
			a.Abort(now, []byte("listen backlog full"))
			s.drain(now, a, out)
			return
		}
		o = c
	}
	e, err := s.register(a, pb.port, o)
	if err != nil {
		a.Abort(now, nil)
		s.drain(now, a, out)
		return
	}
	if c, ok := o.(*Conn); ok {
		c.attach(e)
		pb.conns++
		pb.ln.queue(c)
	}
	s.after(now, e, out)
}

// register puts an association in the table, within the Stack's limit.
func (s *Stack) register(a *assoc.Association, port uint16, o owner) (*entry, error) {
	if len(s.tbl.byID) >= s.cfg.MaxAssociations {
		return nil, ErrTooManyAssocs
	}
	e, err := s.tbl.add(a, port, o)
	if err != nil {
		return nil, err
	}
	e.lastActive = time.Now()
	if pc, ok := o.(*PacketConn); ok {
		pc.assocs.add(e)
	}
	return e, nil
}

// drain sends what an association that never made it into the table has
// queued (its ABORT). Called with s.mu held.
func (s *Stack) drain(now time.Time, a *assoc.Association, out *batch) {
	for {
		tx, ok := a.PollTransmit(now, out.buf())
		if !ok {
			return
		}
		out.add(tx)
	}
}

// after collects what one step of an association produced: packets into
// out, events to the owning socket, timers and table indexes brought up to
// date, and the association dropped when it closed. Every call into an
// association is followed by after. Called with s.mu held.
func (s *Stack) after(now time.Time, e *entry, out *batch) {
	for {
		tx, ok := e.a.PollTransmit(now, out.buf())
		if !ok {
			break
		}
		out.add(tx)
	}
	for {
		ev, ok := e.a.PollEvent()
		if !ok {
			break
		}
		if _, ok := ev.(assoc.Message); ok {
			e.lastActive = now // autoclose; the clock costs 0.3 us here
		}
		e.observe(ev)
		e.owner.deliver(e, ev)
	}
	e.wakeWaiters()
	if e.a.Closed() {
		s.timers.set(e, time.Time{})
		if _, live := s.tbl.byID[e.id]; live {
			s.tbl.remove(e)
			s.tombs.bury(now, e.a.LocalTag(), e.a.PeerTag())
			e.owner.detach(e)
		}
		return
	}
	s.tbl.sync(e)
	s.timers.set(e, e.nextDeadline(now))
	s.arm(now)
}

// discardLoggerFactory is the default: no logging.
type discardLoggerFactory struct{}

func (discardLoggerFactory) NewLogger(string) logging.LeveledLogger { return discardLogger{} }

type discardLogger struct{}

func (discardLogger) Trace(string)          {}
func (discardLogger) Tracef(string, ...any) {}
func (discardLogger) Debug(string)          {}
func (discardLogger) Debugf(string, ...any) {}
func (discardLogger) Info(string)           {}
func (discardLogger) Infof(string, ...any)  {}
func (discardLogger) Warn(string)           {}
func (discardLogger) Warnf(string, ...any)  {}
func (discardLogger) Error(string)          {}
func (discardLogger) Errorf(string, ...any) {}

// firstEphemeral picks where the search for ephemeral SCTP ports starts,
// at random in 49152-65535. Peers tell associations apart by (IP, SCTP
// port) only, never by UDP port, so two Stacks on one IP (two client
// processes on one host) that both started at 49152 would look like one
// peer to a server, which would take the second INIT for a restart
// (found by the chat demo, issue 6).
func firstEphemeral(rnd func() uint32) uint16 {
	var r uint32
	if rnd != nil {
		r = rnd()
	} else {
		var b [4]byte
		_, _ = cryptorand.Read(b[:])
		r = binary.BigEndian.Uint32(b[:])
	}
	return uint16(49152 + r%16384)
}

// scopeFilter is the default rule for the addresses a peer lists in its
// INIT or INIT ACK (RFC 9260 5.1.2 address scoping): only families we have
// a socket for; only loopback addresses when every address we are bound to
// is loopback; and loopback addresses exactly when the list came from a
// loopback source. So a peer on this host that lists its other interfaces
// never makes us send off the host, even when we are bound to the
// wildcard, and a remote peer listing 127.0.0.1 never makes us send to
// ourselves.
func scopeFilter(bound []netip.AddrPort) func(addr, src netip.Addr) bool {
	has4, has6, onlyLoopback := false, false, true
	for _, ap := range bound {
		a := ap.Addr()
		if a.Is4() || a.Is4In6() {
			has4 = true
		} else {
			has6 = true
		}
		if !a.Unmap().IsLoopback() {
			onlyLoopback = false
		}
	}
	return func(a, src netip.Addr) bool {
		a, src = a.Unmap(), src.Unmap()
		if a.Is4() && !has4 || a.Is6() && !has6 {
			return false
		}
		if onlyLoopback && !a.IsLoopback() {
			return false
		}
		if src.IsValid() && src.IsLoopback() != a.IsLoopback() {
			return false
		}
		return a.IsValid() && !a.IsUnspecified() && !a.IsMulticast()
	}
}
