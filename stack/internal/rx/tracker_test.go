package rx

import (
	"reflect"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

var t0 = time.Unix(1_000_000, 0)

func gb(start, end uint16) wire.GapBlock { return wire.GapBlock{Start: start, End: end} }

const farBelow wire.TSN = 1<<32 - 69990 // 10 - 70000

func sackOf(tr *Tracker, maxGaps int) wire.Sack {
	var s wire.Sack
	tr.FillSack(&s, 1000, maxGaps)
	return s
}

func TestTrackerObserve(t *testing.T) {
	type gap = wire.GapBlock
	tests := []struct {
		name    string
		initial wire.TSN
		cfg     TrackerConfig
		tsns    []wire.TSN
		refused []int // indexes into tsns for which Observe must return false
		cum     wire.TSN
		highest wire.TSN
		gaps    []gap
		dups    []wire.TSN
	}{
		{name: "in order", initial: 100, tsns: []wire.TSN{100, 101, 102}, cum: 102, highest: 102},
		{name: "nothing yet", initial: 100, cum: 99, highest: 99},
		{name: "gaps", initial: 100, tsns: []wire.TSN{100, 102, 103, 105}, cum: 100, highest: 105,
			gaps: []gap{gb(2, 3), gb(5, 5)}},
		{name: "merge middle", initial: 100, tsns: []wire.TSN{100, 102, 105, 104, 103}, cum: 100, highest: 105,
			gaps: []gap{gb(2, 5)}},
		{name: "merge left and right", initial: 100, tsns: []wire.TSN{110, 108, 112, 109, 111}, cum: 99, highest: 112,
			gaps: []gap{gb(9, 13)}},
		{name: "descending", initial: 1, tsns: []wire.TSN{9, 8, 7, 5, 3}, cum: 0, highest: 9,
			gaps: []gap{gb(3, 3), gb(5, 5), gb(7, 9)}},
		{name: "gap fills and cum jumps", initial: 100, tsns: []wire.TSN{102, 103, 105, 100, 101}, cum: 103, highest: 105,
			gaps: []gap{gb(2, 2)}},
		{name: "wrap in order", initial: 0xFFFFFFFE, tsns: []wire.TSN{0xFFFFFFFE, 0xFFFFFFFF, 0, 1}, cum: 1, highest: 1},
		{name: "wrap out of order", initial: 0xFFFFFFFE, tsns: []wire.TSN{0, 1, 0xFFFFFFFE, 3}, cum: 0xFFFFFFFE, highest: 3,
			gaps: []gap{gb(2, 3), gb(5, 5)}},
		{name: "wrap filled", initial: 0xFFFFFFFE, tsns: []wire.TSN{0, 1, 0xFFFFFFFE, 0xFFFFFFFF}, cum: 1, highest: 1},
		{name: "duplicates", initial: 100, tsns: []wire.TSN{100, 101, 103, 101, 103, 50},
			refused: []int{3, 4, 5}, cum: 101, highest: 103, gaps: []gap{gb(2, 2)}, dups: []wire.TSN{101, 103, 50}},
		{name: "window bound", initial: 100, cfg: TrackerConfig{MaxGapTSNs: 10}, tsns: []wire.TSN{109, 110, 100, 111, 110},
			refused: []int{1, 3}, cum: 100, highest: 110, gaps: []gap{gb(9, 10)}},
		{name: "far ahead is refused, not a dup", initial: 5, tsns: []wire.TSN{5, 1 << 30}, refused: []int{1},
			cum: 5, highest: 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker(tc.initial, tc.cfg)
			refused := map[int]bool{}
			for _, i := range tc.refused {
				refused[i] = true
			}
			for i, tsn := range tc.tsns {
				want := !refused[i]
				if got := tr.Observe(tsn); got != want {
					t.Fatalf("Observe(%d) #%d = %v, want %v", tsn, i, got, want)
				}
			}
			if tr.CumAck() != tc.cum || tr.Highest() != tc.highest {
				t.Fatalf("cum %d highest %d, want %d %d", tr.CumAck(), tr.Highest(), tc.cum, tc.highest)
			}
			if tr.HasGaps() != (len(tc.gaps) > 0) {
				t.Fatalf("HasGaps = %v", tr.HasGaps())
			}
			s := sackOf(tr, -1)
			if s.CumTSNAck != tc.cum || s.ARwnd != 1000 {
				t.Fatalf("sack cum %d arwnd %d", s.CumTSNAck, s.ARwnd)
			}
			if len(s.Gaps) != 0 || len(tc.gaps) != 0 {
				if !reflect.DeepEqual(s.Gaps, tc.gaps) {
					t.Fatalf("gaps %v, want %v", s.Gaps, tc.gaps)
				}
			}
			if len(s.Dups) != 0 || len(tc.dups) != 0 {
				if !reflect.DeepEqual(s.Dups, tc.dups) {
					t.Fatalf("dups %v, want %v", s.Dups, tc.dups)
				}
			}
		})
	}
}

