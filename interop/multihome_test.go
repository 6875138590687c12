package interop

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// Multi-homing cells against usrsctp (issue 5, RFC 9260 6.4 and 8.2).
//
// The topology is two networks on loopback: network A joins usrsctp's
// 127.0.0.1 and our 127.0.0.3, network B its 127.0.0.2 and our 127.0.0.4;
// encap.Faulty on our transport drops the cross pairs (.3-.2, .4-.1) from
// the start, and cutting A drops .3-.1 as well. usrsctp needs two helps
// from testdata/peer.c to be multi-homed on one host, neither touching its
// SCTP logic: its address list comes from getifaddrs, which lists only
// 127.0.0.1 for lo, so peer.c adds 127.0.0.2 as an alias; and its single
// UDP encapsulation socket is bound to the wildcard (0.0.0.0:port, so it
// receives on both addresses) and sends with no source address, so the
// kernel would send everything from 127.0.0.1: peer.c pins the source per
// destination (-S), as a host with one interface per network would.
//
// Timers on both sides: RTO 100-400 ms, heartbeat interval 100 ms,
// Path.Max.Retrans 1, so a path is declared unreachable after two
// consecutive timeouts and failover takes a few hundred milliseconds.

var (
	usrA, usrB = netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2") // usrsctp, networks A and B
	ourA, ourB = netip.MustParseAddr("127.0.0.3"), netip.MustParseAddr("127.0.0.4") // us
)

var mhInteropConfig = assoc.Config{
	RTOInitial: 100 * time.Millisecond, RTOMin: 100 * time.Millisecond, RTOMax: 400 * time.Millisecond,
	HeartbeatInterval: 100 * time.Millisecond, PathMaxRetrans: 1, AssocMaxRetrans: 10,
}

// mhPeerFlags give usrsctp the same timers and the per-network sources.
var mhPeerFlags = []string{"-S", "127.0.0.3=127.0.0.1,127.0.0.4=127.0.0.2",
	"-rto", "100,400", "-hb", "100", "-pmr", "1"}

const (
	mhPeerPort = 5020 // usrsctp's SCTP port
	// mhFlowLen and mhCutAt shape the steady flows: 150 messages, one
	// every 5 ms, network A cut when message 50 arrives.
	mhFlowLen, mhCutAt = 150, 50
	// mhFailoverBound is what the cells accept as failover time: two
	// timeouts of at most RTO.Max plus a heartbeat interval, with room
	// for a loaded machine.
	mhFailoverBound = 2 * time.Second
	// mhWait bounds each wait for a path state change.
	mhWait = 5 * time.Second
)

// mhAssoc is a multi-homed association between our one-to-many socket on
// 127.0.0.3+127.0.0.4 and a usrsctp client on 127.0.0.1+127.0.0.2.
type mhAssoc struct {
	s  *ourStack
	pc *stack.PacketConn
	id stack.AssocID
	p  *usrPeer
}

func (m *mhAssoc) end() assocEnd { return assocEnd{m.pc, m.id} }

