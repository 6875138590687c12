package perf

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/udpsctp/udpsctp/encap/memnet"
	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
	"github.com/udpsctp/udpsctp/stack/stacktest"
)

// The scale workload: one one-to-many server socket, n idle associations
// from other Stacks, the server's memory per association, and the cost of
// one SENDALL to all of them.

// PortsPerClient is how many associations one client Stack (one address)
// sets up: one local SCTP port each, from FirstClientPort up.
const (
	FirstClientPort = 1024
	PortsPerClient  = 65535 - FirstClientPort + 1
)

// ScaleServer is the measured side: a Stack with one one-to-many socket
// that counts the associations coming up.
type ScaleServer struct {
	Stack *stack.Stack
	PC    *stack.PacketConn
	up    atomic.Int64
	dry   atomic.Int64 // SENDER DRY notifications so far
	more  chan struct{}
	done  chan struct{}
}

// NewScaleServer opens s's one-to-many socket on addr and starts counting
// COMMUNICATION UP and SENDER DRY notifications.
func NewScaleServer(s *stack.Stack, addr string) (*ScaleServer, error) {
	pc, err := s.ListenPacket(addr)
	if err != nil {
		return nil, err
	}
	pc.Subscribe(stack.EventAssocChange | stack.EventSenderDry)
	ss := &ScaleServer{Stack: s, PC: pc, more: make(chan struct{}, 1), done: make(chan struct{})}
	go ss.run()
	return ss, nil
}

func (ss *ScaleServer) run() {
	defer close(ss.done)
	buf := make([]byte, 1<<16)
	for {
		_, info, err := ss.PC.RecvMsg(buf)
		if err != nil {
			return
		}
		switch ev := info.Notification.(type) {
		case *stack.AssocChange:
			if ev.State != assoc.CommUp {
				continue
			}
			ss.up.Add(1)
		case *stack.SenderDry:
			ss.dry.Add(1)
		default:
			continue
		}
		select {
		case ss.more <- struct{}{}:
		default:
		}
	}
}

// WaitUp waits until n associations have come up, or ctx ends.
func (ss *ScaleServer) WaitUp(ctx context.Context, n int) error {
	return ss.wait(ctx, &ss.up, n, "associations up")
}

// Dry returns how many SENDER DRY notifications arrived so far: one per
// association each time everything it sent has been acknowledged.
func (ss *ScaleServer) Dry() int { return int(ss.dry.Load()) }

// WaitDry waits until Dry reaches n, or ctx ends. After a SENDALL to m
// associations, WaitDry(ctx, Dry()+m) (Dry read before the SENDALL) waits
// until every copy is acknowledged, so that the next SENDALL is sent at
// once rather than held by the Nagle-like rule behind unacknowledged data.
func (ss *ScaleServer) WaitDry(ctx context.Context, n int) error {
	return ss.wait(ctx, &ss.dry, n, "associations dry")
}

func (ss *ScaleServer) wait(ctx context.Context, c *atomic.Int64, n int, what string) error {
	for c.Load() < int64(n) {
		select {
		case <-ss.more:
		case <-ss.done:
			return fmt.Errorf("server socket closed with %d of %d %s", c.Load(), n, what)
		case <-ctx.Done():
			return fmt.Errorf("%d of %d %s: %w", c.Load(), n, what, ctx.Err())
		}
	}
	return nil
}

// SendAll sends one size-byte message to every association and returns
// how long the call took and how many associations it skipped.
func (ss *ScaleServer) SendAll(size int) (time.Duration, int, error) {
	st, err := ss.MeasureSendAll(size)
	return st.Wall, st.Skipped, err
}

// SendAllStat is what one SENDALL cost the process.
type SendAllStat struct {
	Wall time.Duration
	// CPU is the process's CPU time (user and system, all threads)
	// during the call: on a shared machine the wall time includes
	// waiting for a CPU, the CPU time does not.
	CPU time.Duration
	// GCs counts the collections that ended during the call, AllocBytes
	// and Allocs the heap allocations of the whole process meanwhile.
	GCs        uint64
	AllocBytes uint64
	Allocs     uint64
	Skipped    int // associations the SENDALL could not queue on
}

// MeasureSendAll sends one size-byte message to every association
// (SCTP_SENDALL) and reports what it cost.
func (ss *ScaleServer) MeasureSendAll(size int) (SendAllStat, error) {
	msg := make([]byte, size)
	m0 := readAllocs()
	c0 := ProcessCPU()
	t0 := time.Now()
	_, err := ss.PC.SendMsg(msg, stack.SndInfo{Flags: stack.SendAll})
	st := SendAllStat{Wall: time.Since(t0), CPU: ProcessCPU() - c0}
	m1 := readAllocs()
	st.GCs, st.AllocBytes, st.Allocs = m1.gcs-m0.gcs, m1.bytes-m0.bytes, m1.objects-m0.objects
	var sae *stack.SendAllError
	if errors.As(err, &sae) {
		st.Skipped = len(sae.Failed)
		err = nil
	}
	return st, err
}

