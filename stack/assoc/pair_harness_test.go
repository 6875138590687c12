package assoc_test

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/stack/assoc"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// The simulator: endpoints on their own loopback IPs joined by simulated
// links, one virtual clock, one event queue, one goroutine. It plays the part
// of the socket layer for the sans-IO core: it demultiplexes packets to
// associations (by peer address, falling back to Endpoint.HandleUnmatched),
// drains PollTransmit and PollEvent after every input, and keeps one
// wake-up per association at its NextDeadline. Everything is driven by the
// seed, so a run is reproducible from it.
//
// In the style of dcSCTP's socket test (ExchangeMessages, AdvanceTime) and
// quinn-proto's Pair (drive, step): advance, drive, exchange and runUntil
// move time; onTransmit and the inFlight / drop / duplicate / reverse calls
// (pair_inflight_test.go) edit what is on the wire. Every packet is checked
// on its way out (pair_packets_test.go); events are logged per node
// (pair_events_test.go); links are memnet.Link models (pair_link_test.go).
//
// Invariants the simulator itself enforces, failing the run: no malformed
// packet, bounded packets in flight and events processed, and no timer that
// keeps firing without time moving.

const (
	simUDPPort  = 9899 // RFC 6951 default encapsulation port
	simSCTPPort = 5000
	simBufSize  = 64 << 10
)

// simEpoch is virtual time zero; any fixed instant does.
var simEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type simEventKind uint8

const (
	evPacket simEventKind = iota
	evTimer
	evAction
)

// simEvent is one entry of the queue: a packet delivery, an association's
// wake-up (valid while gen matches), or a user action.
type simEvent struct {
	at     time.Time
	seq    uint64
	kind   simEventKind
	pkt    *inflight
	sa     *simAssoc
	gen    uint64
	action func()
	name   string
	index  int // position in the heap, -1 once removed
}

type eventHeap []*simEvent

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h eventHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *eventHeap) Push(x any) {
	e := x.(*simEvent)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *eventHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	e.index = -1
	*h = old[:len(old)-1]
	return e
}

// loggedEvent is one event an association reported, with when and by whom.
type loggedEvent struct {
	at time.Time
	sa *simAssoc
	ev assoc.Event
}

// simNode is one SCTP endpoint on its own IP address.
type simNode struct {
	name      string
	addr      netip.AddrPort // IP and UDP port
	cfg       assoc.Config
	ep        *assoc.Endpoint
	listening bool
	assocs    []*simAssoc // live associations, oldest first
	all       []*simAssoc // every association the node ever had
	events    []loggedEvent

	// readDelay postpones ReadConsumed after a delivery (a slow reader).
	readDelay time.Duration
	// onMessage gets every complete message (pieces of partial delivery
	// joined), onEvent every event as polled, pump is called after every
	// step to let the application push more data.
	onMessage func(sa *simAssoc, m assoc.Message)
	onEvent   func(sa *simAssoc, ev assoc.Event)
	pump      func()
}

// simAssoc is an association and the simulator's bookkeeping for it.
type simAssoc struct {
	a        *assoc.Association
	node     *simNode
	gen      uint64    // generation of the valid wake-up event
	timer    *simEvent // the valid wake-up, nil if none
	lastFire time.Time
	fires    int // timer fires at lastFire without time moving
	// partial holds the pieces of messages being delivered in parts, by
	// stream and ordering.
	partial map[partialKey][]byte
	removed bool
}

// ended reports whether the association reported its end to the user.
func (sa *simAssoc) ended() bool {
	for _, e := range sa.node.events {
		if ac, ok := e.ev.(assoc.AssocChange); ok && e.sa == sa {
			switch ac.State {
			case assoc.ShutdownComp, assoc.CommLost, assoc.CantStartAssoc:
				return true
			}
		}
	}
	return false
}

type partialKey struct {
	stream    uint16
	unordered bool
}

// sim is the simulated network and its clock.
type sim struct {
	rng    *rand.Rand
	now    time.Time
	seq    uint64
	q      eventHeap
	nodes  []*simNode
	links  map[[2]netip.Addr]simLink
	buf    []byte
	pktID  uint64
	nPkts  int // packets in flight
	steps  int
	err    error
	trace  func(format string, args ...any)
	stats  simStats
	bounds simBounds

	// onTransmit, when set, decides the fate of each packet before the link
	// model sees it.
	onTransmit func(p *inflight) verdict
}

