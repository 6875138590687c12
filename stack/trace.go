package stack

import (
	"fmt"
	"io"
	"os"

	"github.com/udpsctp/udpsctp/encap"
)

// TraceEnv names the environment variable that turns packet traces on for
// any program using this package: UDPSCTP_TRACE=file.pcap writes every
// datagram the Stack sends and receives to a pcap file that Wireshark and
// tshark decode as SCTP over UDP (decode the UDP port as SCTP if it is not
// 9899).
const TraceEnv = "UDPSCTP_TRACE"

// traceTransport wraps tr in a pcap recorder when cfg.Trace is set or the
// environment asks for one. The returned closer ends the trace file.
func traceTransport(tr Transport, cfg Config) (Transport, io.Closer, error) {
	w := cfg.Trace
	var closer io.Closer
	if w == nil {
		path := os.Getenv(TraceEnv)
		if path == "" {
			return tr, nil, nil
		}
		f, err := os.Create(path)
		if err != nil {
			return nil, nil, fmt.Errorf("sctp: %s: %w", TraceEnv, err)
		}
		w, closer = f, f
	}
	return encap.Traced(tr, encap.NewPcapWriter(w)), closer, nil
}
