package assoc

import "net/netip"

// NumPaths returns the number of peer addresses (paths). With PeerAddr it
// lets the socket layer check its address index after every step without
// the allocation of PeerAddrs.
func (a *Association) NumPaths() int { return len(a.paths) }

// PeerAddr returns the i-th peer address, 0 <= i < NumPaths(), in the
// order of PeerAddrs.
func (a *Association) PeerAddr(i int) netip.AddrPort { return a.paths[i].remote }
