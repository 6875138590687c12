package interop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/sctp"
	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// Cells against pion/sctp v1.12.1, in-process over loopback UDP.
//
// pion drops an INIT carrying any parameter it does not know whose type has
// the "stop" action bits (RFC 9260 3.2.1), IPv4/IPv6 Address parameters
// included (pion v1.12.1 chunk_init.go, check()). A Stack bound to 127.0.0.1
// lists that address in its INIT, so the cells where pion is the server run
// our Stack on the wildcard, which lists no address (RFC 9260 5.1.2: the
// peer then uses the packet's source address). TestPionServerAddressParams
// keeps the evidence.

// newPionServerSideStack is the Stack of cells where pion is the server.
func newPionServerSideStack(t *testing.T, cfg assoc.Config) *ourStack {
	t.Helper()
	return newStackOn(t, cfg, nil)
}

// pionTarget is pion's SCTP-over-UDP address.
func pionTarget(p *pionPeer) *stack.Addr {
	return &stack.Addr{IP: p.addr().Addr(), Port: pionSCTPPort, UDPPort: p.addr().Port()}
}

// TestPionClientToOneToOne: a pion client associates with our one-to-one
// Listener, messages echo, and our graceful shutdown ends pion's reads with
// io.EOF.
func TestPionClientToOneToOne(t *testing.T) {
	s := newStack(t, assoc.Config{})
	ln, _ := listen(t, s, pionSCTPPort)
	p := startPionClient(t, s, pionLocal(0))
	c := accept(t, ln)
	echoInOrder(t, c, sizesMessages([]int{1, 100, 2000, 20000}))
	c.Subscribe(stack.EventAssocChange)
	if err := c.Shutdown(); err != nil {
		t.Fatal(err)
	}
	waitShutdownComplete(t, c)
	if err := p.waitErr(t); !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		t.Fatalf("pion after our shutdown: %v, want io.EOF or net.ErrClosed", err)
	}
}

// TestPionServerFromOneToOne: our Dial associates with a pion server,
// messages echo, and pion's graceful shutdown ends our Read with io.EOF.
func TestPionServerFromOneToOne(t *testing.T) {
	s := newPionServerSideStack(t, assoc.Config{})
	p := startPionServer(t, s, pionLocal(0))
	c := dial(t, s, pionTarget(p.pionPeer))
	p.wait(t)
	echoInOrder(t, c, sizesMessages([]int{1, 100, 2000, 20000}))
	if _, err := c.SendMsg(cmdShutdown, stack.SndInfo{}); err != nil {
		t.Fatal(err)
	}
	waitEOF(t, c)
}

// TestPionClientToOneToMany: a pion client associates with our one-to-many
// socket; AssocID(addr) names it; messages echo; Shutdown(id) completes.
func TestPionClientToOneToMany(t *testing.T) {
	s := newStack(t, assoc.Config{})
	pc, _ := listenPacket(t, s, pionSCTPPort)
	pc.Subscribe(stack.EventAssocChange)
	p := startPionClient(t, s, pionLocal(0))
	up := waitAssocChange(t, assocEnd{pc, 0}, 0, assoc.CommUp)
	id, err := pc.AssocID(pionTarget(p))
	if err != nil || id != up.AssocID {
		t.Fatalf("AssocID(%v) = %v, %v; COMM_UP named %v", pionTarget(p), id, err, up.AssocID)
	}
	e := assocEnd{pc, id}
	echoInOrder(t, e, sizesMessages([]int{1, 100, 2000, 20000}))
	if err := pc.Shutdown(id); err != nil {
		t.Fatal(err)
	}
	waitAssocChange(t, e, id, assoc.ShutdownComp)
	if err := p.waitErr(t); !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		t.Fatalf("pion after our shutdown: %v, want io.EOF or net.ErrClosed", err)
	}
}

