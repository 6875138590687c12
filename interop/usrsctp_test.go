package interop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// Cells against usrsctp 0.9.5 through testdata/peer.c, an echo peer that
// also aborts or shuts down on command ("CMD:ABORT", "CMD:SHUTDOWN").

var (
	cmdAbort    = []byte("CMD:ABORT")
	cmdShutdown = []byte("CMD:SHUTDOWN")
)

// TestUsrsctpClientToOneToOne: a usrsctp client associates with our
// one-to-one Listener, messages echo both ways, and the peer's graceful
// shutdown ends our Read with io.EOF and completes on the peer.
func TestUsrsctpClientToOneToOne(t *testing.T) {
	s := newStack(t, assoc.Config{})
	ln, addr := listen(t, s, 0)
	p := startPeer(t, peerOpts{client: true, sctpPort: 5001, to: addr, ourUDP: s.udpPort})
	c := accept(t, ln)
	p.expect(`^CONNECTED`)
	echoInOrder(t, c, sizesMessages([]int{1, 100, 2000, 20000}))
	if _, err := c.SendMsg(cmdShutdown, stack.SndInfo{}); err != nil {
		t.Fatal(err)
	}
	p.expect(`^MSG .*len=12 `)
	waitEOF(t, c)
	p.expect(`^EOF errno=0`)
}

// TestUsrsctpServerFromOneToOne: our one-to-one Dial associates with a
// usrsctp server, messages echo, and our graceful shutdown completes on
// both sides.
func TestUsrsctpServerFromOneToOne(t *testing.T) {
	s := newStack(t, assoc.Config{})
	p := startPeer(t, peerOpts{ourUDP: s.udpPort})
	c := dial(t, s, p.addr())
	p.expect(`^ACCEPTED`)
	echoInOrder(t, c, sizesMessages([]int{1, 100, 2000, 20000}))
	c.Subscribe(stack.EventAssocChange)
	if err := c.Shutdown(); err != nil {
		t.Fatal(err)
	}
	p.expect(`^EOF errno=0`)
	waitShutdownComplete(t, c)
}

// waitShutdownComplete reads until the association's SHUTDOWN_COMP
// notification or io.EOF.
func waitShutdownComplete(t *testing.T, e sctpEnd) {
	t.Helper()
	for {
		b, info, err := readMessage(e)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("waiting for the shutdown to complete: %v", err)
		}
		if info.Flags&stack.FlagNotification == 0 {
			t.Fatalf("waiting for the shutdown to complete: unexpected %d-byte message", len(b))
		}
		if ac, ok := info.Notification.(*stack.AssocChange); ok && ac.State == assoc.ShutdownComp {
			return
		}
	}
}

// TestUsrsctpClientToOneToMany: a usrsctp client associates with our
// one-to-many socket; AssocID(addr) names the association RecvMsg reports;
// messages echo; our SCTP_EOF-style Shutdown(id) completes on both sides.
func TestUsrsctpClientToOneToMany(t *testing.T) {
	s := newStack(t, assoc.Config{})
	pc, addr := listenPacket(t, s, 0)
	pc.Subscribe(stack.EventAssocChange)
	p := startPeer(t, peerOpts{client: true, sctpPort: 5002, to: addr, ourUDP: s.udpPort})
	up := waitAssocChange(t, assocEnd{pc, 0}, 0, assoc.CommUp)
	p.expect(`^CONNECTED`)
	id, err := pc.AssocID(p.addr())
	if err != nil || id != up.AssocID {
		t.Fatalf("AssocID(%v) = %v, %v; COMM_UP named %v", p.addr(), id, err, up.AssocID)
	}
	e := assocEnd{pc, id}
	echoInOrder(t, e, sizesMessages([]int{1, 100, 2000, 20000}))
	if err := pc.Shutdown(id); err != nil {
		t.Fatal(err)
	}
	p.expect(`^EOF errno=0`)
	waitAssocChange(t, e, id, assoc.ShutdownComp)
}

