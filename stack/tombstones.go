package stack

import "time"

// tombstones remember the verification tags of associations that closed,
// for as long as a cookie made for them could still be valid, so that a
// COOKIE ECHO replayed after the close does not bring the association back
// (RFC 9260 5.1.5 leaves replay protection to the implementation; quic-go's
// closed_conn.go plays the same part). The Stack's mutex guards them.
type tombstones struct {
	until map[[2]uint32]time.Time
	life  time.Duration
}

// maxTombstones bounds the memory a burst of closes can take; past it the
// oldest protection is lost before the newest.
const maxTombstones = 1 << 20

func newTombstones(cookieLife time.Duration) tombstones {
	if cookieLife <= 0 {
		cookieLife = 60 * time.Second // RFC 9260 16: Valid.Cookie.Life
	}
	return tombstones{until: make(map[[2]uint32]time.Time), life: cookieLife}
}

// bury records a closed association's (local, peer) tags.
func (t *tombstones) bury(now time.Time, local, peer uint32) {
	if len(t.until) >= maxTombstones {
		t.sweep(now)
		if len(t.until) >= maxTombstones {
			return
		}
	}
	t.until[[2]uint32{local, peer}] = now.Add(t.life)
}

// buried reports whether these tags belong to an association closed less
// than a cookie lifetime ago.
func (t *tombstones) buried(now time.Time, local, peer uint32) bool {
	u, ok := t.until[[2]uint32{local, peer}]
	if ok && now.After(u) {
		delete(t.until, [2]uint32{local, peer})
		return false
	}
	return ok
}

func (t *tombstones) sweep(now time.Time) {
	for k, u := range t.until {
		if now.After(u) {
			delete(t.until, k)
		}
	}
}
