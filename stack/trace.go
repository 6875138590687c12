package stack

import (
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/udpsctp/udpsctp/encap"
)

// TraceEnv names the environment variable that turns packet traces on for
// any program using this package: UDPSCTP_TRACE=file.pcap writes every
// datagram the program's Stacks send and receive to one pcap file that
// Wireshark and tshark decode as SCTP over UDP (decode the UDP port as SCTP
// if it is not 9899: tshark -d udp.port==PORT,sctp).
const TraceEnv = "UDPSCTP_TRACE"

// envTraces shares one pcap file per path among the Stacks of a process
// that trace through TraceEnv (the chat demo runs several), so they write
// one trace instead of truncating each other's. It is the package's only
// global state, and only the environment reaches it.
var envTraces struct {
	sync.Mutex
	files map[string]*envTrace
}

type envTrace struct {
	f    *os.File
	pw   *encap.PcapWriter
	refs int
	path string
}

// Close drops one Stack's reference; the last one closes the file.
func (t *envTrace) Close() error {
	envTraces.Lock()
	defer envTraces.Unlock()
	t.refs--
	if t.refs > 0 {
		return nil
	}
	delete(envTraces.files, t.path)
	return t.f.Close()
}

// traceTransport wraps tr in a pcap recorder when cfg.Trace is set or the
// environment asks for one. The returned closer ends the Stack's use of
// the trace file.
func traceTransport(tr Transport, cfg Config) (Transport, io.Closer, error) {
	if cfg.Trace != nil {
		return encap.Traced(tr, encap.NewPcapWriter(cfg.Trace)), nil, nil
	}
	path := os.Getenv(TraceEnv)
	if path == "" {
		return tr, nil, nil
	}
	envTraces.Lock()
	defer envTraces.Unlock()
	t, ok := envTraces.files[path]
	if !ok {
		f, err := os.Create(path)
		if err != nil {
			return nil, nil, fmt.Errorf("sctp: %s: %w", TraceEnv, err)
		}
		t = &envTrace{f: f, pw: encap.NewPcapWriter(f), path: path}
		if envTraces.files == nil {
			envTraces.files = make(map[string]*envTrace)
		}
		envTraces.files[path] = t
	}
	t.refs++
	return encap.Traced(tr, t.pw), t, nil
}