// TestPionServerFromOneToMany: our one-to-many socket connects to a pion
// server, messages echo, and pion's graceful shutdown completes on ours;
// then a send to another pion server sets an association up implicitly.
func TestPionServerFromOneToMany(t *testing.T) {
	s := newPionServerSideStack(t, assoc.Config{})
	p := startPionServer(t, s, pionLocal(0))
	pc, err := s.BindPacket("0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	pc.Subscribe(stack.EventAssocChange)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	id, err := pc.Connect(ctx, pionTarget(p.pionPeer))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	p.wait(t)
	e := assocEnd{pc, id}
	waitAssocChange(t, e, id, assoc.CommUp)
	echoInOrder(t, e, sizesMessages([]int{1, 100, 2000, 20000}))
	if _, err := e.SendMsg(cmdShutdown, stack.SndInfo{}); err != nil {
		t.Fatal(err)
	}
	waitAssocChange(t, e, id, assoc.ShutdownComp)

	// Implicit setup to a second pion server: the first message rides
	// with the handshake and is echoed.
	p2 := startPionServer(t, s, pionLocal(1))
	first := makeMsg(7, 300, 3, 77, false)
	if _, err := pc.SendMsg(first.b, stack.SndInfo{To: pionTarget(p2.pionPeer), Stream: 3, PPID: 77}); err != nil {
		t.Fatalf("implicit setup send: %v", err)
	}
	p2.wait(t)
	got, info, err := readData(assocEnd{pc, 0})
	if err != nil {
		t.Fatalf("echo after implicit setup: %v", err)
	}
	checkEcho(t, 0, got, info, first)
}

// TestPionAbort: ABORT in both directions.
func TestPionAbort(t *testing.T) {
	t.Run("ours", func(t *testing.T) {
		s := newPionServerSideStack(t, assoc.Config{})
		p := startPionServer(t, s, pionLocal(0))
		c := dial(t, s, pionTarget(p.pionPeer))
		p.wait(t)
		echoInOrder(t, c, sizesMessages([]int{10}))
		if err := c.Abort([]byte("interop test abort")); err != nil {
			t.Fatal(err)
		}
		if err := p.waitErr(t); !errors.Is(err, sctp.ErrUserInitiatedAbort) || !strings.Contains(err.Error(), "interop test abort") {
			t.Fatalf("pion after our ABORT: %v, want a User-Initiated Abort with our reason", err)
		}
	})
	t.Run("peers", func(t *testing.T) {
		s := newPionServerSideStack(t, assoc.Config{})
		p := startPionServer(t, s, pionLocal(0))
		c := dial(t, s, pionTarget(p.pionPeer))
		p.wait(t)
		echoInOrder(t, c, sizesMessages([]int{10}))
		if _, err := c.SendMsg(cmdAbort, stack.SndInfo{}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := readData(c); !errors.Is(err, stack.ErrAborted) {
			t.Fatalf("read after pion's ABORT: %v, want ErrAborted", err)
		}
	})
}

// TestPionMessageSizes: messages from 1 byte to 4 MiB both ways.
func TestPionMessageSizes(t *testing.T) {
	s := newPionServerSideStack(t, assoc.Config{RecvBuffer: 8 << 20, SendBuffer: 8 << 20})
	p := startPionServer(t, s, pionLocal(0))
	c := dial(t, s, pionTarget(p.pionPeer))
	p.wait(t)
	start := time.Now()
	echoInOrder(t, c, sizesMessages(messageSizes))
	t.Logf("%d messages up to %d bytes echoed in %v", len(messageSizes), messageSizes[len(messageSizes)-1], time.Since(start))
}

// TestPionStreams: ten streams, ordered and unordered interleaved, a PPID
// per stream, both ways.
func TestPionStreams(t *testing.T) {
	s := newPionServerSideStack(t, assoc.Config{OutStreams: 10})
	p := startPionServer(t, s, pionLocal(0))
	c := dial(t, s, pionTarget(p.pionPeer))
	p.wait(t)
	echoMixed(t, c, mixedMessages(200, 10))
}

// TestPionOneToManyFiveClients: five pion clients (127.0.0.2-6) on one of
// our one-to-many sockets; each message carries the right AssocID; SENDALL
// reaches each once; a peeled-off association leaves the socket.
func TestPionOneToManyFiveClients(t *testing.T) {
	s := newStack(t, assoc.Config{})
	pc, _ := listenPacket(t, s, pionSCTPPort)
	var peers []*pionPeer
	for i := range 5 {
		peers = append(peers, startPionClient(t, s, pionLocal(i)))
	}
	ids := make([]stack.AssocID, 5)
	for i, p := range peers {
		id, err := pc.AssocID(pionTarget(p))
		if err != nil {
			t.Fatalf("AssocID(pion %d at %v): %v", i, p.addr(), err)
		}
		ids[i] = id
	}
	if got := pc.Associations(); len(got) != 5 {
		t.Fatalf("Associations() = %v, want 5", got)
	}
	want := map[int]stack.AssocID{}
	var msgs []msg
	for range 2 {
		for i, id := range ids {
			m := makeMsg(len(msgs), 200+i, uint16(i), uint32(1000+i), false)
			want[len(msgs)] = id
			msgs = append(msgs, m)
			if _, err := pc.SendMsg(m.b, stack.SndInfo{AssocID: id, Stream: uint16(i), PPID: uint32(1000 + i)}); err != nil {
				t.Fatalf("send to %v: %v", id, err)
			}
		}
	}
	checkEchoesByAssoc(t, assocEnd{pc, 0}, msgs, want)
	sendAllAndPeel(t, pc, ids)
}

// TestPionPeerRestart: a pion client vanishes without a word and a new one
// comes from the same IP and UDP port; its INIT restarts the association
// (RFC 9260 5.2.4) and data flows again.
func TestPionPeerRestart(t *testing.T) {
	s := newStack(t, assoc.Config{})
	pc, _ := listenPacket(t, s, pionSCTPPort)
	pc.Subscribe(stack.EventAssocChange)
	e := assocEnd{pc, 0}
	p := startPionClient(t, s, pionLocal(0))
	id := waitAssocChange(t, e, 0, assoc.CommUp).AssocID
	echoInOrder(t, assocEnd{pc, id}, sizesMessages([]int{10}))
	// pion's Close sends nothing: to our stack the peer just went quiet.
	local := p.addr()
	p.a.Close()

	startPionClient(t, s, local)
	ac := waitAssocChange(t, e, 0, assoc.Restart, assoc.CommUp)
	t.Logf("after the peer's restart: %v on association %v (was %v)", ac.State, ac.AssocID, id)
	if ac.State == assoc.Restart && ac.AssocID != id {
		t.Errorf("RESTART reported for association %v, want %v", ac.AssocID, id)
	}
	echoInOrder(t, assocEnd{pc, ac.AssocID}, sizesMessages([]int{10, 3000}))
}

// TestPionServerAddressParams keeps the evidence for the workaround above:
// our Stack bound to 127.0.0.1 lists that address in its INIT, and a pion
// server drops such an INIT. It passes (the limitation is gone) if pion
// answers; otherwise it skips with pion's own log and our INIT's
// parameters.
func TestPionServerAddressParams(t *testing.T) {
	s := newStack(t, assoc.Config{RTOInitial: 100 * time.Millisecond, RTOMax: 200 * time.Millisecond})
	p := startPionServer(t, s, pionLocal(0))
	t.Cleanup(func() { p.conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	c, err := s.Dial(ctx, netip.AddrPortFrom(pionLocal(0).Addr(), pionSCTPPort).String(),
		stack.DialOptions{PeerUDPPort: p.addr().Port()})
	if err == nil {
		c.Close()
		t.Log("pion accepts our INIT: the address-parameter limitation no longer applies")
		return
	}
	var params []string
	for _, b := range s.guard.firstSent() {
		pkt, perr := wire.ParsePacket(b)
		if perr != nil {
			t.Fatalf("our packet does not parse: %v", perr)
		}
		for _, ch := range pkt.Chunks {
			if in, ok := ch.(*wire.Init); ok {
				params = params[:0]
				for _, prm := range in.Params {
					params = append(params, fmt.Sprintf("%T(type %d)", prm, prm.ParamType()))
				}
			}
		}
	}
	t.Skipf("peer limitation: pion v1.12.1 drops an INIT with an IPv4 Address parameter "+
		"(type 5, 'stop' action bits; RFC 9260 5.1.2 allows it). Our INIT parameters: %v. Dial: %v. pion log:\n%s",
		params, err, p.log)
}

// TestPionIPv6: a pion client over ::1 with our one-to-one Listener bound
// to ::1: setup, messages both ways, graceful shutdown.
func TestPionIPv6(t *testing.T) {
	v6 := netip.IPv6Loopback()
	probe, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	probe.Close()
	s := newStackOn(t, assoc.Config{}, []netip.Addr{v6})
	ln, err := s.Listen(fmt.Sprintf("[::1]:%d", pionSCTPPort))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := startPionClient(t, s, netip.AddrPortFrom(v6, 0))
	c := accept(t, ln)
	echoInOrder(t, c, sizesMessages([]int{1, 1400, 1500, 70000}))
	c.Subscribe(stack.EventAssocChange)
	if err := c.Shutdown(); err != nil {
		t.Fatal(err)
	}
	waitShutdownComplete(t, c)
	if err := p.waitErr(t); !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		t.Fatalf("pion after our shutdown: %v, want io.EOF or net.ErrClosed", err)
	}
}
