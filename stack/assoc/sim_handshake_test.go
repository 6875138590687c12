package assoc_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/assoc"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// Handshake scenarios on the pair harness: heavy loss, INIT collision
// (RFC 9260 5.2.1, 5.2.4), peer restart (5.2.4 action A), and DATA that
// overtakes the COOKIE ACK.

// checkPeers checks that a and b hold one live association each, both
// ESTABLISHED, and that their tags match crosswise.
func checkPeers(t *testing.T, a, b *simNode) {
	t.Helper()
	if len(a.all) != 1 || len(b.all) != 1 || a.assoc() == nil || b.assoc() == nil {
		t.Fatalf("associations: %s has %d (%d live), %s has %d (%d live); want one each", a.name, len(a.all), len(a.assocs), b.name, len(b.all), len(b.assocs))
	}
	x, y := a.assoc().a, b.assoc().a
	if x.State() != assoc.Established || y.State() != assoc.Established {
		t.Fatalf("states %v / %v, want ESTABLISHED", x.State(), y.State())
	}
	if x.LocalTag() != y.PeerTag() || y.LocalTag() != x.PeerTag() {
		t.Fatalf("tags do not match: %s local %#x peer %#x; %s local %#x peer %#x", a.name, x.LocalTag(), x.PeerTag(), b.name, y.LocalTag(), y.PeerTag())
	}
}

// sendBoth sends one reliable message each way and checks it arrives.
func sendBoth(t *testing.T, s *sim, a, b *simNode) {
	t.Helper()
	got := map[string]int{}
	for _, n := range []*simNode{a, b} {
		n.onMessage = func(_ *simAssoc, m assoc.Message) { got[n.name+":"+string(m.Data)]++ }
	}
	for _, n := range []*simNode{a, b} {
		if err := n.assoc().a.Send(s.now, assoc.OutMessage{Stream: 1, PPID: 7, Data: []byte("from " + n.name), MaxRetrans: -1}); err != nil {
			t.Fatalf("%s Send: %v", n.name, err)
		}
	}
	s.settle()
	if !s.drive(10 * time.Minute) {
		t.Fatalf("not quiet after 10 minutes: %v", s.err)
	}
	if got[a.name+":from "+b.name] != 1 || got[b.name+":from "+a.name] != 1 {
		t.Fatalf("deliveries %v, want one each way", got)
	}
}

func TestSimulationHandshakeHalfLoss(t *testing.T) {
	cfg := assoc.Config{MaxInitRetransmits: 40, RTOMax: 4 * time.Second, ValidCookieLife: 10 * time.Minute}
	for seed := uint64(1); seed <= 20; seed++ {
		s := newSim(seed)
		client := s.addNode("client", "127.0.0.1", cfg)
		server := s.addNode("server", "127.0.0.2", cfg)
		server.listening = true
		lossy := linkConfig{Delay: 20 * time.Millisecond, Loss: 0.5}
		s.setLinks(client, server, lossy, lossy)
		s.connect(client, server)
		up := func() bool {
			return client.assoc() != nil && server.assoc() != nil &&
				client.assoc().a.State() == assoc.Established && server.assoc().a.State() == assoc.Established
		}
		if !s.runUntil(10*time.Minute, up) {
			t.Fatalf("seed %d: no association under 50%% loss after 10 minutes (%v)\n%s\n%s", seed, s.err, client.eventSummary(), server.eventSummary())
		}
		took := s.elapsed()
		checkPeers(t, client, server)
		if client.countChanges(assoc.CommUp) != 1 || server.countChanges(assoc.CommUp) != 1 {
			t.Fatalf("seed %d: COMM_UP events %d / %d, want 1 / 1", seed, client.countChanges(assoc.CommUp), server.countChanges(assoc.CommUp))
		}
		s.setLinks(client, server, linkConfig{Delay: 20 * time.Millisecond}, linkConfig{Delay: 20 * time.Millisecond})
		sendBoth(t, s, client, server)
		t.Logf("seed %d: established after %v, %d packets sent, %d dropped", seed, took, s.stats.packets, s.stats.dropped)
	}
}

