package stack

import (
	"sync"
	"time"
)

// deadline is a read or write deadline as in package net: a channel that
// is closed when the deadline passes, re-armed by set. Blocking calls
// select on it.
type deadline struct {
	mu    sync.Mutex
	timer *time.Timer
	c     chan struct{}
	// onSet runs after every set, without d.mu: it wakes a reader parked
	// in a UDP socket rather than on c (readrole.go).
	onSet func()
}

func newDeadline() deadline { return deadline{c: make(chan struct{})} }

// set arms the deadline; the zero time disarms it. A time in the past
// expires it at once (pending calls return ErrTimeout).
func (d *deadline) set(t time.Time) {
	d.setLocked(t)
	d.mu.Lock()
	f := d.onSet
	d.mu.Unlock()
	if f != nil {
		f()
	}
}

func (d *deadline) setLocked(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.c // the timer fired: wait until it closed c
	}
	d.timer = nil
	closed := isClosedChan(d.c)
	if t.IsZero() {
		if closed {
			d.c = make(chan struct{})
		}
		return
	}
	if dur := time.Until(t); dur > 0 {
		if closed {
			d.c = make(chan struct{})
		}
		c := d.c
		d.timer = time.AfterFunc(dur, func() { close(c) })
		return
	}
	if !closed {
		close(d.c)
	}
}

// armed reports whether a deadline is set or has passed.
func (d *deadline) armed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.timer != nil || isClosedChan(d.c)
}

// watch makes set wake the read-role holder waiting on q (once per
// deadline: q belongs to the socket d belongs to).
func (d *deadline) watch(s *Stack, q *recvQueue) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.onSet != nil {
		return
	}
	d.onSet = func() {
		s.mu.Lock()
		if r := q.reader; r != nil {
			r.kick()
		}
		s.mu.Unlock()
	}
}

// wait returns the channel closed when the deadline passes.
func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.c
}

func isClosedChan(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// expired reports whether the deadline has passed: calls fail at once
// then, even when they could complete, as in package net.
func (d *deadline) expired() bool {
	return isClosedChan(d.wait())
}

// deadlines are a socket's read and write deadlines with the methods of
// net.Conn; PacketConn and Conn embed them.
type deadlines struct {
	rdl, wdl deadline
}

func newDeadlines() deadlines { return deadlines{rdl: newDeadline(), wdl: newDeadline()} }

// SetDeadline sets the read and write deadlines, as in package net: a
// blocked or later call past it returns an error wrapping ErrTimeout.
func (d *deadlines) SetDeadline(t time.Time) error {
	d.rdl.set(t)
	d.wdl.set(t)
	return nil
}

// SetReadDeadline sets the deadline for reads (Read, RecvMsg, ReadFrom).
func (d *deadlines) SetReadDeadline(t time.Time) error { d.rdl.set(t); return nil }

// SetWriteDeadline sets the deadline for writes (Write, SendMsg, WriteTo).
func (d *deadlines) SetWriteDeadline(t time.Time) error { d.wdl.set(t); return nil }
