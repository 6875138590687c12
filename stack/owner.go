package stack

import "github.com/udpsctp/udpsctp/stack/assoc"

// owner is the socket an association belongs to: a one-to-many PacketConn
// or a one-to-one Conn. Peel-off changes the owner. Both methods are called
// with the Stack mutex held.
type owner interface {
	// deliver hands over one event of the association, in order.
	deliver(e *entry, ev assoc.Event)
	// detach says the association is closed and gone from the table.
	detach(e *entry)
}

// wakeWaiters releases goroutines blocked on this association (a full send
// buffer, a connect in progress). Called with the Stack mutex held after
// every step of the association.
func (e *entry) wakeWaiters() {
	if e.wake != nil {
		close(e.wake)
		e.wake = nil
	}
}

// waitChan returns a channel closed at the association's next step.
// Called with the Stack mutex held.
func (e *entry) waitChan() <-chan struct{} {
	if e.wake == nil {
		e.wake = make(chan struct{})
	}
	return e.wake
}

// observe notes what blocked callers wait for: the association coming up,
// or the reason it ended. Called with the Stack mutex held.
func (e *entry) observe(ev assoc.Event) {
	ch, ok := ev.(assoc.AssocChange)
	if !ok {
		return
	}
	switch ch.State {
	case assoc.CommUp, assoc.Restart:
		e.up = true
	case assoc.CommLost:
		e.closeErr = e.assocErr(ErrAborted)
	case assoc.CantStartAssoc:
		e.closeErr = e.assocErr(ErrInitFailed)
	case assoc.ShutdownComp:
		e.closeErr = ErrShutdown
	}
}

// assocErr is the association's own account of its end (with the SCTP
// cause), or base.
func (e *entry) assocErr(base error) error {
	if err := e.a.Err(); err != nil {
		return err
	}
	return base
}
