package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"time"
)

func main() {
	out := flag.String("out", "stack/wire/testdata/golden", "directory for the .hex files and README.md")
	verbose := flag.Bool("v", false, "log scenario progress, usrpeer output and every datagram")
	only := flag.String("only", "", "run only this scenario (s1..s4), for debugging")
	flag.IntVar(&pionLogLevel, "pionlog", 0, "pion log level (0 off, 5 debug), for debugging")
	flag.Parse()
	if err := run(*out, *only, *verbose); err != nil {
		log.Fatal(err)
	}
}

func run(out, only string, verbose bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 110*time.Second)
	defer cancel()
	tmp, err := os.MkdirTemp("", "goldencap")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin, err := buildUsrpeer(tmp)
	if err != nil {
		return err
	}
	e := &env{usrpeer: bin, verbose: verbose}
	var records []record
	for _, sc := range []struct {
		name string
		run  func(context.Context) (*relay, error)
	}{
		{"s1 pion client <-> usrsctp server", e.scenarioPionUsrsctp},
		{"s2 usrsctp client <-> pion server", e.scenarioUsrsctpPion},
		{"s3 usrsctp client <-> usrsctp server", e.scenarioUsrsctpUsrsctp},
		{"s4 pion client <-> pion server", e.scenarioPionPion},
		{"s5 usrsctp client <-> pion server, I-DATA", e.scenarioUsrsctpPionIData},
	} {
		if only != "" && sc.name[:2] != only {
			continue
		}
		if ctx.Err() != nil {
			log.Printf("%s: skipped, out of time", sc.name)
			continue
		}
		start := time.Now()
		rel, err := sc.run(ctx)
		if rel != nil {
			records = append(records, rel.close()...)
		}
		log.Printf("%s: %v, %v", sc.name, time.Since(start).Round(time.Millisecond), errString(err))
	}
	if verbose {
		for _, r := range records {
			desc := "unparsable"
			if p, err := parsePacket(r.raw); err == nil {
				desc = p.chunkList() + " " + describe(&r, p)
			}
			log.Printf("%s +%-8v %-7s -> %-7s v=%d %4dB %s", r.scenario, r.at.Round(time.Millisecond),
				r.sender, r.receiver, r.verdict, len(r.raw), desc)
		}
	}
	chosen := choose(records)
	if err := writeGolden(out, chosen); err != nil {
		return err
	}
	log.Printf("wrote %d packets to %s", len(chosen), out)
	return verifyDir(out)
}

func errString(err error) string {
	if err == nil {
		return "ok"
	}
	return fmt.Sprintf("error: %v", err)
}
