package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"

	"github.com/udpsctp/udpsctp/encap"
	"github.com/udpsctp/udpsctp/perf"
	"github.com/udpsctp/udpsctp/stack"
)

// scale measures one one-to-many socket with n idle associations. By
// default the clients run in a child process (this program's hidden
// "scale-clients" command) over loopback UDP, so the memory figures are
// the server's alone; -inproc runs both ends here (and -mem on the
// in-memory network).
func cmdScale(args []string, stdout, stderr io.Writer) error {
	fs := flags("scale", stderr)
	n := fs.Int("n", 10000, "associations")
	parallel := fs.Int("parallel", 512, "handshakes in progress at once")
	size := fs.Int("sendall", 100, "bytes of the SENDALL message")
	repeat := fs.Int("sendall-count", 5, "SENDALLs to time, each after the previous one was acknowledged")
	inproc := fs.Bool("inproc", false, "run the clients in this process (memory figures then count both ends)")
	mem := fs.Bool("mem", false, "with -inproc: the in-memory network instead of loopback UDP")
	asJSON := fs.Bool("json", false, "print one JSON object")
	gso := fs.Bool("gso", true, "let the server send runs of datagrams to one client port with UDP GSO (two-process mode; the clients share one UDP port, 10,000 distinct client hosts would not)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the SENDALLs (two-process mode) to this file")
	memProfile := fs.String("memprofile", "", "write a heap profile once the associations are up (two-process mode) to this file")
	setupProfile := fs.String("setupprofile", "", "write a CPU profile of the setup (two-process mode) to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *n < 1 || *n > 200*perf.PortsPerClient:
		return fmt.Errorf("%w: -n %d out of range 1..%d", errUsage, *n, 200*perf.PortsPerClient)
	case *parallel < 1:
		return fmt.Errorf("%w: -parallel must be positive", errUsage)
	case *size < 1 || *size > 65535:
		return fmt.Errorf("%w: -sendall %d out of range 1..65535", errUsage, *size)
	case *repeat < 1:
		return fmt.Errorf("%w: -sendall-count must be positive", errUsage)
	case *mem && !*inproc:
		return fmt.Errorf("%w: -mem needs -inproc", errUsage)
	}
	if *inproc {
		r, err := perf.Scale(perf.ScaleOptions{N: *n, Parallel: *parallel, SendAllSize: *size, Mem: *mem})
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(stdout, r)
		}
		fmt.Fprintln(stdout, r)
		return nil
	}
	r, err := scaleTwoProcesses(*n, *parallel, *size, *repeat, !*gso, profiles{*cpuProfile, *memProfile, *setupProfile}, stderr)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, r)
	}
	fmt.Fprintln(stdout, r.ScaleResult)
	fmt.Fprintf(stdout, "SENDALL times (ms):         %.2f\nSENDALL CPU (ms):           %.2f\nSENDALL GCs:                %d\nSENDALL allocs/association: %.1f\nheap per association after the SENDALLs: %.0f B\n",
		r.SendAllTimesMs, r.SendAllCPUTimesMs, r.SendAllGCList, r.SendAllAllocsList, r.HeapAfterPerAssoc)
	return nil
}

// scaleReport adds the figures of every SENDALL timed, the first one
// first, to the result (whose SENDALL figures are the first one's).
type scaleReport struct {
	perf.ScaleResult
	SendAllTimesMs    []float64 `json:"sendall_times_ms"`
	SendAllCPUTimesMs []float64 `json:"sendall_cpu_times_ms"`
	SendAllGCList     []uint64  `json:"sendall_gcs_each"`
	SendAllAllocsList []float64 `json:"sendall_allocs_per_assoc_each"`
	ClientSeconds     float64   `json:"client_setup_seconds"`
	// HeapAfterPerAssoc is the heap per association once the SENDALLs
	// are acknowledged: what an association keeps from having sent.
	HeapAfterPerAssoc float64 `json:"heap_bytes_per_assoc_after_sendall"`
}

// profiles name the files scale writes profiles to ("" = none).
type profiles struct{ sendAll, heap, setup string }