func TestTrackerFillSackLimitsAndReuse(t *testing.T) {
	tr := NewTracker(1, TrackerConfig{})
	for tsn := wire.TSN(2); tsn < 40; tsn += 2 {
		tr.Observe(tsn)
	}
	for i := 0; i < 40; i++ {
		tr.Observe(2)
	}
	var s wire.Sack
	tr.FillSack(&s, 7, 3)
	if want := []wire.GapBlock{gb(2, 2), gb(4, 4), gb(6, 6)}; !reflect.DeepEqual(s.Gaps, want) {
		t.Fatalf("gaps %v", s.Gaps)
	}
	if len(s.Dups) != maxDups {
		t.Fatalf("%d dups, want the cap %d", len(s.Dups), maxDups)
	}
	gapsCap := cap(s.Gaps)
	tr.FillSack(&s, 7, 0)
	if len(s.Gaps) != 0 || len(s.Dups) != 0 || cap(s.Gaps) != gapsCap {
		t.Fatalf("second sack: gaps %v dups %v", s.Gaps, s.Dups)
	}
}

func TestTrackerRangeCap(t *testing.T) {
	tr := NewTracker(0, TrackerConfig{})
	for i := 0; i < maxRanges; i++ {
		if !tr.Observe(wire.TSN(2 + 2*i)) {
			t.Fatalf("range %d refused", i)
		}
	}
	if tr.Observe(wire.TSN(2 + 2*maxRanges)) {
		t.Fatal("range beyond the cap accepted")
	}
	if tr.Highest() != wire.TSN(2*maxRanges) {
		t.Fatalf("highest %d after a refusal", tr.Highest())
	}
	if !tr.Observe(3) || !tr.Observe(0) || !tr.Observe(1) {
		t.Fatal("TSNs joining ranges refused")
	}
	if tr.CumAck() != 4 {
		t.Fatalf("cum %d", tr.CumAck())
	}
}

func TestTrackerDelayedAck(t *testing.T) {
	type pkt struct {
		tsns      []wire.TSN
		immediate bool
		at        time.Duration
	}
	tests := []struct {
		name     string
		cfg      TrackerConfig
		pkts     []pkt
		sackNow  bool
		deadline time.Duration // -1: none
	}{
		{name: "first packet delays", pkts: []pkt{{tsns: []wire.TSN{10}}}, deadline: 200 * time.Millisecond},
		{name: "second packet acks", pkts: []pkt{{tsns: []wire.TSN{10}}, {tsns: []wire.TSN{11}, at: time.Millisecond}},
			sackNow: true, deadline: -1},
		{name: "deadline kept from first packet", cfg: TrackerConfig{AckEvery: 3},
			pkts:     []pkt{{tsns: []wire.TSN{10}}, {tsns: []wire.TSN{11}, at: 50 * time.Millisecond}},
			deadline: 200 * time.Millisecond},
		{name: "custom delay", cfg: TrackerConfig{DelayedAckTime: 40 * time.Millisecond},
			pkts: []pkt{{tsns: []wire.TSN{10, 11, 12}}}, deadline: 40 * time.Millisecond},
		{name: "delay clamped to 500ms", cfg: TrackerConfig{DelayedAckTime: time.Hour},
			pkts: []pkt{{tsns: []wire.TSN{10}}}, deadline: 500 * time.Millisecond},
		{name: "I bit", pkts: []pkt{{tsns: []wire.TSN{10}, immediate: true}}, sackNow: true, deadline: -1},
		{name: "gap", pkts: []pkt{{tsns: []wire.TSN{11}}}, sackNow: true, deadline: -1},
		{name: "gap closed by packet", cfg: TrackerConfig{AckEvery: 10},
			pkts: []pkt{{tsns: []wire.TSN{11}}, {tsns: []wire.TSN{10}}}, sackNow: true, deadline: -1},
		{name: "duplicate only", cfg: TrackerConfig{AckEvery: 10},
			pkts: []pkt{{tsns: []wire.TSN{9}}}, sackNow: true, deadline: -1},
		{name: "refused only counts", pkts: []pkt{{tsns: []wire.TSN{1 << 20}}}, deadline: 200 * time.Millisecond},
		{name: "empty packet", pkts: []pkt{{}}, deadline: -1},
		{name: "empty packet with I", pkts: []pkt{{immediate: true}}, sackNow: true, deadline: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker(10, tc.cfg)
			for _, p := range tc.pkts {
				for _, tsn := range p.tsns {
					tr.Observe(tsn)
				}
				tr.PacketDone(t0.Add(p.at), p.immediate)
			}
			if tr.SackNow() != tc.sackNow {
				t.Fatalf("SackNow = %v", tr.SackNow())
			}
			want := time.Time{}
			if tc.deadline >= 0 {
				want = t0.Add(tc.deadline)
			}
			if !tr.Deadline().Equal(want) {
				t.Fatalf("deadline %v, want %v", tr.Deadline(), want)
			}
		})
	}
}

