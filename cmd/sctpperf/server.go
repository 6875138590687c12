package main

import (
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"

	"github.com/udpsctp/udpsctp/perf"
	"github.com/udpsctp/udpsctp/stack"
)

func cmdServer(args []string, stdout, stderr io.Writer) error {
	fs := flags("server", stderr)
	listen := fs.String("listen", "127.0.0.1:5001", "SCTP address (ip:port) to accept associations on")
	udpPort := fs.Uint("udp-port", stack.DefaultUDPPort, "local UDP encapsulation port")
	if err := parse(fs, args); err != nil {
		return err
	}
	ap, err := netip.ParseAddrPort(*listen)
	if err != nil {
		return fmt.Errorf("%w: -listen: %v", errUsage, err)
	}
	if *udpPort > 65535 {
		return fmt.Errorf("%w: -udp-port %d out of range", errUsage, *udpPort)
	}
	cfg := stack.Config{UDPPort: uint16(*udpPort)}
	if !ap.Addr().IsUnspecified() {
		cfg.Addrs = []netip.Addr{ap.Addr()}
	}
	s, err := stack.New(cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	pc, err := s.ListenPacket(*listen)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "listening on %s, UDP %v\n", pc.LocalAddr(), s.LocalAddrs())
	srv := perf.NewServer(pc, func(a perf.AssocSummary) {
		fmt.Fprintf(stdout, "assoc %d %s: %d bytes %d msgs in %.2fs: %.1f MB/s, %.0f msgs/s (%s)\n",
			a.AssocID, a.Peer, a.Bytes, a.Messages, a.Seconds, a.MBps(), a.MsgsPerSec(), a.Cause)
	})
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	go func() {
		<-sig
		pc.Close()
	}()
	return srv.Run()
}
