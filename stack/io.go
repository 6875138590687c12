package stack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/udpsctp/udpsctp/stack/assoc"
)

// deliver queues an association event for the socket's reader: data
// always, notifications when subscribed. Called with s.mu held.
func (q *recvQueue) deliver(e *entry, ev assoc.Event, events EventMask) {
	if e.role != nil {
		q.role = e.role
	}
	if m, ok := ev.(assoc.Message); ok {
		q.push(rqItem{id: e.id, from: e.from(), msg: rxMessage{
			stream: m.Stream, ssn: uint16(m.SSN), ppid: m.PPID, tsn: uint32(m.TSN),
			unordered: m.Unordered, eor: m.EOR, data: m.Data,
		}})
		return
	}
	if _, dry := ev.(assoc.SenderDry); dry && events&EventSenderDry == 0 {
		return // comes with nearly every SACK: not built to be dropped
	}
	n := toNotification(e.id, ev)
	if n != nil && events&n.mask() != 0 {
		q.push(rqItem{id: e.id, from: e.from(), note: n})
	}
}

// from returns the peer's primary address as an *Addr, cached.
func (e *entry) from() *Addr {
	if e.a.NumPaths() == 0 {
		return nil
	}
	p := e.a.PeerAddr(0)
	if e.fromAddr == nil || e.fromAddr.IP != p.Addr() || e.fromAddr.UDPPort != p.Port() {
		e.fromAddr = &Addr{IP: p.Addr(), Port: e.a.PeerPort(), UDPPort: p.Port()}
	}
	return e.fromAddr
}

// recv blocks until q has something, then reads it into b. closedErr says
// whether the socket is closed (checked with s.mu held). The bytes read
// reopen the association's receive window. While q is empty the calling
// goroutine reads the UDP socket itself when it can (readrole.go).
func (s *Stack) recv(q *recvQueue, b []byte, dl *deadline, closedErr func() error) (int, RcvInfo, error) {
	var held *readRole // the read role this goroutine holds
	var handledAt time.Time
	inline := true
	for {
		if dl.expired() {
			s.leaveRole(held)
			return 0, RcvInfo{}, ErrTimeout
		}
		s.mu.Lock()
		if !q.empty() {
			s.releaseRole(held, true)
			var info RcvInfo
			n, consumed, id := q.read(b, &info)
			var out *batch
			if consumed > 0 {
				if e, ok := s.tbl.byID[id]; ok && e.a.ReadConsumed(consumed) {
					out = s.newBatch()
					now := handledAt
					if now.IsZero() {
						now = time.Now()
					}
					s.after(now, e, out)
				}
			}
			s.mu.Unlock()
			if out != nil {
				s.flush(out)
			}
			return n, info, nil
		}
		if err := closedErr(); err != nil {
			s.releaseRole(held, false)
			s.mu.Unlock()
			return 0, RcvInfo{}, err
		}
		r := s.roleFor(q)
		if held != nil && held != r {
			s.releaseRole(held, false)
			held = nil
		}
		if r != nil && inline && (held != nil || s.takeRole(r, q, dl)) {
			held = r
			s.mu.Unlock()
			dl.watch(s, q)
			fallback, now, err := s.readInline(r, q, dl, closedErr)
			handledAt = now
			if fallback {
				s.leaveRole(held)
				held, inline = nil, false
			}
			if err != nil {
				return 0, RcvInfo{}, err
			}
			continue
		}
		s.releaseRole(held, false)
		held = nil
		s.mu.Unlock()
		select {
		case <-q.ready:
		case <-q.closed:
		case <-dl.wait():
			return 0, RcvInfo{}, ErrTimeout
		}
	}
}

