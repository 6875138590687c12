package fuzz

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/assoc"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// FuzzAssociation drives two sans-IO associations (client A, server B) on
// a virtual clock with a program decoded from the fuzzer's bytes: user
// sends, shutdowns and aborts, deliveries, losses, duplicates and
// reorderings of the packets between them, timeouts, and packets forged by
// the chunk grammar (grammar_test.go) with the right ports, the right tag
// most of the time and a correct CRC32c. It checks the invariants below
// after every step; it never looks at whether the association survives,
// since a forger holding the tag may legitimately end it.
//
// Invariants:
//   - nothing panics; every call returns;
//   - after HandleTimeout(now) NextDeadline is zero or later than now (no
//     timer due and not run, no livelock of the owner's timer loop);
//   - every packet sent parses, has a good CRC32c, fits the MTU, carries our
//     ports, and goes to a loopback address (the peers are on loopback and
//     Config.AcceptPeerAddr keeps listed addresses in that scope);
//   - queues stay bounded: bytes pending within SendBuffer, paths few;
//   - delivered bytes come from DATA that was sent: user messages are
//     lowercase letters, forged payloads are forgedFill, and the packet
//     buffers are scribbled over after each call, so aliasing shows;
//   - when nothing forged reached a side, each user message arrives whole,
//     at most once.
func FuzzAssociation(f *testing.F) {
	for _, seed := range assocSeeds() {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, prog []byte) {
		newAssocRun(t, prog).run()
	})
}

// Program opcodes, one byte each (mod opCount), followed by their operands.
const (
	opSend       = iota // side, stream, len, unordered
	opDeliver           // direction
	opDeliverAll        //
	opDrop              // direction
	opDup               // direction
	opSwap              // direction
	opAdvance           // duration index
	opForge             // side, tag mode, chunk count, chunks...
	opGolden            // side, tag mode, golden packet index
	opShutdown          // side
	opAbort             // side
	opReconfig          // side, request, address index (RFC 5061 ASCONF)
	opCount
)

var steps = []time.Duration{0, time.Millisecond, 10 * time.Millisecond, 200 * time.Millisecond, time.Second, 3 * time.Second, 30 * time.Second, 5 * time.Minute}

var (
	addrA = netip.MustParseAddrPort("127.0.0.1:9899")
	addrB = netip.MustParseAddrPort("127.0.0.2:9899")
)

const portA, portB = 5001, 5002

type fside struct {
	name   string
	ep     *assoc.Endpoint
	a      *assoc.Association
	addr   netip.AddrPort
	port   uint16
	listen bool
	cfg    assoc.Config

	sent      map[string]bool   // user messages this side sent
	got       map[string]bool   // user messages this side received
	partial   map[uint32][]byte // by stream and U bit: pieces of a partial delivery
	forged    bool              // a forged packet reached this side
	seen      seen              // what a forger learns about this side's association
	nextMsgID int
}

type wpkt struct{ b []byte }

type assocRun struct {
	t      *testing.T
	in     input
	now    time.Time
	sides  [2]*fside
	flight [2][]wpkt // flight[i]: packets on their way to sides[i]
	golden [][]byte
	buf    []byte
}

func newAssocRun(t *testing.T, prog []byte) *assocRun {
	rng := rand.New(rand.NewPCG(1, 2))
	cfg := assoc.Config{
		OutStreams: 10, MaxInStreams: 10,
		RTOInitial: 100 * time.Millisecond, RTOMin: 100 * time.Millisecond, RTOMax: 2 * time.Second,
		HeartbeatInterval: time.Second, MaxInitRetransmits: 4, AssocMaxRetrans: 6, PathMaxRetrans: 3,
		RecvBuffer: 64 << 10, SendBuffer: 64 << 10,
		Rand:           rng.Uint32,
		AcceptPeerAddr: func(a netip.Addr) bool { return a.IsLoopback() },
	}
	r := &assocRun{t: t, in: input{prog}, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), golden: goldenPacketsCached(t), buf: make([]byte, 1500)}
	mk := func(name string, addr netip.AddrPort, port uint16, listen bool) *fside {
		ep := assoc.NewEndpoint(port, cfg)
		ep.SetLocalAddrs([]netip.Addr{addr.Addr()})
		return &fside{name: name, ep: ep, addr: addr, port: port, listen: listen, cfg: cfg,
			sent: map[string]bool{}, got: map[string]bool{}, partial: map[uint32][]byte{}}
	}
	r.sides = [2]*fside{mk("A", addrA, portA, false), mk("B", addrB, portB, true)}
	a, err := r.sides[0].ep.Connect(r.now, []netip.AddrPort{addrB}, portB)
	if err != nil {
		t.Fatal(err)
	}
	r.sides[0].a = a
	r.drain(0)
	return r
}

func (r *assocRun) peer(i int) int { return 1 - i }

