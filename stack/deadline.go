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
