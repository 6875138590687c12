package assoc_test

import (
	"errors"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/assoc"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// Closing scenarios: user ABORT, and Send once shutdown has begun.

// TestSimulationAbort: a user ABORT with queued data closes both sides at
// once, each with COMM_LOST; the peer's carries the User-Initiated Abort
// cause and its reason; unsent data is reported failed.
func TestSimulationAbort(t *testing.T) {
	s, client, server := establishedPair(t, 9, assoc.Config{}, linkConfig{Delay: 10 * time.Millisecond})
	ca := client.assoc()
	s.after(0, "send+abort", func() {
		for range 3 {
			if err := ca.a.Send(s.now, assoc.OutMessage{Stream: 0, PPID: 3, Data: make([]byte, 1000)}); err != nil {
				t.Fatal(err)
			}
		}
		ca.a.Abort(s.now, []byte("bye"))
	})
	s.drive(time.Minute)
	if s.err != nil {
		t.Fatal(s.err)
	}
	if len(client.assocs) != 0 || len(server.assocs) != 0 {
		t.Fatalf("associations left: client %d, server %d", len(client.assocs), len(server.assocs))
	}
	for _, n := range []*simNode{client, server} {
		if n.countChanges(assoc.CommLost) != 1 {
			t.Errorf("%s: want one COMM_LOST: %s", n.name, n.eventSummary())
		}
	}
	for _, ac := range server.assocChanges() {
		if ac.State != assoc.CommLost {
			continue
		}
		if c, ok := ac.Cause.(*wire.UserInitiatedAbort); !ok || string(c.Reason) != "bye" {
			t.Errorf("server COMM_LOST cause %#v, want User-Initiated Abort \"bye\"", ac.Cause)
		}
	}
	failed := 0
	for _, e := range client.events {
		if _, ok := e.ev.(assoc.SendFailed); ok {
			failed++
		}
	}
	if failed != 3 {
		t.Errorf("client: %d SendFailed, want 3 (the messages queued before the ABORT)", failed)
	}
	if err := ca.a.Send(s.now, assoc.OutMessage{Data: []byte("x")}); err == nil {
		t.Error("Send after Abort succeeded")
	}
}

// TestSimulationSendAfterShutdown: once a side called Shutdown, or got the
// peer's SHUTDOWN, Send refuses new data with ErrShutdown (RFC 9260 9.2),
// and with ErrClosed once the association is closed.
func TestSimulationSendAfterShutdown(t *testing.T) {
	s, client, server := establishedPair(t, 11, assoc.Config{}, linkConfig{Delay: 10 * time.Millisecond})
	ca, sa := client.assoc(), server.assoc()
	msg := func() assoc.OutMessage { return assoc.OutMessage{Data: []byte("late")} }
	var clientErr, serverErr error
	s.after(0, "shutdown", func() {
		ca.a.Shutdown(s.now)
		clientErr = ca.a.Send(s.now, msg())
	})
	server.onEvent = func(_ *simAssoc, ev assoc.Event) {
		if _, ok := ev.(assoc.ShutdownEvent); ok {
			serverErr = sa.a.Send(s.now, msg())
		}
	}
	s.drive(time.Minute)
	if s.err != nil {
		t.Fatal(s.err)
	}
	if !errors.Is(clientErr, assoc.ErrShutdown) {
		t.Errorf("client Send after Shutdown: %v, want ErrShutdown", clientErr)
	}
	if !errors.Is(serverErr, assoc.ErrShutdown) {
		t.Errorf("server Send after the peer's SHUTDOWN: %v, want ErrShutdown", serverErr)
	}
	for _, x := range []*simAssoc{ca, sa} {
		if !x.a.Closed() || x.node.countChanges(assoc.ShutdownComp) != 1 {
			t.Fatalf("%s: not closed gracefully: %s", x.node.name, x.node.eventSummary())
		}
		if err := x.a.Send(s.now, msg()); !errors.Is(err, assoc.ErrClosed) {
			t.Errorf("%s: Send after close: %v, want ErrClosed", x.node.name, err)
		}
	}
}

// TestSimulationShutdownOutlastsSlowPeer: the client shuts down while the
// server still has much to send over a lossy path, backing off up to an
// RTO.Max of 10 s; the client's T2-shutdown (RTO.Max 1 s) expires many
// times between the server's retransmissions. With heartbeats off nothing
// acknowledges the SHUTDOWN until the server is done, so only the
// server's new DATA shows the peer is alive: it must clear the error
// count, or the client gives up on Association.Max.Retrans while the
// server is still delivering (sim seed 1438 before the fix).
func TestSimulationShutdownOutlastsSlowPeer(t *testing.T) {
	client := assoc.Config{
		RTOInitial: time.Second, RTOMin: 100 * time.Millisecond, RTOMax: time.Second,
		HeartbeatInterval: -1, AssocMaxRetrans: 20, RecvBuffer: 16 << 10, NoDelay: true,
	}
	server := assoc.Config{RTOMax: 10 * time.Second, HeartbeatInterval: -1, AssocMaxRetrans: 20, NoDelay: true}
	link := linkConfig{Delay: 60 * time.Millisecond, Loss: 0.17}
	for seed := uint64(1); seed <= 5; seed++ {
		w := manualWorkload(seed, [2]assoc.Config{client, server}, link, [2]int{5, 60}, 40_000)
		w.shutdownBy = 0
		res, err := runWorkload(w, nil)
		if err != nil {
			t.Errorf("seed %d: %v", seed, err)
			continue
		}
		t.Logf("seed %d: closed after %v virtual", seed, res.virtual)
	}
}