// send queues one message on association e, blocking while its send
// buffer is full. The message is copied: the caller keeps b.
func (s *Stack) send(e *entry, b []byte, info SndInfo, dl *deadline, closed func() bool) (int, error) {
	if len(b) == 0 && info.Flags&(SendEOF|SendAbort) == 0 {
		return 0, ErrEmptyMessage
	}
	if info.Flags&SendAddrOver != 0 && (info.To == nil || !info.To.IP.IsValid()) {
		return 0, fmt.Errorf("%w: SendAddrOver without a To address", ErrBadAddress)
	}
	m := outMessage(b, info, true)
	for {
		if dl.expired() {
			return 0, ErrTimeout
		}
		s.mu.Lock()
		if closed() || s.closed {
			s.mu.Unlock()
			return 0, ErrClosed
		}
		if _, live := s.tbl.byID[e.id]; !live {
			err := e.closeErr
			s.mu.Unlock()
			if err == nil {
				err = errNoAssoc
			}
			return 0, err
		}
		now := time.Now()
		out := s.newBatch()
		err := apply(now, e, b, m, info.Flags)
		s.after(now, e, out)
		// Wait for the association's next step only now: after wakes the
		// waiters of the step just taken, which would close a channel
		// taken before it and make this loop spin.
		var wait <-chan struct{}
		if errorsIsBufferFull(err) {
			wait = e.waitChan()
			s.urgeReaders()
		}
		s.mu.Unlock()
		s.flush(out)
		if wait == nil {
			if err != nil {
				return 0, err
			}
			return len(b), nil
		}
		select {
		case <-wait:
		case <-dl.wait():
			return 0, ErrTimeout
		}
	}
}

// apply performs one send on an association: the message, then a
// shutdown for SendEOF; or an abort with b as the reason for SendAbort.
// Called with s.mu held; the caller runs after.
func apply(now time.Time, e *entry, b []byte, m assoc.OutMessage, flags SendFlags) error {
	switch {
	case flags&SendAbort != 0:
		e.a.Abort(now, b)
		return nil
	case flags&SendEOF != 0 && len(b) == 0:
		e.a.Shutdown(now)
		return nil
	}
	err := e.a.Send(now, m)
	if err == nil {
		e.lastActive = now
	}
	if errors.Is(err, assoc.ErrNoPath) {
		return fmt.Errorf("%w: SendAddrOver: %v is not an address of association %d", ErrBadAddress, m.Dest, e.id)
	}
	if err == nil && flags&SendEOF != 0 {
		e.a.Shutdown(now)
	}
	return err
}

// outMessage converts a user message. copyData: the association keeps the
// slice, so it gets its own copy unless the caller already made one.
func outMessage(b []byte, info SndInfo, copyData bool) assoc.OutMessage {
	data := b
	if copyData && len(b) > 0 {
		data = append([]byte(nil), b...)
	}
	m := assoc.OutMessage{
		Stream:     info.Stream,
		PPID:       info.PPID,
		Unordered:  info.Flags&SendUnordered != 0,
		Data:       data,
		MaxRetrans: info.MaxRetrans,
		Context:    info.Context,
	}
	if info.Flags&SendAddrOver != 0 && info.To != nil {
		m.Dest = info.To.IP.Unmap()
	}
	if info.TTL > 0 {
		m.Deadline = time.Now().Add(info.TTL)
	}
	return m
}

// waitEstablished blocks until the association is up, fails, or ctx ends.
func (s *Stack) waitEstablished(ctx context.Context, e *entry) error {
	for {
		s.mu.Lock()
		if e.up {
			s.mu.Unlock()
			return nil
		}
		if _, live := s.tbl.byID[e.id]; !live {
			err := e.closeErr
			s.mu.Unlock()
			if err == nil {
				err = ErrInitFailed
			}
			return err
		}
		wait := e.waitChan()
		s.urgeReaders()
		s.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			s.mu.Lock()
			if _, live := s.tbl.byID[e.id]; live && !e.up {
				out := s.newBatch()
				e.a.Abort(time.Now(), nil)
				s.after(time.Now(), e, out)
				s.mu.Unlock()
				s.flush(out)
			} else {
				s.mu.Unlock()
			}
			return fmt.Errorf("sctp: connect: %w", ctx.Err())
		}
	}
}