// TestSimulationInitCollision: both ends connect to each other at about the
// same time (RFC 9260 5.2.1, 5.2.4); each must end with exactly one
// association, up once.
func TestSimulationInitCollision(t *testing.T) {
	for _, offset := range []time.Duration{0, 5 * time.Millisecond, 10 * time.Millisecond, 15 * time.Millisecond, 30 * time.Millisecond} {
		for seed := uint64(1); seed <= 6; seed++ {
			s := newSim(seed)
			a := s.addNode("a", "127.0.0.1", assoc.Config{})
			b := s.addNode("b", "127.0.0.2", assoc.Config{})
			a.listening, b.listening = true, true
			link := linkConfig{Delay: 10 * time.Millisecond}
			if seed > 3 {
				// Lossy and duplicating: retransmitted INITs, INIT ACKs and
				// COOKIE ECHOs meet the collision rules too.
				link.Loss, link.Duplicate, link.Jitter = 0.2, 0.1, 5*time.Millisecond
			}
			s.setLinks(a, b, link, link)
			s.connect(a, b)
			s.after(offset, "connect b", func() {
				if b.assoc() == nil {
					s.connectNow(b, a)
				}
			})
			if !s.drive(10 * time.Minute) {
				t.Fatalf("offset %v seed %d: not quiet after 10 minutes: %v", offset, seed, s.err)
			}
			s.advance(time.Second)
			if s.err != nil {
				t.Fatal(s.err)
			}
			checkPeers(t, a, b)
			for _, n := range []*simNode{a, b} {
				if n.countChanges(assoc.CommUp) != 1 || len(n.assocChanges()) != 1 {
					t.Errorf("offset %v seed %d: %s: want exactly one AssocChange (COMM_UP): %s", offset, seed, n.name, n.eventSummary())
				}
			}
			sendBoth(t, s, a, b)
		}
	}
}

// TestSimulationPeerRestart: the client crashes (no ABORT) and connects
// again from the same address; the server's association restarts (RFC
// 9260 5.2.4 action A) and reports RESTART.
func TestSimulationPeerRestart(t *testing.T) {
	type tc struct {
		seed uint64
		link linkConfig
		busy bool // the server has unacknowledged data when the client dies
	}
	cases := []tc{{seed: 3, link: linkConfig{Delay: 10 * time.Millisecond}}}
	for seed := uint64(1); seed <= 4; seed++ {
		cases = append(cases, tc{seed: seed, busy: seed%2 == 0,
			link: linkConfig{Delay: 10 * time.Millisecond, Jitter: 3 * time.Millisecond, Loss: 0.1, Duplicate: 0.05}})
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("seed=%d/loss=%v/busy=%v", c.seed, c.link.Loss, c.busy), func(t *testing.T) {
			testPeerRestart(t, c.seed, c.link, c.busy)
		})
	}
}

func testPeerRestart(t *testing.T, seed uint64, link linkConfig, busy bool) {
	s, client, server := establishedPair(t, seed, assoc.Config{}, link)
	sendBoth(t, s, client, server)
	serverAssoc := server.assoc()
	oldTag := serverAssoc.a.LocalTag()
	old := map[string]int{} // what the server sent just before the crash, by payload
	if busy {
		for i := range 5 {
			p := fmt.Sprintf("old %d", i)
			old[p] = 0
			if err := serverAssoc.a.Send(s.now, assoc.OutMessage{Stream: 3, PPID: 9, Data: []byte(p)}); err != nil {
				t.Fatal(err)
			}
		}
		s.settle()
	}
	s.restartNode(client)
	// Deliveries to the client's new life; old data may be retained by the
	// restarted association (RFC 9260 5.2.4 A) but never delivered twice.
	client.onMessage = func(_ *simAssoc, m assoc.Message) {
		if _, ok := old[string(m.Data)]; ok {
			old[string(m.Data)]++
		}
	}
	s.connect(client, server)
	up := func() bool { return client.assoc() != nil && client.assoc().a.State() == assoc.Established }
	if !s.runUntil(10*time.Minute, up) {
		t.Fatalf("restarted client not up after 10 minutes (%v)\n%s\n%s", s.err, client.eventSummary(), server.eventSummary())
	}
	s.drive(10 * time.Minute)
	if s.err != nil {
		t.Fatal(s.err)
	}
	if server.countChanges(assoc.Restart) != 1 {
		t.Fatalf("server: want one RESTART: %s", server.eventSummary())
	}
	if server.countChanges(assoc.CommLost) != 0 || len(server.all) != 1 || server.assoc() != serverAssoc {
		t.Fatalf("server: restart must keep the one association without COMM_LOST (%d associations): %s", len(server.all), server.eventSummary())
	}
	if serverAssoc.a.LocalTag() == oldTag {
		t.Errorf("server kept its verification tag %#x across the restart (RFC 9260 5.2.4 A gives a new one)", oldTag)
	}
	if serverAssoc.a.PeerTag() != client.assoc().a.LocalTag() || client.assoc().a.PeerTag() != serverAssoc.a.LocalTag() {
		t.Fatalf("tags do not match after restart")
	}
	for p, n := range old {
		if n > 1 {
			t.Errorf("%q delivered %d times to the restarted client", p, n)
		}
	}
	client.all = client.all[len(client.all)-1:]
	if client.countChanges(assoc.CommUp) != 2 {
		t.Errorf("client: want a COMM_UP for each life: %s", client.eventSummary())
	}
	sendBoth(t, s, client, server)
}

