package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
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

// goldenFiles lists the .hex files of dir. Once the captures are documented
// (README.md) they must be present, so that CI proves they are used.
func goldenFiles(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.hex"))
	if err != nil || len(files) > 0 {
		return files, err
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s has a README.md but no .hex files (stat: %v)", dir, err)
	}
	return nil, nil
}

func TestGoldenFilesRule(t *testing.T) {
	dir := t.TempDir()
	if files, err := goldenFiles(dir); err != nil || files != nil {
		t.Fatalf("empty dir: %v, %v", files, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.md"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := goldenFiles(dir); err == nil {
		t.Fatal("README.md without .hex files accepted")
	}
	if err := os.WriteFile(filepath.Join(dir, "a.hex"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if files, err := goldenFiles(dir); err != nil || len(files) != 1 {
		t.Fatalf("with a.hex: %v, %v", files, err)
	}
}

// TestGoldenPackets checks every captured packet: correct CRC32c, parses,
// and re-serializes byte for byte.
func TestGoldenPackets(t *testing.T) {
	files, err := goldenFiles(goldenDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
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

// TestGoldenContents spot-checks what the codec reads out of a few captures
// against the capture notes in README.md.
func TestGoldenContents(t *testing.T) {
	tests := map[string]func(t *testing.T, cs []Chunk){
		"usrsctp-sack-gaps.hex": func(t *testing.T, cs []Chunk) {
			if s := cs[0].(*Sack); len(s.Gaps) != 3 || len(s.Dups) != 0 {
				t.Fatalf("%+v", s)
			}
		},
		"usrsctp-sack-dups.hex": func(t *testing.T, cs []Chunk) {
			if s := cs[0].(*Sack); len(s.Gaps) != 0 || len(s.Dups) != 1 {
				t.Fatalf("%+v", s)
			}
		},
		"usrsctp-error.hex": func(t *testing.T, cs []Chunk) {
			e := cs[0].(*Error)
			if len(e.Causes) != 1 {
				t.Fatalf("%d causes", len(e.Causes))
			}
			if u, ok := e.Causes[0].(*UnrecognizedChunk); !ok || len(u.Chunk) == 0 || u.Chunk[0] != 0xc9 {
				t.Fatalf("%#v", e.Causes[0])
			}
		},
		"pion-abort-user.hex": func(t *testing.T, cs []Chunk) {
			a := cs[0].(*Abort)
			if u, ok := a.Causes[0].(*UserInitiatedAbort); a.T || len(a.Causes) != 1 || !ok || len(u.Reason) != 15 {
				t.Fatalf("%#v", a)
			}
		},
		"usrsctp-nr-sack-gaps.hex": func(t *testing.T, cs []Chunk) {
			if u, ok := cs[0].(*UnknownChunk); !ok || u.ChunkType != 16 {
				t.Fatalf("NR-SACK decoded as %#v", cs[0])
			}
		},
		"usrsctp-auth-data.hex": func(t *testing.T, cs []Chunk) {
			if _, ok := cs[0].(*Auth); !ok || len(cs) != 2 || len(cs[1].(*Data).UserData) != 100 {
				t.Fatalf("%#v", cs)
			}
		},
		"pion-heartbeat.hex": func(t *testing.T, cs []Chunk) {
			if hb := cs[0].(*Heartbeat); hb.Info != nil {
				t.Fatalf("%#v", hb)
			}
		},
		"usrsctp-data-frag-first.hex": func(t *testing.T, cs []Chunk) {
			if d := cs[0].(*Data); !d.Beginning || d.Ending || len(d.UserData) != 1444 {
				t.Fatalf("%+v", d)
			}
		},
	}
	for name, check := range tests {
		t.Run(name, func(t *testing.T) {
			b, err := readGoldenHex(filepath.Join(goldenDir, name))
			if errors.Is(err, fs.ErrNotExist) {
				t.Skip("not captured")
			}
			if err != nil {
				t.Fatal(err)
			}
			p, err := ParsePacket(b)
			if err != nil {
				t.Fatal(err)
			}
			check(t, p.Chunks)
		})
	}
}
