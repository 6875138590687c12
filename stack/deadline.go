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
}

func newDeadline() deadline { return deadline{c: make(chan struct{})} }

// set arms the deadline; the zero time disarms it. A time in the past
// expires it at once (pending calls return ErrTimeout).
func (d *deadline) set(t time.Time) {
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
