package stack

import (
	"time"

	"github.com/udpsctp/udpsctp/stack/assoc"
)

// SetAutoclose makes the socket shut down, gracefully, any association
// that has neither sent nor received user data for d (SCTP_AUTOCLOSE, RFC
// 6458 8.1.8); 0 turns it off. It applies to associations of this
// one-to-many socket, not to peeled-off ones.
func (pc *PacketConn) SetAutoclose(d time.Duration) {
	s := pc.s
	s.mu.Lock()
	pc.autoclose = max(d, 0)
	now := time.Now()
	pc.assocs.walk(func(e *entry) {
		e.lastActive = now
		s.timers.set(e, e.nextDeadline(now))
	})
	s.arm(now)
	s.mu.Unlock()
}

// nextDeadline is when the entry's timer must fire: the association's own
// next deadline or its autoclose time, whichever is first. Called with
// s.mu held.
func (e *entry) nextDeadline(now time.Time) time.Time {
	d := e.a.NextDeadline()
	ac := e.autocloseAt()
	if !ac.IsZero() && (d.IsZero() || ac.Before(d)) {
		d = ac
	}
	return d
}

// autocloseAt is when the association is idle long enough to close; zero
// when autoclose does not apply.
func (e *entry) autocloseAt() time.Time {
	pc, ok := e.owner.(*PacketConn)
	if !ok || pc.autoclose <= 0 || e.a.State() != assoc.Established {
		return time.Time{}
	}
	return e.lastActive.Add(pc.autoclose)
}

func (e *entry) autocloseDue(now time.Time) bool {
	ac := e.autocloseAt()
	return !ac.IsZero() && !now.Before(ac)
}
