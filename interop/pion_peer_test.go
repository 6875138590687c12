package interop

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/sctp"
)

// pionSCTPPort is the SCTP port pion/sctp uses on both ends.
const pionSCTPPort = 5000

// pionPeer is a pion/sctp association in this process over a connected
// loopback UDP socket, echoing every message back on its stream with its
// PPID (and the ordering the message's header asks for, as pion does not
// report it on receive), and obeying "CMD:ABORT" and "CMD:SHUTDOWN".
type pionPeer struct {
	a    *sctp.Association
	conn *net.UDPConn
	errs chan error // read errors of each stream and failed echoes
	log  *lockedBuffer
}

// addr is the pion peer's address as our stack sees it.
func (p *pionPeer) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// lockedBuffer collects pion's log for failure messages.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// pionOptions configure a pion association on conn: buffers for 4 MiB
// messages, warnings and errors to log.
func pionOptions(conn net.Conn, log *lockedBuffer) []sctp.AssociationOption {
	lf := logging.NewDefaultLoggerFactory()
	lf.Writer = log
	lf.DefaultLogLevel = logging.LogLevelWarn
	return []sctp.AssociationOption{
		sctp.WithNetConn(conn),
		sctp.WithLoggerFactory(lf),
		sctp.WithMaxReceiveBufferSize(16 << 20),
		sctp.WithMaxMessageSize(8 << 20),
	}
}

// pionUDP opens a UDP socket on local connected to our Stack.
func pionUDP(t *testing.T, s *ourStack, local netip.AddrPort) *net.UDPConn {
	t.Helper()
	ourIP := loopback
	if local.Addr().Is6() {
		ourIP = netip.IPv6Loopback()
	}
	conn, err := net.DialUDP("udp", net.UDPAddrFromAddrPort(local),
		net.UDPAddrFromAddrPort(netip.AddrPortFrom(ourIP, s.udpPort)))
	if err != nil {
		t.Fatalf("pion UDP socket on %v: %v", local, err)
	}
	return conn
}

// startPionClient associates a pion client from local (127.0.0.x:port)
// with our Stack's SCTP port 5000 and starts its echo.
func startPionClient(t *testing.T, s *ourStack, local netip.AddrPort) *pionPeer {
	t.Helper()
	conn := pionUDP(t, s, local)
	p := &pionPeer{conn: conn, errs: make(chan error, 64), log: &lockedBuffer{}}
	type res struct {
		a   *sctp.Association
		err error
	}
	ch := make(chan res, 1)
	go func() {
		var opts []sctp.ClientOption
		for _, o := range pionOptions(conn, p.log) {
			opts = append(opts, o)
		}
		a, err := sctp.ClientWithOptions(opts...)
		ch <- res{a, err}
	}()
	p.finish(t, func() (*sctp.Association, error) {
		timer := time.NewTimer(opTimeout)
		defer timer.Stop()
		select {
		case r := <-ch:
			return r.a, r.err
		case <-timer.C:
			conn.Close()
			return nil, fmt.Errorf("pion client not associated within %v", opTimeout)
		}
	})
	return p
}

// pionServer is a pion server waiting for our INIT.
type pionServer struct {
	*pionPeer
	ch chan error
}

// startPionServer opens a pion server on local; call wait after our side
// has started the association.
func startPionServer(t *testing.T, s *ourStack, local netip.AddrPort) *pionServer {
	t.Helper()
	conn := pionUDP(t, s, local)
	p := &pionServer{pionPeer: &pionPeer{conn: conn, errs: make(chan error, 64), log: &lockedBuffer{}}, ch: make(chan error, 1)}
	go func() {
		var opts []sctp.ServerOption
		for _, o := range pionOptions(conn, p.log) {
			opts = append(opts, o)
		}
		a, err := sctp.ServerWithOptions(opts...)
		p.a = a
		p.ch <- err
	}()
	return p
}

// wait waits for the pion server's association and starts its echo.
func (p *pionServer) wait(t *testing.T) {
	t.Helper()
	p.finish(t, func() (*sctp.Association, error) {
		timer := time.NewTimer(opTimeout)
		defer timer.Stop()
		select {
		case err := <-p.ch:
			return p.a, err
		case <-timer.C:
			p.conn.Close()
			return nil, fmt.Errorf("pion server not associated within %v; pion log:\n%s", opTimeout, p.log)
		}
	})
}

func (p *pionPeer) finish(t *testing.T, get func() (*sctp.Association, error)) {
	t.Helper()
	a, err := get()
	if err != nil {
		p.conn.Close()
		t.Fatalf("pion association: %v; pion log:\n%s", err, p.log)
	}
	p.a = a
	t.Cleanup(func() {
		a.Close()
		if t.Failed() {
			t.Logf("pion log:\n%s", p.log)
		}
	})
	go p.acceptLoop()
}

func (p *pionPeer) acceptLoop() {
	for {
		st, err := p.a.AcceptStream()
		if err != nil {
			// Only io.EOF here: the cause of the end reaches the streams.
			return
		}
		go p.echo(st)
	}
}

func (p *pionPeer) echo(st *sctp.Stream) {
	buf := make([]byte, 8<<20)
	for {
		n, ppi, err := st.ReadSCTP(buf)
		if err != nil {
			p.errs <- fmt.Errorf("stream %d: %w", st.StreamIdentifier(), err)
			return
		}
		b := buf[:n]
		switch {
		case bytes.Equal(b, cmdAbort):
			p.a.Abort("interop test abort")
		case bytes.Equal(b, cmdShutdown):
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
				defer cancel()
				if err := p.a.Shutdown(ctx); err != nil {
					p.errs <- fmt.Errorf("pion shutdown: %w", err)
				}
			}()
		default:
			h, _ := parseHeader(b)
			st.SetReliabilityParams(h.unordered, sctp.ReliabilityTypeReliable, 0)
			if _, err := st.WriteSCTP(b, ppi); err != nil {
				p.errs <- fmt.Errorf("stream %d echo: %w", st.StreamIdentifier(), err)
				return
			}
		}
	}
}

// waitErr waits for a pion stream to report a read error (the end of its
// association: the ABORT's causes, or io.EOF / net.ErrClosed after a
// graceful shutdown) and returns it.
func (p *pionPeer) waitErr(t *testing.T) error {
	t.Helper()
	timer := time.NewTimer(opTimeout)
	defer timer.Stop()
	select {
	case err := <-p.errs:
		return err
	case <-timer.C:
		t.Fatalf("pion association still up after %v; pion log:\n%s", opTimeout, p.log)
		return nil
	}
}

// pionLocal returns a loopback address for the n-th pion peer of a test:
// two pion clients on one IP would be one SCTP transport address, as pion
// always uses SCTP port 5000.
func pionLocal(n int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, byte(2 + n)}), 0)
}
