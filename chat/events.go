package chat

import (
	"strconv"
	"strings"

	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// note logs an association change (RFC 6458 6.1.1) or shutdown event and
// forgets the state kept for associations that ended.
func (s *Server) note(n stack.Notification) {
	switch v := n.(type) {
	case *stack.AssocChange:
		id := v.AssocID
		switch v.State {
		case assoc.CommUp:
			s.log.Printf("assoc %d joined from %s", id, s.peers(id))
		case assoc.Restart:
			s.log.Printf("assoc %d restarted by its peer", id)
		case assoc.CommLost:
			s.log.Printf("assoc %d lost%s", id, causeText(v.Cause))
			s.forget(id)
		case assoc.ShutdownComp:
			s.log.Printf("assoc %d left", id)
			s.forget(id)
		case assoc.CantStartAssoc:
			s.log.Printf("assoc %d could not start%s", id, causeText(v.Cause))
			s.forget(id)
		}
	case *stack.ShutdownEvent:
		s.log.Printf("assoc %d is leaving (SHUTDOWN)", v.AssocID)
	}
}

func (s *Server) forget(id stack.AssocID) {
	delete(s.failures, id)
	delete(s.discarding, id)
}

// peers lists an association's peer addresses, "?" when it is gone.
func (s *Server) peers(id stack.AssocID) string {
	addrs, err := s.pc.PeerAddrs(id)
	if err != nil || len(addrs) == 0 {
		return "?"
	}
	parts := make([]string, len(addrs))
	for i, a := range addrs {
		parts[i] = a.String()
	}
	return strings.Join(parts, ",")
}

// causeText describes an ABORT's cause for a log line.
func causeText(c wire.Cause) string {
	switch v := c.(type) {
	case nil:
		return ""
	case *wire.UserInitiatedAbort:
		return ": aborted, reason " + strconv.Quote(string(v.Reason))
	default:
		return ": " + c.CauseCode().String()
	}
}
