package interop

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/encap"
	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// tsharkBad selects the packets tshark's SCTP dissector rejects: a bad
// CRC32c (status 0 = Bad with checksum validation on), a malformed packet,
// or an expert error, where SCTP is the last layer dissected: Wireshark
// hands DATA payloads to the dissector their PPID names (1 = IUA, 3 =
// M3UA, ...), and our test payloads are not those protocols.
const tsharkBad = `sctp.checksum.status == 0 || ((_ws.malformed || _ws.expert.severity == "Error") && frame.protocols matches ":sctp(:data)?$")`

// tshark runs tshark on a pcap, decoding the UDP ports as SCTP with CRC32c
// validation, and returns one line per packet: frame, UDP source port,
// and the columns asked for.
func tshark(t *testing.T, bin, file string, ports []int, filter string, fields ...string) []string {
	t.Helper()
	args := []string{"-r", file, "-o", "sctp.checksum:CRC 32c", "-T", "fields", "-e", "frame.number", "-e", "udp.srcport"}
	for _, p := range ports {
		args = append(args, "-d", fmt.Sprintf("udp.port==%d,sctp", p))
	}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	if filter != "" {
		args = append(args, "-Y", filter)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v: %v\n%s", args, err, stderr.String())
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// TestWireValidation runs representative exchanges with both peers, then
// has tshark's SCTP dissector check every trace the suite wrote (those of
// the tests that ran before too): every datagram decodes as SCTP, none of
// ours is malformed, and every checksum is right. It first proves that the
// check catches a bad checksum.
func TestWireValidation(t *testing.T) {
	bin, err := exec.LookPath("tshark")
	if err != nil {
		missing(t, "tshark", "tshark")
	}

	t.Run("check catches a bad checksum", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "bad.pcap")
		f, err := os.Create(file)
		if err != nil {
			t.Fatal(err)
		}
		pkt := &wire.Packet{Header: wire.Header{SrcPort: 1, DstPort: 2, VerificationTag: 3}, Chunks: []wire.Chunk{&wire.CookieAck{}}}
		good := pkt.AppendTo(nil)
		bad := append([]byte(nil), good...)
		bad[8] ^= 0xff // the CRC32c field (RFC 9260 3.1)
		pw := encap.NewPcapWriter(f)
		a, b := netip.MustParseAddrPort("127.0.0.1:40000"), netip.MustParseAddrPort("127.0.0.1:40001")
		if err := pw.Write(time.Now(), a, b, good); err != nil {
			t.Fatal(err)
		}
		if err := pw.Write(time.Now(), a, b, bad); err != nil {
			t.Fatal(err)
		}
		f.Close()
		got := tshark(t, bin, file, []int{40001}, tsharkBad)
		if len(got) != 1 || !strings.HasPrefix(got[0], "2\t") {
			t.Fatalf("tshark flagged %q; want frame 2 only (the corrupted checksum)", got)
		}
	})

	// Exchanges of our own, so the check has traffic of every kind even
	// when run alone.
	t.Run("usrsctp", func(t *testing.T) {
		s := newStack(t, assoc.Config{})
		p := startPeer(t, peerOpts{ourUDP: s.udpPort})
		c := dial(t, s, p.addr())
		echoInOrder(t, c, sizesMessages([]int{1, 1452, 1453, 100000}))
		echoMixed(t, c, mixedMessages(30, 10))
		c.Subscribe(stack.EventAssocChange)
		if err := c.Shutdown(); err != nil {
			t.Fatal(err)
		}
		waitShutdownComplete(t, c)
		c2 := dial(t, s, p.addr())
		if err := c2.Abort([]byte("wire validation")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("pion", func(t *testing.T) {
		s := newStack(t, assoc.Config{})
		ln, _ := listen(t, s, pionSCTPPort)
		startPionClient(t, s, pionLocal(0))
		c := accept(t, ln)
		echoInOrder(t, c, sizesMessages([]int{1, 1452, 1453, 100000}))
		echoMixed(t, c, mixedMessages(30, 10))
		c.Subscribe(stack.EventAssocChange)
		if err := c.Shutdown(); err != nil {
			t.Fatal(err)
		}
		waitShutdownComplete(t, c)
	})

	// One tshark run over all traces merged (tshark takes a second to
	// start): each file's name ends with our UDP port.
	files, err := filepath.Glob(filepath.Join(traceDir, "*.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	portOf := regexp.MustCompile(`-(\d+)\.pcap$`)
	var ports []int
	var inputs []string
	for _, file := range files {
		if st, err := os.Stat(file); err != nil || st.Size() == 0 {
			continue // a Stack that never sent or received anything
		}
		if m := portOf.FindStringSubmatch(file); m != nil {
			p, _ := strconv.Atoi(m[1])
			ports = append(ports, p)
			inputs = append(inputs, file)
		}
	}
	if len(inputs) < 2 {
		t.Fatalf("only %d traces with packets in %s", len(inputs), traceDir)
	}
	merged := filepath.Join(t.TempDir(), "all.pcap")
	mergecap, err := exec.LookPath("mergecap")
	if err != nil {
		missing(t, "mergecap", "tshark")
	}
	if out, err := exec.Command(mergecap, append([]string{"-F", "pcap", "-w", merged}, inputs...)...).CombinedOutput(); err != nil {
		t.Fatalf("mergecap: %v\n%s", err, out)
	}
	ours := map[string]bool{}
	for _, p := range ports {
		ours[strconv.Itoa(p)] = true
	}
	all := tshark(t, bin, merged, ports, "", "sctp.srcport")
	notSCTP := 0
	for _, line := range all {
		if cols := strings.Split(line, "\t"); len(cols) < 3 || cols[2] == "" {
			notSCTP++
		}
	}
	if notSCTP > 0 {
		t.Errorf("%d of %d datagrams do not decode as SCTP", notSCTP, len(all))
	}
	bad := 0
	for _, line := range tshark(t, bin, merged, ports, tsharkBad, "sctp.checksum.status", "_ws.expert.message", "_ws.col.Info", "sctp.chunk_length") {
		cols := strings.Split(line, "\t")
		if len(cols) > 1 && ours[cols[1]] && emptyHeartbeatAck(cols) {
			// pion sends HEARTBEATs without a Heartbeat Info parameter;
			// the ACK echoes the parameters it got (RFC 9260 8.3), so it
			// is as empty as the HEARTBEAT, and tshark calls both
			// malformed. usrsctp answers the same way.
			t.Logf("our echo of a peer's empty HEARTBEAT is rejected by tshark, as the HEARTBEAT is: %q", line)
		} else if len(cols) > 1 && ours[cols[1]] {
			bad++
			t.Errorf("our packet is rejected by tshark: %q", line)
		} else {
			t.Logf("a peer's packet is rejected by tshark: %q", line)
		}
	}
	t.Logf("tshark checked %d datagrams in %d traces: %d of ours rejected", len(all), len(inputs), bad)
}

// emptyHeartbeatAck reports whether a tshark line (fields as asked in
// TestWireValidation) is a packet holding just a HEARTBEAT ACK of 4 bytes:
// no parameters at all.
func emptyHeartbeatAck(cols []string) bool {
	info := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(cols[min(4, len(cols)-1)]), "[Malformed Packet]"))
	return len(cols) >= 6 && info == "HEARTBEAT_ACK" && cols[5] == "4"
}
