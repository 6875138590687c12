package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net/netip"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/udpsctp/udpsctp/stack"
)

// Exit codes.
const (
	exitOK    = 0
	exitLost  = 1 // the association could not be set up, or was lost
	exitUsage = 2
)

// Time limits of a graceful end: the SHUTDOWN exchange is one round trip
// plus retransmissions, so this bounds a peer that has gone quiet.
const shutdownTimeout = 10 * time.Second

// options are the parsed command line.
type options struct {
	listen    bool
	keep      bool
	many      bool
	raw       bool
	size      int
	stream    uint16
	ppid      uint32
	unordered bool
	streams   uint16
	local     []netip.Addr // -local, and the listen address list
	localPort uint16
	peers     []netip.Addr // dial: every peer address, the first one primary
	port      uint16       // the peer's (dial) or our (listen) SCTP port
	udpPort   uint16
	peerUDP   uint16
	wait      time.Duration
	timeout   time.Duration
	verbose   bool
	trace     string
}

func main() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, sig))
}

// run is the whole program; sig delivers the signals that end it
// gracefully.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, sig <-chan os.Signal) int {
	lg := log.New(stderr, "sctpcat: ", 0)
	o, code := parseFlags(args, stderr, lg)
	if o == nil {
		return code
	}
	cfg := stack.Config{UDPPort: o.udpPort, Addrs: o.stackAddrs()}
	cfg.Assoc.OutStreams = o.streams
	cfg.Assoc.NoDelay = true // interactive lines go out at once
	if o.trace != "" {
		f, err := os.Create(o.trace)
		if err != nil {
			lg.Printf("-trace: %v", err)
			return exitLost
		}
		defer f.Close()
		cfg.Trace = f
	}
	s, err := stack.New(cfg)
	if err != nil {
		lg.Printf("UDP port %d: %v", o.udpPort, err)
		return exitLost
	}
	// Close aborts what is left, so every path below ends its associations
	// gracefully first when it means to.
	defer s.Close()
	in := readInput(stdin, o.raw, o.size, lg)
	c := &cat{o: o, s: s, lg: lg, stdout: stdout, in: in, sig: sig}
	c.watchSignals()
	switch {
	case o.many:
		return c.serveMany()
	case o.listen:
		return c.listen()
	}
	return c.dial()
}

