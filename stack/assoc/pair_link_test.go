package assoc_test

import (
	"math/rand/v2"
	"time"

	"github.com/udpsctp/udpsctp/encap/memnet"
)

// simLink is what the simulator needs of a one-way link: the delivery
// times of the copies of one datagram (none = dropped), a settable
// configuration and partitions. It is satisfied by memnet.Link, the same
// link model the in-memory network of package encap/memnet uses.
type simLink interface {
	Schedule(now time.Time, size int) []time.Time
	SetConfig(cfg linkConfig)
	Partition(on bool)
}

type linkConfig = memnet.LinkConfig

// newSimLink builds the link model the harness uses.
func newSimLink(cfg linkConfig, rng *rand.Rand) simLink {
	return memnet.NewLink(cfg, rng)
}
