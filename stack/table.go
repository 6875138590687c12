package stack

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/stack/assoc"
)

// AssocID names one association within a Stack, as sctp_assoc_t does in
// RFC 6458. Ids start at 1 and are not reused while the Stack lives (0 is
// "no association", as SCTP_FUTURE_ASSOC).
type AssocID uint32

// addrKey finds an association by the addresses of an arriving packet:
// our SCTP port, the peer's IP address and the peer's SCTP port (RFC 9260
// 8.5 leaves the demux to the implementation; UDP ports play no part, since
// RFC 6951 lets the peer's UDP port change).
type addrKey struct {
	localPort uint16
	peerPort  uint16
	peer      netip.Addr
}

// entry is the table's handle on one association. The Stack's mutex guards
// every field (see Stack.mu).
type entry struct {
	id        AssocID
	a         *assoc.Association
	localPort uint16
	owner     owner // the socket the association belongs to

	// What the indexes hold for this entry, so sync can tell what changed.
	tag   uint32
	addrs []addrKey

	heapIdx int // position in the timer heap; -1 when not in it
	setIdx  int // position in its one-to-many socket's assocSet.order

	wake chan struct{} // closed at the next step; nil when nobody waits

	up       bool      // COMM_UP seen
	closeErr error     // why the association ended, for blocked callers
	fromAddr *Addr     // cached peer primary address (see from)
	role     *readRole // the socket its last packet came through, if roles

	lastActive time.Time // last user data sent or delivered (autoclose)
}

// table holds every association of a Stack with three indexes: by id (the
// sockets API), by our verification tag and by peer address (inbound
// packets). It is a plain struct; the Stack's mutex guards it.
type table struct {
	byID   map[AssocID]*entry
	byTag  map[uint32]*entry
	byAddr map[addrKey]*entry
	nextID AssocID
}

func newTable() *table {
	return &table{
		byID:   make(map[AssocID]*entry),
		byTag:  make(map[uint32]*entry),
		byAddr: make(map[addrKey]*entry),
		nextID: 1,
	}
}

// add indexes a new association and gives it an id. It fails when one of
// the association's peer addresses already belongs to another association
// on the same port: two associations between the same pair of endpoints
// are forbidden (RFC 9260 5.1).
func (t *table) add(a *assoc.Association, localPort uint16, o owner) (*entry, error) {
	e := &entry{a: a, localPort: localPort, owner: o, heapIdx: -1}
	for _, k := range keysOf(a, localPort) {
		if other, ok := t.byAddr[k]; ok && other != e {
			return nil, fmt.Errorf("%w: %v port %d already has association %d", ErrAssocExists, k.peer, k.peerPort, other.id)
		}
	}
	e.id = t.nextID
	t.nextID++
	t.byID[e.id] = e
	t.sync(e)
	return e, nil
}

// sync brings the tag and address indexes in line with the association,
// whose tag changes on a restart (RFC 9260 5.2.4) and whose peer address
// set can change (RFC 5061). It runs after every step, so the common case
// (nothing changed) compares in place and allocates nothing.
func (t *table) sync(e *entry) {
	if tag := e.a.LocalTag(); tag != e.tag {
		if t.byTag[e.tag] == e {
			delete(t.byTag, e.tag)
		}
		e.tag = tag
		t.byTag[tag] = e
	}
	if sameKeys(e.a, e.localPort, e.addrs) {
		return
	}
	keys := keysOf(e.a, e.localPort)
	for _, k := range e.addrs {
		if t.byAddr[k] == e {
			delete(t.byAddr, k)
		}
	}
	for _, k := range keys {
		if _, taken := t.byAddr[k]; !taken {
			t.byAddr[k] = e
		}
	}
	e.addrs = keys
}

// remove drops every index of e.
func (t *table) remove(e *entry) {
	delete(t.byID, e.id)
	if t.byTag[e.tag] == e {
		delete(t.byTag, e.tag)
	}
	for _, k := range e.addrs {
		if t.byAddr[k] == e {
			delete(t.byAddr, k)
		}
	}
}

// lookup finds the association an arriving packet belongs to: first by the
// peer's address (which also catches INIT and COOKIE ECHO, whose tags do not
// name the association), then by our verification tag (a peer address we
// have not learnt yet). The association applies the tag rules itself.
func (t *table) lookup(localPort uint16, peer netip.Addr, peerPort uint16, tag uint32) *entry {
	if e, ok := t.byAddr[addrKey{localPort: localPort, peerPort: peerPort, peer: peer}]; ok {
		return e
	}
	if e, ok := t.byTag[tag]; ok && e.localPort == localPort && e.a.PeerPort() == peerPort {
		return e
	}
	return nil
}

func keysOf(a *assoc.Association, localPort uint16) []addrKey {
	peers := a.PeerAddrs()
	keys := make([]addrKey, 0, len(peers))
	for _, p := range peers {
		keys = append(keys, addrKey{localPort: localPort, peerPort: a.PeerPort(), peer: p.Addr()})
	}
	return keys
}

// sameKeys reports whether keys still index a's peer addresses.
func sameKeys(a *assoc.Association, localPort uint16, keys []addrKey) bool {
	if a.NumPaths() != len(keys) {
		return false
	}
	for i, k := range keys {
		p := a.PeerAddr(i)
		if k.peer != p.Addr() || k.peerPort != a.PeerPort() || k.localPort != localPort {
			return false
		}
	}
	return true
}
