// Command sctpperf measures udpsctp, in the manner of iperf and tsctp:
//
//	sctpperf server  [-listen 127.0.0.1:5001] [-udp-port 9899]
//	sctpperf client  [-connect 127.0.0.1:5001] [-peer-udp-port 9899] [-l 1200] [-t 5s]
//	                 [-streams 1] [-unordered] [-i 1s] [-json]
//	sctpperf rtt     [-connect 127.0.0.1:5001] [-peer-udp-port 9899] [-l 64] [-t 3s] [-json]
//	sctpperf compare [-l 1200] [-t 3s] [-rtt-l 64] [-rtt-t 1s] [-json]
//	sctpperf scale   [-n 10000] [-parallel 512] [-sendall 100] [-sendall-count 5] [-inproc [-mem]]
//	                 [-cpuprofile f] [-setupprofile f] [-memprofile f] [-json]
//
// (scale-clients is scale's child process, not for direct use.)
//
// The server accepts any number of associations on one one-to-many socket,
// discards data, echoes messages sent with the rtt PPID and prints one
// summary line per association when it ends. compare runs the same
// loopback workload on udpsctp, pion/sctp and raw UDP in one process and
// prints the figures and ratios against the targets of DESIGN.md. scale
// sets up n idle associations to one socket and reports setup rate, memory
// per association and the cost of each SENDALL (wall and CPU time, GCs,
// allocations), the first one first, each after the previous one was
// acknowledged by every association. The workloads live in
// package perf. Exit status: 0 on success, 1 on a failed run, 2 on bad usage.
//
// server and client interoperate with usrsctp's tsctp (Debian
// libusrsctp-examples) over UDP encapsulation, both ways; tsctp needs its
// local (-E) and remote (-U) UDP ports, and -L 127.0.0.1 to keep it from
// listing every interface address:
//
//	sctpperf server -listen 127.0.0.1:5001 -udp-port 9899
//	tsctp -E 9900 -U 9899 -L 127.0.0.1 -p 5001 -l 1200 -T 5 127.0.0.1
//
//	tsctp -E 9899 -L 127.0.0.1 -p 5001
//	sctpperf client -connect 127.0.0.1:5001 -peer-udp-port 9899 -l 1200 -t 5s
//
// tsctp sends PPID 0 on stream 0 (discarded and counted like any data)
// and its last message with SCTP_EOF: the server reports the association
// when its shutdown completes. The tsctp server prints its summary
// ("length, messages, reads, bytes, seconds, B/s, notifications") when
// the client's graceful shutdown ends the association. tsctp prints a
// debug line per event, which bounds its own speed.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

const usage = `usage: sctpperf <server|client|rtt|compare|scale> [flags]
run "sctpperf <command> -h" for the flags of a command`

// errUsage marks errors that are the caller's (exit status 2).
var errUsage = errors.New("usage")

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	cmds := map[string]func([]string, io.Writer, io.Writer) error{
		"server":        cmdServer,
		"client":        cmdClient,
		"rtt":           cmdRTT,
		"compare":       cmdCompare,
		"scale":         cmdScale,
		"scale-clients": cmdScaleClients,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "sctpperf: unknown command %q\n%s\n", args[0], usage)
		return 2
	}
	err := cmd(args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "sctpperf %s: %v\n", args[0], err)
		return 2
	default:
		fmt.Fprintf(stderr, "sctpperf %s: %v\n", args[0], err)
		return 1
	}
}

// flags makes a FlagSet whose parse errors are usage errors.
func flags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("sctpperf "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