type simStats struct {
	packets, bytes, dropped, delivered int
	maxInFlight, maxQueue              int
	unmatched                          int
}

// simBounds are the invariants on resources checked after every step.
type simBounds struct {
	maxInFlight int // packets on the wire at once
	maxSteps    int // events processed in total
	maxFires    int // timer fires of one association without time moving
}

// newSim makes an empty network whose randomness all derives from seed.
func newSim(seed uint64) *sim {
	return &sim{
		rng:   rand.New(rand.NewPCG(seed, 0x5ca1ab1e)),
		now:   simEpoch,
		links: make(map[[2]netip.Addr]simLink),
		buf:   make([]byte, simBufSize),
		bounds: simBounds{
			maxInFlight: 5000,
			maxSteps:    2_000_000,
			maxFires:    64,
		},
	}
}

// failf records the first failure; the simulation stops at the next step.
func (s *sim) failf(format string, args ...any) {
	if s.err == nil {
		s.err = fmt.Errorf("t=%v: %s", s.elapsed(), fmt.Sprintf(format, args...))
	}
}

func (s *sim) elapsed() time.Duration { return s.now.Sub(simEpoch) }

func (s *sim) logf(format string, args ...any) {
	if s.trace != nil {
		s.trace("%12v "+format, append([]any{s.elapsed()}, args...)...)
	}
}

// detRand returns a deterministic source of 32-bit values for an endpoint.
func (s *sim) detRand() func() uint32 {
	r := rand.New(rand.NewPCG(s.rng.Uint64(), s.rng.Uint64()))
	return r.Uint32
}

// addNode creates an endpoint on ip (UDP port 9899, SCTP port 5000).
func (s *sim) addNode(name, ip string, cfg assoc.Config) *simNode {
	if cfg.Rand == nil {
		cfg.Rand = s.detRand()
	}
	n := &simNode{name: name, addr: netip.AddrPortFrom(netip.MustParseAddr(ip), simUDPPort), cfg: cfg}
	n.ep = assoc.NewEndpoint(simSCTPPort, cfg)
	n.ep.SetLocalAddrs([]netip.Addr{n.addr.Addr()})
	s.nodes = append(s.nodes, n)
	return n
}

// restartNode throws away n's endpoint and associations without a word on
// the wire (a crash) and gives it a fresh endpoint on the same address.
func (s *sim) restartNode(n *simNode) {
	for _, sa := range n.assocs {
		sa.removed = true
		s.cancelTimer(sa)
	}
	n.assocs = nil
	cfg := n.cfg
	cfg.Rand = s.detRand()
	n.ep = assoc.NewEndpoint(simSCTPPort, cfg)
	n.ep.SetLocalAddrs([]netip.Addr{n.addr.Addr()})
	s.logf("%s restarted", n.name)
}

// link returns the one-way link from a to b, making it on first use.
func (s *sim) link(a, b *simNode) simLink {
	k := [2]netip.Addr{a.addr.Addr(), b.addr.Addr()}
	l, ok := s.links[k]
	if !ok {
		l = newSimLink(linkConfig{}, rand.New(rand.NewPCG(s.rng.Uint64(), s.rng.Uint64())))
		s.links[k] = l
	}
	return l
}

// setLinks configures both directions between a and b.
func (s *sim) setLinks(a, b *simNode, ab, ba linkConfig) {
	s.link(a, b).SetConfig(ab)
	s.link(b, a).SetConfig(ba)
}

// partition cuts (or heals) both directions between a and b.
func (s *sim) partition(a, b *simNode, on bool) {
	s.logf("partition %s<->%s %v", a.name, b.name, on)
	s.link(a, b).Partition(on)
	s.link(b, a).Partition(on)
}

func (s *sim) push(e *simEvent) *simEvent {
	if e.at.Before(s.now) {
		e.at = s.now
	}
	s.seq++
	e.seq = s.seq
	heap.Push(&s.q, e)
	if len(s.q) > s.stats.maxQueue {
		s.stats.maxQueue = len(s.q)
	}
	return e
}

// at schedules a user action at virtual time t.
func (s *sim) at(t time.Time, name string, fn func()) {
	s.push(&simEvent{at: t, kind: evAction, action: fn, name: name})
}

