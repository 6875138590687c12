package interop

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// opTimeout bounds every wait on the network or on a peer's output.
const opTimeout = 20 * time.Second

// msg is one message the tests send: its bytes and where it goes.
type msg struct {
	b         []byte
	sid       uint16
	ppid      uint32
	unordered bool
}

// headerLen is the room a message needs to describe itself.
const headerLen = 64

// makeMsg builds a message of size bytes. Messages of headerLen bytes or
// more start with a header naming their stream, PPID, ordering, sequence
// number and length, so a receiver (and the pion echo) can check them;
// the rest is a pattern derived from seq.
func makeMsg(seq, size int, sid uint16, ppid uint32, unordered bool) msg {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(seq*31 + i*7 + i>>8)
	}
	if size >= headerLen {
		u := 0
		if unordered {
			u = 1
		}
		h := fmt.Sprintf("IOP sid=%d ppid=%d u=%d seq=%d len=%d\n", sid, ppid, u, seq, size)
		copy(b, h)
	}
	return msg{b: b, sid: sid, ppid: ppid, unordered: unordered}
}

// header parses what makeMsg wrote; ok is false for short messages.
type header struct {
	sid       uint16
	ppid      uint32
	unordered bool
	seq, size int
}

func parseHeader(b []byte) (header, bool) {
	var h header
	var u int
	if len(b) < headerLen || !bytes.HasPrefix(b, []byte("IOP ")) {
		return h, false
	}
	line, _, _ := bytes.Cut(b[:headerLen], []byte("\n"))
	_, err := fmt.Sscanf(string(line), "IOP sid=%d ppid=%d u=%d seq=%d len=%d", &h.sid, &h.ppid, &u, &h.seq, &h.size)
	h.unordered = u == 1
	return h, err == nil
}

// fnv32 is the fingerprint the C peer prints for each message (FNV-1a).
func fnv32(b []byte) uint32 {
	h := fnv.New32a()
	h.Write(b)
	return h.Sum32()
}

// sctpEnd is the part of *stack.Conn and of one association of a
// *stack.PacketConn the exchanges use.
type sctpEnd interface {
	SendMsg(b []byte, info stack.SndInfo) (int, error)
	RecvMsg(b []byte) (int, stack.RcvInfo, error)
	SetReadDeadline(t time.Time) error
}

// assocEnd is one association of a one-to-many socket as an sctpEnd.
type assocEnd struct {
	*stack.PacketConn
	id stack.AssocID
}

func (a assocEnd) SendMsg(b []byte, info stack.SndInfo) (int, error) {
	info.AssocID = a.id
	return a.PacketConn.SendMsg(b, info)
}

// readMessage returns the next whole message, or the next notification
// (with FlagNotification set and nil bytes), waiting at most opTimeout.
func readMessage(e sctpEnd) ([]byte, stack.RcvInfo, error) {
	return readMessageWithin(e, opTimeout)
}

// readMessageWithin is readMessage waiting at most d.
func readMessageWithin(e sctpEnd, d time.Duration) ([]byte, stack.RcvInfo, error) {
	if err := e.SetReadDeadline(time.Now().Add(d)); err != nil {
		return nil, stack.RcvInfo{}, err
	}
	var out []byte
	buf := make([]byte, 256<<10)
	for {
		n, info, err := e.RecvMsg(buf)
		if err != nil {
			return out, info, err
		}
		if info.Flags&stack.FlagNotification != 0 {
			return nil, info, nil
		}
		out = append(out, buf[:n]...)
		if info.Flags&stack.FlagEOR != 0 {
			return out, info, nil
		}
	}
}

// readData is readMessage skipping notifications.
func readData(e sctpEnd) ([]byte, stack.RcvInfo, error) {
	for {
		b, info, err := readMessage(e)
		if err != nil || info.Flags&stack.FlagNotification == 0 {
			return b, info, err
		}
	}
}

func send(e sctpEnd, m msg) error {
	var fl stack.SendFlags
	if m.unordered {
		fl |= stack.SendUnordered
	}
	_, err := e.SendMsg(m.b, stack.SndInfo{Stream: m.sid, PPID: m.ppid, Flags: fl})
	return err
}