func (r *assocRun) run() {
	// The first byte may let the handshake finish first, so that most
	// programs start from ESTABLISHED.
	if r.in.byte()&1 == 0 {
		r.deliverAll()
	}
	for n := 0; !r.in.empty() && n < 400; n++ {
		r.step()
	}
	// Let the dust settle: everything in flight lands, timers run out.
	for range 6 {
		r.deliverAll()
		r.advance(5 * time.Second)
	}
}

func (r *assocRun) step() {
	switch r.in.byte() % opCount {
	case opSend:
		r.send(int(r.in.byte() & 1))
	case opDeliver:
		r.deliverOne(int(r.in.byte() & 1))
	case opDeliverAll:
		r.deliverAll()
	case opDrop:
		if q := &r.flight[r.in.byte()&1]; len(*q) > 0 {
			*q = (*q)[1:]
		}
	case opDup:
		if q := &r.flight[r.in.byte()&1]; len(*q) > 0 {
			*q = append(*q, (*q)[0])
		}
	case opSwap:
		if q := r.flight[r.in.byte()&1]; len(q) > 1 {
			q[0], q[1] = q[1], q[0]
		}
	case opAdvance:
		r.advance(steps[r.in.byte()%byte(len(steps))])
	case opForge:
		r.forge(int(r.in.byte() & 1))
	case opGolden:
		r.forgeGolden(int(r.in.byte() & 1))
	case opShutdown:
		if s := r.sides[r.in.byte()&1]; s.a != nil {
			s.a.Shutdown(r.now)
			r.drain(r.index(s))
		}
	case opReconfig:
		r.reconfig(int(r.in.byte()&1), r.in.byte(), r.in.byte())
	case opAbort:
		// Rare: aborts end the run's interesting part.
		if s := r.sides[r.in.byte()&1]; s.a != nil && r.in.byte() == 0xAB {
			s.a.Abort(r.now, []byte("fuzz"))
			r.drain(r.index(s))
		}
	}
}

// reconfigAddrs are the addresses a reconfiguration names: both sides'
// own, two new loopback ones, and one out of scope that the peer must
// refuse (its scoping filter) and never send to.
var reconfigAddrs = []netip.Addr{addrA.Addr(), addrB.Addr(),
	netip.MustParseAddr("127.0.0.7"), netip.MustParseAddr("127.0.0.8"), netip.MustParseAddr("192.0.2.1")}

// reconfig asks side i's association to add or remove a local address or
// to move the peer's primary, by ASCONF (AUTH is negotiated between the
// two sides, so the requests get past it). Errors (no ASCONF yet, closed,
// bad address) are part of the game.
func (r *assocRun) reconfig(i int, req, ai byte) {
	s := r.sides[i]
	if s.a == nil {
		return
	}
	addr := reconfigAddrs[int(ai)%len(reconfigAddrs)]
	switch req % 3 {
	case 0:
		_ = s.a.AddLocalAddr(r.now, addr)
	case 1:
		_ = s.a.RemoveLocalAddr(r.now, addr)
	case 2:
		_ = s.a.SetPeerPrimary(r.now, addr)
	}
	r.drain(i)
}

func (r *assocRun) index(s *fside) int {
	if s == r.sides[0] {
		return 0
	}
	return 1
}

// send queues a user message of lowercase letters, unique per side.
func (r *assocRun) send(i int) {
	s := r.sides[i]
	stream, n, unordered := uint16(r.in.byte()%12), int(r.in.u16()%20000)+8, r.in.bool()
	if s.a == nil {
		return
	}
	msg := make([]byte, n)
	for k := range msg {
		msg[k] = 'a' + byte(k%26)
	}
	// A unique head in the alphabet: the side, then the message number in
	// base 26.
	msg[0] = 'a' + byte(i)
	for k, id := 1, s.nextMsgID; k < 6; k, id = k+1, id/26 {
		msg[k] = 'a' + byte(id%26)
	}
	s.nextMsgID++
	err := s.a.Send(r.now, assoc.OutMessage{Stream: stream, Data: msg, Unordered: unordered})
	switch {
	case err == nil:
		s.sent[string(msg)] = true
	case errors.Is(err, assoc.ErrInvalidStream), errors.Is(err, assoc.ErrBufferFull),
		errors.Is(err, assoc.ErrMessageTooBig), errors.Is(err, assoc.ErrShutdown), errors.Is(err, assoc.ErrClosed):
	default:
		r.t.Fatalf("%s: Send: unexpected error %v", s.name, err)
	}
	r.drain(i)
}

func (r *assocRun) deliverOne(to int) {
	q := &r.flight[to]
	if len(*q) == 0 {
		return
	}
	p := (*q)[0]
	*q = (*q)[1:]
	r.sides[to].seen.observe(p.b, true)
	r.handle(to, r.sides[r.peer(to)].addr, p.b)
}