// after schedules a user action d from now.
func (s *sim) after(d time.Duration, name string, fn func()) { s.at(s.now.Add(d), name, fn) }

// connect schedules from's Connect to to, now.
func (s *sim) connect(from, to *simNode) {
	s.after(0, "connect", func() { s.connectNow(from, to) })
}

// connectNow calls Connect at once and returns the new association.
func (s *sim) connectNow(from, to *simNode) *simAssoc {
	a, err := from.ep.Connect(s.now, []netip.AddrPort{to.addr}, simSCTPPort)
	if err != nil {
		s.failf("%s Connect: %v", from.name, err)
		return nil
	}
	s.logf("%s connect -> %s", from.name, to.name)
	return s.adopt(from, a)
}

func (s *sim) adopt(n *simNode, a *assoc.Association) *simAssoc {
	sa := &simAssoc{a: a, node: n, partial: make(map[partialKey][]byte)}
	n.assocs = append(n.assocs, sa)
	n.all = append(n.all, sa)
	return sa
}

// assoc returns n's only live association, or nil.
func (n *simNode) assoc() *simAssoc {
	if len(n.assocs) == 0 {
		return nil
	}
	return n.assocs[0]
}

// last returns the newest association n ever had, or nil.
func (n *simNode) last() *simAssoc {
	if len(n.all) == 0 {
		return nil
	}
	return n.all[len(n.all)-1]
}

// node returns the node at IP a.
func (s *sim) node(a netip.Addr) *simNode {
	for _, n := range s.nodes {
		if n.addr.Addr() == a {
			return n
		}
	}
	return nil
}

// transmit puts one packet an endpoint produced on the wire.
func (s *sim) transmit(n *simNode, t assoc.Transmit) {
	if t.Local.IsValid() && t.Local != n.addr.Addr() {
		s.failf("%s transmits from %v, not its address %v", n.name, t.Local, n.addr.Addr())
		return
	}
	p := &inflight{from: n.addr, to: t.Remote, data: append([]byte(nil), t.Packet...), sentAt: s.now}
	s.pktID++
	p.id = s.pktID
	if err := checkPacket(p, n.cfg.MTU); err != nil {
		s.failf("%s sent a bad packet %v: %v", n.name, p, err)
		return
	}
	s.stats.packets++
	s.stats.bytes += len(p.data)
	v := pass
	if s.onTransmit != nil {
		v = s.onTransmit(p)
	}
	dst := s.node(t.Remote.Addr())
	var times []time.Time
	switch {
	case v == drop || dst == nil:
	case v == duplicate:
		times = append(times, s.link(n, dst).Schedule(s.now, len(p.data))...)
		times = append(times, s.link(n, dst).Schedule(s.now, len(p.data))...)
	default:
		// Schedule reuses its result slice: copy it.
		times = append(times, s.link(n, dst).Schedule(s.now, len(p.data))...)
	}
	s.logf("send %v copies=%d", p, len(times))
	if len(times) == 0 {
		s.stats.dropped++
		return
	}
	for i, at := range times {
		c := p
		if i > 0 {
			c = &inflight{id: p.id, from: p.from, to: p.to, data: append([]byte(nil), p.data...), sentAt: p.sentAt, chunks: p.chunks}
		}
		c.ev = s.push(&simEvent{at: at, kind: evPacket, pkt: c})
		s.nPkts++
	}
	if s.nPkts > s.stats.maxInFlight {
		s.stats.maxInFlight = s.nPkts
	}
	if s.nPkts > s.bounds.maxInFlight {
		s.failf("%d packets in flight (bound %d)", s.nPkts, s.bounds.maxInFlight)
	}
}

// deliver hands an arrived packet to its endpoint.
func (s *sim) deliver(p *inflight) {
	n := s.node(p.to.Addr())
	if n == nil {
		return
	}
	s.stats.delivered++
	s.logf("recv %v", p)
	h, _ := wire.ParseHeader(p.data)
	in := assoc.Inbound{Local: n.addr, Remote: p.from, Packet: p.data}
	if sa := n.match(p.from, h); sa != nil {
		sa.a.HandlePacket(s.now, in)
		return
	}
	s.stats.unmatched++
	reply, ok, a := n.ep.HandleUnmatched(s.now, in, n.listening, s.buf)
	if ok {
		s.transmit(n, reply)
	}
	if a != nil {
		s.logf("%s accepted an association", n.name)
		s.adopt(n, a)
	}
}

