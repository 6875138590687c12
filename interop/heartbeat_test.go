package interop

import (
	"errors"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// Heartbeat cells: an idle association stays up on HEARTBEAT / HEARTBEAT
// ACK (RFC 9260 8.3). Real peers run in real time, so the idle minute of
// the issue is scaled down: our heartbeat interval is 100 ms and the
// association idles for 2 s (RTO at most 300 ms). The check is at least
// three HEARTBEATs acknowledged and a measured SRTT. The peers' own heartbeat intervals (30 s) are
// longer than the test.

var heartbeatConfig = assoc.Config{HeartbeatInterval: 100 * time.Millisecond, RTOInitial: 200 * time.Millisecond, RTOMin: 100 * time.Millisecond, RTOMax: 300 * time.Millisecond}

// heartbeatIdle is how long the association idles: with the interval plus
// at most 1.5 RTOMax between heartbeats (RFC 9260 8.3 jitter), at least
// three periods.
const heartbeatIdle = 2 * time.Second

// idleHeartbeats idles e and checks that heartbeats flowed and were
// answered, then that the association still carries data.
func idleHeartbeats(t *testing.T, s *ourStack, e sctpEnd, path func() (stack.PathInfo, error)) {
	t.Helper()
	hbIn0, hbOut0 := s.guard.chunkCounts(wire.TypeHeartbeat)
	ackIn0, _ := s.guard.chunkCounts(wire.TypeHeartbeatAck)
	if b, _, err := readMessageWithin(e, heartbeatIdle); !errors.Is(err, stack.ErrTimeout) {
		t.Fatalf("idle association: got %q, %v; want a quiet timeout", b, err)
	}
	hbIn, hbOut := s.guard.chunkCounts(wire.TypeHeartbeat)
	ackIn, _ := s.guard.chunkCounts(wire.TypeHeartbeatAck)
	pi, err := path()
	t.Logf("while idle: %d HEARTBEATs sent, %d HEARTBEAT ACKs received, %d HEARTBEATs received; path %+v, %v",
		hbOut-hbOut0, ackIn-ackIn0, hbIn-hbIn0, pi, err)
	if hbOut-hbOut0 < 3 || ackIn-ackIn0 < 3 {
		t.Fatalf("idle for %v with a 100 ms heartbeat interval and RTO <= 300 ms: %d HEARTBEATs sent, %d acknowledged; "+
			"want at least 3 each (a period is the interval plus RTO +-50%%, RFC 9260 8.3)", heartbeatIdle, hbOut-hbOut0, ackIn-ackIn0)
	}
	if err != nil || pi.SRTT <= 0 {
		t.Errorf("path after heartbeats: %+v, %v; want a measured SRTT", pi, err)
	}
	echoInOrder(t, e, sizesMessages([]int{10, 3000}))
}

// TestUsrsctpHeartbeat: heartbeats on an idle association with usrsctp.
func TestUsrsctpHeartbeat(t *testing.T) {
	s := newStack(t, heartbeatConfig)
	p := startPeer(t, peerOpts{ourUDP: s.udpPort})
	c := dial(t, s, p.addr())
	echoInOrder(t, c, sizesMessages([]int{10}))
	idleHeartbeats(t, s, c, func() (stack.PathInfo, error) { return c.PeerAddrInfo(c.RemoteAddr()) })
}

// TestPionHeartbeat: heartbeats on an idle association with pion.
func TestPionHeartbeat(t *testing.T) {
	s := newStack(t, heartbeatConfig)
	ln, _ := listen(t, s, pionSCTPPort)
	startPionClient(t, s, pionLocal(0))
	c := accept(t, ln)
	echoInOrder(t, c, sizesMessages([]int{10}))
	idleHeartbeats(t, s, c, func() (stack.PathInfo, error) { return c.PeerAddrInfo(c.RemoteAddr()) })
}
