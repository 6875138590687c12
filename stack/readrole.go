package stack

import (
	"errors"
	"net"
	"os"
	"time"

	"github.com/udpsctp/udpsctp/encap"
)

// The read role of a UDP socket (issue 8). With a transport that runs its
// own read loops (encap.Serving), whoever holds a socket's role reads it:
// its background goroutine, or an application goroutine blocked in
// RecvMsg/Read whose queue is empty. The netpoller then wakes the goroutine
// that wants the data, as for raw UDP, instead of a reader that hands the
// message over through a channel (each hand-over made the runtime start a
// second thread: a futex wake-up, and often a 3 us back-off sleep, per
// packet). Go lets one goroutine at a time wait on a socket, so the role
// moves only between reads:
//   - the background goroutine gives it up when an application goroutine
//     is waiting for data (wantQ): it is kicked out of the socket, or
//     stops after the batch it is handling, and wakes that goroutine;
//   - an application goroutine takes it when it finds the role free, and
//     keeps reading (serving every association of the Stack) until its own
//     queue has something; on return it leaves the role free but reserved
//     for readLease, so that a request/response loop takes it back without
//     waking anybody;
//   - the background goroutine takes the role back once it has been free
//     for readLease, at once when an application goroutine that cannot
//     read inline starts waiting, and when a holder fails.
// Anything that must wake an application goroutine parked in the socket (a
// message delivered by another goroutine, a closed socket, a new read
// deadline) kicks it with a read deadline in the past.

// readLease is how long a free role stays reserved for the application
// goroutine that gave it up: a packet may wait in the socket buffer up to
// twice as long when that goroutine does not come back to read. Counting
// releases per lease, not timing them, keeps the clock (0.3 us a read on
// this VM) off the round trip.
const readLease = time.Millisecond

type roleHolder uint8

const (
	roleFree roleHolder = iota
	roleBackground
	roleApp
)

// readRole is the read role of one socket. The Stack mutex guards it.
type readRole struct {
	s     *Stack
	idx   int // the socket's index in ServeFuncs order
	serve encap.ServeFunc

	holder   roleHolder
	q        *recvQueue // the queue of the application holder
	reading  bool       // the holder is inside serve
	handling bool       // the holder is inside handleBatch (holds s.mu)
	kicked   bool       // a deadline in the past was set to wake the holder
	// handledAt is when the holder's last batch was handled; bulk says it
	// held more than one datagram: a flow, not requests and responses. A
	// flow is read by the background goroutine, in parallel with the
	// application consuming it, as the role would only cost it wake-ups.
	handledAt time.Time
	bulk      bool
	// releases counts the times an application goroutine left the role
	// free with a reservation; the background goroutine takes a free role
	// back when it saw no release for a whole lease, or at once when urgent.
	releases uint64
	seen     uint64
	urgent   bool
	timed    bool       // the background goroutine waits with its lease timer
	wantQ    *recvQueue // a queue whose reader waits while the background reads
	bgWake   chan struct{}
	signals  uint64 // bgWake sends, for tests

	// What every holder reads with (serve runs one holder at a time):
	// slots and batch; and the application holder's closedErr and the
	// handler bound once.
	dgs       []encap.Datagram
	out       *batch
	appClosed func() error
	appHandle func(batch []encap.Datagram) bool
}

// setDeadline is the transport's encap.Serving.SetReadDeadline.
func (r *readRole) setDeadline(t time.Time) {
	if sv, ok := r.s.tr.(encap.Serving); ok {
		_ = sv.SetReadDeadline(r.idx, t) // fails only once the transport is closed
	}
}

// kick wakes the holder parked in the socket. Called with s.mu held, by
// anyone but the holder itself.
func (r *readRole) kick() {
	if !r.reading || r.handling || r.kicked {
		return
	}
	r.kicked = true
	r.setDeadline(time.Unix(1, 0))
}

// wakeBackground makes the background goroutine take the role now rather
// than after the lease. Called with s.mu held.
func (r *readRole) wakeBackground() {
	r.urgent = true
	r.signalBackground()
}

// signalBackground makes the background goroutine look at the role again.
func (r *readRole) signalBackground() {
	r.signals++
	select {
	case r.bgWake <- struct{}{}:
	default:
	}
}

// urgeReaders makes sure every socket is read while the calling goroutine
// blocks on something other than its receive queue (a full send buffer, a
// handshake, Accept): a role left free and reserved for an application
// goroutine goes back to its background goroutine now, since the SACKs or
// handshake packets the caller waits for could otherwise sit unread for
// up to two leases. Called with s.mu held.
func (s *Stack) urgeReaders() {
	for _, r := range s.roles {
		if r.holder == roleFree && !r.urgent {
			r.wakeBackground()
		}
	}
}

// startRoles starts one background goroutine per socket of a serving
// transport.
func (s *Stack) startRoles(sv encap.Serving) {
	for i, serve := range sv.ServeFuncs() {
		r := &readRole{s: s, idx: i, serve: serve, bgWake: make(chan struct{}, 1),
			dgs: s.readerSlots(), out: s.loopBatch()}
		stop := func() bool { return !r.q.empty() || r.appClosed() != nil }
		r.appHandle = func(batch []encap.Datagram) bool { return s.handleBatch(batch, r.out, r, stop) }
		s.roles = append(s.roles, r)
	}
	for _, r := range s.roles {
		s.wg.Add(1)
		go s.runRole(r)
	}
}