type allocCounts struct{ gcs, bytes, objects uint64 }

// readAllocs reads the runtime's cumulative GC and allocation counters
// (runtime/metrics: no stop of the world, unlike ReadMemStats).
func readAllocs() allocCounts {
	s := []metrics.Sample{
		{Name: "/gc/cycles/total:gc-cycles"},
		{Name: "/gc/heap/allocs:bytes"},
		{Name: "/gc/heap/allocs:objects"},
	}
	metrics.Read(s)
	var c allocCounts
	for i, p := range []*uint64{&c.gcs, &c.bytes, &c.objects} {
		if s[i].Value.Kind() == metrics.KindUint64 {
			*p = s[i].Value.Uint64()
		}
	}
	return c
}

// Memory reports the Go heap in use and the process's resident set after
// a collection.
func Memory() (heapInuse, rss uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse, readRSS()
}

// readRSS reads VmRSS from /proc/self/status (0 where there is none).
func readRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}

// DialMany sets up n associations from s (whose address is local) to the
// server at addr, parallel at a time, from local SCTP ports
// FirstClientPort... n must not exceed PortsPerClient.
func DialMany(ctx context.Context, s *stack.Stack, local netip.Addr, addr string, udpPort uint16, n, parallel int) ([]*stack.Conn, error) {
	if n > PortsPerClient {
		return nil, fmt.Errorf("perf: %d associations from one address, at most %d", n, PortsPerClient)
	}
	parallel = max(1, min(parallel, n))
	conns := make([]*stack.Conn, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, parallel)
	for range parallel {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				lp := netip.AddrPortFrom(local, uint16(FirstClientPort+i)).String()
				c, err := s.Dial(ctx, addr, stack.DialOptions{Local: lp, PeerUDPPort: udpPort})
				if err != nil {
					errs <- fmt.Errorf("association %d from %s: %w", i, lp, err)
					return
				}
				conns[i] = c
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return conns, err
	}
	return conns, nil
}

// ScaleOptions describe a scale run.
type ScaleOptions struct {
	N           int  // associations; default 10000
	Parallel    int  // handshakes in progress at once; default 512
	SendAllSize int  // bytes of the SENDALL message; default 100
	Mem         bool // the in-memory network rather than loopback UDP
}

// ScaleResult holds the figures of a scale run.
type ScaleResult struct {
	N            int     `json:"associations"`
	SetupSeconds float64 `json:"setup_seconds"`
	SetupPerSec  float64 `json:"setup_per_sec"`
	// SetupCPUus is the process CPU time per association set up (in
	// process: both ends), which a busy machine does not inflate.
	SetupCPUus   float64 `json:"setup_cpu_us_per_assoc"`
	HeapPerAssoc float64 `json:"heap_bytes_per_assoc"`
	RSSPerAssoc  float64 `json:"rss_bytes_per_assoc"`
	// The first SENDALL to all associations: wall and process CPU time,
	// collections and heap allocations (bytes and objects per
	// association) during it.
	SendAllMs             float64 `json:"sendall_ms"`
	SendAllCPUMs          float64 `json:"sendall_cpu_ms"`
	SendAllGCs            uint64  `json:"sendall_gcs"`
	SendAllBytesPerAssoc  float64 `json:"sendall_alloc_bytes_per_assoc"`
	SendAllAllocsPerAssoc float64 `json:"sendall_allocs_per_assoc"`
	SendAllSkip           int     `json:"sendall_skipped"`
	// BothEnds: the clients ran in the same process, so the memory figures
	// count both ends of every association.
	BothEnds bool `json:"both_ends_in_process"`
}

func (r ScaleResult) String() string {
	ends := "server only"
	if r.BothEnds {
		ends = "both ends in this process"
	}
	return fmt.Sprintf("%d associations set up in %.2fs (%.0f/s, %.0f us CPU each); memory per association: heap %.0f B, RSS %.0f B (%s); first SENDALL of one message to all: %.2f ms (%.2f ms CPU, %d GCs, %.0f B and %.1f allocations per association), %d skipped",
		r.N, r.SetupSeconds, r.SetupPerSec, r.SetupCPUus, r.HeapPerAssoc, r.RSSPerAssoc, ends, r.SendAllMs, r.SendAllCPUMs, r.SendAllGCs, r.SendAllBytesPerAssoc, r.SendAllAllocsPerAssoc, r.SendAllSkip)
}

// SetSendAll records st as the result's (first) SENDALL.
func (r *ScaleResult) SetSendAll(st SendAllStat) {
	r.SendAllMs = float64(st.Wall) / float64(time.Millisecond)
	r.SendAllCPUMs = float64(st.CPU) / float64(time.Millisecond)
	r.SendAllGCs = st.GCs
	r.SendAllBytesPerAssoc = float64(st.AllocBytes) / float64(r.N)
	r.SendAllAllocsPerAssoc = float64(st.Allocs) / float64(r.N)
	r.SendAllSkip = st.Skipped
}