// match finds the live association a packet from peer belongs to: by peer
// address and port, preferring the one whose tag it carries.
func (n *simNode) match(peer netip.AddrPort, h wire.Header) *simAssoc {
	var found *simAssoc
	for _, sa := range n.assocs {
		if sa.a.PeerPort() != h.SrcPort {
			continue
		}
		for _, pa := range sa.a.PeerAddrs() {
			if pa.Addr() == peer.Addr() {
				if sa.a.LocalTag() == h.VerificationTag {
					return sa
				}
				if found == nil {
					found = sa
				}
			}
		}
	}
	return found
}

// step processes the next event. It returns false when there is none or the
// simulation failed.
func (s *sim) step() bool {
	if s.err != nil || len(s.q) == 0 {
		return false
	}
	e := heap.Pop(&s.q).(*simEvent)
	if e.at.After(s.now) {
		s.now = e.at
	}
	s.steps++
	if s.steps > s.bounds.maxSteps {
		s.failf("more than %d events: livelock?", s.bounds.maxSteps)
		return false
	}
	switch e.kind {
	case evPacket:
		s.nPkts--
		s.deliver(e.pkt)
	case evTimer:
		if e.sa.removed || e.gen != e.sa.gen {
			break
		}
		e.sa.timer = nil
		if e.sa.lastFire.Equal(s.now) {
			e.sa.fires++
			if e.sa.fires > s.bounds.maxFires {
				s.failf("%s: timer fired %d times at the same instant (NextDeadline=%v)", e.sa.node.name, e.sa.fires, e.sa.a.NextDeadline().Sub(simEpoch))
				return false
			}
		} else {
			e.sa.lastFire, e.sa.fires = s.now, 1
		}
		e.sa.a.HandleTimeout(s.now)
	case evAction:
		s.logf("action %s", e.name)
		e.action()
	}
	s.settle()
	return s.err == nil
}

// settle drains every association's output after an input, lets the
// applications react, and re-arms the wake-ups; it repeats until nothing moves.
func (s *sim) settle() {
	for round := 0; ; round++ {
		if round > 10000 {
			s.failf("settle does not converge")
			return
		}
		moved := false
		for _, n := range s.nodes {
			if n.pump != nil {
				n.pump()
			}
			for _, sa := range n.assocs {
				if s.drain(sa) {
					moved = true
				}
			}
		}
		if !moved || s.err != nil {
			break
		}
	}
	for _, n := range s.nodes {
		live := n.assocs[:0]
		for _, sa := range n.assocs {
			s.rearm(sa)
			if sa.a.Closed() {
				sa.removed = true
				s.cancelTimer(sa)
				s.logf("%s association closed", n.name)
				if !sa.ended() {
					s.failf("%s: association closed (state %v) without a SHUTDOWN_COMP, COMM_LOST or CANT_STR_ASSOC event", n.name, sa.a.State())
				}
				continue
			}
			live = append(live, sa)
		}
		n.assocs = live
	}
}

// drain polls one association's packets and events; it reports whether
// there were any.
func (s *sim) drain(sa *simAssoc) bool {
	moved := false
	for i := 0; ; i++ {
		if s.err != nil {
			return false
		}
		if i > 100_000 {
			s.failf("%s: PollTransmit never ends", sa.node.name)
			return false
		}
		t, ok := sa.a.PollTransmit(s.now, s.buf)
		if !ok {
			break
		}
		moved = true
		s.transmit(sa.node, t)
	}
	for i := 0; ; i++ {
		if i > 1<<20 {
			s.failf("%s: PollEvent never ends", sa.node.name)
			return false
		}
		ev, ok := sa.a.PollEvent()
		if !ok {
			break
		}
		moved = true
		s.handleEvent(sa, ev)
	}
	return moved
}

