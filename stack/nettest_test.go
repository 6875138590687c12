package stack

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/net/nettest"
)

// udpStack starts a Stack on real UDP at 127.0.0.1, ephemeral port.
func udpStack(t *testing.T) *Stack {
	t.Helper()
	s, err := New(Config{Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func udpPort(s *Stack) uint16 { return s.LocalAddrs()[0].Port() }

// TestNettestDialAccept runs x/net/nettest's net.Conn conformance suite on
// a Dial/Accept pair over real UDP on loopback.
func TestNettestDialAccept(t *testing.T) {
	nettest.TestConn(t, func() (net.Conn, net.Conn, func(), error) {
		a, b := udpStack(t), udpStack(t)
		ln, err := b.Listen("127.0.0.1:7")
		if err != nil {
			return nil, nil, nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c1, err := a.Dial(ctx, "127.0.0.1:7", DialOptions{PeerUDPPort: udpPort(b)})
		if err != nil {
			return nil, nil, nil, err
		}
		c2, err := ln.Accept()
		if err != nil {
			return nil, nil, nil, err
		}
		stop := func() {
			c1.Close()
			c2.Close()
			a.Close()
			b.Close()
		}
		return c1, c2, stop, nil
	})
}

// TestNettestPeelOff runs the same suite on Conns made by PeelOff from
// one-to-many sockets on both sides.
func TestNettestPeelOff(t *testing.T) {
	nettest.TestConn(t, func() (net.Conn, net.Conn, func(), error) {
		a, b := udpStack(t), udpStack(t)
		srv, err := b.ListenPacket("127.0.0.1:2013")
		if err != nil {
			return nil, nil, nil, err
		}
		cli, err := a.BindPacket("127.0.0.1:0")
		if err != nil {
			return nil, nil, nil, err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		id, err := cli.Connect(ctx, &Addr{IP: netip.MustParseAddr("127.0.0.1"), Port: 2013, UDPPort: udpPort(b)})
		if err != nil {
			return nil, nil, nil, err
		}
		c1, err := cli.PeelOff(id)
		if err != nil {
			return nil, nil, nil, err
		}
		// The server learns the association when the handshake completes;
		// a first message tells it the id.
		if _, err := c1.Write([]byte("hello")); err != nil {
			return nil, nil, nil, err
		}
		_, info, err := srv.RecvMsg(make([]byte, 16))
		if err != nil {
			return nil, nil, nil, err
		}
		c2, err := srv.PeelOff(info.AssocID)
		if err != nil {
			return nil, nil, nil, err
		}
		stop := func() {
			c1.Close()
			c2.Close()
			cli.Close()
			srv.Close()
			a.Close()
			b.Close()
		}
		return c1, c2, stop, nil
	})
}
