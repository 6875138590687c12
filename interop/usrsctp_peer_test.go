package interop

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack"
)

// peerOpts configure one run of testdata/peer.c.
type peerOpts struct {
	client   bool
	many     bool        // one-to-many socket (SOCK_SEQPACKET)
	sctpPort int         // local SCTP port (0: ephemeral for servers)
	udpPort  int         // local UDP encapsulation port (0: a free one)
	to       *stack.Addr // client: the server to connect to (UDPPort is its encapsulation port)
	ourUDP   uint16      // our Stack's UDP port, the peer's remote encapsulation port
	local    string      // -L: the addresses to bind, comma-separated (default 127.0.0.1)
	extra    []string    // more flags for peer.c (timers, source pinning)
}

// usrPeer is a running testdata/peer.c.
type usrPeer struct {
	*proc
	udpPort  int
	sctpPort int
}

// addr is the peer's SCTP-over-UDP address as our stack sees it.
func (p *usrPeer) addr() *stack.Addr {
	return &stack.Addr{IP: loopback, Port: uint16(p.sctpPort), UDPPort: uint16(p.udpPort)}
}

// startPeer runs testdata/peer.c and waits until it is listening (server)
// or about to connect (client) with its UDP port really held.
func startPeer(t *testing.T, o peerOpts) *usrPeer {
	t.Helper()
	bin := usrsctpPeer(t)
	for attempt := 0; ; attempt++ {
		udp := o.udpPort
		if udp == 0 {
			udp = freeUDPPort(t)
		}
		local := o.local
		if local == "" {
			local = "127.0.0.1"
		}
		args := []string{"-mode", "server", "-L", local, "-E", strconv.Itoa(udp),
			"-U", strconv.Itoa(int(o.ourUDP)), "-p", strconv.Itoa(o.sctpPort)}
		if o.client {
			args[1] = "client"
			args = append(args, "-a", o.to.IP.String(), "-r", strconv.Itoa(int(o.to.Port)))
		}
		if o.many {
			args = append(args, "-many")
		}
		args = append(args, o.extra...)
		p := startProc(t, bin, args...)
		m := p.expect(`^READY port=(\d+)`)
		if !udpPortTaken(udp) {
			// usrsctp_init carries on silently without its UDP port.
			p.kill()
			if o.udpPort != 0 || attempt == 3 {
				t.Fatalf("usrsctp peer could not bind UDP port %d; its output:\n%s", udp, p.output())
			}
			continue
		}
		port, _ := strconv.Atoi(m[1])
		if o.client {
			port = o.sctpPort
		}
		return &usrPeer{proc: p, udpPort: udp, sctpPort: port}
	}
}

// accept waits for one association on ln within opTimeout.
func accept(t *testing.T, ln *stack.Listener) *stack.Conn {
	t.Helper()
	type res struct {
		c   *stack.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.AcceptSCTP()
		ch <- res{c, err}
	}()
	timer := time.NewTimer(opTimeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("accept: %v", r.err)
		}
		t.Cleanup(func() { r.c.Close() })
		return r.c
	case <-timer.C:
		ln.Close()
		t.Fatalf("no association accepted within %v", opTimeout)
		return nil
	}
}

// dial connects a one-to-one socket of s to to.
func dial(t *testing.T, s *ourStack, to *stack.Addr) *stack.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	c, err := s.Dial(ctx, netip.AddrPortFrom(to.IP, to.Port).String(), stack.DialOptions{PeerUDPPort: to.UDPPort})
	if err != nil {
		t.Fatalf("dial %v (UDP port %d): %v", to, to.UDPPort, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// listen opens a one-to-one listener on 127.0.0.1 and an ephemeral port.
func listen(t *testing.T, s *ourStack, port int) (*stack.Listener, *stack.Addr) {
	t.Helper()
	ln, err := s.Listen(fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	a := ln.Addr().(*stack.Addr)
	return ln, &stack.Addr{IP: loopback, Port: a.Port, UDPPort: s.udpPort}
}

// listenPacket opens a one-to-many listening socket on 127.0.0.1.
func listenPacket(t *testing.T, s *ourStack, port int) (*stack.PacketConn, *stack.Addr) {
	t.Helper()
	pc, err := s.ListenPacket(fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("listen packet: %v", err)
	}
	t.Cleanup(func() { pc.Close() })
	a := pc.LocalAddr().(*stack.Addr)
	return pc, &stack.Addr{IP: loopback, Port: a.Port, UDPPort: s.udpPort}
}