// sendAll sends msgs from a goroutine (so echoes can flow back while the
// send buffer is full) and returns a channel with its outcome.
func sendAll(e sctpEnd, msgs []msg) <-chan error {
	done := make(chan error, 1)
	go func() {
		for i, m := range msgs {
			if err := send(e, m); err != nil {
				done <- fmt.Errorf("send message %d (%d bytes): %w", i, len(m.b), err)
				return
			}
		}
		done <- nil
	}()
	return done
}

// echoInOrder sends msgs on e and checks that the peer's echoes come back
// in the same order with the same bytes, stream, PPID and ordering.
func echoInOrder(t *testing.T, e sctpEnd, msgs []msg) {
	t.Helper()
	sent := sendAll(e, msgs)
	for i, want := range msgs {
		got, info, err := readData(e)
		if err != nil {
			t.Fatalf("echo %d of %d (%d bytes): %v", i, len(msgs), len(want.b), err)
		}
		checkEcho(t, i, got, info, want)
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}

func checkEcho(t *testing.T, i int, got []byte, info stack.RcvInfo, want msg) {
	t.Helper()
	if !bytes.Equal(got, want.b) {
		t.Fatalf("echo %d: got %d bytes (fnv %08x), want %d bytes (fnv %08x)", i, len(got), fnv32(got), len(want.b), fnv32(want.b))
	}
	if info.Stream != want.sid || info.PPID != want.ppid {
		t.Fatalf("echo %d: stream %d ppid %d, want stream %d ppid %d", i, info.Stream, info.PPID, want.sid, want.ppid)
	}
	if u := info.Flags&stack.FlagUnordered != 0; u != want.unordered {
		t.Fatalf("echo %d: unordered %v, want %v", i, u, want.unordered)
	}
}

// mixedMessages returns n messages over streams streams, alternating
// ordered and unordered, with a distinct PPID per stream and sizes from 64
// bytes to a few packets.
func mixedMessages(n, streams int) []msg {
	sizes := []int{64, 100, 1200, 1500, 3000, 9000}
	out := make([]msg, n)
	for i := range out {
		sid := uint16(i % streams)
		out[i] = makeMsg(i, sizes[(i/streams)%len(sizes)], sid, 1000+uint32(sid), (i/streams)%3 == 1)
	}
	return out
}

// echoMixed sends msgs and checks every echo once, with its header, and
// that ordered messages of each stream come back in order.
func echoMixed(t *testing.T, e sctpEnd, msgs []msg) {
	t.Helper()
	sent := sendAll(e, msgs)
	seen := make(map[int]bool)
	lastOrdered := make(map[uint16]int)
	for i := range msgs {
		got, info, err := readData(e)
		if err != nil {
			t.Fatalf("echo %d of %d: %v", i, len(msgs), err)
		}
		h, ok := parseHeader(got)
		if !ok || h.seq < 0 || h.seq >= len(msgs) {
			t.Fatalf("echo %d: no valid header in %d bytes %q", i, len(got), got[:min(len(got), headerLen)])
		}
		if seen[h.seq] {
			t.Fatalf("message %d echoed twice", h.seq)
		}
		seen[h.seq] = true
		checkEcho(t, h.seq, got, info, msgs[h.seq])
		if !h.unordered {
			if last, ok := lastOrdered[h.sid]; ok && last > h.seq {
				t.Fatalf("stream %d: ordered message %d arrived after %d", h.sid, h.seq, last)
			}
			lastOrdered[h.sid] = h.seq
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}

// sizesMessages returns one message per size on stream 0, PPID 51.
func sizesMessages(sizes []int) []msg {
	out := make([]msg, len(sizes))
	for i, n := range sizes {
		out[i] = makeMsg(i, n, 0, 51, false)
	}
	return out
}

// messageSizes is the size ladder: 1 byte, around one packet, many
// packets, and 1 MiB and 4 MiB messages (fragmented and reassembled).
var messageSizes = []int{1, 2, 63, 64, 1000, 1400, 1452, 1453, 4000, 65535, 65536, 100000, 1 << 20, 4 << 20}

// waitEOF reads until io.EOF (the peer shut down), failing on data.
func waitEOF(t *testing.T, e sctpEnd) {
	t.Helper()
	for {
		b, info, err := readMessage(e)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("waiting for the peer's shutdown: %v", err)
		}
		if info.Flags&stack.FlagNotification == 0 {
			t.Fatalf("waiting for the peer's shutdown: unexpected %d-byte message", len(b))
		}
	}
}

// waitAssocChange reads notifications until an AssocChange for id with one
// of states arrives; data messages are an error.
func waitAssocChange(t *testing.T, e sctpEnd, id stack.AssocID, states ...assoc.AssocChangeState) *stack.AssocChange {
	t.Helper()
	for {
		b, info, err := readMessage(e)
		if err != nil {
			t.Fatalf("waiting for an association change (%v): %v", states, err)
		}
		if info.Flags&stack.FlagNotification == 0 {
			t.Fatalf("waiting for an association change: unexpected %d-byte message", len(b))
		}
		ac, ok := info.Notification.(*stack.AssocChange)
		if !ok || (id != 0 && ac.AssocID != id) {
			continue
		}
		for _, s := range states {
			if ac.State == s {
				return ac
			}
		}
		t.Logf("association change %v (waiting for %v)", ac.State, states)
	}
}

// checkEchoesByAssoc reads the echo of every message of msgs on e, in any
// order, and checks each came back intact on the association it was sent
// on (want: message sequence number -> association).
func checkEchoesByAssoc(t *testing.T, e sctpEnd, msgs []msg, want map[int]stack.AssocID) {
	t.Helper()
	for range msgs {
		got, info, err := readData(e)
		if err != nil {
			t.Fatal(err)
		}
		h, ok := parseHeader(got)
		if !ok || h.seq >= len(msgs) {
			t.Fatalf("echo without header: %q", got)
		}
		checkEcho(t, h.seq, got, info, msgs[h.seq])
		if info.AssocID != want[h.seq] {
			t.Fatalf("message %d came back on association %v, sent on %v", h.seq, info.AssocID, want[h.seq])
		}
	}
}

// sendAllAndPeel checks SENDALL and peel-off on a one-to-many socket whose
// associations ids all belong to echo peers: one SENDALL message comes
// back once from every association; then ids[0] is peeled off into a
// one-to-one socket that keeps echoing, and the next SENDALL reaches only
// the associations still on the socket.
func sendAllAndPeel(t *testing.T, pc *stack.PacketConn, ids []stack.AssocID) {
	t.Helper()
	sendAll := func(seq int) map[stack.AssocID]int {
		m := makeMsg(seq, 300, 0, 1999, false)
		if _, err := pc.SendMsg(m.b, stack.SndInfo{Stream: 0, PPID: 1999, Flags: stack.SendAll}); err != nil {
			t.Fatalf("SENDALL: %v", err)
		}
		got := map[stack.AssocID]int{}
		for range len(pc.Associations()) {
			b, info, err := readData(assocEnd{pc, 0})
			if err != nil {
				t.Fatalf("SENDALL echoes so far %v: %v", got, err)
			}
			checkEcho(t, seq, b, info, m)
			got[info.AssocID]++
		}
		return got
	}
	got := sendAll(500)
	for _, id := range ids {
		if got[id] != 1 {
			t.Fatalf("SENDALL echoes per association %v; want one from each of %v", got, ids)
		}
	}
	c, err := pc.PeelOff(ids[0])
	if err != nil {
		t.Fatalf("peel off %v: %v", ids[0], err)
	}
	t.Cleanup(func() { c.Close() })
	echoInOrder(t, c, sizesMessages([]int{10, 2000}))
	if slices.Contains(pc.Associations(), ids[0]) {
		t.Fatalf("peeled-off association %v still listed by the one-to-many socket", ids[0])
	}
	got = sendAll(501)
	if len(got) != len(ids)-1 || got[ids[0]] != 0 {
		t.Fatalf("SENDALL after peel-off echoed by %v; want every association but %v", got, ids[0])
	}
	if b, _, err := readMessageWithin(c, 300*time.Millisecond); !errors.Is(err, stack.ErrTimeout) {
		t.Fatalf("the peeled-off association got %q, %v after a SENDALL; want nothing", b, err)
	}
}