// parseFlags returns the options, or nil and the exit code.
func parseFlags(args []string, stderr io.Writer, lg *log.Logger) (*options, int) {
	fs := flag.NewFlagSet("sctpcat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage:
  sctpcat [flags] ip[,ip...]:port        dial
  sctpcat -l [flags] [ip[,ip...]:port]   listen (default 127.0.0.1:0)
flags:
`)
		fs.PrintDefaults()
	}
	o := &options{}
	fs.BoolVar(&o.listen, "l", false, "listen instead of dialing")
	fs.BoolVar(&o.keep, "k", false, "with -l: accept one association after another")
	fs.BoolVar(&o.many, "m", false, "with -l: one one-to-many socket; stdin lines go to every association")
	fs.BoolVar(&o.raw, "raw", false, "unframed: each read of stdin is one message, messages are written as they are")
	fs.IntVar(&o.size, "size", 64<<10, "with -raw: largest message read from stdin, in bytes")
	stream := fs.Uint("stream", 0, "SCTP stream to send on")
	ppid := fs.Uint("ppid", 0, "payload protocol identifier of messages sent")
	fs.BoolVar(&o.unordered, "unordered", false, "send messages unordered")
	streams := fs.Uint("streams", 10, "outbound streams to ask for")
	local := fs.String("local", "", "local addresses, ip[,ip...][:port] (default: loopback when the peer is)")
	var udpPort portFlag
	fs.Var(&udpPort, "udp-port", "local UDP encapsulation `port` (default 9899 with -l, else 0: any free port)")
	peerUDP := fs.Uint("peer-udp-port", stack.DefaultUDPPort, "the peer's UDP encapsulation port")
	fs.DurationVar(&o.wait, "wait", 0, "after stdin ends, keep receiving this long, then shut down (negative: until the peer ends)")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Second, "give up setting the association up after this long")
	fs.BoolVar(&o.verbose, "v", false, "print notifications, association status and message details to stderr")
	fs.StringVar(&o.trace, "trace", "", "write a pcap trace of every datagram to this file")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, exitOK
		}
		return nil, exitUsage
	}
	usage := func(format string, a ...any) (*options, int) {
		lg.Printf(format, a...)
		fs.Usage()
		return nil, exitUsage
	}
	switch {
	case *stream > math.MaxUint16:
		return usage("-stream %d: streams are 0-65535", *stream)
	case *ppid > math.MaxUint32:
		return usage("-ppid %d: a PPID is 32 bits", *ppid)
	case *streams < 1 || *streams > math.MaxUint16:
		return usage("-streams %d: 1-65535", *streams)
	case *peerUDP < 1 || *peerUDP > math.MaxUint16:
		return usage("-peer-udp-port %d: 1-65535", *peerUDP)
	case o.size < 1 || o.size > 64<<20:
		return usage("-size %d: 1 byte to 64 MiB", o.size)
	case (o.keep || o.many) && !o.listen:
		return usage("-k and -m need -l")
	case o.keep && o.many:
		return usage("-k is for one-to-one listeners; -m already serves any number of peers")
	case o.timeout <= 0:
		return usage("-timeout %v: must be positive", o.timeout)
	case fs.NArg() > 1:
		return usage("one address only (several IPs go in one argument: ip,ip:port); got %q", fs.Args())
	}
	o.stream, o.ppid, o.streams, o.peerUDP = uint16(*stream), uint32(*ppid), uint16(*streams), uint16(*peerUDP)
	switch {
	case udpPort.set:
		o.udpPort = udpPort.port
	case o.listen:
		o.udpPort = stack.DefaultUDPPort
	}
	if *local != "" {
		ips, port, err := parseAddrList(*local, true)
		if err != nil {
			return usage("-local: %v", err)
		}
		o.local, o.localPort = ips, port
	}
	if o.listen {
		addr := "127.0.0.1:0"
		if fs.NArg() == 1 {
			addr = fs.Arg(0)
		}
		ips, port, err := parseAddrList(addr, false)
		if err != nil {
			return usage("listen address: %v", err)
		}
		if o.localPort != 0 {
			return usage("-local: give the listening port in the address argument")
		}
		o.local, o.port = mergeAddrs(ips, o.local), port
		return o, exitOK
	}
	if fs.NArg() == 0 {
		return usage("no address to dial")
	}
	ips, port, err := parseAddrList(fs.Arg(0), false)
	if err != nil {
		return usage("address: %v", err)
	}
	if port == 0 {
		return usage("address %q: port 0 cannot be dialed", fs.Arg(0))
	}
	for _, ip := range ips {
		if ip.IsUnspecified() {
			return usage("address %q: an unspecified address cannot be dialed", fs.Arg(0))
		}
	}
	o.peers, o.port = ips, port
	return o, exitOK
}

// stackAddrs are the IP addresses the Stack binds its UDP sockets to.
func (o *options) stackAddrs() []netip.Addr {
	if len(o.local) > 0 {
		if o.local[0].IsUnspecified() {
			return nil
		}
		return o.local
	}
	if !o.listen && o.peers[0].IsLoopback() {
		// Keep loopback traffic on loopback: the INIT then lists only it.
		if o.peers[0].Is4() {
			return []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 0, 1})}
		}
		return []netip.Addr{netip.IPv6Loopback()}
	}
	return nil
}

// portFlag is a UDP port flag whose default depends on other flags.
type portFlag struct {
	set  bool
	port uint16
}

func (p *portFlag) String() string {
	if p == nil || !p.set {
		return ""
	}
	return strconv.Itoa(int(p.port))
}

func (p *portFlag) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return fmt.Errorf("want a port number, 0-65535")
	}
	p.set, p.port = true, uint16(n)
	return nil
}
