package assoc

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// A tiny two-endpoint harness with a manual clock: PollTransmit output of
// one side is handed to the other's HandlePacket (or its Endpoint when no
// association exists yet). Tests edit the wire through the drop hook.

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

type side struct {
	name     string
	ep       *Endpoint
	a        *Association
	addr     netip.AddrPort
	events   []Event
	listen   bool
	consumed bool // call ReadConsumed for delivered messages
}

type wirePkt struct {
	from, to netip.AddrPort
	b        []byte
	at       time.Time
}

type harness struct {
	t       *testing.T
	now     time.Time
	c, s    *side
	queue   []wirePkt
	delay   time.Duration
	drop    func(from *side, p *wire.Packet) bool
	sent    []*wire.Packet // every packet put on the wire, parsed
	sentBy  []string
	replies int
	// lastRemote and lastLocal are the destination and source of the
	// packet the drop hook sees (the source is the side's address unless
	// the association picked one of its others).
	lastRemote netip.AddrPort
	lastLocal  netip.Addr
	alias      map[netip.Addr]*side // extra addresses of a side
	// kernelSource: packets leave from the side's own address whatever
	// source the association chose, as when the OS picks it (usrsctp).
	kernelSource bool
	buf          []byte
}

func seeded(seed uint64) func() uint32 {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return r.Uint32
}

func newHarness(t *testing.T, ccfg, scfg Config) *harness {
	t.Helper()
	if ccfg.Rand == nil {
		ccfg.Rand = seeded(1)
	}
	if scfg.Rand == nil {
		scfg.Rand = seeded(2)
	}
	h := &harness{t: t, now: t0, delay: 10 * time.Millisecond}
	h.c = &side{name: "client", ep: NewEndpoint(5000, ccfg), addr: netip.MustParseAddrPort("127.0.0.1:9899"), consumed: true}
	h.s = &side{name: "server", ep: NewEndpoint(5001, scfg), addr: netip.MustParseAddrPort("127.0.0.2:9899"), listen: true, consumed: true}
	return h
}

func (h *harness) peer(s *side) *side {
	if s == h.c {
		return h.s
	}
	return h.c
}

// connect starts the client's association.
func (h *harness) connect() {
	a, err := h.c.ep.Connect(h.now, []netip.AddrPort{h.s.addr}, h.s.ep.Port())
	if err != nil {
		h.t.Fatal(err)
	}
	h.c.a = a
	h.flush()
}

// flush drains both sides' outputs onto the wire.
func (h *harness) flush() {
	for _, sd := range []*side{h.c, h.s} {
		if sd.a == nil {
			continue
		}
		if h.buf == nil {
			h.buf = make([]byte, 65536) // reused: put copies each packet
		}
		for {
			tr, ok := sd.a.PollTransmit(h.now, h.buf)
			if !ok {
				break
			}
			h.put(sd, tr)
		}
		for {
			ev, ok := sd.a.PollEvent()
			if !ok {
				break
			}
			if m, ok := ev.(Message); ok && sd.consumed {
				sd.a.ReadConsumed(len(m.Data))
			}
			sd.events = append(sd.events, ev)
		}
	}
}

func (h *harness) put(from *side, tr Transmit) {
	b := append([]byte(nil), tr.Packet...)
	p, err := wire.ParsePacket(b)
	if err != nil {
		h.t.Fatalf("%s sent an unparsable packet: %v", from.name, err)
	}
	if !wire.VerifyChecksum(b) {
		h.t.Fatalf("%s: bad checksum", from.name)
	}
	h.sent = append(h.sent, p)
	h.sentBy = append(h.sentBy, from.name)
	h.lastRemote = tr.Remote
	src := from.addr
	if tr.Local.IsValid() && !h.kernelSource {
		src = netip.AddrPortFrom(tr.Local, src.Port())
	}
	h.lastLocal = src.Addr()
	if h.drop != nil && h.drop(from, p) {
		return
	}
	h.queue = append(h.queue, wirePkt{from: src, to: tr.Remote, b: b, at: h.now.Add(h.delay)})
}

// deliverTo hands a packet to a side.
func (h *harness) deliverTo(to *side, w wirePkt) {
	in := Inbound{Local: netip.AddrPortFrom(w.to.Addr(), to.addr.Port()), Remote: w.from, Packet: w.b}
	if to.a != nil && !to.a.Closed() {
		to.a.HandlePacket(h.now, in)
		return
	}
	buf := make([]byte, 65536)
	tr, ok, a := to.ep.HandleUnmatched(h.now, in, to.listen, buf)
	if ok {
		h.replies++
		h.put(to, tr)
	}
	if a != nil {
		to.a = a
	}
}

