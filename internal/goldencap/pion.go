package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/pion/logging"
	"github.com/pion/sctp"
)

// pionLogLevel is pion's log level (-pionlog); 0 keeps pion silent.
var pionLogLevel int

// quietLogs keeps pion silent unless asked; goldencap's own log says what
// happened.
func quietLogs() logging.LoggerFactory {
	f := logging.NewDefaultLoggerFactory()
	f.DefaultLogLevel = logging.LogLevel(pionLogLevel)
	return f
}

// dialLoopback opens a UDP socket on 127.0.0.1 connected to to: pion runs
// over any net.Conn, and this makes it an RFC 6951 peer.
func dialLoopback(to *net.UDPAddr) (*net.UDPConn, error) {
	return net.DialUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}, to)
}

// pionClient dials through the relay and completes the handshake.
func pionClient(ctx context.Context, rel *relay, interleave bool) (*sctp.Association, error) {
	conn, err := dialLoopback(rel.clientFacing())
	if err != nil {
		return nil, err
	}
	a, err := sctp.ClientContext(ctx, sctp.WithNetConn(conn), sctp.WithLoggerFactory(quietLogs()),
		sctp.WithEnableInterleaving(interleave))
	if err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("pion client: %w", err)
	}
	return a, nil
}

// pionServer prepares a server behind the relay; the returned function
// blocks until the handshake completes.
func pionServer(rel *relay, interleave bool) (func() (*sctp.Association, error), error) {
	conn, err := dialLoopback(rel.serverFacing())
	if err != nil {
		return nil, err
	}
	rel.setServer(conn.LocalAddr().(*net.UDPAddr))
	return func() (*sctp.Association, error) {
		a, err := sctp.ServerWithOptions(sctp.WithNetConn(conn), sctp.WithLoggerFactory(quietLogs()),
			sctp.WithEnableInterleaving(interleave))
		if err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("pion server: %w", err)
		}
		return a, nil
	}, nil
}

// sink accepts every incoming stream of a and counts the bytes read.
type sink struct {
	mu    sync.Mutex
	bytes int
	more  chan struct{}
}

func newSink(a *sctp.Association) *sink {
	s := &sink{more: make(chan struct{}, 1)}
	go func() {
		for {
			st, err := a.AcceptStream()
			if err != nil {
				return
			}
			go s.read(st)
		}
	}()
	return s
}

func (s *sink) read(st *sctp.Stream) {
	buf := make([]byte, 65536)
	for {
		n, err := st.Read(buf)
		if err != nil {
			return
		}
		s.mu.Lock()
		s.bytes += n
		s.mu.Unlock()
		select {
		case s.more <- struct{}{}:
		default:
		}
	}
}

// waitBytes waits until at least n bytes arrived or the timeout passes.
func (s *sink) waitBytes(n int, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got := s.bytes
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-s.more:
		case <-deadline.C:
			return fmt.Errorf("received %d of %d bytes", got, n)
		}
	}
}

// waitDrained waits until the stream's queued bytes were acknowledged.
func waitDrained(st *sctp.Stream, timeout time.Duration) error {
	done := make(chan struct{})
	var once sync.Once
	st.SetBufferedAmountLowThreshold(0)
	st.OnBufferedAmountLow(func() { once.Do(func() { close(done) }) })
	if st.BufferedAmount() == 0 {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-time.After(timeout):
		return errors.New("stream not drained")
	}
}

// writeAll writes each message to st.
func writeAll(st *sctp.Stream, sizes ...int) error {
	for _, n := range sizes {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = byte('A' + i%26)
		}
		if _, err := st.WriteSCTP(msg, sctp.PayloadTypeWebRTCBinary); err != nil {
			return err
		}
	}
	return nil
}