// TestUsrsctpServerFromOneToMany: our one-to-many socket connects to a
// usrsctp one-to-many server, messages echo, the peer's SCTP_EOF completes
// the shutdown; then a send to the peer's address sets up a new
// association implicitly and its first message is echoed. The server is
// not told our UDP port: it learns it from our packets (RFC 6951 5.4).
func TestUsrsctpServerFromOneToMany(t *testing.T) {
	s := newStack(t, assoc.Config{})
	p := startPeer(t, peerOpts{many: true, ourUDP: 9})
	pc, err := s.BindPacket("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	pc.Subscribe(stack.EventAssocChange)
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	id, err := pc.Connect(ctx, p.addr())
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	e := assocEnd{pc, id}
	waitAssocChange(t, e, id, assoc.CommUp)
	p.expect(`^ASSOC id=\d+ state=COMM_UP`)
	echoInOrder(t, e, sizesMessages([]int{1, 100, 2000, 20000}))
	if _, err := e.SendMsg(cmdShutdown, stack.SndInfo{}); err != nil {
		t.Fatal(err)
	}
	waitAssocChange(t, e, id, assoc.ShutdownComp)
	p.expect(`^ASSOC id=\d+ state=SHUTDOWN_COMP`)

	// Implicit setup: the message rides with (or right after) COOKIE ECHO.
	first := makeMsg(7, 300, 3, 77, false)
	if _, err := pc.SendMsg(first.b, stack.SndInfo{To: p.addr(), Stream: 3, PPID: 77}); err != nil {
		t.Fatalf("implicit setup send: %v", err)
	}
	got, info, err := readData(assocEnd{pc, 0})
	if err != nil {
		t.Fatalf("echo after implicit setup: %v", err)
	}
	checkEcho(t, 0, got, info, first)
	if info.AssocID == id {
		t.Errorf("implicit setup reused the closed association id %v", id)
	}
}

// TestUsrsctpAbort: ABORT in both directions on a one-to-one association.
func TestUsrsctpAbort(t *testing.T) {
	t.Run("ours", func(t *testing.T) {
		s := newStack(t, assoc.Config{})
		p := startPeer(t, peerOpts{ourUDP: s.udpPort})
		c := dial(t, s, p.addr())
		echoInOrder(t, c, sizesMessages([]int{10}))
		if err := c.Abort([]byte("interop test abort")); err != nil {
			t.Fatal(err)
		}
		p.expect(`^ASSOC id=\d+ state=COMM_LOST|^EOF errno=[1-9]`)
	})
	t.Run("peers", func(t *testing.T) {
		s := newStack(t, assoc.Config{})
		p := startPeer(t, peerOpts{ourUDP: s.udpPort})
		c := dial(t, s, p.addr())
		echoInOrder(t, c, sizesMessages([]int{10}))
		if _, err := c.SendMsg(cmdAbort, stack.SndInfo{}); err != nil {
			t.Fatal(err)
		}
		_, _, err := readData(c)
		if !errors.Is(err, stack.ErrAborted) {
			t.Fatalf("read after the peer's ABORT: %v, want ErrAborted; peer output:\n%s", err, p.output())
		}
	})
}

// TestUsrsctpMessageSizes: messages from 1 byte to 4 MiB, fragmented and
// reassembled by both stacks (our send, usrsctp's echo).
func TestUsrsctpMessageSizes(t *testing.T) {
	s := newStack(t, assoc.Config{RecvBuffer: 8 << 20, SendBuffer: 8 << 20})
	p := startPeer(t, peerOpts{ourUDP: s.udpPort})
	c := dial(t, s, p.addr())
	msgs := sizesMessages(messageSizes)
	start := time.Now()
	echoInOrder(t, c, msgs)
	t.Logf("%d messages up to %d bytes echoed in %v", len(msgs), messageSizes[len(messageSizes)-1], time.Since(start))
	// The peer saw each with the right length and content.
	for i, m := range msgs {
		line := p.expect(`^MSG .*len=(\d+) sum=([0-9a-f]{8})`)
		if line[1] != strconv.Itoa(len(m.b)) || line[2] != fmt.Sprintf("%08x", fnv32(m.b)) {
			t.Fatalf("peer got message %d as len=%s sum=%s, want len=%d sum=%08x", i, line[1], line[2], len(m.b), fnv32(m.b))
		}
	}
}

// TestUsrsctpStreams: ten streams, ordered and unordered messages
// interleaved, a PPID per stream; each kept end to end in both directions.
func TestUsrsctpStreams(t *testing.T) {
	s := newStack(t, assoc.Config{OutStreams: 10})
	p := startPeer(t, peerOpts{ourUDP: s.udpPort})
	c := dial(t, s, p.addr())
	msgs := mixedMessages(200, 10)
	echoMixed(t, c, msgs)
	// What the peer reports for each message: stream, PPID, ordering.
	rx := regexp.MustCompile(`sid=(\d+) ppid=(\d+) unordered=(\d)`)
	for range msgs {
		line := p.expect(`^MSG .*`)
		m := rx.FindStringSubmatch(line[0])
		sid, _ := strconv.Atoi(m[1])
		ppid, _ := strconv.Atoi(m[2])
		if want := uint32(1000 + sid); uint32(ppid) != want {
			t.Fatalf("peer got PPID %d on stream %d, want %d", ppid, sid, want)
		}
	}
}

// TestUsrsctpOneToManyFiveClients: five usrsctp clients on one of our
// one-to-many sockets; each message carries the right AssocID and stream;
// SENDALL reaches each once; a peeled-off association leaves the socket.
func TestUsrsctpOneToManyFiveClients(t *testing.T) {
	s := newStack(t, assoc.Config{})
	pc, addr := listenPacket(t, s, 0)
	pc.Subscribe(stack.EventAssocChange)
	var peers []*usrPeer
	for i := range 5 {
		peers = append(peers, startPeer(t, peerOpts{client: true, sctpPort: 5010 + i, to: addr, ourUDP: s.udpPort}))
	}
	e := assocEnd{pc, 0}
	ups := map[stack.AssocID]bool{}
	for len(ups) < 5 {
		ups[waitAssocChange(t, e, 0, assoc.CommUp).AssocID] = true
	}
	ids := make([]stack.AssocID, 5)
	for i, p := range peers {
		p.expect(`^CONNECTED`)
		id, err := pc.AssocID(p.addr())
		if err != nil || !ups[id] {
			t.Fatalf("AssocID(peer %d) = %v, %v; not one of the COMM_UPs %v", i, id, err, ups)
		}
		ids[i] = id
	}
	if got := pc.Associations(); len(got) != 5 {
		t.Fatalf("Associations() = %v, want 5", got)
	}
	// Two rounds to each client, on stream i.
	want := map[int]stack.AssocID{}
	var msgs []msg
	for round := range 2 {
		for i, id := range ids {
			m := makeMsg(len(msgs), 200+i, uint16(i), uint32(1000+i), false)
			want[len(msgs)] = id
			msgs = append(msgs, m)
			if _, err := pc.SendMsg(m.b, stack.SndInfo{AssocID: id, Stream: uint16(i), PPID: uint32(1000 + i)}); err != nil {
				t.Fatalf("round %d send to %v: %v", round, id, err)
			}
		}
	}
	checkEchoesByAssoc(t, e, msgs, want)
	sendAllAndPeel(t, pc, ids)
}

// TestUsrsctpPeerRestart: the usrsctp client dies and comes back from the
// same address and ports; its new INIT restarts the association (RFC 9260
// 5.2.4) and data flows again.
func TestUsrsctpPeerRestart(t *testing.T) {
	s := newStack(t, assoc.Config{})
	pc, addr := listenPacket(t, s, 0)
	pc.Subscribe(stack.EventAssocChange)
	opts := peerOpts{client: true, sctpPort: 5003, to: addr, ourUDP: s.udpPort}
	p := startPeer(t, opts)
	e := assocEnd{pc, 0}
	id := waitAssocChange(t, e, 0, assoc.CommUp).AssocID
	echoInOrder(t, assocEnd{pc, id}, sizesMessages([]int{10}))
	p.kill()

	opts.udpPort = p.udpPort
	p2 := startPeer(t, opts)
	ac := waitAssocChange(t, e, 0, assoc.Restart, assoc.CommUp)
	p2.expect(`^CONNECTED`)
	t.Logf("after the peer's restart: %v on association %v (was %v)", ac.State, ac.AssocID, id)
	if ac.State == assoc.Restart && ac.AssocID != id {
		t.Errorf("RESTART reported for association %v, want %v", ac.AssocID, id)
	}
	echoInOrder(t, assocEnd{pc, ac.AssocID}, sizesMessages([]int{10, 3000}))
}
