package assoc

// adoptAlternate makes q, the alternate new data moves to while the
// primary is unusable, the primary when the user asked to stay on it
// (Config.StayOnAlternate): moving data back the moment the old primary
// answers a HEARTBEAT again flaps between paths when that primary comes
// and goes, and some users want to move back only by their own SetPrimary.
func (a *Association) adoptAlternate(q *path) {
	if !a.cfg.StayOnAlternate || a.primary == q {
		return
	}
	a.primary = q
	a.events.push(PeerAddrChange{Addr: q.remote, State: AddrMadePrimary})
}
