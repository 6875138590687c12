package stack

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/encap/memnet"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// TestSendAllRace: SENDALL in a loop while other goroutines connect new
// associations, peel some off and abort others. SENDALL walks the socket's
// associations under the Stack mutex, so each message reaches exactly the
// associations on the socket at that moment: every client sees a gap-free,
// duplicate-free run of sequence numbers, and the clients still on the
// socket at the end see every message from their first on. Run with -race.
func TestSendAllRace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const clients = 24
		const messages = 400
		_, st := memStacks(t, clients+1, memnet.LinkConfig{Delay: time.Millisecond, Jitter: time.Millisecond}, assoc.Config{})
		srv, err := st[0].ListenPacket("127.0.0.1:2013")
		require.NoError(t, err)

		type record struct {
			mu   sync.Mutex
			seqs []uint32
		}
		recs := make([]*record, clients)
		conns := make([]*Conn, clients)
		var wg sync.WaitGroup
		reader := func(i int, c *Conn) {
			defer wg.Done()
			buf := make([]byte, 64)
			for {
				n, err := c.Read(buf)
				if err != nil {
					return
				}
				if n == 4 {
					recs[i].mu.Lock()
					recs[i].seqs = append(recs[i].seqs, binary.BigEndian.Uint32(buf))
					recs[i].mu.Unlock()
				}
			}
		}
		// Drain the server socket so receive windows stay open.
		go func() {
			for {
				if _, _, err := srv.RecvMsg(make([]byte, 64)); errors.Is(err, ErrClosed) {
					return
				}
			}
		}()

		done := make(chan struct{})
		var peeled, aborted sync.Map // AssocID -> true
		churn := func(seed uint64) {
			rng := rand.New(rand.NewPCG(seed, 9))
			for {
				select {
				case <-done:
					return
				case <-time.After(time.Duration(5+rng.IntN(20)) * time.Millisecond):
				}
				ids := srv.Associations()
				if len(ids) < 4 {
					continue
				}
				id := ids[rng.IntN(len(ids))]
				if rng.IntN(2) == 0 {
					if c, err := srv.PeelOff(id); err == nil {
						peeled.Store(id, true)
						go func() { io.Copy(io.Discard, c) }()
					}
				} else if srv.Abort(id, []byte("churn")) == nil {
					aborted.Store(id, true)
				}
			}
		}

		// Clients join over the first part of the run.
		wg.Add(clients)
		go func() {
			for i := range clients {
				recs[i] = &record{}
				c, err := st[i+1].Dial(context.Background(), "127.0.0.1:2013")
				if err != nil {
					t.Errorf("dial %d: %v", i, err)
					wg.Done()
					continue
				}
				conns[i] = c
				go reader(i, c)
				time.Sleep(3 * time.Millisecond)
			}
		}()
		go churn(1)
		go churn(2)

		var msg [4]byte
		for seq := range uint32(messages) {
			binary.BigEndian.PutUint32(msg[:], seq)
			_, err := srv.SendMsg(msg[:], SndInfo{Flags: SendAll})
			require.NoError(t, err)
			time.Sleep(time.Millisecond)
			if seq == messages*3/4 {
				close(done) // the last quarter runs without churn
			}
		}
		// Let everything arrive, then close the clients.
		time.Sleep(2 * time.Second)
		onSocket := map[AssocID]bool{}
		for _, id := range srv.Associations() {
			onSocket[id] = true
		}
		remaining := 0
		for i, c := range conns {
			if c == nil {
				continue
			}
			rec := recs[i]
			rec.mu.Lock()
			seqs := append([]uint32(nil), rec.seqs...)
			rec.mu.Unlock()
			for k := 1; k < len(seqs); k++ {
				require.Equal(t, seqs[k-1]+1, seqs[k], "client %d: gap or duplicate in %v", i, seqs)
			}
			// Find the server-side id of this client via its address.
			id, err := srv.AssocID(c.LocalAddr())
			if err == nil && onSocket[id] {
				remaining++
				require.NotEmpty(t, seqs, "client %d on the socket got nothing", i)
				require.Equal(t, uint32(messages-1), seqs[len(seqs)-1], "client %d still on the socket missed the end", i)
			}
		}
		require.Positive(t, remaining, "churn removed every client; the test proves little")
		n := 0
		peeled.Range(func(any, any) bool { n++; return true })
		require.Positive(t, n, "no peel-off happened")
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
		srv.Close()
		wg.Wait()
	})
}
