package stack

import (
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// SetAssocConfig sets the protocol parameters (streams, init retransmits,
// RTO bounds, heartbeat interval, retransmission limits, buffers, NoDelay,
// ...) of the associations this socket sets up or accepts from now on;
// the Stack's Config.Assoc is the default. Fields left zero take the RFC
// 9260 defaults; AcceptPeerAddr and AcceptPeerAddrFrom left nil keep the Stack's
// address scoping.
func (pc *PacketConn) SetAssocConfig(cfg assoc.Config) {
	pc.s.mu.Lock()
	defer pc.s.mu.Unlock()
	pc.s.setPortConfig(pc.pb, cfg)
}

// SetAssocConfig sets the protocol parameters of the associations this
// listener accepts from now on (see PacketConn.SetAssocConfig).
func (ln *Listener) SetAssocConfig(cfg assoc.Config) {
	ln.s.mu.Lock()
	defer ln.s.mu.Unlock()
	ln.s.setPortConfig(ln.pb, cfg)
}

// setPortConfig applies a socket's parameters to its port's endpoint.
// Called with s.mu held.
func (s *Stack) setPortConfig(pb *portBinding, cfg assoc.Config) {
	if cfg.AcceptPeerAddr == nil && cfg.AcceptPeerAddrFrom == nil {
		cfg.AcceptPeerAddr = s.cfg.Assoc.AcceptPeerAddr
		cfg.AcceptPeerAddrFrom = s.cfg.Assoc.AcceptPeerAddrFrom
	}
	pb.ep.SetConfig(cfg)
}
