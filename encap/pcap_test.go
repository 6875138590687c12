package encap

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// cookieAck builds a minimal valid SCTP packet: the common header (RFC 9260
// section 3.1) and one COOKIE ACK chunk (section 3.3.12), with the CRC32c
// stored as Appendix B says (little-endian in the checksum field).
func cookieAck(vtag uint32) []byte {
	b := make([]byte, 16)
	binary.BigEndian.PutUint16(b[0:], 5000)
	binary.BigEndian.PutUint16(b[2:], 5000)
	binary.BigEndian.PutUint32(b[4:], vtag)
	copy(b[12:], []byte{0x0b, 0x00, 0x00, 0x04})
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
	return b
}

var ts0 = time.Date(2026, 11, 28, 12, 0, 0, 123456000, time.UTC)

// pcapRecords splits a pcap file into its packets, checking the headers.
func pcapRecords(t *testing.T, f []byte) [][]byte {
	t.Helper()
	require.GreaterOrEqual(t, len(f), 24)
	le := binary.LittleEndian
	require.Equal(t, uint32(pcapMagicMicros), le.Uint32(f[0:]))
	require.Equal(t, uint32(linkTypeRaw), le.Uint32(f[20:]))
	var out [][]byte
	for f = f[24:]; len(f) > 0; {
		require.GreaterOrEqual(t, len(f), 16)
		n := int(le.Uint32(f[8:]))
		require.Equal(t, n, int(le.Uint32(f[12:])))
		out = append(out, f[16:16+n])
		f = f[16+n:]
	}
	return out
}

func TestPcapHeaders(t *testing.T) {
	var buf bytes.Buffer
	pw := NewPcapWriter(&buf)
	pkt := cookieAck(0x01020304)
	s4, d4 := netip.MustParseAddrPort("127.0.0.1:9899"), netip.MustParseAddrPort("127.0.0.2:9899")
	s6, d6 := netip.MustParseAddrPort("[::1]:9899"), netip.MustParseAddrPort("[::1]:40000")
	require.NoError(t, pw.Write(ts0, s4, d4, pkt))
	require.NoError(t, pw.Write(ts0, s6, d6, append(pkt, 0xaa))) // odd length for the checksum
	recs := pcapRecords(t, buf.Bytes())
	require.Len(t, recs, 2)

	v4 := recs[0]
	require.Len(t, v4, 20+8+16)
	require.Equal(t, byte(0x45), v4[0])
	require.Equal(t, uint16(len(v4)), binary.BigEndian.Uint16(v4[2:]))
	require.Equal(t, uint16(0xffff), fold(sum(0, v4[:20])), "IPv4 header checksum verifies")
	require.Equal(t, uint16(8+16), binary.BigEndian.Uint16(v4[24:]))
	require.Equal(t, pkt, v4[28:])

	v6 := recs[1]
	require.Len(t, v6, 40+8+17)
	require.Equal(t, uint16(8+17), binary.BigEndian.Uint16(v6[4:]))
	c := sum(0, v6[8:40]) + uint32(8+17) + protoUDP
	require.Equal(t, uint16(0xffff), fold(sum(c, v6[40:])), "UDP checksum over the IPv6 pseudo-header verifies")
}

func TestPcapErrors(t *testing.T) {
	pw := NewPcapWriter(&bytes.Buffer{})
	s4, s6 := netip.MustParseAddrPort("127.0.0.1:1"), netip.MustParseAddrPort("[::1]:1")
	require.Error(t, pw.Write(ts0, s4, s6, nil), "mixed families")
	require.Error(t, pw.Write(ts0, netip.AddrPort{}, s4, nil), "zero address")
	require.Error(t, pw.Write(ts0, s4, s4, make([]byte, 65535-27)), "too large for IPv4")
	require.NoError(t, pw.Write(ts0, s4, s4, make([]byte, 65535-28)))
}

// requireTool finds a program or skips, except under CI=true.
func requireTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found; install the %s package", name, pkg)
		}
		t.Skipf("%s not found; install the %s package to run this test", name, pkg)
	}
	return p
}

// TestPcapTshark has Wireshark's dissector judge the trace: each packet
// must decode as IP/UDP/SCTP with a good CRC32c and nothing malformed.
func TestPcapTshark(t *testing.T) {
	tshark := requireTool(t, "tshark", "tshark")
	file := filepath.Join(t.TempDir(), "trace.pcap")
	f, err := os.Create(file)
	require.NoError(t, err)
	pw := NewPcapWriter(f)
	require.NoError(t, pw.Write(ts0, netip.MustParseAddrPort("127.0.0.1:9899"), netip.MustParseAddrPort("127.0.0.2:9899"), cookieAck(0xdeadbeef)))
	require.NoError(t, pw.Write(ts0.Add(time.Millisecond), netip.MustParseAddrPort("[::1]:9899"), netip.MustParseAddrPort("[::1]:9899"), cookieAck(1)))
	bad := cookieAck(2)
	bad[8] ^= 1 // negative control: the dissector really checks the CRC
	require.NoError(t, pw.Write(ts0.Add(2*time.Millisecond), netip.MustParseAddrPort("127.0.0.1:9899"), netip.MustParseAddrPort("127.0.0.2:9899"), bad))
	require.NoError(t, f.Close())

	out, err := exec.Command(tshark, "-r", file, "-d", "udp.port==9899,sctp",
		"-o", "sctp.checksum:CRC 32c", "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
		"-T", "fields", "-E", "separator=,",
		"-e", "frame.protocols", "-e", "sctp.verification_tag", "-e", "sctp.chunk_type",
		"-e", "sctp.checksum.status", "-e", "udp.checksum.status", "-e", "_ws.malformed", "-e", "_ws.expert",
	).CombinedOutput()
	require.NoError(t, err, "%s", out)
	var lines []string
	for l := range strings.Lines(string(out)) {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "Running as user") {
			lines = append(lines, l)
		}
	}
	require.Equal(t, []string{
		// protocols, vtag, chunk type 11 (COOKIE ACK), CRC good (1), UDP
		// checksum not present (3, IPv4) or good (1, IPv6), no malformed
		// packet, no expert info
		"raw:ip:udp:sctp,0xdeadbeef,11,1,3,,",
		"raw:ipv6:udp:sctp,0x00000001,11,1,1,,",
	}, lines[:2])
	require.Len(t, lines, 3)
	require.True(t, strings.HasPrefix(lines[2], "raw:ip:udp:sctp,0x00000002,11,0,3,,"), "bad CRC is flagged: %s", lines[2])
}
