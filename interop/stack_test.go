package interop

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/udpsctp/udpsctp/encap"
	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// traceDir holds the pcap trace of every Stack the suite starts, for
// TestWireValidation; set by TestMain.
var traceDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "udpsctp-interop-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "interop:", err)
		os.Exit(1)
	}
	traceDir = dir
	code := m.Run()
	if keep := os.Getenv("UDPSCTP_INTEROP_KEEP"); keep != "" {
		fmt.Fprintln(os.Stderr, "interop: traces and binaries kept in", dir)
	} else {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// inCI reports whether missing peers must fail rather than skip.
func inCI() bool { return os.Getenv("CI") == "true" }

// missing fails under CI and skips elsewhere, naming the Debian package.
func missing(t testing.TB, what, pkg string) {
	t.Helper()
	if inCI() {
		t.Fatalf("%s is required under CI=true: install the Debian package %s", what, pkg)
	}
	t.Skipf("%s not available: install the Debian package %s (required under CI=true)", what, pkg)
}

var loopback = netip.MustParseAddr("127.0.0.1")

// ourStack is a Stack on 127.0.0.1 over real UDP with its trace and guard.
type ourStack struct {
	*stack.Stack
	udpPort uint16
	guard   *loopbackGuard
	faulty  *encap.Faulty // cuts paths in multi-homing cells; idle (and free) elsewhere
}

// newStack starts a Stack on 127.0.0.1 and an ephemeral UDP port, traced
// to traceDir and guarded against non-loopback destinations. It is closed
// when the test ends; the guard's verdict is checked then.
func newStack(t *testing.T, cfg assoc.Config) *ourStack {
	t.Helper()
	return newStackOn(t, cfg, []netip.Addr{loopback})
}

// newStackOn is newStack bound to addrs (none: the wildcard).
func newStackOn(t *testing.T, cfg assoc.Config, addrs []netip.Addr) *ourStack {
	t.Helper()
	udp, err := encap.ListenUDP(encap.UDPConfig{Addrs: addrs})
	if err != nil {
		t.Fatalf("listen UDP: %v", err)
	}
	port := udp.LocalAddrs()[0].Port()
	fy := encap.NewFaulty(udp)
	g := &loopbackGuard{Transport: fy, badChunks: map[string]int{}}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	f, err := os.Create(filepath.Join(traceDir, fmt.Sprintf("%s-%d.pcap", name, port)))
	if err != nil {
		t.Fatalf("trace file: %v", err)
	}
	s, err := stack.New(stack.Config{Transport: g, Trace: f, Assoc: cfg})
	if err != nil {
		f.Close()
		udp.Close()
		t.Fatalf("stack.New: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		f.Close()
		if bad := g.violations(); len(bad) > 0 {
			t.Errorf("stack bug: our stack tried to send to non-loopback addresses %v (dropped by the guard)", bad)
		}
	})
	return &ourStack{Stack: s, udpPort: port, guard: g, faulty: fy}
}

// loopbackGuard drops and records every datagram addressed outside
// 127.0.0.0/8 and ::1: the suite must never send anywhere else, even when
// a peer lists its other interface addresses in INIT or INIT ACK.
type loopbackGuard struct {
	stack.Transport
	mu  sync.Mutex
	bad []netip.AddrPort
	// badChunks counts the chunk types of the datagrams in bad.
	badChunks map[string]int
	sent      [][]byte // copies of the first packets sent, for inspection
	loss      lossState
	// chunksIn and chunksOut count chunk types received and sent.
	chunksIn, chunksOut [256]int
}

// keepSent is how many of the first packets sent the guard keeps.
const keepSent = 16

func (g *loopbackGuard) WriteBatch(dgs []encap.Datagram) (int, error) {
	out := make([]encap.Datagram, 0, len(dgs))
	g.mu.Lock()
	for _, d := range dgs {
		if len(g.sent) < keepSent {
			g.sent = append(g.sent, append([]byte(nil), d.Buf...))
		}
		if !d.Remote.Addr().Unmap().IsLoopback() {
			g.bad = append(g.bad, d.Remote)
			if pkt, err := wire.ParsePacket(d.Buf); err == nil {
				for _, ch := range pkt.Chunks {
					g.badChunks[ch.Type().String()]++
				}
			}
			continue
		}
		if b, keep := g.loss.filter(d.Buf, false); keep {
			d.Buf = b
			out = append(out, d)
			countChunks(b, &g.chunksOut)
		}
	}
	g.mu.Unlock()
	// Whatever was dropped counts as sent: the network lost it.
	if _, err := g.Transport.WriteBatch(out); err != nil {
		return 0, err
	}
	return len(dgs), nil
}

// ReceiveFuncs wraps the readers so the loss filter sees what arrives.
func (g *loopbackGuard) ReceiveFuncs() []encap.ReceiveFunc {
	inner := g.Transport.ReceiveFuncs()
	out := make([]encap.ReceiveFunc, len(inner))
	for i, fn := range inner {
		out[i] = func(dgs []encap.Datagram) (int, error) {
			for {
				n, err := fn(dgs)
				if err != nil {
					return n, err
				}
				g.mu.Lock()
				for j := 0; j < n; {
					b, keep := g.loss.filter(dgs[j].Buf, true)
					if !keep {
						// Swap the lost one behind the returned slots, so
						// every buffer stays in exactly one slot.
						n--
						dgs[j], dgs[n] = dgs[n], dgs[j]
						continue
					}
					dgs[j].Buf = dgs[j].Buf[:copy(dgs[j].Buf, b)]
					countChunks(dgs[j].Buf, &g.chunksIn)
					j++
				}
				g.mu.Unlock()
				if n > 0 {
					return n, nil
				}
			}
		}
	}
	return out
}

// firstSent returns copies of the first packets the Stack sent.
func (g *loopbackGuard) firstSent() [][]byte {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([][]byte(nil), g.sent...)
}

// takeViolations returns the recorded violations and forgets them, for a
// test that reports them itself.
func (g *loopbackGuard) takeViolations() ([]netip.AddrPort, map[string]int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	bad, chunks := g.bad, g.badChunks
	g.bad, g.badChunks = nil, map[string]int{}
	return bad, chunks
}

func (g *loopbackGuard) violations() []netip.AddrPort {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]netip.AddrPort(nil), g.bad...)
}

// countChunks walks the chunk headers of an SCTP packet (RFC 9260 3.2)
// and counts their types.
func countChunks(b []byte, into *[256]int) {
	for off := 12; off+4 <= len(b); {
		into[b[off]]++
		n := int(b[off+2])<<8 | int(b[off+3])
		if n < 4 {
			return
		}
		off += (n + 3) &^ 3
	}
}

// chunkCounts returns how many chunks of type ct went in and out so far.
func (g *loopbackGuard) chunkCounts(ct wire.ChunkType) (in, out int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.chunksIn[ct], g.chunksOut[ct]
}