func scaleTwoProcesses(n, parallel, size, repeat int, noGSO bool, prof profiles, stderr io.Writer) (scaleReport, error) {
	r := scaleReport{ScaleResult: perf.ScaleResult{N: n}}
	lo := netip.AddrFrom4([4]byte{127, 0, 0, 1})
	u, err := encap.ListenUDP(encap.UDPConfig{Addrs: []netip.Addr{lo}, DisableGSO: noGSO})
	if err != nil {
		return r, err
	}
	s, err := stack.New(stack.Config{Transport: u})
	if err != nil {
		u.Close()
		return r, err
	}
	defer s.Close()
	ss, err := perf.NewScaleServer(s, netip.AddrPortFrom(lo, perf.ServerPort).String())
	if err != nil {
		return r, err
	}
	heap0, rss0 := perf.Memory()

	exe, err := os.Executable()
	if err != nil {
		return r, err
	}
	cmd := exec.Command(exe, "scale-clients", "-connect", ss.PC.LocalAddr().String(),
		"-peer-udp-port", strconv.Itoa(int(s.LocalAddrs()[0].Port())),
		"-n", strconv.Itoa(n), "-parallel", strconv.Itoa(parallel))
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return r, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return r, err
	}
	stopSetupProfile, err := startCPUProfile(prof.setup)
	if err != nil {
		return r, err
	}
	cpu0 := perf.ProcessCPU()
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return r, err
	}
	// Closing the child's stdin ends it; Wait reaps it.
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := ss.WaitUp(ctx, n); err != nil {
		return r, err
	}
	setup := time.Since(t0)
	stopSetupProfile()
	r.SetupCPUus = float64(perf.ProcessCPU()-cpu0) / float64(time.Microsecond) / float64(n)
	var line string
	if sc := bufio.NewScanner(out); sc.Scan() {
		line = sc.Text()
	}
	if _, err := fmt.Sscanf(line, "up %f", &r.ClientSeconds); err != nil {
		return r, fmt.Errorf("scale-clients said %q", line)
	}
	heap1, rss1 := perf.Memory()
	r.SetupSeconds = setup.Seconds()
	r.SetupPerSec = float64(n) / r.SetupSeconds
	r.HeapPerAssoc = (float64(heap1) - float64(heap0)) / float64(n)
	r.RSSPerAssoc = (float64(rss1) - float64(rss0)) / float64(n)
	if prof.heap != "" {
		if err := writeHeapProfile(prof.heap); err != nil {
			return r, err
		}
	}
	stopSendAllProfile, err := startCPUProfile(prof.sendAll)
	if err != nil {
		return r, err
	}
	defer stopSendAllProfile()
	for i := range repeat {
		dry := ss.Dry()
		st, err := ss.MeasureSendAll(size)
		if err != nil {
			return r, err
		}
		// Wait until every copy is acknowledged (untimed): a SENDALL
		// behind unacknowledged data would only be queued (Nagle), not
		// sent, and would look cheaper than it is.
		if err := ss.WaitDry(ctx, dry+n-st.Skipped); err != nil {
			return r, err
		}
		if i == 0 {
			r.SetSendAll(st)
		}
		r.SendAllTimesMs = append(r.SendAllTimesMs, float64(st.Wall)/float64(time.Millisecond))
		r.SendAllCPUTimesMs = append(r.SendAllCPUTimesMs, float64(st.CPU)/float64(time.Millisecond))
		r.SendAllGCList = append(r.SendAllGCList, st.GCs)
		r.SendAllAllocsList = append(r.SendAllAllocsList, float64(st.Allocs)/float64(n))
	}
	heap2, _ := perf.Memory()
	r.HeapAfterPerAssoc = (float64(heap2) - float64(heap0)) / float64(n)
	return r, nil
}

// cmdScaleClients is the child of scale: it sets up n associations from
// client Stacks on 127.0.0.2, .3, ..., prints "up <seconds>" and stays
// until its stdin closes.
func cmdScaleClients(args []string, stdout, stderr io.Writer) error {
	fs := flags("scale-clients", stderr)
	cf := addClientFlags(fs)
	n := fs.Int("n", 10000, "associations")
	parallel := fs.Int("parallel", 512, "handshakes in progress at once")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *n < 1 || *n > 200*perf.PortsPerClient || *parallel < 1 || *cf.udpPort == 0 || *cf.udpPort > 65535 {
		return fmt.Errorf("%w: bad -n, -parallel or -peer-udp-port", errUsage)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	t0 := time.Now()
	clients := (*n + perf.PortsPerClient - 1) / perf.PortsPerClient
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for k := range clients {
		ip := netip.AddrFrom4([4]byte{127, 0, 0, byte(2 + k)})
		s, err := stack.New(stack.Config{Addrs: []netip.Addr{ip}})
		if err != nil {
			return err
		}
		defer s.Close()
		count := min(perf.PortsPerClient, *n-k*perf.PortsPerClient)
		wg.Go(func() {
			if _, err := perf.DialMany(ctx, s, ip, *cf.connect, uint16(*cf.udpPort), count, max(1, *parallel/clients)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	fmt.Fprintf(stdout, "up %.3f\n", time.Since(t0).Seconds())
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// writeHeapProfile writes the live heap (after a collection) to file.
func writeHeapProfile(file string) error {
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// startCPUProfile profiles the CPU into file ("" = not at all) until the
// returned function is called (once or more).
func startCPUProfile(file string) (stop func(), err error) {
	if file == "" {
		return func() {}, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	stopped := false
	return func() {
		if !stopped {
			stopped = true
			pprof.StopCPUProfile()
			f.Close()
		}
	}, nil
}