func (r *assocRun) deliverAll() {
	for n := 0; n < 2000 && len(r.flight[0])+len(r.flight[1]) > 0; n++ {
		r.deliverOne(n & 1)
	}
}

// handle passes a packet to side i's association, or to its endpoint
// when it has none, as the socket layer's table would.
func (r *assocRun) handle(i int, from netip.AddrPort, pkt []byte) {
	s := r.sides[i]
	b := append([]byte(nil), pkt...)
	in := assoc.Inbound{Local: s.addr, Remote: from, Packet: b}
	if s.a != nil {
		s.a.HandlePacket(r.now, in)
	} else {
		reply, ok, a := s.ep.HandleUnmatched(r.now, in, s.listen, r.buf)
		if ok {
			r.checkTransmit(s, reply, true)
			r.flight[r.peer(i)] = append(r.flight[r.peer(i)], wpkt{append([]byte(nil), reply.Packet...)})
		}
		if a != nil {
			s.a = a
		}
	}
	// The packet buffer is the caller's again: scribble over it so that
	// anything the association kept without copying shows up as 'U's.
	for k := range b {
		b[k] = 'U'
	}
	r.drain(i)
}

// drain empties side i's outputs and checks them.
func (r *assocRun) drain(i int) {
	s := r.sides[i]
	if s.a == nil {
		return
	}
	for n := 0; ; n++ {
		if n > 10000 {
			r.t.Fatalf("%s: PollTransmit never runs dry", s.name)
		}
		tr, ok := s.a.PollTransmit(r.now, r.buf)
		if !ok {
			break
		}
		r.checkTransmit(s, tr, false)
		pkt := append([]byte(nil), tr.Packet...)
		r.sides[r.peer(i)].seen.observe(pkt, false)
		r.flight[r.peer(i)] = append(r.flight[r.peer(i)], wpkt{pkt})
		if len(r.flight[r.peer(i)]) > 5000 {
			r.flight[r.peer(i)] = r.flight[r.peer(i)][1:] // a real network would lose them
		}
	}
	for n := 0; ; n++ {
		if n > 100000 {
			r.t.Fatalf("%s: PollEvent never runs dry", s.name)
		}
		ev, ok := s.a.PollEvent()
		if !ok {
			break
		}
		if m, ok := ev.(assoc.Message); ok {
			r.checkMessage(s, &m)
			s.a.ReadConsumed(len(m.Data))
		}
	}
	st := s.a.Status()
	if st.Pending > s.cfg.SendBuffer {
		r.t.Fatalf("%s: %d bytes pending, SendBuffer %d", s.name, st.Pending, s.cfg.SendBuffer)
	}
	if len(s.a.Paths()) > 4 {
		r.t.Fatalf("%s: %d paths: %v", s.name, len(s.a.Paths()), s.a.Paths())
	}
	if s.a.Closed() {
		// The owner drops a closed association (its last packet is out).
		s.a = nil
	}
}

func (r *assocRun) checkTransmit(s *fside, tr assoc.Transmit, reply bool) {
	t := r.t
	if !tr.Remote.Addr().IsLoopback() {
		t.Fatalf("%s: packet to %v, outside the peer's scope", s.name, tr.Remote)
	}
	if len(tr.Packet) > 1452 {
		t.Fatalf("%s: packet of %d bytes, over the MTU", s.name, len(tr.Packet))
	}
	if !wire.VerifyChecksum(tr.Packet) {
		t.Fatalf("%s: sent a packet with a bad CRC32c", s.name)
	}
	p, err := wire.ParsePacket(tr.Packet)
	if err != nil {
		t.Fatalf("%s: sent a malformed packet: %v", s.name, err)
	}
	if p.Header.SrcPort != s.port {
		t.Fatalf("%s: sent from SCTP port %d", s.name, p.Header.SrcPort)
	}
	if !reply && p.Header.DstPort != portA+portB-s.port {
		t.Fatalf("%s: sent to SCTP port %d", s.name, p.Header.DstPort)
	}
	if len(p.Chunks) == 0 {
		t.Fatalf("%s: sent an empty packet", s.name)
	}
}

// checkMessage checks delivered bytes against what was sent.
func (r *assocRun) checkMessage(s *fside, m *assoc.Message) {
	for k, c := range m.Data {
		if !(c >= 'a' && c <= 'z') && c != forgedFill {
			r.t.Fatalf("%s: delivered byte %#x at %d of a %d-byte message (stream %d, TSN %d): never sent", s.name, c, k, len(m.Data), m.Stream, m.TSN)
		}
	}
	if s.forged {
		return
	}
	key := uint32(m.Stream)
	if m.Unordered {
		key |= 1 << 16
	}
	s.partial[key] = append(s.partial[key], m.Data...)
	if !m.EOR {
		return
	}
	msg := string(s.partial[key])
	delete(s.partial, key)
	other := r.sides[r.peer(r.index(s))]
	if !other.sent[msg] {
		r.t.Fatalf("%s: delivered a %d-byte message on stream %d that the peer never sent", s.name, len(msg), m.Stream)
	}
	if s.got[msg] {
		r.t.Fatalf("%s: delivered a %d-byte message on stream %d twice", s.name, len(msg), m.Stream)
	}
	s.got[msg] = true
}

