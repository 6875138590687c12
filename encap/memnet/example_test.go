package memnet_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/udpsctp/udpsctp/encap/memnet"
)

// A Link needs no goroutines or clock: a sans-IO simulation asks it when
// each datagram arrives and keeps its own virtual time.
func ExampleLink() {
	l := memnet.NewLink(memnet.LinkConfig{Delay: 20 * time.Millisecond, MTU: 1200}, rand.New(rand.NewPCG(1, 2)))
	now := time.Unix(0, 0)
	for _, size := range []int{100, 1201} {
		var delays []time.Duration
		for _, at := range l.Schedule(now, size) {
			delays = append(delays, at.Sub(now))
		}
		fmt.Println(size, "bytes arrive after", delays)
	}
	l.Partition(true)
	fmt.Println("partitioned:", len(l.Schedule(now, 100)), "copies")
	// Output:
	// 100 bytes arrive after [20ms]
	// 1201 bytes arrive after []
	// partitioned: 0 copies
}
