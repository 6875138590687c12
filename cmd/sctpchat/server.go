package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/netip"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/udpsctp/udpsctp/chat"
	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// protoFlags adds the hidden protocol tuning flags; the returned function
// gives the association parameters after parsing. Tests use them to make
// heartbeat failure take seconds instead of minutes.
func protoFlags(fs *flag.FlagSet) func() assoc.Config {
	hb := fs.Duration("hb-interval", 0, "heartbeat interval (default 30s)")
	retrans := fs.Int("max-retrans", 0, "Path.Max.Retrans and Association.Max.Retrans (default 5 and 10)")
	rtoMax := fs.Duration("rto-max", 0, "RTO.Max; also caps RTO.Initial and RTO.Min (default 60s)")
	return func() assoc.Config {
		cfg := assoc.Config{HeartbeatInterval: *hb, PathMaxRetrans: *retrans, AssocMaxRetrans: *retrans}
		if m := *rtoMax; m > 0 {
			cfg.RTOMax = m
			cfg.RTOInitial = min(time.Second, m)
			cfg.RTOMin = min(time.Second, m/2)
		}
		return cfg
	}
}

var hiddenProto = []string{"hb-interval", "max-retrans", "rto-max"}

// stackAddrs binds the Stack to ip unless it is unspecified.
func stackAddrs(ip netip.Addr) []netip.Addr {
	if !ip.IsValid() || ip.IsUnspecified() {
		return nil
	}
	return []netip.Addr{ip}
}

func runServer(args []string, stderr io.Writer) int {
	fs := newFlags("server", stderr, hiddenProto...)
	listen := fs.String("listen", fmt.Sprintf("127.0.0.1:%d", chat.DefaultPort), "SCTP address to listen on (ip:port)")
	udpPort := fs.Uint("udp-port", stack.DefaultUDPPort, "local UDP encapsulation port (0: any free port)")
	pwFile := fs.String("su-password-file", "", "file whose first line is the superuser password\n(default: $"+chat.PasswordEnv+"; none: /su disabled)")
	maxAssocs := fs.Int("max-assocs", 0, "most associations at once (0: no limit of ours)")
	maxMsg := fs.Int("max-msg", chat.DefaultMaxMessageSize, "largest message in bytes")
	proto := protoFlags(fs)
	if err := fs.Parse(args); err != nil {
		return parseCode(err)
	}
	lg := log.New(stderr, "sctpchat server: ", log.LstdFlags|log.Lmicroseconds)
	// Before the "listening" line, so a signal after it is always handled.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	if fs.NArg() > 0 || *udpPort > 65535 {
		lg.Printf("bad arguments: %q (udp-port %d)", fs.Args(), *udpPort)
		return exitUsage
	}
	ap, err := netip.ParseAddrPort(*listen)
	if err != nil {
		lg.Printf("-listen: %v", err)
		return exitUsage
	}
	pw, err := chat.LoadPassword(*pwFile)
	if err != nil {
		lg.Print(err)
		return exitUsage
	}
	s, err := stack.New(stack.Config{UDPPort: uint16(*udpPort), Addrs: stackAddrs(ap.Addr()), Assoc: proto()})
	if err != nil {
		lg.Printf("UDP port %d: %v", *udpPort, err)
		return exitLost
	}
	defer s.Close()
	pc, err := s.ListenPacket(*listen)
	if err != nil {
		lg.Printf("listen %s: %v", *listen, err)
		return exitLost
	}
	srv := chat.NewServer(pc, chat.Config{Password: pw, MaxMessageSize: *maxMsg, MaxAssociations: *maxAssocs, Logger: lg})
	for _, u := range s.LocalAddrs() {
		lg.Printf("listening on SCTP %s, UDP %s", pc.LocalAddr(), u)
	}
	if len(pw) == 0 {
		lg.Printf("superuser disabled (no -su-password-file, $%s empty)", chat.PasswordEnv)
	} else {
		lg.Printf("superuser enabled (/su <password>)")
	}

	go func() {
		<-sig
		lg.Printf("shutting down")
		srv.Close()
	}()
	if err := srv.Serve(); err != nil && !errors.Is(err, stack.ErrClosed) {
		lg.Printf("serve: %v", err)
		return exitLost
	}
	srv.Close()
	return exitOK
}