// advance moves the clock and runs the timers due, as the owner's timer
// loop would: HandleTimeout until NextDeadline is in the future.
func (r *assocRun) advance(d time.Duration) {
	r.now = r.now.Add(d)
	for i, s := range r.sides {
		for n := 0; s.a != nil; n++ {
			dl := s.a.NextDeadline()
			if dl.IsZero() || dl.After(r.now) {
				break
			}
			if n > 0 {
				r.t.Fatalf("%s: NextDeadline %v not after now %v after HandleTimeout (state %v)", s.name, dl, r.now, s.a.State())
			}
			s.a.HandleTimeout(r.now)
			r.drain(i)
		}
	}
}

// forge sends side i a packet of grammar chunks from its peer's address.
func (r *assocRun) forge(i int) {
	s := r.sides[i]
	mode := tagMode(r.in.byte() % 4)
	var chunks []wire.Chunk
	for range 1 + r.in.byte()%3 {
		chunks = append(chunks, r.in.chunk(&s.seen))
	}
	peerPort := uint16(portA + portB - s.port)
	r.inject(i, packet(peerPort, s.port, r.tag(s, mode), chunks))
}

// forgeGolden sends side i a captured packet with our ports and tag.
func (r *assocRun) forgeGolden(i int) {
	s := r.sides[i]
	mode := tagMode(r.in.byte() % 4)
	g := r.golden[int(r.in.byte())%len(r.golden)]
	peerPort := uint16(portA + portB - s.port)
	p := patch(g, peerPort, s.port, r.tag(s, mode))
	if r.in.bool() && len(p) > wire.HeaderLen {
		p[wire.HeaderLen+int(r.in.byte())%(len(p)-wire.HeaderLen)] ^= r.in.byte()
		wire.Finish(p)
	}
	r.inject(i, p)
}

func (r *assocRun) tag(s *fside, mode tagMode) uint32 {
	if s.a == nil {
		return r.in.u32()
	}
	switch mode {
	case tagValid:
		return s.a.LocalTag()
	case tagReflected:
		return s.a.PeerTag()
	case tagZero:
		return 0
	default:
		return r.in.u32()
	}
}

func (r *assocRun) inject(i int, pkt []byte) {
	r.sides[i].forged = true
	r.handle(i, r.sides[r.peer(i)].addr, pkt)
}

// assocSeeds are programs that reach the interesting states: data both
// ways, each forged chunk type in ESTABLISHED, shutdown races, loss and
// timeouts, and every golden packet.
func assocSeeds() [][]byte {
	seeds := [][]byte{
		{0, opSend, 0, 1, 0, 100, 0, opDeliverAll, opSend, 1, 2, 0, 200, 1, opDeliverAll, opAdvance, 4},
		{0, opSend, 0, 1, 0x30, 0, 0, opDrop, 1, opAdvance, 4, opDeliverAll, opAdvance, 5, opDeliverAll},
		{0, opSend, 0, 0, 5, 0, 0, opDup, 1, opSwap, 1, opDeliverAll, opShutdown, 1, opDeliverAll, opAdvance, 3},
		{0, opReconfig, 0, 0, 2, opDeliverAll, opSend, 1, 1, 0, 80, 0, opReconfig, 0, 2, 2, opDeliverAll, opAdvance, 4, opReconfig, 1, 0, 4, opDeliverAll, opReconfig, 0, 1, 0, opDeliverAll, opAdvance, 4},
		{1, opDeliver, 1, opForge, 1, 0, 1, 6, opDeliverAll, opAdvance, 6, opAdvance, 7},
		{0, opShutdown, 0, opShutdown, 1, opDeliverAll, opAdvance, 4, opDeliverAll},
	}
	for c := range byte(22) {
		for mode := range byte(4) {
			seeds = append(seeds, []byte{0, opSend, 1, 1, 0, 50, 0, opDeliverAll, opForge, 1, mode, 0, c, 7, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, opDeliverAll, opAdvance, 4, opSend, 0, 1, 0, 40, 0, opDeliverAll})
		}
	}
	for g := range byte(60) {
		seeds = append(seeds, []byte{0, opSend, 1, 1, 0, 50, 0, opDeliverAll, opGolden, g & 1, 0, g, opDeliverAll, opAdvance, 4})
	}
	return seeds
}
