package main

import (
	"fmt"
	"io"
	"time"

	"github.com/udpsctp/udpsctp/perf"
)

func cmdCompare(args []string, stdout, stderr io.Writer) error {
	fs := flags("compare", stderr)
	size := fs.Int("l", 1200, "bulk message size in bytes")
	dur := fs.Duration("t", 3*time.Second, "bulk measurement time per system")
	rttSize := fs.Int("rtt-l", 64, "request/response size in bytes")
	rttDur := fs.Duration("rtt-t", time.Second, "round-trip measurement time per system")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *size < 1 || *size > 65507 || *rttSize < 1 || *rttSize > 65507 {
		return fmt.Errorf("%w: -l and -rtt-l must be 1..65507 (one UDP datagram for the raw UDP baseline)", errUsage)
	}
	if *dur <= 0 || *rttDur <= 0 {
		return fmt.Errorf("%w: -t and -rtt-t must be positive", errUsage)
	}
	progress := stderr
	if !*asJSON {
		progress = stdout
	}
	c, err := perf.Compare(perf.CompareOptions{Size: *size, Duration: *dur, RTTSize: *rttSize, RTTTime: *rttDur}, progress)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(stdout, c)
	}
	c.Print(stdout)
	return nil
}
