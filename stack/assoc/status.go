package assoc

import (
	"net/netip"
	"time"
)

// State is an association state of RFC 9260 4.
type State uint8

// Association states.
const (
	Closed State = iota
	CookieWait
	CookieEchoed
	Established
	ShutdownPending
	ShutdownSent
	ShutdownReceived
	ShutdownAckSent
)

var stateNames = [...]string{"CLOSED", "COOKIE-WAIT", "COOKIE-ECHOED", "ESTABLISHED",
	"SHUTDOWN-PENDING", "SHUTDOWN-SENT", "SHUTDOWN-RECEIVED", "SHUTDOWN-ACK-SENT"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "?"
}

// PathState is a destination address's reachability (RFC 9260 8.2).
type PathState uint8

// Path states. PF (potentially failed, RFC 7829) is reserved: this core does
// not use it yet.
const (
	PathActive PathState = iota + 1
	PathInactive
	PathUnconfirmed
	PathPF
)

func (s PathState) String() string {
	switch s {
	case PathActive:
		return "active"
	case PathInactive:
		return "inactive"
	case PathUnconfirmed:
		return "unconfirmed"
	case PathPF:
		return "pf"
	}
	return "?"
}

// PathInfo describes one destination address (SCTP_GET_PEER_ADDR_INFO).
type PathInfo struct {
	Addr       netip.AddrPort
	State      PathState
	Cwnd       int
	SRTT       time.Duration
	RTO        time.Duration
	MTU        int
	ErrorCount int
	Primary    bool
}

// Status is SCTP_STATUS-like information.
type Status struct {
	State      State
	PeerRwnd   uint32 // the peer's receive window as we last computed it
	Unacked    int    // DATA chunks sent and not cumulatively acknowledged
	Pending    int    // bytes queued and not yet cut into DATA chunks
	InStreams  uint16
	OutStreams uint16
	Primary    PathInfo
	LocalTag   uint32
	PeerTag    uint32
}

// Status returns a snapshot of the association; it changes nothing.
func (a *Association) Status() Status {
	s := Status{
		State:      a.state,
		PeerRwnd:   a.peerRwnd,
		Unacked:    a.unacked(),
		Pending:    a.pending(),
		InStreams:  a.inStreams,
		OutStreams: a.outStreams,
		LocalTag:   a.localTag,
		PeerTag:    a.peerTag,
	}
	if p := a.primaryPath(); p != nil {
		s.Primary = a.pathInfo(p)
	}
	return s
}

// Paths returns one PathInfo per peer address, in the order they were
// learned (PathInfo.Primary marks the primary); a snapshot.
func (a *Association) Paths() []PathInfo {
	out := make([]PathInfo, 0, len(a.paths))
	for _, p := range a.paths {
		out = append(out, a.pathInfo(p))
	}
	return out
}

func (a *Association) pathInfo(p *path) PathInfo {
	return PathInfo{
		Addr:       p.remote,
		State:      p.stateValue(),
		Cwnd:       p.cc.Cwnd(),
		SRTT:       p.est.SRTT(),
		RTO:        p.rto(),
		MTU:        p.mtu,
		ErrorCount: p.errors,
		Primary:    p == a.primaryPath(),
	}
}

func (a *Association) unacked() int {
	if a.out == nil {
		return 0
	}
	return a.out.Len()
}

func (a *Association) pending() int {
	if a.sq == nil {
		return 0
	}
	return a.sq.Unsent()
}

// The path states under the names of the API sketch.
const (
	Active      = PathActive
	Inactive    = PathInactive
	Unconfirmed = PathUnconfirmed
	PF          = PathPF
)
