package assoc_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/assoc"
)

// Partitions: a long one kills the association on both sides with
// COMM_LOST within the time RFC 9260 8.1, 8.3 and 6.3.3 imply; a short one
// is survived with every message delivered.

// partitionConfig keeps the failure threshold short in virtual time.
func partitionConfig() assoc.Config {
	return assoc.Config{
		RTOInitial:        time.Second,
		RTOMin:            time.Second,
		RTOMax:            4 * time.Second,
		AssocMaxRetrans:   5,
		PathMaxRetrans:    5,
		HeartbeatInterval: 5 * time.Second,
		NoDelay:           true,
	}
}

// backoffSum is the time AssocMaxRetrans+1 consecutive retransmission
// timeouts take when the first lasts rto0 and each doubles up to rtoMax
// (RFC 9260 6.3.3 E2): the association fails when its error count exceeds
// Association.Max.Retrans (8.1).
func backoffSum(rto0, rtoMax time.Duration, amr int) time.Duration {
	var sum time.Duration
	rto := rto0
	for range amr + 1 {
		sum += rto
		rto = min(2*rto, rtoMax)
	}
	return sum
}

// heartbeatBound is the longest an idle association may take to notice a
// dead peer: AssocMaxRetrans+1 unanswered heartbeats, each sent within
// HB.interval + RTO (+50% jitter) of the previous one and waited for one
// RTO, the RTO doubling after each (RFC 9260 8.3).
func heartbeatBound(rto0, rtoMax, hb time.Duration, amr int) time.Duration {
	var sum time.Duration
	rto := rto0
	for range amr + 1 {
		sum += hb + rto*3/2 + rto
		rto = min(2*rto, rtoMax)
	}
	return sum
}

// establishedPair returns a client and a server with one established
// association between them.
func establishedPair(t *testing.T, seed uint64, cfg assoc.Config, link linkConfig) (*sim, *simNode, *simNode) {
	t.Helper()
	s := newSim(seed)
	client := s.addNode("client", "127.0.0.1", cfg)
	server := s.addNode("server", "127.0.0.2", cfg)
	server.listening = true
	s.setLinks(client, server, link, link)
	s.connect(client, server)
	up := func() bool { return client.countChanges(assoc.CommUp) == 1 && server.countChanges(assoc.CommUp) == 1 }
	if !s.runUntil(time.Minute, up) {
		t.Fatalf("no association after a minute: %v\n%s\n%s", s.err, client.eventSummary(), server.eventSummary())
	}
	s.advance(100 * time.Millisecond)
	return s, client, server
}