func TestTrackerTimeout(t *testing.T) {
	tr := NewTracker(1, TrackerConfig{})
	tr.HandleTimeout(t0) // nothing armed: harmless
	if tr.SackNow() {
		t.Fatal("SackNow without data")
	}
	tr.Observe(1)
	tr.PacketDone(t0, false)
	tr.HandleTimeout(t0.Add(199 * time.Millisecond))
	if tr.SackNow() {
		t.Fatal("SackNow before the deadline")
	}
	tr.HandleTimeout(t0.Add(200 * time.Millisecond))
	if !tr.SackNow() || !tr.Deadline().IsZero() {
		t.Fatal("no SACK at the deadline")
	}
	// A packet while a SACK is pending does not arm a deadline.
	tr.Observe(2)
	tr.PacketDone(t0.Add(time.Second), false)
	if !tr.Deadline().IsZero() {
		t.Fatal("deadline armed while a SACK is pending")
	}
	s := sackOf(tr, 4)
	if s.CumTSNAck != 2 || tr.SackNow() || !tr.Deadline().IsZero() {
		t.Fatalf("after FillSack: cum %d SackNow %v", s.CumTSNAck, tr.SackNow())
	}
	// The packet count restarts after a SACK.
	tr.Observe(3)
	tr.PacketDone(t0.Add(2*time.Second), false)
	if tr.SackNow() {
		t.Fatal("SACK on the first packet after a SACK")
	}
	tr.ForceSack()
	if !tr.SackNow() || !tr.Deadline().IsZero() {
		t.Fatal("ForceSack")
	}
}

func TestTrackerForwardTo(t *testing.T) {
	tests := []struct {
		name   string
		tsns   []wire.TSN
		newCum wire.TSN
		cum    wire.TSN
		gaps   []wire.GapBlock
		stale  bool
	}{
		{name: "no gaps", tsns: []wire.TSN{100}, newCum: 105, cum: 105},
		{name: "over a range", tsns: []wire.TSN{100, 102, 103}, newCum: 104, cum: 104},
		{name: "adjacent range absorbed", tsns: []wire.TSN{100, 103, 104, 107}, newCum: 102, cum: 104,
			gaps: []wire.GapBlock{gb(3, 3)}},
		{name: "into a range", tsns: []wire.TSN{100, 103, 104, 105, 110}, newCum: 104, cum: 105,
			gaps: []wire.GapBlock{gb(5, 5)}},
		{name: "wrap", tsns: []wire.TSN{100}, newCum: 3, cum: 3},
		{name: "stale", tsns: []wire.TSN{100, 101}, newCum: 100, cum: 101, stale: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			initial := tc.tsns[0]
			if tc.name == "wrap" {
				initial = 0xFFFFFFF0
				tc.tsns[0] = initial
			}
			tr := NewTracker(initial, TrackerConfig{AckEvery: 100})
			for _, tsn := range tc.tsns {
				tr.Observe(tsn)
			}
			tr.PacketDone(t0, false)
			sackOf(tr, -1)
			gapsBefore := tr.HasGaps()
			tr.ForwardTo(tc.newCum)
			tr.PacketDone(t0, false)
			if tr.SackNow() != (tc.stale || len(tc.gaps) > 0 || gapsBefore) {
				t.Fatalf("SackNow = %v", tr.SackNow())
			}
			s := sackOf(tr, -1)
			if s.CumTSNAck != tc.cum {
				t.Fatalf("cum %d, want %d", s.CumTSNAck, tc.cum)
			}
			if len(s.Gaps)+len(tc.gaps) > 0 && !reflect.DeepEqual(s.Gaps, tc.gaps) {
				t.Fatalf("gaps %v, want %v", s.Gaps, tc.gaps)
			}
			if tr.Highest().Less(tr.CumAck()) {
				t.Fatalf("highest %d below cum %d", tr.Highest(), tr.CumAck())
			}
		})
	}
}