// handleEvent logs an event, joins the pieces of partially delivered
// messages and tells the application.
func (s *sim) handleEvent(sa *simAssoc, ev assoc.Event) {
	n := sa.node
	if m, ok := ev.(assoc.Message); ok {
		s.logf("%s event Message stream=%d ppid=%d len=%d eor=%v unordered=%v", n.name, m.Stream, m.PPID, len(m.Data), m.EOR, m.Unordered)
		s.consumed(sa, len(m.Data))
		k := partialKey{m.Stream, m.Unordered}
		if !m.EOR {
			sa.partial[k] = append(sa.partial[k], m.Data...)
			return
		}
		if prev, ok := sa.partial[k]; ok {
			m.Data = append(prev, m.Data...)
			delete(sa.partial, k)
		} else {
			m.Data = append([]byte(nil), m.Data...)
		}
		n.events = append(n.events, loggedEvent{at: s.now, sa: sa, ev: m})
		if n.onMessage != nil {
			n.onMessage(sa, m)
		}
		return
	}
	s.logf("%s event %s", n.name, fmtEvent(ev))
	if pd, ok := ev.(assoc.PartialDeliveryAborted); ok {
		delete(sa.partial, partialKey{pd.Stream, false})
		delete(sa.partial, partialKey{pd.Stream, true})
	}
	n.events = append(n.events, loggedEvent{at: s.now, sa: sa, ev: ev})
	if n.onEvent != nil {
		n.onEvent(sa, ev)
	}
}

// consumed tells the association the application read n bytes, now or
// after the node's read delay.
func (s *sim) consumed(sa *simAssoc, n int) {
	if sa.node.readDelay == 0 {
		sa.a.ReadConsumed(n)
		return
	}
	s.after(sa.node.readDelay, "read", func() {
		if !sa.removed {
			sa.a.ReadConsumed(n)
		}
	})
}

// rearm keeps exactly one wake-up event per association, at NextDeadline.
func (s *sim) rearm(sa *simAssoc) {
	d := sa.a.NextDeadline()
	if sa.timer != nil && !d.IsZero() && sa.timer.at.Equal(maxTime(d, s.now)) {
		return
	}
	s.cancelTimer(sa)
	if d.IsZero() {
		return
	}
	sa.timer = s.push(&simEvent{at: d, kind: evTimer, sa: sa, gen: sa.gen})
}

func (s *sim) cancelTimer(sa *simAssoc) {
	sa.gen++
	if sa.timer != nil && sa.timer.index >= 0 {
		heap.Remove(&s.q, sa.timer.index)
	}
	sa.timer = nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// runUntil steps until cond holds (checked before every step), the queue is
// empty, or virtual time would pass limit from now. It reports whether cond held.
func (s *sim) runUntil(limit time.Duration, cond func() bool) bool {
	end := s.now.Add(limit)
	for {
		if cond() {
			return true
		}
		if s.err != nil || len(s.q) == 0 || s.q[0].at.After(end) {
			return false
		}
		s.step()
	}
}

// advance runs every event due in the next d and leaves the clock at now+d.
func (s *sim) advance(d time.Duration) {
	end := s.now.Add(d)
	for s.err == nil && len(s.q) > 0 && !s.q[0].at.After(end) {
		s.step()
	}
	if s.err == nil && end.After(s.now) {
		s.now = end
	}
}

// quiet reports whether nothing is in flight, no user action is pending and
// every live association is ESTABLISHED with nothing queued or unacknowledged
// (a handshake or shutdown under way is not quiet).
func (s *sim) quiet() bool {
	if s.nPkts > 0 {
		return false
	}
	for _, e := range s.q {
		if e.kind == evAction {
			return false
		}
	}
	for _, n := range s.nodes {
		for _, sa := range n.assocs {
			st := sa.a.Status()
			if st.State != assoc.Established || st.Unacked > 0 || st.Pending > 0 {
				return false
			}
		}
	}
	return true
}

// drive runs until the network is quiet or limit passes; it reports which.
func (s *sim) drive(limit time.Duration) bool { return s.runUntil(limit, s.quiet) }

// exchange delivers everything in flight at once, ignoring link delays,
// and what that provokes, until nothing is in flight. Timers do not fire.
func (s *sim) exchange() {
	for i := 0; s.err == nil && s.nPkts > 0; i++ {
		if i > 100000 {
			s.failf("exchange does not converge")
			return
		}
		var next *simEvent
		for _, e := range s.q {
			if e.kind == evPacket && (next == nil || e.at.Before(next.at) || (e.at.Equal(next.at) && e.seq < next.seq)) {
				next = e
			}
		}
		heap.Remove(&s.q, next.index)
		s.nPkts--
		s.deliver(next.pkt)
		s.settle()
	}
}