// TestSimulationNoDataBeforeCommUp loses the COOKIE ACK while the server
// already sends DATA: the client gets DATA in COOKIE-ECHOED. Whatever it
// does with it (RFC 9260 5.1 lets it keep the DATA; BSD takes it as an
// implied COOKIE ACK), its user must see COMM_UP before the first message
// (RFC 6458 6.1.1), and the message exactly once.
func TestSimulationNoDataBeforeCommUp(t *testing.T) {
	s := newSim(1)
	client := s.addNode("client", "127.0.0.1", assoc.Config{})
	server := s.addNode("server", "127.0.0.2", assoc.Config{NoDelay: true})
	server.listening = true
	link := linkConfig{Delay: 10 * time.Millisecond}
	s.setLinks(client, server, link, link)
	lost := false
	s.onTransmit = func(p *inflight) verdict {
		if !lost && p.has(wire.TypeCookieAck) {
			lost = true
			return drop
		}
		return pass
	}
	server.onEvent = func(sa *simAssoc, ev assoc.Event) {
		if ac, ok := ev.(assoc.AssocChange); ok && ac.State == assoc.CommUp {
			if err := sa.a.Send(s.now, assoc.OutMessage{Stream: 1, PPID: 5, Data: []byte("early")}); err != nil {
				t.Errorf("server Send: %v", err)
			}
		}
	}
	got := 0
	client.onMessage = func(*simAssoc, assoc.Message) { got++ }
	s.connect(client, server)
	s.drive(time.Minute)
	if s.err != nil {
		t.Fatal(s.err)
	}
	if !lost {
		t.Fatal("no COOKIE ACK was sent")
	}
	checkPeers(t, client, server)
	if got != 1 {
		t.Errorf("client got the message %d times, want 1", got)
	}
	if errs := checkEventOrder(client, false); len(errs) > 0 {
		t.Errorf("DATA received in COOKIE-ECHOED delivered before COMM_UP: %v", errs)
	}
}

// TestSimulationHarnessHooks checks the in-flight editing calls on a
// plain handshake: dropping the first INIT costs one T1-init timeout;
// duplicating the COOKIE ECHO does not make a second association.
func TestSimulationHarnessHooks(t *testing.T) {
	s := newSim(1)
	client := s.addNode("client", "127.0.0.1", assoc.Config{})
	server := s.addNode("server", "127.0.0.2", assoc.Config{})
	server.listening = true
	s.setLinks(client, server, linkConfig{Delay: 10 * time.Millisecond}, linkConfig{Delay: 10 * time.Millisecond})
	s.connect(client, server)
	s.step()
	if got := s.dropInFlight(func(p *inflight) bool { return p.has(wire.TypeInit) }); got != 1 {
		t.Fatalf("dropped %d INITs, want 1", got)
	}
	s.advance(500 * time.Millisecond)
	if len(s.inFlight()) != 0 {
		t.Fatalf("in flight before T1-init: %v", s.inFlight())
	}
	// T1-init (RTO.Initial 1s) resends the INIT; catch the COOKIE ECHO
	// that follows on the wire.
	s.runUntil(2*time.Second, func() bool {
		for _, p := range s.inFlight() {
			if p.has(wire.TypeCookieEcho) {
				return true
			}
		}
		return false
	})
	if s.duplicateInFlight(func(p *inflight) bool { return p.has(wire.TypeCookieEcho) }, time.Millisecond) != 1 {
		t.Fatal("no COOKIE ECHO to duplicate")
	}
	s.exchange()
	if s.err != nil {
		t.Fatal(s.err)
	}
	checkPeers(t, client, server)
	if got := s.elapsed(); got < time.Second {
		t.Errorf("established at %v, before T1-init could resend the dropped INIT", got)
	}
}
