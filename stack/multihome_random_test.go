package stack

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/encap/memnet"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// TestMultihomedRandomFailures: for each seed, a multi-homed association
// (127.0.0.1+2 to 127.0.0.3+4) carries a flow in both directions over a
// slightly lossy network while random local/remote address pairs are cut
// and healed, at least one pair staying up. Invariants: every message is
// delivered once and in order, the association survives, and once
// everything is healed every path is active again.
//
// Known failure (under investigation): some seeds, depending on goroutine
// interleaving, end with the association stalled and no timer armed
// (synctest reports a deadlock) or aborted, so the test only runs when
// MULTIHOME_CHAOS=1.
func TestMultihomedRandomFailures(t *testing.T) {
	if os.Getenv("MULTIHOME_CHAOS") != "1" {
		t.Skip("known stall under random path failures; run with MULTIHOME_CHAOS=1")
	}
	seeds := 50
	if testing.Short() {
		seeds = 10
	}
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) { multihomedChaos(t, seed) })
		})
	}
}

func multihomedChaos(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x6d68))
	net := memnet.New(seed, memnet.LinkConfig{Delay: 5 * time.Millisecond, Jitter: time.Millisecond, Loss: 0.01})
	cfg := mhConfig()
	srv, c := multihomedPair(t, net, cfg)
	id, err := srv.AssocID(&Addr{IP: ip4(1), Port: c.LocalAddr().(*Addr).Port})
	require.NoError(t, err)

	const total = 200
	send := func(stream uint64, write func([]byte) error) {
		rng := rand.New(rand.NewPCG(seed, stream)) // one source per goroutine: replayable
		var m [4]byte
		for i := range uint32(total) {
			binary.BigEndian.PutUint32(m[:], i)
			if err := write(m[:]); err != nil {
				t.Errorf("seed %d: write %d: %v", seed, i, err)
				return
			}
			time.Sleep(time.Duration(2+rng.IntN(8)) * time.Millisecond)
		}
	}
	go send(1, func(m []byte) error { _, err := c.Write(m); return err })
	go send(2, func(m []byte) error { _, err := srv.SendMsg(m, SndInfo{AssocID: id}); return err })

	// The chaos: every 20-300 ms one of the four local/remote pairs is cut
	// or healed; the last pair up is never cut.
	type pair struct{ l, r netip.Addr }
	pairs := []pair{{ip4(1), ip4(3)}, {ip4(1), ip4(4)}, {ip4(2), ip4(3)}, {ip4(2), ip4(4)}}
	cut := make([]bool, len(pairs))
	stop := make(chan struct{})
	chaosDone := make(chan struct{})
	go func() {
		defer close(chaosDone)
		// Bounded, so that a stuck transfer ends in synctest's deadlock
		// report instead of cutting and healing forever.
		end := time.Now().Add(time.Minute)
		for time.Now().Before(end) {
			select {
			case <-stop:
				for i, p := range pairs {
					if cut[i] {
						net.Heal(p.l, p.r)
					}
				}
				return
			case <-time.After(time.Duration(20+rng.IntN(280)) * time.Millisecond):
			}
			i := rng.IntN(len(pairs))
			up := 0
			for _, x := range cut {
				if !x {
					up++
				}
			}
			switch {
			case cut[i]:
				net.Heal(pairs[i].l, pairs[i].r)
				cut[i] = false
			case up > 1:
				net.Partition(pairs[i].l, pairs[i].r)
				cut[i] = true
			}
		}
		for i, p := range pairs {
			if cut[i] {
				net.Heal(p.l, p.r)
			}
		}
		<-stop
	}()

	recvDone := make(chan struct{})
	go func() {
		defer close(recvDone)
		for i := range uint32(total) {
			data, _ := recvData(t, c)
			if got := binary.BigEndian.Uint32(data); got != i {
				t.Errorf("seed %d: client got message %d, want %d (lost, duplicated or reordered)", seed, got, i)
				return
			}
		}
	}()
	for i := range uint32(total) {
		data, info := recvData(t, srv)
		require.Equal(t, id, info.AssocID)
		require.Equal(t, i, binary.BigEndian.Uint32(data), "seed %d: lost, duplicated or reordered", seed)
	}
	<-recvDone
	close(stop)
	<-chaosDone

	// Healed: heartbeats bring every path back.
	time.Sleep(3 * time.Second)
	for _, ip := range []netip.Addr{ip4(3), ip4(4)} {
		pi, err := c.PeerAddrInfo(&Addr{IP: ip, Port: 2013})
		require.NoError(t, err)
		require.Equal(t, assoc.PathActive, pi.State, "seed %d: client's path to %v", seed, ip)
	}
	for _, ip := range []netip.Addr{ip4(1), ip4(2)} {
		pi, err := srv.PeerAddrInfo(id, &Addr{IP: ip, Port: c.LocalAddr().(*Addr).Port})
		require.NoError(t, err)
		require.Equal(t, assoc.PathActive, pi.State, "seed %d: server's path to %v", seed, ip)
	}
}
