// Command sctpchat is the chat server, client and demo of the Linux Journal
// article "Multiple Associations with SCTP", over udpsctp (SCTP over UDP,
// RFC 6951): a one-to-many server that re-sends every message with
// SENDALL, a superuser peeled off into a one-to-one socket, and a line
// client.
//
//	sctpchat server [-listen 127.0.0.1:2013] [-udp-port 9899] [-su-password-file FILE]
//	sctpchat client [-connect 127.0.0.1:2013] [-peer-udp-port 9899] [-udp-port 0] [-nick NAME] [-stream 0] [-wait 0s]
//	sctpchat demo
//
// The server logs to stderr. The client sends each stdin line as one
// message and writes each message received to stdout, one per line, and
// nothing else (status and errors go to stderr); it exits non-zero when the
// association cannot be set up or is lost. The superuser password comes
// from -su-password-file or the SCTPCHAT_SU_PASSWORD environment variable.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit codes.
const (
	exitOK    = 0
	exitLost  = 1 // association could not be set up, or was lost
	exitUsage = 2
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "server":
		return runServer(args[1:], stderr)
	case "client":
		return runClient(args[1:], stdin, stdout, stderr)
	case "demo":
		return runDemo(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "sctpchat: unknown command %q\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage:
  sctpchat server [-listen 127.0.0.1:2013] [-udp-port 9899] [-su-password-file FILE]
  sctpchat client [-connect 127.0.0.1:2013] [-peer-udp-port 9899] [-udp-port 0] [-nick NAME] [-stream 0] [-wait 0s]
  sctpchat demo
Run "sctpchat <command> -h" for a command's flags.
`)
}

// parseCode is the exit code after a flag parse error: -h is no error.
func parseCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

// newFlags makes a FlagSet whose usage leaves out the hidden flags (test
// and tuning knobs).
func newFlags(name string, stderr io.Writer, hidden ...string) *flag.FlagSet {
	fs := flag.NewFlagSet("sctpchat "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage of sctpchat %s:\n", name)
		fs.VisitAll(func(f *flag.Flag) {
			for _, h := range hidden {
				if f.Name == h {
					return
				}
			}
			def := ""
			if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "0s" {
				def = " (default " + f.DefValue + ")"
			}
			fmt.Fprintf(stderr, "  -%s\n    \t%s%s\n", f.Name, strings.ReplaceAll(f.Usage, "\n", "\n    \t"), def)
		})
	}
	return fs
}