func (h *harness) sideAt(ap netip.AddrPort) *side {
	if ap.Addr() == h.c.addr.Addr() {
		return h.c
	}
	if ap.Addr() == h.s.addr.Addr() {
		return h.s
	}
	return h.alias[ap.Addr()]
}

// step advances to the next event (packet arrival or timer) not after
// limit; it reports false when there is none.
func (h *harness) step(limit time.Time) bool {
	h.flush()
	next := time.Time{}
	for _, w := range h.queue {
		if next.IsZero() || w.at.Before(next) {
			next = w.at
		}
	}
	for _, sd := range []*side{h.c, h.s} {
		if sd.a != nil {
			if d := sd.a.NextDeadline(); !d.IsZero() && (next.IsZero() || d.Before(next)) {
				next = d
			}
		}
	}
	if next.IsZero() || next.After(limit) {
		return false
	}
	if next.After(h.now) {
		h.now = next
	}
	var rest []wirePkt
	var due []wirePkt
	for _, w := range h.queue {
		if !w.at.After(h.now) {
			due = append(due, w)
		} else {
			rest = append(rest, w)
		}
	}
	h.queue = rest
	for _, w := range due {
		if to := h.sideAt(w.to); to != nil {
			h.deliverTo(to, w)
			h.flush()
		}
	}
	for _, sd := range []*side{h.c, h.s} {
		if sd.a != nil {
			if d := sd.a.NextDeadline(); !d.IsZero() && !d.After(h.now) {
				sd.a.HandleTimeout(h.now)
			}
		}
	}
	h.flush()
	return true
}

// run steps until d of virtual time passed or nothing is left to do.
func (h *harness) run(d time.Duration) {
	limit := h.now.Add(d)
	for i := 0; h.step(limit); i++ {
		if i > 2_000_000 {
			h.t.Fatal("harness: too many steps")
		}
	}
	if h.now.Before(limit) {
		h.now = limit
	}
}

// runUntil steps until cond holds, failing after d.
func (h *harness) runUntil(d time.Duration, cond func() bool) {
	h.t.Helper()
	limit := h.now.Add(d)
	for !cond() {
		if !h.step(limit) {
			h.t.Fatalf("condition not met within %v (now %v)", d, h.now.Sub(t0))
		}
	}
}

// established connects and runs until both sides report COMM_UP.
func (h *harness) established() {
	h.t.Helper()
	h.connect()
	h.runUntil(10*time.Second, func() bool {
		return h.s.a != nil && h.c.a.State() == Established && h.s.a.State() == Established
	})
	h.run(time.Millisecond)
}

func (sd *side) has(pred func(Event) bool) bool {
	for _, e := range sd.events {
		if pred(e) {
			return true
		}
	}
	return false
}

func isChange(st AssocChangeState) func(Event) bool {
	return func(e Event) bool { c, ok := e.(AssocChange); return ok && c.State == st }
}

func (sd *side) messages() []Message {
	var out []Message
	for _, e := range sd.events {
		if m, ok := e.(Message); ok {
			out = append(out, m)
		}
	}
	return out
}

// chunksOf lists the chunk types of packet p.
func chunksOf(p *wire.Packet) []wire.ChunkType {
	var ts []wire.ChunkType
	for _, c := range p.Chunks {
		ts = append(ts, c.Type())
	}
	return ts
}

// count counts sent packets from name with a chunk of type t.
func (h *harness) count(name string, t wire.ChunkType) int {
	n := 0
	for i, p := range h.sent {
		if name != "" && h.sentBy[i] != name {
			continue
		}
		for _, c := range p.Chunks {
			if c.Type() == t {
				n++
				break
			}
		}
	}
	return n
}

func (h *harness) dump() string {
	s := ""
	for i, p := range h.sent {
		s += fmt.Sprintf("%s tag=%08x %v\n", h.sentBy[i], p.Header.VerificationTag, chunksOf(p))
	}
	return s
}

func mustSend(t *testing.T, h *harness, sd *side, m OutMessage) {
	t.Helper()
	if err := sd.a.Send(h.now, m); err != nil {
		t.Fatalf("%s Send: %v", sd.name, err)
	}
}
