package assoc

import (
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

var netipZero netip.AddrPort

// Abort ends the association at once with an ABORT carrying a
// User-Initiated Abort cause (RFC 9260 9.1). Undelivered messages come
// back as SendFailed and AssocChange{CommLost} is reported (RFC 6458).
// Drain PollTransmit afterwards: the ABORT is queued. Harmless when closed.
func (a *Association) Abort(now time.Time, reason []byte) {
	a.advance(now)
	if a.state == Closed {
		return
	}
	cause := &wire.UserInitiatedAbort{Reason: append([]byte(nil), reason...)}
	a.abortWith(cause, &Error{Err: ErrAborted, Cause: cause})
}

// abortWith sends an ABORT (when the peer's tag is known) with cause c,
// fails everything and closes.
func (a *Association) abortWith(c wire.Cause, err *Error) {
	if a.state == Closed {
		return
	}
	wasUp := a.state != CookieWait && a.state != CookieEchoed
	a.ctrl = a.ctrl[:0]
	if a.peerTag != 0 {
		ab := &wire.Abort{}
		if c != nil {
			ab.Causes = []wire.Cause{c}
		}
		a.queueAlone(ab.AppendTo(nil), a.peerTag, a.dataPath(), netipZero)
	}
	a.err = err
	a.failAll(0)
	a.close()
	st := CommLost
	if !wasUp {
		st = CantStartAssoc
	}
	a.events.push(AssocChange{State: st, OutStreams: a.outStreams, InStreams: a.inStreams, Cause: c})
}

// handleAbort processes a received ABORT whose tag passed 8.5.1 B.
func (a *Association) handleAbort(raw wire.RawChunk) {
	var ab wire.Abort
	_ = ab.Decode(raw)
	var c wire.Cause
	if len(ab.Causes) > 0 {
		c = copyCause(ab.Causes[0])
	}
	if a.state == ShutdownAckSent && a.allAcked() {
		// Both sides had finished their data and the peer asked to shut
		// down: an ABORT here (e.g. its answer to a late retransmission
		// after it closed) ends a completed shutdown.
		a.handleShutdownComplete()
		return
	}
	wasUp := a.state != CookieWait && a.state != CookieEchoed
	a.err = &Error{Err: ErrAborted, Cause: c}
	a.ctrl = a.ctrl[:0]
	a.failAll(0)
	a.close()
	st := CommLost
	if !wasUp {
		st = CantStartAssoc
	}
	a.events.push(AssocChange{State: st, OutStreams: a.outStreams, InStreams: a.inStreams, Cause: c})
}