func (o ScaleOptions) withDefaults() ScaleOptions {
	if o.N <= 0 {
		o.N = 10000
	}
	if o.Parallel <= 0 {
		o.Parallel = 512
	}
	if o.SendAllSize <= 0 {
		o.SendAllSize = 100
	}
	return o
}

// ScaleEnv is a server socket with N established idle associations from
// client Stacks in this process.
type ScaleEnv struct {
	Server *ScaleServer
	Setup  time.Duration
	// Mem is the in-memory network (nil over loopback UDP); ServerAddr
	// and ClientAddrs are the Stacks' addresses on it, for Partition.
	Mem         *memnet.Network
	ServerAddr  netip.Addr
	ClientAddrs []netip.Addr
	closers     []func()
}

// Close closes every Stack of the environment.
func (e *ScaleEnv) Close() {
	for i := len(e.closers) - 1; i >= 0; i-- {
		e.closers[i]()
	}
}

// SetUpScale starts a server Stack on 127.0.0.1 and client Stacks on
// 127.0.0.2, .3, ... (one per PortsPerClient associations), over loopback
// UDP or the in-memory network, and sets up o.N associations. before, if
// not nil, runs once the server socket exists and before the first
// handshake (the memory baseline).
func SetUpScale(o ScaleOptions, before func()) (*ScaleEnv, error) {
	o = o.withDefaults()
	env := &ScaleEnv{}
	newStack := func(ip netip.Addr) (*stack.Stack, error) {
		return stack.New(stack.Config{Addrs: []netip.Addr{ip}})
	}
	if o.Mem {
		n := stacktest.NewNetwork()
		env.closers = append(env.closers, n.Close)
		env.Mem = n.Mem()
		// A SENDALL puts one datagram per association in flight at once.
		n.Mem().SetLimits(4*o.N+memnet.DefaultMaxInFlight, 2*o.N+memnet.DefaultQueueLen)
		newStack = func(netip.Addr) (*stack.Stack, error) {
			s, _, err := n.Stack()
			return s, err
		}
	}
	fail := func(err error) (*ScaleEnv, error) {
		env.Close()
		return nil, err
	}
	srvStack, err := newStack(loopback)
	if err != nil {
		return fail(err)
	}
	env.closers = append(env.closers, func() { srvStack.Close() })
	env.ServerAddr = srvStack.LocalAddrs()[0].Addr()
	udpPort := srvStack.LocalAddrs()[0].Port()
	ss, err := NewScaleServer(srvStack, netip.AddrPortFrom(loopback, ServerPort).String())
	if err != nil {
		return fail(err)
	}
	env.Server = ss
	if before != nil {
		before()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	t0 := time.Now()
	clients := (o.N + PortsPerClient - 1) / PortsPerClient
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for k := range clients {
		ip := netip.AddrFrom4([4]byte{127, 0, 0, byte(2 + k)})
		cs, err := newStack(ip)
		if err != nil {
			return fail(err)
		}
		env.closers = append(env.closers, func() { cs.Close() })
		if o.Mem {
			ip = cs.LocalAddrs()[0].Addr()
		}
		env.ClientAddrs = append(env.ClientAddrs, ip)
		count := min(PortsPerClient, o.N-k*PortsPerClient)
		wg.Go(func() {
			_, err := DialMany(ctx, cs, ip, ss.PC.LocalAddr().String(), udpPort, count, max(1, o.Parallel/clients))
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fail(err)
	}
	if err := ss.WaitUp(ctx, o.N); err != nil {
		return fail(err)
	}
	env.Setup = time.Since(t0)
	return env, nil
}

// Scale runs the whole scale workload in this process (SetUpScale, then
// memory and one SENDALL). The memory figures include the clients
// (BothEnds); cmd/sctpperf scale runs the clients in a child process to
// measure the server alone.
func Scale(o ScaleOptions) (ScaleResult, error) {
	o = o.withDefaults()
	r := ScaleResult{N: o.N, BothEnds: true}
	var heap0, rss0 uint64
	var cpu0 time.Duration
	env, err := SetUpScale(o, func() { heap0, rss0 = Memory(); cpu0 = ProcessCPU() })
	if err != nil {
		return r, err
	}
	defer env.Close()
	r.SetupCPUus = float64(ProcessCPU()-cpu0) / float64(time.Microsecond) / float64(o.N)
	heap1, rss1 := Memory()
	r.SetupSeconds = env.Setup.Seconds()
	r.SetupPerSec = float64(o.N) / env.Setup.Seconds()
	r.HeapPerAssoc = (float64(heap1) - float64(heap0)) / float64(o.N)
	r.RSSPerAssoc = (float64(rss1) - float64(rss0)) / float64(o.N)
	st, err := env.Server.MeasureSendAll(o.SendAllSize)
	if err != nil {
		return r, err
	}
	r.SetSendAll(st)
	return r, nil
}
