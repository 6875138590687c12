package assoc

import (
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

func TestDbgDropInit(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	dropped := 0
	h.drop = func(from *side, p *wire.Packet) bool {
		if p.Chunks[0].Type() == wire.TypeInit && dropped == 0 {
			dropped++
			return true
		}
		return false
	}
	h.connect()
	h.run(3 * time.Second)
	t.Log(h.dump(), h.c.a.State(), h.c.a.NextDeadline().Sub(t0))
}
