package main

import (
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

var scenarioText = map[string]string{
	"s1": "s1: pion client <-> usrsctp server (usrpeer -H 500)",
	"s2": "s2: usrsctp client (usrpeer -c -H 500) <-> pion server",
	"s3": "s3: usrsctp client <-> usrsctp server (usrpeer -a -N -H 500: AUTH for DATA, NR-SACK)",
	"s4": "s4: pion client <-> pion server (WithEnableInterleaving: I-DATA)",
	"s5": "s5: usrsctp client (usrpeer -c -I -H 500) <-> pion server (WithEnableInterleaving: I-DATA)",
}

func verdictText(r *record) string {
	switch r.verdict {
	case drop:
		return "; the relay dropped it (not delivered)"
	case duplicate:
		return "; the relay delivered it twice"
	}
	if r.rewrote {
		return "; the relay forwarded a copy without the Supported Address Types parameter (pion refuses it)"
	}
	return ""
}

// writeGolden replaces the .hex files in dir with the chosen packets and
// writes README.md.
func writeGolden(dir string, chosen []golden) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.hex"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	for _, g := range chosen {
		var b strings.Builder
		fmt.Fprintf(&b, "# goldencap (go run ./internal/goldencap), %s\n", scenarioText[g.rec.scenario])
		fmt.Fprintf(&b, "# %s -> %s at +%v%s\n", g.rec.sender, g.rec.receiver, g.rec.at.Round(1e6), verdictText(g.rec))
		fmt.Fprintf(&b, "# chunks: %s\n", g.pkt.chunkList())
		if d := describe(g.rec, g.pkt); d != "" {
			fmt.Fprintf(&b, "# %s\n", d)
		}
		fmt.Fprintf(&b, "# %d bytes: SCTP common header onwards (the UDP payload), checksum as captured\n", len(g.rec.raw))
		h := hex.EncodeToString(g.rec.raw)
		for i := 0; i < len(h); i += 64 {
			b.WriteString(h[i:min(i+64, len(h))])
			b.WriteByte('\n')
		}
		if err := os.WriteFile(filepath.Join(dir, g.file), []byte(b.String()), 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "README.md"), []byte(readme(chosen)), 0o644)
}

func pkgVersion(name string) string {
	out, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", name).Output()
	if err != nil {
		return "unknown"
	}
	return string(out)
}

func readme(chosen []golden) string {
	var b strings.Builder
	b.WriteString(`# Golden SCTP packets from real peers

Each ` + "`<sender>-<what>.hex`" + ` file holds one SCTP packet exactly as a real peer
sent it over RFC 6951 UDP encapsulation on 127.0.0.1: the UDP payload, from the
12-byte common header on, checksum included (CRC32c, RFC 9260 appendix B).
Lines starting with ` + "`#`" + ` are comments (scenario, direction, what is notable);
the rest is lowercase hex, whitespace to be ignored. No two files hold the
same bytes. They seed the round-trip tests of ` + "`stack/wire`" + `: parse, serialize,
compare bytes.

## How they were made

    go run ./internal/goldencap -out stack/wire/testdata/golden    # -v for a log

(run from the module root; about 50 s; needs gcc, libusrsctp-dev and a free
loopback). The tool compiles ` + "`internal/goldencap/c/usrpeer.c`" + `, a scripted
usrsctp endpoint, and runs five scenarios through a UDP relay on 127.0.0.1
that records every datagram and drops or duplicates chosen DATA packets (by
TSN) to provoke gap blocks, duplicate TSN reports, retransmissions and
FORWARD TSN; in s1 it injects one chunk of unknown type 0xc9 towards usrsctp
to provoke an ERROR. For each kind of packet it keeps the first match (for
SACKs with gaps: the one with the most gap blocks). pion's HEARTBEAT comes
from Association.ActiveHeartbeat; usrsctp's heartbeat interval is set to
500 ms (sysctl) so that heartbeats come within seconds. NR-SACK notes count
gap and NR gap blocks together.

`)
	fmt.Fprintf(&b, "Peers: usrsctp %s (Debian libusrsctp-dev), pion/sctp v1.12.1 (go.mod).\n\n",
		pkgVersion("libusrsctp-dev"))
	for _, k := range []string{"s1", "s2", "s3", "s4", "s5"} {
		fmt.Fprintf(&b, "- %s\n", scenarioText[k])
	}
	b.WriteString(notCaptured)
	b.WriteString("\n| file | direction | chunks | notes |\n|---|---|---|---|\n")
	sorted := append([]golden(nil), chosen...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].file < sorted[j].file })
	for _, g := range sorted {
		fmt.Fprintf(&b, "| %s | %s %s -> %s | %s | %s |\n", g.file, g.rec.scenario, g.rec.sender,
			g.rec.receiver, g.pkt.chunkList(), describe(g.rec, g.pkt))
	}
	return b.String()
}

// verifyDir re-reads every .hex file: comments skipped, hex decoded, checksum
// and chunk lengths checked, and no two files equal.
func verifyDir(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.hex"))
	if err != nil {
		return err
	}
	seen := map[string]string{}
	for _, f := range files {
		raw, err := readHexFile(f)
		if err != nil {
			return err
		}
		if _, err := parsePacket(raw); err != nil {
			return fmt.Errorf("%s: %v", f, err)
		}
		if other, ok := seen[string(raw)]; ok {
			return fmt.Errorf("%s and %s hold the same bytes", f, other)
		}
		seen[string(raw)] = f
	}
	return nil
}

func readHexFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var h strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		h.WriteString(strings.Join(strings.Fields(line), ""))
	}
	raw, err := hex.DecodeString(h.String())
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return raw, nil
}

const notCaptured = `
Not captured, and why:
- pion SACK with duplicate TSNs: pion v1.12.1 filters duplicates (canPush)
  before the queue that records them, so its SACKs never list any; usrsctp's do.
- pion ERROR: pion drops a packet with an unknown chunk type instead of
  reporting it; it sends ERROR only for stale cookies on restart.
- ASCONF / ASCONF ACK, PAD, ECNE/CWR: neither peer sends them here (no address
  changes, no PMTU probing, no ECN marks on loopback).
- s2 and s5 rewrite usrsctp's INIT towards pion: pion v1.12.1 refuses an INIT with
  the Supported Address Types parameter (type 12, "stop" action bits), which
  usrsctp always sends over UDP; the recorded (golden) INIT is the original.
`
