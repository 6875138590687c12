package assoc_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/udpsctp/udpsctp/stack/assoc"
)

// assocChanges lists the AssocChange events n saw, in order.
func (n *simNode) assocChanges() []assoc.AssocChange {
	var out []assoc.AssocChange
	for _, e := range n.events {
		if ac, ok := e.ev.(assoc.AssocChange); ok {
			out = append(out, ac)
		}
	}
	return out
}

// countChanges counts n's AssocChange events in state st.
func (n *simNode) countChanges(st assoc.AssocChangeState) int {
	k := 0
	for _, ac := range n.assocChanges() {
		if ac.State == st {
			k++
		}
	}
	return k
}

// firstChange returns when n first saw an AssocChange in state st.
func (n *simNode) firstChange(st assoc.AssocChangeState) (time.Time, bool) {
	for _, e := range n.events {
		if ac, ok := e.ev.(assoc.AssocChange); ok && ac.State == st {
			return e.at, true
		}
	}
	return time.Time{}, false
}

// hasEvent reports whether n saw an event for which pred holds.
func (n *simNode) hasEvent(pred func(assoc.Event) bool) bool {
	for _, e := range n.events {
		if pred(e.ev) {
			return true
		}
	}
	return false
}

// eventSummary renders n's non-message events for failure messages.
func (n *simNode) eventSummary() string {
	var b strings.Builder
	msgs := 0
	for _, e := range n.events {
		if _, ok := e.ev.(assoc.Message); ok {
			msgs++
			continue
		}
		fmt.Fprintf(&b, " [%v %s]", e.at.Sub(simEpoch), fmtEvent(e.ev))
	}
	return fmt.Sprintf("%s: %d messages;%s", n.name, msgs, b.String())
}

// fmtEvent renders an event briefly (no payload bytes).
func fmtEvent(ev assoc.Event) string {
	switch ev := ev.(type) {
	case assoc.Message:
		return fmt.Sprintf("Message{stream %d ppid %#x %dB eor=%v unordered=%v}", ev.Stream, ev.PPID, len(ev.Data), ev.EOR, ev.Unordered)
	case assoc.SendFailed:
		return fmt.Sprintf("SendFailed{stream %d ppid %#x %dB unsent=%v error=%d}", ev.Msg.Stream, ev.Msg.PPID, len(ev.Msg.Data), ev.Unsent, ev.Error)
	case assoc.AssocChange:
		return fmt.Sprintf("AssocChange{%v error=%d out=%d in=%d cause=%v}", ev.State, ev.Error, ev.OutStreams, ev.InStreams, ev.Cause)
	default:
		return fmt.Sprintf("%T%+v", ev, ev)
	}
}