func TestTrackerForget(t *testing.T) {
	tests := []struct {
		name    string
		tsns    []wire.TSN
		forget  wire.TSN
		cum     wire.TSN
		highest wire.TSN
		gaps    []wire.GapBlock
	}{
		{name: "cum", tsns: []wire.TSN{10, 11}, forget: 11, cum: 10, highest: 10},
		{name: "below cum", tsns: []wire.TSN{10, 11, 12}, forget: 11, cum: 10, highest: 12,
			gaps: []wire.GapBlock{gb(2, 2)}},
		{name: "cum jumped over a range", tsns: []wire.TSN{12, 13, 11, 10}, forget: 11, cum: 10, highest: 13,
			gaps: []wire.GapBlock{gb(2, 3)}},
		{name: "single range", tsns: []wire.TSN{10, 12, 15}, forget: 15, cum: 10, highest: 12,
			gaps: []wire.GapBlock{gb(2, 2)}},
		{name: "range start", tsns: []wire.TSN{10, 12, 13, 14}, forget: 12, cum: 10, highest: 14,
			gaps: []wire.GapBlock{gb(3, 4)}},
		{name: "range end", tsns: []wire.TSN{10, 12, 13, 14}, forget: 14, cum: 10, highest: 13,
			gaps: []wire.GapBlock{gb(2, 3)}},
		{name: "range middle", tsns: []wire.TSN{10, 12, 13, 14}, forget: 13, cum: 10, highest: 14,
			gaps: []wire.GapBlock{gb(2, 2), gb(4, 4)}},
		{name: "not recorded", tsns: []wire.TSN{10, 12}, forget: 11, cum: 10, highest: 12,
			gaps: []wire.GapBlock{gb(2, 2)}},
		{name: "above all", tsns: []wire.TSN{10, 12}, forget: 20, cum: 10, highest: 12,
			gaps: []wire.GapBlock{gb(2, 2)}},
		{name: "far below", tsns: []wire.TSN{10}, forget: farBelow, cum: 10, highest: 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker(10, TrackerConfig{})
			for _, tsn := range tc.tsns {
				tr.Observe(tsn)
			}
			tr.Forget(tc.forget)
			s := sackOf(tr, -1)
			if s.CumTSNAck != tc.cum || tr.Highest() != tc.highest {
				t.Fatalf("cum %d highest %d, want %d %d", s.CumTSNAck, tr.Highest(), tc.cum, tc.highest)
			}
			if len(s.Gaps)+len(tc.gaps) > 0 && !reflect.DeepEqual(s.Gaps, tc.gaps) {
				t.Fatalf("gaps %v, want %v", s.Gaps, tc.gaps)
			}
			if tc.forget != farBelow && tc.name != "not recorded" && tc.name != "above all" && !tr.Observe(tc.forget) {
				t.Fatal("forgotten TSN refused on retransmission")
			}
		})
	}
}

func TestTrackerGapOffsetsStay16Bit(t *testing.T) {
	tr := NewTracker(0, TrackerConfig{})
	for tsn := wire.TSN(0); tsn <= 70000; tsn++ {
		tr.Observe(tsn)
	}
	tr.Observe(135000)
	tr.Forget(5000) // misuse: long after Observe
	s := sackOf(tr, -1)
	if s.CumTSNAck != 4999 || len(s.Gaps) != 1 || s.Gaps[0] != gb(2, 65001) {
		t.Fatalf("cum %d gaps %v", s.CumTSNAck, s.Gaps)
	}
}
