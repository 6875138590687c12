package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goldenDir holds SCTP packets captured from real stacks (usrsctp,
// pion/sctp); its README.md describes how they were made.
const goldenDir = "testdata/golden"

// readGoldenHex reads one .hex file: lines starting with '#' are comments,
// the rest is the packet in hex (whitespace ignored).
func readGoldenHex(path string) ([]byte, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var sb strings.Builder
	for line := range strings.Lines(string(text)) {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		sb.WriteString(strings.Join(strings.Fields(line), ""))
	}
	return hex.DecodeString(sb.String())
}

// TestGoldenPackets checks every captured packet: correct CRC32c, parses,
// and re-serializes byte for byte.
func TestGoldenPackets(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(goldenDir, "*.hex"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		// Once the captures are documented they must be present, so that
		// CI proves they are used.
		if _, err := os.Stat(filepath.Join(goldenDir, "README.md")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s has a README.md but no .hex files (stat: %v)", goldenDir, err)
		}
		t.Logf("no golden packets in %s yet: nothing to check", goldenDir)
		return
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := readGoldenHex(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckChecksum(b); err != nil {
				t.Fatal(err)
			}
			p, err := ParsePacket(b)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.AppendTo(nil); !bytes.Equal(got, b) {
				t.Fatalf("re-serialized differs:\n got %x\nwant %x", got, b)
			}
			types := make([]string, len(p.Chunks))
			for i, c := range p.Chunks {
				types[i] = c.Type().String()
			}
			t.Logf("%d bytes: %s", len(b), strings.Join(types, ", "))
		})
	}
}
