package assoc_test

import (
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"
	"testing"
	"time"
)

var (
	simSeeds = flag.Int("sim.seeds", 1000, "number of seeds TestSimulationSeeds runs (sim.first..sim.first+N-1)")
	simFirst = flag.Uint64("sim.first", 1, "first seed TestSimulationSeeds runs")
	simSeed  = flag.Uint64("sim.seed", 0, "run only this seed of TestSimulationSeeds, with its packet trace under -sim.trace")
	simTrace = flag.Bool("sim.trace", false, "log every packet and event of a single-seed run")
)

// knownFailures are seeds that fail because of a bug in the association
// core not fixed yet: the bulk run still runs them but only logs their
// failure (and says when one passes again, so that it is taken off the
// list); -sim.seed runs them as real failures. Each entry says what goes
// wrong.
var knownFailures = map[uint64]string{}

// regressionSeeds failed once outside the seeds CI runs (1..1000) and
// were fixed: the bulk run always runs them too. Each entry says what
// went wrong.
var regressionSeeds = map[uint64]string{
	1438: "SHUTDOWN-SENT gave up on Association.Max.Retrans while the peer, backing off to RTO.Max 10 s, was still delivering",
}

// runSeed runs one seed's workload; a panic in the core becomes the seed's
// failure (with its stack) instead of ending the whole run.
func runSeed(seed uint64, trace func(string, ...any)) (res runResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return runWorkload(genWorkload(seed), trace)
}

func reproduce(seed uint64) string {
	return fmt.Sprintf("go test ./stack/assoc -run 'TestSimulationSeeds' -sim.seed=%d -v", seed)
}

// TestSimulationSeeds runs one random workload per seed (see genWorkload)
// through connect, transfer and graceful shutdown over lossy, duplicating,
// reordering and partitioned links, and checks the ledger's invariants.
func TestSimulationSeeds(t *testing.T) {
	if *simSeed != 0 {
		seed := *simSeed
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			w := genWorkload(seed)
			t.Log(w)
			var trace func(string, ...any)
			if *simTrace {
				trace = t.Logf
			}
			res, err := runSeed(seed, trace)
			t.Logf("virtual %v, %d packets (%d dropped), max %d in flight; %s", res.virtual, res.stats.packets, res.stats.dropped, res.stats.maxInFlight, res.pr)
			if err != nil {
				t.Fatalf("%v\nreproduce: %s", err, reproduce(seed))
			}
		})
		return
	}
	n := *simSeeds
	if testing.Short() || (raceEnabled && !flagSet("sim.seeds")) {
		n = min(n, 100)
	}
	type outcome struct {
		seed uint64
		res  runResult
		err  error
	}
	start := time.Now()
	seeds := make(chan uint64)
	results := make(chan outcome)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seed := range seeds {
				res, err := runSeed(seed, nil)
				results <- outcome{seed, res, err}
			}
		}()
	}
	first, last := *simFirst, *simFirst+uint64(n)-1
	var extra []uint64
	for seed := range regressionSeeds {
		if seed < first || seed > last {
			extra = append(extra, seed)
		}
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i] < extra[j] })
	go func() {
		for seed := first; seed <= last; seed++ {
			seeds <- seed
		}
		for _, seed := range extra {
			seeds <- seed
		}
		close(seeds)
		wg.Wait()
		close(results)
	}()
	var failed []outcome
	var maxVirtual time.Duration
	var maxSeed uint64
	passed, packets, dropped, maxInFlight, refused := 0, 0, 0, 0, 0
	var pr [3]int
	for o := range results {
		packets += o.res.stats.packets
		dropped += o.res.stats.dropped
		refused += o.res.refused
		maxInFlight = max(maxInFlight, o.res.stats.maxInFlight)
		for i := range pr {
			pr[i] += o.res.prCount[i]
		}
		if why, known := knownFailures[o.seed]; known {
			if o.err != nil {
				t.Logf("seed %d fails, known assoc bug: %s; reproduce with %s", o.seed, why, reproduce(o.seed))
			} else {
				t.Logf("seed %d passes now: take it off knownFailures (%s)", o.seed, why)
			}
			continue
		}
		if o.err != nil {
			failed = append(failed, o)
			continue
		}
		passed++
		if o.res.virtual > maxVirtual {
			maxVirtual, maxSeed = o.res.virtual, o.seed
		}
	}
	sort.Slice(failed, func(i, j int) bool { return failed[i].seed < failed[j].seed })
	skipped := 0
	for seed := range knownFailures {
		if seed >= first && seed <= last {
			skipped++
		}
	}
	t.Logf("%d/%d seeds passed (%d-%d and %d regression seeds; %d known failures not counted) in %v: %d packets (%d lost), at most %d in flight; PR-SCTP messages %d delivered, %d abandoned, %d abandoned after delivery; %d sends refused after the peer's SHUTDOWN; longest virtual run %v (seed %d)",
		passed, n+len(extra)-skipped, first, last, len(extra), skipped, time.Since(start).Round(time.Millisecond), packets, dropped, maxInFlight, pr[0], pr[1], pr[2], refused, maxVirtual, maxSeed)
	for i, o := range failed {
		if i == 10 {
			t.Errorf("... and %d more failing seeds", len(failed)-i)
			break
		}
		t.Errorf("seed %d: %v\nreproduce: %s", o.seed, o.err, reproduce(o.seed))
	}
	if len(failed) > 0 {
		seedsList := make([]uint64, len(failed))
		for i, o := range failed {
			seedsList[i] = o.seed
		}
		t.Logf("failing seeds: %v", seedsList)
	}
}

// flagSet reports whether the named flag was given on the command line.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
