package stack

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/udpsctp/udpsctp/stack/assoc"
)

// SendAllError lists the associations a SendAll message could not be
// queued on (a full send buffer, a closing association). The others got it.
type SendAllError struct {
	Failed map[AssocID]error
}

func (e *SendAllError) Error() string {
	ids := make([]AssocID, 0, len(e.Failed))
	for id := range e.Failed {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b strings.Builder
	fmt.Fprintf(&b, "sctp: sendall: %d association(s) skipped:", len(ids))
	for _, id := range ids {
		fmt.Fprintf(&b, " %d (%v)", id, e.Failed[id])
	}
	return b.String()
}

// Unwrap exposes the individual errors to errors.Is.
func (e *SendAllError) Unwrap() []error {
	out := make([]error, 0, len(e.Failed))
	for _, err := range e.Failed {
		out = append(out, err)
	}
	return out
}

// sendAll queues one copy of b, shared read-only, on every association of
// the socket at this moment (SCTP_SENDALL). It holds the Stack mutex for
// the walk, so peel-off, abort and setup on other goroutines happen wholly
// before or after it: each association present gets the message once.
func (pc *PacketConn) sendAll(b []byte, info SndInfo) (int, error) {
	s := pc.s
	if len(b) == 0 && info.Flags&(SendEOF|SendAbort) == 0 {
		return 0, ErrEmptyMessage
	}
	if info.Flags&SendAddrOver != 0 {
		// One address cannot be a path of every association.
		return 0, fmt.Errorf("%w: SendAddrOver with SendAll", ErrBadAddress)
	}
	m := outMessage(b, info, true) // one copy of the payload for all
	s.mu.Lock()
	if pc.closed {
		s.mu.Unlock()
		return 0, ErrClosed
	}
	now := time.Now()
	out := s.newBatch()
	w := s.newSendAllWriter(pc.assocs.len())
	if w != nil {
		w.all = append(w.all, out)
	}
	var failed map[AssocID]error
	pc.assocs.walk(func(e *entry) {
		if err := apply(now, e, b, m, info.Flags); err != nil {
			if failed == nil {
				failed = make(map[AssocID]error)
			}
			failed[e.id] = err
		}
		s.after(now, e, out)
		// Write as we go so a SENDALL to many associations does not hold
		// thousands of packets; write touches no Stack state, so it may
		// run under the mutex.
		if len(out.dgs) >= sendAllBatch {
			if w != nil {
				out = w.hand(s, out)
			} else {
				s.write(out)
			}
		}
	})
	s.mu.Unlock()
	if w != nil {
		w.finish(s, out)
	} else {
		s.flush(out)
	}
	if failed != nil {
		return len(b), &SendAllError{Failed: failed}
	}
	return len(b), nil
}

func errorsIsBufferFull(err error) bool { return err != nil && errors.Is(err, assoc.ErrBufferFull) }