// usrsctpClientAssoc opens a one-to-many socket of s on addrs (the first
// is where the peer connects), subscribed to association and address
// changes, starts a usrsctp client with opts (client, SCTP port, target
// and UDP ports filled in) and waits until the association is up.
func usrsctpClientAssoc(t *testing.T, s *ourStack, opts peerOpts, addrs ...netip.Addr) *mhAssoc {
	t.Helper()
	pc, err := s.ListenPacketAddrs(0, addrs...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	pc.Subscribe(stack.EventAssocChange | stack.EventPeerAddrChange)
	opts.client, opts.sctpPort, opts.ourUDP = true, mhPeerPort, s.udpPort
	opts.to = &stack.Addr{IP: addrs[0], Port: pc.LocalAddr().(*stack.Addr).Port, UDPPort: s.udpPort}
	p := startPeer(t, opts)
	up := waitAssocChange(t, assocEnd{pc, 0}, 0, assoc.CommUp)
	p.expect(`^CONNECTED`)
	return &mhAssoc{s: s, pc: pc, id: up.AssocID, p: p}
}

// peerAddr is usrsctp's SCTP address on ip.
func (m *mhAssoc) peerAddr(ip netip.Addr) *stack.Addr {
	return &stack.Addr{IP: ip, Port: mhPeerPort}
}

// command sends a CMD: message to usrsctp and waits until it has read it.
func (m *mhAssoc) command(t *testing.T, cmd string) {
	t.Helper()
	if _, err := m.end().SendMsg([]byte(cmd), stack.SndInfo{}); err != nil {
		t.Fatalf("send %q: %v", cmd, err)
	}
	m.p.expect(fmt.Sprintf(`^MSG .*len=%d `, len(cmd)))
}

// setupMultihomed sets the association up and checks what both sides see:
// two peer addresses each, both confirmed and active, AssocID the same for
// either of usrsctp's addresses, primaries on network A.
func setupMultihomed(t *testing.T) *mhAssoc {
	t.Helper()
	s := newStackOn(t, mhInteropConfig, []netip.Addr{ourA, ourB})
	s.faulty.Block(ourA, usrB) // no route across the two networks
	s.faulty.Block(ourB, usrA)
	m := usrsctpClientAssoc(t, s, peerOpts{local: "127.0.0.1,127.0.0.2", extra: mhPeerFlags}, ourA, ourB)
	pc, p := m.pc, m.p

	// Our side: usrsctp's INIT listed both addresses; the alternate is
	// confirmed by HEARTBEAT (RFC 9260 5.4).
	waitPeerAddr(t, m, usrB, assoc.AddrConfirmed)
	addrs, err := pc.PeerAddrs(m.id)
	if err != nil || len(addrs) != 2 {
		t.Fatalf("PeerAddrs = %v, %v; want usrsctp's two addresses", addrs, err)
	}
	for _, ip := range []netip.Addr{usrA, usrB} {
		if !hasAddr(addrs, ip) {
			t.Fatalf("PeerAddrs = %v; %v missing", addrs, ip)
		}
		if id, err := pc.AssocID(m.peerAddr(ip)); err != nil || id != m.id {
			t.Fatalf("AssocID(%v) = %v, %v; want %v for each of the peer's addresses", ip, id, err, m.id)
		}
		pi, err := pc.PeerAddrInfo(m.id, m.peerAddr(ip))
		if err != nil || pi.State != assoc.PathActive || pi.Primary != (ip == usrA) {
			t.Fatalf("PeerAddrInfo(%v) = %+v, %v; want active, primary only on network A", ip, pi, err)
		}
	}

	// usrsctp's side: usrsctp_getpaddrs lists our two addresses, both
	// active once its heartbeat confirmed 127.0.0.4.
	p.expect(`^PADDR id=\d+ addr=127\.0\.0\.4 state=CONFIRMED`)
	prim, paths := m.peerPaths(t)
	if prim != "127.0.0.3" || len(paths) != 2 || paths["127.0.0.3"] != "ACTIVE" || paths["127.0.0.4"] != "ACTIVE" {
		t.Fatalf("usrsctp sees primary %s, paths %v; want 127.0.0.3 primary, 127.0.0.3 and 127.0.0.4 active", prim, paths)
	}
	return m
}

func hasAddr(addrs []*stack.Addr, ip netip.Addr) bool {
	for _, a := range addrs {
		if a.IP == ip && a.Port == mhPeerPort {
			return true
		}
	}
	return false
}

const paddrsLine = `^PADDRS id=\d+ n=(\d+) primary=(\S+) addrs=(\S*)`

// peerPaths asks usrsctp for its peer addresses (usrsctp_getpaddrs) and
// returns its primary and each address's path state.
func (m *mhAssoc) peerPaths(t *testing.T) (primary string, states map[string]string) {
	t.Helper()
	m.command(t, "CMD:PADDRS")
	g := m.p.expect(paddrsLine)
	states = map[string]string{}
	for _, a := range strings.Split(g[3], ",") {
		hostport, st, _ := strings.Cut(a, "/")
		host, _, _ := strings.Cut(hostport, ":")
		states[host] = st
	}
	if n, _ := strconv.Atoi(g[1]); n != len(states) {
		t.Fatalf("usrsctp_getpaddrs: n=%s but addresses %q", g[1], g[3])
	}
	return g[2], states
}

// waitPeerAddr reads notifications (and no data) until usrsctp's address
// ip reaches state on our side, within mhWait.
func waitPeerAddr(t *testing.T, m *mhAssoc, ip netip.Addr, state assoc.PeerAddrState) {
	t.Helper()
	deadline := time.Now().Add(mhWait)
	for {
		b, info, err := readMessageWithin(m.end(), time.Until(deadline))
		if err != nil {
			t.Fatalf("waiting for %v to become %v: %v", ip, state, err)
		}
		if info.Flags&stack.FlagNotification == 0 {
			t.Fatalf("waiting for %v to become %v: unexpected %d-byte message", ip, state, len(b))
		}
		if pc, ok := info.Notification.(*stack.PeerAddrChange); ok && pc.Addr.Addr() == ip && pc.State == state {
			return
		}
		t.Logf("waiting for %v to become %v: %T %+v", ip, state, info.Notification, info.Notification)
	}
}

// flowMsg is a message of the steady flows, in the format of peer.c's
// CMD:FLOW: the tests' header, then the send time in nanoseconds, then
// filler to 200 bytes.
func flowMsg(seq int, sent int64) []byte {
	b := fmt.Appendf(nil, "IOP sid=1 ppid=7 u=0 seq=%d len=200\nt=%d\n", seq, sent)
	return append(b, bytes.Repeat([]byte("f"), 200-len(b))...)
}

var flowStamp = regexp.MustCompile(`^IOP sid=1 ppid=7 u=0 seq=(\d+) len=200\nt=(\d+)\n`)

// parseFlow checks a flow message byte for byte and returns its sequence
// number and send time.
func parseFlow(b []byte) (int, time.Time, error) {
	g := flowStamp.FindSubmatch(b)
	if g == nil {
		return 0, time.Time{}, fmt.Errorf("not a flow message: %.60q", b)
	}
	seq, _ := strconv.Atoi(string(g[1]))
	ns, _ := strconv.ParseInt(string(g[2]), 10, 64)
	if !bytes.Equal(b, flowMsg(seq, ns)) {
		return 0, time.Time{}, fmt.Errorf("flow message %d damaged: %.60q", seq, b)
	}
	return seq, time.Unix(0, ns), nil
}

// TestUsrsctpMultihomedSetup: a usrsctp client bound to 127.0.0.1 and
// 127.0.0.2 (usrsctp_bindx) sets up a multi-homed association with our
// one-to-many socket on 127.0.0.3 and 127.0.0.4; each side sees the
// other's two addresses, and messages echo.
func TestUsrsctpMultihomedSetup(t *testing.T) {
	m := setupMultihomed(t)
	echoInOrder(t, m.end(), sizesMessages([]int{1, 100, 2000, 20000}))
}

// TestUsrsctpMultihomedFailoverFromUs: we send a steady numbered flow to
// usrsctp, which echoes it; network A (our primary path, to 127.0.0.1)
// is cut while the flow runs. usrsctp's primary was moved to network B
// first, so only our side fails over. Every echo comes back intact and in
// order; our path to 127.0.0.1 becomes unreachable, and active again once
// the cut is lifted.
func TestUsrsctpMultihomedFailoverFromUs(t *testing.T) {
	m := setupMultihomed(t)
	m.command(t, "CMD:PRIMARY 127.0.0.4")
	m.p.expect(`^PRIMARY id=\d+ addr=127\.0\.0\.4`)
	e := m.end()

	sent := make(chan []byte, mhFlowLen) // what was sent, in order
	sendErr := make(chan error, 1)
	go func() {
		tick := time.NewTicker(5 * time.Millisecond) // the flow's pace, not a wait
		defer tick.Stop()
		for i := range mhFlowLen {
			<-tick.C
			b := flowMsg(i, time.Now().UnixNano())
			if _, err := e.SendMsg(b, stack.SndInfo{Stream: 1, PPID: 7}); err != nil {
				sendErr <- fmt.Errorf("send %d: %w", i, err)
				return
			}
			sent <- b
		}
		sendErr <- nil
	}()

	// The failover time is the longest echo round trip of a message sent
	// after the cut: the messages caught by it come back once our side
	// retransmits them on network B.
	var cut, unreachable time.Time
	var failover time.Duration
	for i := 0; i < mhFlowLen; {
		b, info, err := readMessageWithin(e, mhWait)
		if err != nil {
			t.Fatalf("echo %d: %v", i, err)
		}
		if info.Flags&stack.FlagNotification != 0 {
			if pc, ok := info.Notification.(*stack.PeerAddrChange); ok && pc.Addr.Addr() == usrA && pc.State == assoc.AddrUnreachable {
				unreachable = time.Now()
			}
			continue
		}
		want := <-sent
		seq, at, err := parseFlow(b)
		if err != nil || seq != i || !bytes.Equal(b, want) || info.Stream != 1 || info.PPID != 7 {
			t.Fatalf("echo %d: got seq %d (%v), stream %d, PPID %d; want message %d intact, in order", i, seq, err, info.Stream, info.PPID, i)
		}
		if i == mhCutAt {
			m.s.faulty.Block(ourA, usrA)
			cut = time.Now()
		}
		if i > mhCutAt {
			failover = max(failover, time.Since(at))
		}
		i++
	}
	if err := <-sendErr; err != nil {
		t.Fatal(err)
	}
	if unreachable.IsZero() {
		waitPeerAddr(t, m, usrA, assoc.AddrUnreachable)
		unreachable = time.Now()
	}
	t.Logf("our failover to network B: longest echo round trip after the cut %v; 127.0.0.1 unreachable %v after the cut (RTO %v-%v, Path.Max.Retrans %d, HB %v)",
		failover, unreachable.Sub(cut), mhInteropConfig.RTOMin, mhInteropConfig.RTOMax, mhInteropConfig.PathMaxRetrans, mhInteropConfig.HeartbeatInterval)
	if failover > mhFailoverBound {
		t.Errorf("failover took %v; want under %v", failover, mhFailoverBound)
	}
	if pi, err := m.pc.PeerAddrInfo(m.id, m.peerAddr(usrA)); err != nil || pi.State != assoc.PathInactive {
		t.Fatalf("PeerAddrInfo(127.0.0.1) during the cut = %+v, %v; want inactive", pi, err)
	}

	m.s.faulty.Unblock(ourA, usrA)
	lifted := time.Now()
	waitPeerAddr(t, m, usrA, assoc.AddrAvailable)
	if pi, err := m.pc.PeerAddrInfo(m.id, m.peerAddr(usrA)); err != nil || pi.State != assoc.PathActive || !pi.Primary {
		t.Fatalf("PeerAddrInfo(127.0.0.1) after the cut = %+v, %v; want active and primary", pi, err)
	}
	t.Logf("127.0.0.1 active again %v after the cut was lifted", time.Since(lifted))
	echoInOrder(t, e, sizesMessages([]int{10, 3000}))
}

// TestUsrsctpMultihomedFailoverToUs: usrsctp sends a steady numbered flow
// (CMD:FLOW) to us on its primary path, to 127.0.0.3; network A is cut
// while it runs. usrsctp declares 127.0.0.3 unreachable and moves the flow
// to 127.0.0.4; we receive every message intact and in order, and
// usrsctp sees the path active again once the cut is lifted.
func TestUsrsctpMultihomedFailoverToUs(t *testing.T) {
	m := setupMultihomed(t)
	e := m.end()
	if _, err := e.SendMsg(fmt.Appendf(nil, "CMD:FLOW %d", mhFlowLen), stack.SndInfo{}); err != nil {
		t.Fatal(err)
	}

	// The failover time is the longest delivery delay of a message sent
	// after the cut (each carries its send time): those caught by the cut
	// arrive once usrsctp retransmits them to 127.0.0.4.
	var failover time.Duration
	for i := 0; i < mhFlowLen; {
		b, info, err := readMessageWithin(e, mhWait)
		if err != nil {
			t.Fatalf("flow message %d: %v", i, err)
		}
		if info.Flags&stack.FlagNotification != 0 {
			continue
		}
		seq, at, err := parseFlow(b)
		if err != nil || seq != i || info.Stream != 1 || info.PPID != 7 {
			t.Fatalf("flow message %d: got seq %d (%v), stream %d, PPID %d; want message %d intact, in order", i, seq, err, info.Stream, info.PPID, i)
		}
		if i == mhCutAt {
			m.s.faulty.Block(ourA, usrA)
		}
		if i > mhCutAt {
			failover = max(failover, time.Since(at))
		}
		i++
	}
	m.p.expect(fmt.Sprintf(`^FLOW_DONE n=%d`, mhFlowLen))
	m.p.expect(`^PADDR id=\d+ addr=127\.0\.0\.3 state=UNREACHABLE`)
	t.Logf("usrsctp's failover to network B: longest delivery delay of a message sent after the cut %v (usrsctp: RTO 100-400 ms, Path.Max.Retrans 1, HB 100 ms)", failover)
	if failover > mhFailoverBound {
		t.Errorf("failover took %v; want under %v", failover, mhFailoverBound)
	}

	m.s.faulty.Unblock(ourA, usrA)
	lifted := time.Now()
	if _, err := m.p.tryExpect(`^PADDR id=\d+ addr=127\.0\.0\.3 state=AVAILABLE`, mhWait); err != nil {
		t.Fatal(errors.Join(errors.New("usrsctp did not see 127.0.0.3 come back after the cut was lifted"), err))
	}
	t.Logf("usrsctp sees 127.0.0.3 available again %v after the cut was lifted", time.Since(lifted))
	prim, paths := m.peerPaths(t)
	if prim != "127.0.0.3" || paths["127.0.0.3"] != "ACTIVE" || paths["127.0.0.4"] != "ACTIVE" {
		t.Fatalf("usrsctp after the cut: primary %s, paths %v; want 127.0.0.3 primary, both active", prim, paths)
	}
}
