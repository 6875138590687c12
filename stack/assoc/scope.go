package assoc

import "net/netip"

// acceptPeerAddr reports whether addr, listed by the peer in a packet from
// src, may become a path: Config.AcceptPeerAddr decides when set, else
// Config.AcceptPeerAddrFrom, else every address is taken.
func (a *Association) acceptPeerAddr(addr, src netip.Addr) bool {
	switch {
	case a.cfg.AcceptPeerAddr != nil:
		return a.cfg.AcceptPeerAddr(addr)
	case a.cfg.AcceptPeerAddrFrom != nil:
		return a.cfg.AcceptPeerAddrFrom(addr, src.Unmap())
	}
	return true
}
