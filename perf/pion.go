package perf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/pion/logging"
	"github.com/pion/sctp"
)

// pion/sctp runs over any net.Conn; here a pair of loopback UDP sockets
// with the same buffers as the stack's, so it is an SCTP-over-UDP peer too.

// Pion's send-side flow control: a writer waits while more than
// pionMaxBuffered bytes are queued and resumes below pionLowBuffered, the
// OnBufferedAmountLow pattern pion's users follow. Its BlockWrite mode
// waits for the queue to empty after every message, which is slower.
const (
	pionMaxBuffered = 1 << 20
	pionLowBuffered = 512 << 10
)

// peerConn is a bound UDP socket that reads anything and writes to one
// peer: the server end, whose peer's port is known only after it binds.
type peerConn struct {
	*net.UDPConn
	peer netip.AddrPort
}

func (c *peerConn) Read(b []byte) (int, error) {
	n, _, err := c.ReadFromUDPAddrPort(b)
	return n, err
}

func (c *peerConn) Write(b []byte) (int, error) { return c.WriteToUDPAddrPort(b, c.peer) }

func (c *peerConn) RemoteAddr() net.Addr { return net.UDPAddrFromAddrPort(c.peer) }

// pionPair is a pion client and server association over loopback UDP.
type pionPair struct {
	client, server *sctp.Association
}

func silentLogs() logging.LoggerFactory {
	f := logging.NewDefaultLoggerFactory()
	f.DefaultLogLevel = logging.LogLevelDisabled
	return f
}

func newPionPair(ctx context.Context) (*pionPair, error) {
	lo := net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 0))
	sconn, err := net.ListenUDP("udp4", lo)
	if err != nil {
		return nil, err
	}
	cconn, err := net.DialUDP("udp4", lo, sconn.LocalAddr().(*net.UDPAddr))
	if err != nil {
		sconn.Close()
		return nil, err
	}
	RaiseBuffers(sconn, BufferSize)
	RaiseBuffers(cconn, BufferSize)
	srvConn := &peerConn{UDPConn: sconn, peer: cconn.LocalAddr().(*net.UDPAddr).AddrPort()}

	type result struct {
		a   *sctp.Association
		err error
	}
	srvDone := make(chan result, 1)
	go func() {
		a, err := sctp.ServerWithOptions(sctp.WithNetConn(srvConn), sctp.WithMTU(MTU),
			sctp.WithLoggerFactory(silentLogs()))
		srvDone <- result{a, err}
	}()
	cli, err := sctp.ClientContext(ctx, sctp.WithNetConn(cconn), sctp.WithMTU(MTU),
		sctp.WithLoggerFactory(silentLogs()))
	if err != nil {
		cconn.Close()
		sconn.Close()
		<-srvDone
		return nil, fmt.Errorf("pion: client: %w", err)
	}
	r := <-srvDone
	if r.err != nil {
		cli.Close()
		sconn.Close()
		return nil, fmt.Errorf("pion: server: %w", r.err)
	}
	return &pionPair{client: cli, server: r.a}, nil
}

func (p *pionPair) Close() {
	p.client.Close()
	p.server.Close()
}

// PionThroughput measures one pion association's goodput on loopback.
func PionThroughput(o Options) (Throughput, error) {
	o, err := o.withDefaults()
	if err != nil {
		return Throughput{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := newPionPair(ctx)
	if err != nil {
		return Throughput{}, err
	}
	var recvd Counter
	go func() {
		for {
			st, err := p.server.AcceptStream()
			if err != nil {
				return
			}
			go func() {
				buf := make([]byte, 1<<16)
				for {
					n, err := st.Read(buf)
					if err != nil {
						return
					}
					recvd.add(n, true)
				}
			}()
		}
	}()
	streams := make([]*sctp.Stream, o.Streams)
	low := make(chan struct{}, 1)
	for i := range streams {
		st, err := p.client.OpenStream(uint16(i), sctp.PayloadTypeWebRTCBinary)
		if err != nil {
			p.Close()
			return Throughput{}, err
		}
		if o.Unordered {
			st.SetReliabilityParams(true, sctp.ReliabilityTypeReliable, 0)
		}
		st.SetBufferedAmountLowThreshold(pionLowBuffered)
		st.OnBufferedAmountLow(func() {
			select {
			case low <- struct{}{}:
			default:
			}
		})
		streams[i] = st
	}
	stop := make(chan struct{})
	failed := make(chan error, 1)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		msg := make([]byte, o.Size)
		for i := 0; ; i++ {
			st := streams[i%len(streams)]
			for st.BufferedAmount() > pionMaxBuffered {
				select {
				case <-low:
				case <-stop:
					return
				}
			}
			select {
			case <-stop:
				return
			default:
			}
			if _, err := st.Write(msg); err != nil {
				report(failed, fmt.Errorf("pion: write: %w", err))
				return
			}
		}
	}()
	t, err := measure(&recvd, o, failed)
	close(stop)
	p.Close()
	<-sent
	return t, err
}

// PionRTT measures pion round trips of size-byte messages for d.
func PionRTT(size int, d time.Duration) (RTT, error) {
	if size < 1 {
		return RTT{}, fmt.Errorf("perf: message size %d", size)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := newPionPair(ctx)
	if err != nil {
		return RTT{}, err
	}
	defer p.Close()
	go func() {
		st, err := p.server.AcceptStream()
		if err != nil {
			return
		}
		buf := make([]byte, 1<<16)
		for {
			n, err := st.Read(buf)
			if err != nil {
				return
			}
			if _, err := st.Write(buf[:n]); err != nil {
				return
			}
		}
	}()
	st, err := p.client.OpenStream(0, sctp.PayloadTypeWebRTCBinary)
	if err != nil {
		return RTT{}, err
	}
	req := make([]byte, size)
	resp := make([]byte, 1<<16)
	return roundTrips(d, func() error {
		if _, err := st.Write(req); err != nil {
			return err
		}
		n, err := st.Read(resp)
		if err != nil {
			return err
		}
		if n != size {
			return errors.New("pion: echo of the wrong size")
		}
		return nil
	})
}
