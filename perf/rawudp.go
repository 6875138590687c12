package perf

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// The raw UDP baseline: one connected sender writing one datagram per
// system call as fast as it can, one receiver counting what arrives. It is
// the ceiling for any protocol over the same sockets without batching.

func udpPair() (rcv, snd *net.UDPConn, err error) {
	lo := net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 0))
	rcv, err = net.ListenUDP("udp4", lo)
	if err != nil {
		return nil, nil, err
	}
	snd, err = net.DialUDP("udp4", lo, rcv.LocalAddr().(*net.UDPAddr))
	if err != nil {
		rcv.Close()
		return nil, nil, err
	}
	RaiseBuffers(rcv, BufferSize)
	RaiseBuffers(snd, BufferSize)
	return rcv, snd, nil
}

// UDPThroughput measures raw UDP datagram goodput on loopback.
func UDPThroughput(o Options) (Throughput, error) {
	o, err := o.withDefaults()
	if err != nil {
		return Throughput{}, err
	}
	if o.Size > 65507 {
		return Throughput{}, fmt.Errorf("perf: %d bytes do not fit in a UDP datagram", o.Size)
	}
	rcv, snd, err := udpPair()
	if err != nil {
		return Throughput{}, err
	}
	var recvd Counter
	go func() {
		buf := make([]byte, 1<<16)
		for {
			n, err := rcv.Read(buf)
			if err != nil {
				return
			}
			recvd.add(n, true)
		}
	}()
	stop := make(chan struct{})
	failed := make(chan error, 1)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		msg := make([]byte, o.Size)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := snd.Write(msg); err != nil {
				// ECONNREFUSED can follow a drop on loopback; only a
				// closed socket ends the sender.
				if errors.Is(err, net.ErrClosed) {
					return
				}
			}
		}
	}()
	t, err := measure(&recvd, o, failed)
	close(stop)
	<-sent
	snd.Close()
	rcv.Close()
	return t, err
}

// UDPRTT measures raw UDP ping-pong of size-byte datagrams for d.
func UDPRTT(size int, d time.Duration) (RTT, error) {
	if size < 1 || size > 65507 {
		return RTT{}, fmt.Errorf("perf: datagram size %d", size)
	}
	rcv, snd, err := udpPair()
	if err != nil {
		return RTT{}, err
	}
	defer rcv.Close()
	defer snd.Close()
	go echoUDP(rcv)
	req := make([]byte, size)
	resp := make([]byte, 1<<16)
	// Loopback does not lose a lone datagram; a deadline keeps a surprise
	// from hanging the run.
	snd.SetReadDeadline(time.Now().Add(d + 10*time.Second))
	return roundTrips(d, func() error {
		if _, err := snd.Write(req); err != nil {
			return err
		}
		n, err := snd.Read(resp)
		if err != nil {
			return err
		}
		if n != size {
			return errors.New("udp: echo of the wrong size")
		}
		return nil
	})
}

// echoUDP sends every datagram c receives back to its sender, until c is
// closed: the far end of the raw UDP round trips.
func echoUDP(c *net.UDPConn) {
	buf := make([]byte, 1<<16)
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		if _, err := c.WriteToUDPAddrPort(buf[:n], from); err != nil {
			return
		}
	}
}
