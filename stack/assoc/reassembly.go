package assoc

import (
	"slices"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// frag is one received DATA chunk's payload (copied out of the packet).
type frag struct {
	tsn  wire.TSN
	data []byte
	b, e bool
}

// partialMsg collects the fragments of one ordered message (RFC 9260 6.9).
type partialMsg struct {
	ssn     wire.SSN
	ppid    uint32
	frags   map[wire.TSN]frag
	first   wire.TSN // B fragment's TSN, valid when hasB
	last    wire.TSN // E fragment's TSN, valid when hasE
	hasB    bool
	hasE    bool
	bytes   int
	pdNext  wire.TSN // partial delivery: next TSN to hand out
	pdStart bool     // partial delivery has started
}

// inStream is the receive state of one inbound stream.
type inStream struct {
	next    wire.SSN
	partial map[wire.SSN]*partialMsg
}

// reassembly turns DATA chunks into messages: ordered per stream by SSN,
// unordered as soon as complete, with partial delivery of an ordered
// message too large to buffer whole (RFC 6458 8.1.20's partial delivery
// point). Delivered messages go to deliver; held counts buffered bytes.
type reassembly struct {
	streams   map[uint16]*inStream
	unordered map[wire.TSN]frag
	uMeta     map[wire.TSN]uMeta
	uPD       map[wire.TSN]*uPD // unordered partial deliveries, by next TSN
	held      int               // bytes buffered here
	pdOn      map[uint16]bool   // streams with a partial delivery under way
	parked    map[uint16][]Message
	pdPoint   int // start partial delivery at this many buffered bytes
}

type uMeta struct {
	stream uint16
	ppid   uint32
}

// uPD is an unordered message being partially delivered.
type uPD struct {
	stream uint16
	ppid   uint32
	first  wire.TSN
}

func newReassembly(pdPoint int) reassembly {
	return reassembly{streams: map[uint16]*inStream{}, unordered: map[wire.TSN]frag{}, uMeta: map[wire.TSN]uMeta{}, uPD: map[wire.TSN]*uPD{}, pdOn: map[uint16]bool{}, parked: map[uint16][]Message{}, pdPoint: pdPoint}
}

func (r *reassembly) stream(id uint16) *inStream {
	s := r.streams[id]
	if s == nil {
		s = &inStream{partial: map[wire.SSN]*partialMsg{}}
		r.streams[id] = s
	}
	return s
}

// add stores d (its payload copied) and delivers what became complete.
func (r *reassembly) add(d *wire.Data, deliver func(Message)) {
	f := frag{tsn: d.TSN, data: append([]byte(nil), d.UserData...), b: d.Beginning, e: d.Ending}
	r.held += len(f.data)
	if d.Unordered {
		if f.b && f.e {
			r.held -= len(f.data)
			r.whole(Message{Stream: d.Stream, SSN: d.SSN, PPID: d.PPID, TSN: d.TSN, Unordered: true, Data: f.data, EOR: true}, deliver)
			return
		}
		if pd := r.uPD[f.tsn]; pd != nil && !f.b {
			r.unordered[f.tsn] = f
			r.continueUPD(f.tsn, deliver)
			return
		}
		r.unordered[f.tsn] = f
		r.uMeta[f.tsn] = uMeta{stream: d.Stream, ppid: d.PPID}
		r.tryUnordered(f.tsn, deliver)
		if r.held >= r.pdPoint {
			r.startUPD(deliver)
		}
		return
	}
	s := r.stream(d.Stream)
	if d.SSN.Less(s.next) {
		r.held -= len(f.data) // an old message (after FORWARD TSN): drop
		return
	}
	p := s.partial[d.SSN]
	if p == nil {
		p = &partialMsg{ssn: d.SSN, frags: map[wire.TSN]frag{}}
		s.partial[d.SSN] = p
	}
	if _, dup := p.frags[f.tsn]; dup {
		r.held -= len(f.data)
		return
	}
	p.frags[f.tsn] = f
	p.bytes += len(f.data)
	if f.b {
		p.hasB, p.first, p.ppid = true, f.tsn, d.PPID
	}
	if f.e {
		p.hasE, p.last = true, f.tsn
	}
	r.deliverOrdered(d.Stream, s, deliver)
}

// whole hands out a complete message, parked while its stream is in the
// middle of a partial delivery (RFC 6458 8.1.20: pieces of one message are
// not interleaved with other messages of the stream).
func (r *reassembly) whole(m Message, deliver func(Message)) {
	if r.pdOn[m.Stream] {
		r.held += len(m.Data)
		r.parked[m.Stream] = append(r.parked[m.Stream], m)
		return
	}
	deliver(m)
}

// piece hands out a partial delivery piece; the last one releases what was
// parked on the stream.
func (r *reassembly) piece(m Message, deliver func(Message)) {
	r.pdOn[m.Stream] = !m.EOR
	deliver(m)
	if m.EOR {
		r.pdEnded(m.Stream, deliver)
	}
}

func (r *reassembly) pdEnded(s uint16, deliver func(Message)) {
	delete(r.pdOn, s)
	ms := r.parked[s]
	delete(r.parked, s)
	for _, m := range ms {
		r.held -= len(m.Data)
		deliver(m)
	}
}

// complete reports whether every fragment from B to E is present.
func (p *partialMsg) complete() bool {
	return p.hasB && p.hasE && p.first.LessEq(p.last) && int(p.first.Diff(p.last))+1 == len(p.frags)
}

// deliverOrdered hands out in-order messages of stream s, and partial
// pieces of its head message once it holds pdPoint bytes.
func (r *reassembly) deliverOrdered(id uint16, s *inStream, deliver func(Message)) {
	for {
		p := s.partial[s.next]
		if p == nil {
			return
		}
		if !p.pdStart && p.complete() {
			data := make([]byte, 0, p.bytes)
			for t := p.first; ; t++ {
				data = append(data, p.frags[t].data...)
				if t == p.last {
					break
				}
			}
			r.held -= p.bytes
			delete(s.partial, s.next)
			r.whole(Message{Stream: id, SSN: p.ssn, PPID: p.ppid, TSN: p.first, Data: data, EOR: true}, deliver)
			s.next++
			continue
		}
		if !p.hasB || (!p.pdStart && p.bytes < r.pdPoint) {
			return
		}
		if !p.pdStart {
			if r.pdOn[id] {
				return // an unordered message of this stream is in pieces
			}
			p.pdStart, p.pdNext = true, p.first
		}
		var piece []byte
		eor := false
		for {
			f, ok := p.frags[p.pdNext]
			if !ok {
				break
			}
			piece = append(piece, f.data...)
			delete(p.frags, p.pdNext)
			p.bytes -= len(f.data)
			r.held -= len(f.data)
			p.pdNext++
			if f.e {
				eor = true
				break
			}
		}
		if piece != nil {
			r.piece(Message{Stream: id, SSN: p.ssn, PPID: p.ppid, TSN: p.first, Data: piece, EOR: eor}, deliver)
		}
		if !eor {
			return
		}
		r.held -= p.bytes // stray fragments beyond E (none in a sane stream)
		delete(s.partial, s.next)
		s.next++
	}
}

// tryUnordered delivers the unordered message around t when complete. The
// fragments of one message have consecutive TSNs (RFC 9260 6.9).
func (r *reassembly) tryUnordered(t wire.TSN, deliver func(Message)) {
	b := t
	for {
		f, ok := r.unordered[b]
		if !ok {
			return
		}
		if f.b {
			break
		}
		if b != t && f.e {
			return // another message's end: ours lacks its start
		}
		b--
	}
	e := t
	for {
		f, ok := r.unordered[e]
		if !ok {
			return
		}
		if f.e {
			break
		}
		if e != t && f.b {
			return
		}
		e++
	}
	var data []byte
	for x := b; ; x++ {
		f := r.unordered[x]
		data = append(data, f.data...)
		r.held -= len(f.data)
		delete(r.unordered, x)
		if x == e {
			break
		}
	}
	m := r.uMeta[b]
	for x := b; ; x++ {
		delete(r.uMeta, x)
		if x == e {
			break
		}
	}
	r.whole(Message{Stream: m.stream, PPID: m.ppid, TSN: b, Unordered: true, Data: data, EOR: true}, deliver)
}

// startUPD starts partial delivery of the unordered message with the
// longest contiguous run from its B fragment, when that run holds at least
// a quarter of pdPoint bytes.
func (r *reassembly) startUPD(deliver func(Message)) {
	best, bestLen := wire.TSN(0), 0
	for t, f := range r.unordered {
		if !f.b || r.pdOn[r.uMeta[t].stream] {
			continue
		}
		n := 0
		for x := t; ; x++ {
			g, ok := r.unordered[x]
			if !ok || (x != t && g.b) {
				break
			}
			n += len(g.data)
			if g.e {
				break
			}
		}
		if n > bestLen {
			best, bestLen = t, n
		}
	}
	if bestLen == 0 || bestLen < r.pdPoint/4 {
		return
	}
	m := r.uMeta[best]
	r.uPD[best] = &uPD{stream: m.stream, ppid: m.ppid, first: best}
	r.continueUPD(best, deliver)
}

// continueUPD hands out the contiguous fragments from t of an unordered
// message under partial delivery.
func (r *reassembly) continueUPD(t wire.TSN, deliver func(Message)) {
	pd := r.uPD[t]
	delete(r.uPD, t)
	var piece []byte
	eor := false
	for {
		f, ok := r.unordered[t]
		if !ok || (f.b && t != pd.first) {
			break
		}
		piece = append(piece, f.data...)
		r.held -= len(f.data)
		delete(r.unordered, t)
		delete(r.uMeta, t)
		t++
		if f.e {
			eor = true
			break
		}
	}
	if !eor {
		r.uPD[t] = pd
	}
	if piece != nil {
		r.piece(Message{Stream: pd.stream, PPID: pd.ppid, TSN: pd.first, Unordered: true, Data: piece, EOR: eor}, deliver)
	}
}

// forward applies a FORWARD TSN (RFC 3758 3.6): fragments up to newCum are
// dropped, and each named ordered stream skips to the SSN after the one
// given. onAbort hears of each stream whose partial delivery was cut short,
// before anything parked behind it is delivered.
func (r *reassembly) forward(newCum wire.TSN, streams []wire.ForwardTSNStream, deliver func(Message), onAbort func(uint16)) {
	var aborted []uint16
	for t, pd := range r.uPD {
		if t.LessEq(newCum + 1) {
			aborted = append(aborted, pd.stream)
			delete(r.uPD, t)
		}
	}
	for t, f := range r.unordered {
		if t.LessEq(newCum) {
			r.held -= len(f.data)
			delete(r.unordered, t)
			delete(r.uMeta, t)
		}
	}
	ids := make([]uint16, 0, len(r.streams))
	for id := range r.streams {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		s := r.streams[id]
		for ssn, p := range s.partial {
			drop := false
			for t, f := range p.frags {
				if t.LessEq(newCum) {
					drop = true
					_ = f
				}
			}
			if !drop && !(p.pdStart && p.pdNext.LessEq(newCum+1)) {
				continue
			}
			if p.pdStart {
				aborted = append(aborted, id)
			}
			r.held -= p.bytes
			delete(s.partial, ssn)
		}
	}
	for _, fs := range streams {
		s := r.stream(fs.Stream)
		if !fs.SSN.Less(s.next) {
			for ssn, p := range s.partial {
				if ssn.LessEq(fs.SSN) {
					if p.pdStart {
						aborted = append(aborted, fs.Stream)
					}
					r.held -= p.bytes
					delete(s.partial, ssn)
				}
			}
			s.next = fs.SSN + 1
		}
		r.deliverOrdered(fs.Stream, s, deliver)
	}
	slices.Sort(aborted)
	aborted = slices.Compact(aborted)
	for _, s := range aborted {
		onAbort(s)
		r.pdEnded(s, deliver)
	}
}
