package rx

import (
	"fmt"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// I-DATA (RFC 8260) names each fragment by (stream, U flag, MID, FSN), so
// fragments of messages on different streams may interleave in TSN order.
// Messages are reassembled per key; ordered ones are delivered in MID order
// per stream. Partial delivery and Pop are shared with DATA.

type imsgKey struct {
	unordered bool
	mid       wire.MID
}

// imessage is an I-DATA message being reassembled.
type imessage struct {
	hdr     run // stream, flags, PPID, TSN; isI and im set
	mid     wire.MID
	frags   map[uint32][]byte // by FSN, not yet handed out
	nextFSN uint32            // FSNs below were handed out by a partial delivery
	lastFSN uint32            // FSN of the E fragment, when hdr.e
	maxFSN  uint32            // highest FSN held or handed out
}

func (r *Reassembly) nextMIDOf(stream uint16) wire.MID {
	if r.nextMID == nil {
		return 0
	}
	return r.nextMID[stream]
}

func (r *Reassembly) setNextMID(stream uint16, mid wire.MID) {
	if r.nextMID == nil {
		r.nextMID = make([]wire.MID, r.inStreams)
	}
	r.nextMID[stream] = mid
}

// AddIData takes one I-DATA chunk that Tracker.Observe accepted as new, with
// the same contract and errors as Add. An association uses either DATA or
// I-DATA (RFC 8260 2.1), never both.
func (r *Reassembly) AddIData(d *wire.IData) error {
	if d.Stream >= r.inStreams {
		return fmt.Errorf("%w: %d, %d inbound streams", ErrInvalidStream, d.Stream, r.inStreams)
	}
	if len(d.UserData) == 0 {
		return fmt.Errorf("%w: TSN %d", ErrNoUserData, d.TSN)
	}
	nextMID := r.nextMIDOf(d.Stream)
	if !d.Unordered && d.MID.Less(nextMID) {
		return protoErr("stream %d MID %d is behind the next expected %d", d.Stream, d.MID, nextMID)
	}
	fsn := d.FSN
	if d.Beginning {
		fsn = 0 // the field carries the PPID (RFC 8260 2.1)
	} else if fsn == 0 {
		return protoErr("TSN %d: FSN 0 without the B flag", d.TSN)
	}
	key := imsgKey{d.Unordered, d.MID}
	ex := r.extra(d.Stream)
	var m *imessage
	if ex != nil {
		m = ex.imsgs[key]
		if _, ok := ex.ipend[d.MID]; ok && !d.Unordered {
			return protoErr("stream %d MID %d: already complete, fragment TSN %d", d.Stream, d.MID, d.TSN)
		}
	}
	if m != nil {
		if err := m.check(d, fsn); err != nil {
			return err
		}
	}
	n := len(d.UserData)
	if !r.room(n, func() bool { return r.iProgresses(d, nextMID, m, ex) }) {
		return ErrBufferFull
	}
	data := make([]byte, n)
	copy(data, d.UserData)
	r.buffered += n
	r.items++
	r.stuck = false

	if m == nil && d.Beginning && d.Ending {
		r.completeI(Message{Stream: d.Stream, MID: d.MID, PPID: d.PPID, TSN: d.TSN,
			Unordered: d.Unordered, Data: data, EOR: true})
		return nil
	}
	if m == nil {
		m = &imessage{mid: d.MID, frags: map[uint32][]byte{}}
		m.hdr = run{isI: true, im: m, stream: d.Stream, unordered: d.Unordered}
		ex = r.extraFor(d.Stream)
		if ex.imsgs == nil {
			ex.imsgs = map[imsgKey]*imessage{}
		}
		ex.imsgs[key] = m
	}
	m.frags[fsn] = data
	m.hdr.bytes += n
	if fsn > m.maxFSN {
		m.maxFSN = fsn
	}
	if d.Beginning {
		m.hdr.b, m.hdr.ppid, m.hdr.msgTSN = true, d.PPID, d.TSN
	}
	if d.Ending {
		m.hdr.e, m.lastFSN = true, fsn
	}
	if !m.hdr.pd && m.hdr.b && m.hdr.e && uint32(len(m.frags)) == m.lastFSN+1 {
		buf := make([]byte, 0, m.hdr.bytes)
		for f := uint32(0); f <= m.lastFSN; f++ {
			buf = append(buf, m.frags[f]...)
		}
		r.items -= len(m.frags) - 1 // fragments become one message
		delete(ex.imsgs, key)
		r.completeI(Message{Stream: d.Stream, MID: d.MID, PPID: m.hdr.ppid, TSN: m.hdr.msgTSN,
			Unordered: d.Unordered, Data: buf, EOR: true})
	}
	return nil
}

// check validates a new fragment against the message's fragments so far.
func (m *imessage) check(d *wire.IData, fsn uint32) error {
	if _, dup := m.frags[fsn]; dup || fsn < m.nextFSN || (d.Beginning && m.hdr.b) {
		return protoErr("stream %d MID %d: FSN %d twice", d.Stream, d.MID, fsn)
	}
	if d.Ending && (m.hdr.e || fsn < m.maxFSN) {
		return protoErr("stream %d MID %d: E fragment FSN %d contradicts others", d.Stream, d.MID, fsn)
	}
	if m.hdr.e && fsn > m.lastFSN {
		return protoErr("stream %d MID %d: FSN %d after the E fragment", d.Stream, d.MID, fsn)
	}
	return nil
}

// iProgresses is progresses for I-DATA.
func (r *Reassembly) iProgresses(d *wire.IData, nextMID wire.MID, m *imessage, ex *streamExtra) bool {
	var pd *run
	if ex != nil {
		pd = ex.pd
	}
	if pd != nil {
		return m != nil && pd == &m.hdr
	}
	if !d.Unordered {
		return d.MID == nextMID
	}
	return d.Beginning || (m != nil && m.hdr.b)
}

// completeI is complete for I-DATA: ordered messages wait for their MID.
func (r *Reassembly) completeI(m Message) {
	ex := r.extra(m.Stream)
	if m.Unordered {
		r.emit(ex, m)
		r.tidy(m.Stream, ex)
		return
	}
	if m.MID != r.nextMIDOf(m.Stream) {
		ex = r.extraFor(m.Stream)
		if ex.ipend == nil {
			ex.ipend = map[wire.MID]Message{}
		}
		ex.ipend[m.MID] = m
		return
	}
	r.setNextMID(m.Stream, m.MID+1)
	r.emit(ex, m)
	r.drainIPending(m.Stream, ex)
}

func (r *Reassembly) drainIPending(stream uint16, ex *streamExtra) {
	for ex != nil && len(ex.ipend) > 0 {
		next := r.nextMIDOf(stream)
		m, ok := ex.ipend[next]
		if !ok {
			break
		}
		delete(ex.ipend, next)
		r.setNextMID(stream, next+1)
		r.emit(ex, m)
	}
	r.tidy(stream, ex)
}

// iCandidates offers I-DATA messages that may start a partial delivery.
func (r *Reassembly) iCandidates(consider func(*run)) {
	for stream, ex := range r.extras {
		if ex.pd != nil {
			continue
		}
		for _, m := range ex.imsgs {
			if m.hdr.b && (m.hdr.unordered || m.mid == r.nextMIDOf(stream)) {
				consider(&m.hdr)
			}
		}
	}
}

func (r *Reassembly) startIPartial(x *run) Message {
	ex := r.extraFor(x.stream)
	x.pd = true
	ex.pd = x
	r.pdStreams = append(r.pdStreams, x.stream)
	return r.iPiece(x.stream, ex)
}

// iPiece hands out the contiguous fragments from nextFSN on.
func (r *Reassembly) iPiece(stream uint16, ex *streamExtra) Message {
	x := ex.pd
	m := x.im
	var buf []byte
	for {
		f, ok := m.frags[m.nextFSN]
		if !ok {
			break
		}
		buf = append(buf, f...)
		delete(m.frags, m.nextFSN)
		m.nextFSN++
		r.items--
	}
	r.buffered -= len(buf)
	x.bytes -= len(buf)
	eor := x.e && m.nextFSN > m.lastFSN
	msg := Message{Stream: stream, MID: m.mid, PPID: x.ppid, TSN: x.msgTSN, Unordered: x.unordered, Data: buf, EOR: eor}
	if eor {
		r.endPartial(stream, ex)
	}
	return msg
}

// endIPartial finishes endPartial for I-DATA.
func (r *Reassembly) endIPartial(stream uint16, ex *streamExtra, x *run) {
	m := x.im
	delete(ex.imsgs, imsgKey{x.unordered, m.mid})
	if !x.unordered && r.nextMIDOf(stream) == m.mid {
		r.setNextMID(stream, m.mid+1)
	}
	r.ready = append(r.ready, ex.held...)
	clear(ex.held)
	ex.held = ex.held[:0]
	r.drainIPending(stream, ex)
}

// dropIMessage discards an I-DATA message being reassembled.
func (r *Reassembly) dropIMessage(stream uint16, ex *streamExtra, m *imessage) (aborted bool) {
	r.buffered -= m.hdr.bytes
	r.items -= len(m.frags)
	m.hdr.bytes = 0
	clear(m.frags)
	delete(ex.imsgs, imsgKey{m.hdr.unordered, m.mid})
	if ex.pd == &m.hdr {
		r.endPartial(stream, ex)
		return true
	}
	return false
}

// IForwardTSN applies an I-FORWARD TSN (RFC 8260 2.3.2): for each listed
// (stream, U flag, MID), messages of that kind up to MID are abandoned and,
// for ordered ones, the next expected MID moves past it. It returns the
// streams whose partial delivery was abandoned.
func (r *Reassembly) IForwardTSN(streams []wire.IForwardTSNStream) (partialAborted []uint16) {
	r.stuck = false
	for _, s := range streams {
		if s.Stream >= r.inStreams {
			continue
		}
		ex := r.extra(s.Stream)
		if !s.Unordered && s.MID.Less(r.nextMIDOf(s.Stream)) {
			continue
		}
		if ex != nil {
			for k, m := range ex.imsgs {
				if k.unordered == s.Unordered && !s.MID.Less(k.mid) {
					if r.dropIMessage(s.Stream, ex, m) {
						partialAborted = append(partialAborted, s.Stream)
					}
				}
			}
			if !s.Unordered {
				for mid, m := range ex.ipend {
					if !s.MID.Less(mid) {
						r.buffered -= len(m.Data)
						r.items--
						delete(ex.ipend, mid)
					}
				}
			}
		}
		if !s.Unordered {
			r.setNextMID(s.Stream, s.MID+1)
			r.drainIPending(s.Stream, r.extra(s.Stream))
		}
		r.tidy(s.Stream, r.extra(s.Stream))
	}
	return partialAborted
}