func TestSimulationLongPartitionFails(t *testing.T) {
	for _, tc := range []struct {
		name string
		busy bool // both sides have data outstanding when the partition starts
	}{{"busy", true}, {"idle", false}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := partitionConfig()
			s, client, server := establishedPair(t, 7, cfg, linkConfig{Delay: 10 * time.Millisecond})
			if *simTrace {
				s.trace = t.Logf
			}
			// Let RTT measurements settle the RTO.
			for range 5 {
				for _, n := range []*simNode{client, server} {
					if err := n.assoc().a.Send(s.now, assoc.OutMessage{Data: []byte("warm"), MaxRetrans: -1}); err != nil {
						t.Fatal(err)
					}
				}
				s.settle()
				s.advance(time.Second)
			}
			nodes := []*simNode{client, server}
			rto0 := make([]time.Duration, 2)
			for i, n := range nodes {
				rto0[i] = n.assoc().a.Status().Primary.RTO
				if rto0[i] < cfg.RTOMin || rto0[i] > cfg.RTOMax {
					t.Fatalf("%s: RTO %v outside [%v, %v]", n.name, rto0[i], cfg.RTOMin, cfg.RTOMax)
				}
			}
			start := s.now
			s.partition(client, server, true)
			if tc.busy {
				for _, n := range nodes {
					if err := n.assoc().a.Send(s.now, assoc.OutMessage{Stream: 1, PPID: 99, Data: []byte("lost in the partition"), MaxRetrans: -1}); err != nil {
						t.Fatal(err)
					}
				}
				s.settle()
			}
			dead := func() bool { return len(client.assocs) == 0 && len(server.assocs) == 0 }
			if !s.runUntil(10*time.Minute, dead) {
				t.Fatalf("associations alive 10 minutes into the partition (%v)\n%s\n%s", s.err, client.eventSummary(), server.eventSummary())
			}
			for i, n := range nodes {
				at, ok := n.firstChange(assoc.CommLost)
				if !ok || n.countChanges(assoc.CommLost) != 1 {
					t.Errorf("%s: want one COMM_LOST: %s", n.name, n.eventSummary())
					continue
				}
				took := at.Sub(start)
				lower := backoffSum(cfg.RTOMin, cfg.RTOMax, cfg.AssocMaxRetrans)
				upper := backoffSum(rto0[i], cfg.RTOMax, cfg.AssocMaxRetrans) + 100*time.Millisecond
				if !tc.busy {
					// AssocMaxRetrans+1 unanswered heartbeats, the first at
					// once, each later one at least HB.interval after the last.
					lower = time.Duration(cfg.AssocMaxRetrans)*cfg.HeartbeatInterval + cfg.RTOMin
					upper = heartbeatBound(rto0[i], cfg.RTOMax, cfg.HeartbeatInterval, cfg.AssocMaxRetrans) + 100*time.Millisecond
				}
				t.Logf("%s: COMM_LOST %v into the partition (bounds [%v, %v], RTO at start %v)", n.name, took, lower, upper, rto0[i])
				if took < lower || took > upper {
					t.Errorf("%s: COMM_LOST after %v, want within [%v, %v]", n.name, took, lower, upper)
				}
				if tc.busy && !n.hasEvent(func(ev assoc.Event) bool {
					sf, ok := ev.(assoc.SendFailed)
					return ok && sf.Msg.PPID == 99
				}) {
					t.Errorf("%s: the message lost in the partition was not reported in a SendFailed: %s", n.name, n.eventSummary())
				}
				if err := n.last().a.Send(s.now, assoc.OutMessage{Data: []byte("x"), MaxRetrans: -1}); err == nil {
					t.Errorf("%s: Send on a failed association succeeded", n.name)
				}
			}
			if s.err != nil {
				t.Fatal(s.err)
			}
		})
	}
}

// TestSimulationShortPartitionSurvived runs traffic both ways across a
// partition shorter than the failure threshold: nothing is lost.
func TestSimulationShortPartitionSurvived(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		cfg := partitionConfig()
		// The shortest time to failure, timeouts starting at RTO.Min.
		threshold := backoffSum(cfg.RTOMin, cfg.RTOMax, cfg.AssocMaxRetrans)
		w := manualWorkload(seed, [2]assoc.Config{cfg, cfg}, linkConfig{Delay: 20 * time.Millisecond, Loss: 0.02}, [2]int{300, 300}, 2000)
		for d := range 2 {
			for i, m := range w.msgs[d] {
				m.notBefore = time.Duration(i) * 50 * time.Millisecond
			}
		}
		w.partitions = []partitionSpec{{at: 2 * time.Second, dur: threshold * 3 / 4}}
		res, err := runWorkload(w, nil)
		if err != nil {
			t.Errorf("seed %d, partition %v: %v", seed, threshold*3/4, err)
			continue
		}
		t.Logf("seed %d: partition %v survived, done after %v virtual", seed, threshold*3/4, res.virtual)
	}
}

// manualWorkload builds a workload of reliable messages: n[d] messages in
// direction d, sizes up to maxSize, spread over the default streams.
func manualWorkload(seed uint64, cfg [2]assoc.Config, link linkConfig, n [2]int, maxSize int) *workload {
	r := rand.New(rand.NewPCG(seed, 0x3a1))
	w := &workload{seed: seed, cfg: cfg, links: [2]linkConfig{link, link}}
	for d := range 2 {
		w.streams[d] = 10
		if o := cfg[d].OutStreams; o != 0 {
			w.streams[d] = o
		}
		orderIdx := make(map[uint16]int)
		for i := range n[d] {
			m := &sentMsg{dir: d, idx: i}
			m.m.Stream = uint16(i % int(w.streams[d]))
			m.m.PPID = uint32(i + 1)
			m.m.MaxRetrans = -1
			m.data = make([]byte, 1+r.IntN(maxSize))
			fill(r, m.data)
			m.orderIdx = orderIdx[m.m.Stream]
			orderIdx[m.m.Stream]++
			w.bytes += len(m.data)
			w.msgs[d] = append(w.msgs[d], m)
		}
	}
	return w
}