// runRole is a socket's background goroutine: it reads the socket whenever
// no application goroutine holds or has reserved the role.
func (s *Stack) runRole(r *readRole) {
	defer s.wg.Done()
	// giveAway hands the role to the application goroutine waiting for it.
	giveAway := func() bool {
		q := r.wantQ
		if q == nil || r.bulk {
			return false
		}
		r.wantQ = nil
		r.holder = roleFree
		r.releases++
		q.signal()
		return true
	}
	handle := func(batch []encap.Datagram) bool { return s.handleBatch(batch, r.out, r, giveAway) }
	timer := time.NewTimer(readLease)
	defer timer.Stop()
	for {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return
		}
		if r.holder == roleFree && (r.urgent || r.releases == r.seen) {
			r.holder, r.reading, r.urgent = roleBackground, true, false
			s.mu.Unlock()
			err := r.serve(r.dgs, handle)
			s.mu.Lock()
			r.reading = false
			kicked := r.kicked
			r.kicked = false
			if r.holder == roleBackground && !giveAway() {
				r.holder, r.urgent = roleFree, true
			}
			s.mu.Unlock()
			if kicked || errors.Is(err, os.ErrDeadlineExceeded) {
				r.setDeadline(time.Time{})
			}
			switch {
			case err == nil, errors.Is(err, os.ErrDeadlineExceeded):
			case errors.Is(err, net.ErrClosed) || s.isClosed():
				return
			default:
				s.log.Debugf("read: %v", err)
			}
			continue
		}
		// Time a lease while the role is free, and while an application
		// goroutine that holds it released it during the last lease: a
		// request/response loop then costs one wake-up per lease, where
		// waiting untimed made its next release signal us (about one
		// wake-up every third round trip). An application goroutine
		// parked in the socket for hours costs no wake-ups.
		active := r.releases != r.seen
		r.seen = r.releases
		r.timed = r.holder == roleFree || (r.holder == roleApp && active)
		s.mu.Unlock()
		var expired <-chan time.Time
		if r.timed {
			timer.Reset(readLease)
			expired = timer.C
		}
		select {
		case <-r.bgWake:
		case <-expired:
		case <-s.done:
			return
		}
	}
}

// roleFor returns the role an application goroutine waiting on q should
// read: the socket q's last message came through. Nil without roles.
// Called with s.mu held.
func (s *Stack) roleFor(q *recvQueue) *readRole {
	if len(s.roles) == 0 {
		return nil
	}
	if q.role != nil {
		return q.role
	}
	return s.roles[0]
}

// takeRole gives r to the application goroutine waiting on q when r is
// free, q's goroutines hold no role yet and q has no read deadline armed
// (a deadline would have to be mirrored on the socket). Otherwise it makes
// sure someone reads: a free role goes to the background goroutine at
// once, a background holder is asked to hand over after its next batch.
// Called with s.mu held.
func (s *Stack) takeRole(r *readRole, q *recvQueue, dl *deadline) bool {
	if r.holder == roleFree && q.reader == nil && !r.bulk && !dl.armed() {
		r.holder, r.q, q.reader = roleApp, q, r
		return true
	}
	switch r.holder {
	case roleFree:
		r.wakeBackground()
	case roleBackground:
		if r.bulk {
			break
		}
		// Wake the background goroutine so that it hands over now: the
		// wake-ups this costs happen while the request is on its way.
		r.wantQ = q
		r.kick()
	}
	return false
}

// releaseRole leaves r, which the calling goroutine holds (nil: none),
// free: reserved for it when it got data (it is likely back soon), else
// given back to the background goroutine at once. Called with s.mu held.
func (s *Stack) releaseRole(r *readRole, gotData bool) {
	if r == nil {
		return
	}
	r.q.reader = nil
	r.q, r.holder = nil, roleFree
	if gotData && !r.bulk {
		r.releases++
		if !r.timed { // start the lease clock
			r.signalBackground()
		}
		return
	}
	r.wakeBackground()
}

// leaveRole is releaseRole without s.mu held.
func (s *Stack) leaveRole(r *readRole) {
	if r == nil {
		return
	}
	s.mu.Lock()
	s.releaseRole(r, false)
	s.mu.Unlock()
}

// readInline reads r's socket from the application goroutine waiting on
// q, which holds r, handling every packet for the whole Stack, until q
// has something or is closed, or the goroutine is kicked. fallback says
// that the goroutine should give the role up and wait as without roles
// (a read deadline is armed, or the read failed); err is ErrClosed once
// the transport is closed. now is the clock reading of the batch that
// filled q when this goroutine handled it just before returning (zero
// otherwise): reading the clock costs 0.3 us on this VM, and the caller
// needs the time once more.
func (s *Stack) readInline(r *readRole, q *recvQueue, dl *deadline, closedErr func() error) (fallback bool, now time.Time, err error) {
	s.mu.Lock()
	if !q.empty() || closedErr() != nil {
		s.mu.Unlock()
		return false, now, nil
	}
	// Checked with s.mu held: a deadline set from now on kicks us.
	if dl.armed() {
		s.mu.Unlock()
		return true, now, nil
	}
	r.reading = true
	r.appClosed = closedErr
	s.mu.Unlock()
	err = r.serve(r.dgs, r.appHandle)
	s.mu.Lock()
	if err == nil && !q.empty() {
		now = r.handledAt
	}
	r.reading = false
	r.appClosed = nil
	kicked := r.kicked
	r.kicked = false
	s.mu.Unlock()
	if kicked || errors.Is(err, os.ErrDeadlineExceeded) {
		r.setDeadline(time.Time{})
	}
	switch {
	case err == nil, errors.Is(err, os.ErrDeadlineExceeded):
		return false, now, nil
	case errors.Is(err, net.ErrClosed) || s.isClosed():
		return true, now, ErrClosed
	}
	s.log.Debugf("read: %v", err)
	return true, now, nil
}
