package tx

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

func msg(stream uint16, n int) OutMessage {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i)
	}
	return OutMessage{Stream: stream, PPID: 51, Data: b, MaxRetrans: -1}
}

func TestSendQueuePushErrors(t *testing.T) {
	q := NewSendQueue(2, 100)
	if err := q.Push(msg(2, 1)); !errors.Is(err, ErrInvalidStream) {
		t.Fatalf("stream 2 of 2: %v", err)
	}
	if err := q.Push(OutMessage{Stream: 0}); !errors.Is(err, ErrEmptyMessage) {
		t.Fatalf("empty: %v", err)
	}
	// One message above the limit is accepted into an empty queue.
	if err := q.Push(msg(0, 150)); err != nil {
		t.Fatalf("big into empty: %v", err)
	}
	if err := q.Push(msg(0, 1)); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("over limit: %v", err)
	}
	if q.Buffered() != 150 || q.Unsent() != 150 || q.Empty() {
		t.Fatalf("buffered %d unsent %d", q.Buffered(), q.Unsent())
	}
}

func TestSendQueueLimit(t *testing.T) {
	// The limit covers bytes until delivered: sending does not free them,
	// the cum ack does.
	q := NewSendQueue(1, 1000)
	r := NewRetransmit(1)
	now := time.Unix(0, 0)
	for i := 0; i < 2; i++ {
		if err := q.Push(msg(0, 500)); err != nil {
			t.Fatal(err)
		}
	}
	if err := q.Push(msg(0, 1)); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("full: %v", err)
	}
	var d wire.Data
	ref, _ := q.Next(now, 1000, &d)
	r.Add(now, 0, &d, ref)
	if err := q.Push(msg(0, 1)); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("sent but unacked still counts: %v", err)
	}
	res, err := r.HandleSack(now, &wire.Sack{CumTSNAck: 1, ARwnd: 1000})
	if err != nil || len(res.Delivered) != 1 || res.Delivered[0] != ref {
		t.Fatalf("delivered %v %v", res.Delivered, err)
	}
	if q.Buffered() != 500 {
		t.Fatalf("buffered %d", q.Buffered())
	}
	if err := q.Push(msg(0, 500)); err != nil {
		t.Fatalf("after ack: %v", err)
	}
}

func TestSendQueueTinyMessagesCharged(t *testing.T) {
	// One-byte messages stop at the memory bound (2*limit charged with
	// MessageOverhead each), long before the byte limit; retiring one
	// makes room for one more.
	const limit = 64 << 10
	q := NewSendQueue(1, limit)
	r := NewRetransmit(1)
	now := time.Unix(0, 0)
	n := 0
	for ; ; n++ {
		if err := q.Push(msg(0, 1)); err != nil {
			if !errors.Is(err, ErrBufferFull) {
				t.Fatal(err)
			}
			break
		}
	}
	if want := 2 * limit / (1 + MessageOverhead); n != want {
		t.Fatalf("%d one-byte messages queued, want %d", n, want)
	}
	if q.Buffered() != n || q.Charged() != n*(1+MessageOverhead) {
		t.Fatalf("buffered %d charged %d for %d messages", q.Buffered(), q.Charged(), n)
	}
	var d wire.Data
	ref, _ := q.Next(now, 1000, &d)
	r.Add(now, 0, &d, ref)
	if _, err := r.HandleSack(now, &wire.Sack{CumTSNAck: 1, ARwnd: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	if q.Charged() != (n-1)*(1+MessageOverhead) {
		t.Fatalf("charged %d after one message retired", q.Charged())
	}
	if err := q.Push(msg(0, 1)); err != nil {
		t.Fatalf("after a message retired: %v", err)
	}
	// Drained messages give their charge back too.
	if got := len(q.Drain()); got != n {
		t.Fatalf("drained %d, want %d", got, n)
	}
	if q.Buffered() != 0 || q.Charged() != 0 {
		t.Fatalf("after drain: buffered %d charged %d", q.Buffered(), q.Charged())
	}
}

func TestSendQueueFragmentation(t *testing.T) {
	// RFC 9260 6.9: B on the first fragment, E on the last, both on an
	// unfragmented message; fragments carry the same SSN.
	const maxPayload = 1200
	sizes := []int{1, 2, 1199, 1200, 1201, 2400, 2401, 65536, 16 << 20}
	for _, n := range sizes {
		q := NewSendQueue(1, 1<<30)
		m := msg(0, n)
		data := m.Data
		if err := q.Push(m); err != nil {
			t.Fatal(err)
		}
		got := 0
		var d wire.Data
		frags := 0
		for {
			_, ok := q.Next(time.Time{}, maxPayload, &d)
			if !ok {
				break
			}
			frags++
			if d.Beginning != (frags == 1) {
				t.Fatalf("size %d frag %d: B=%v", n, frags, d.Beginning)
			}
			last := got+len(d.UserData) == n
			if d.Ending != last {
				t.Fatalf("size %d frag %d: E=%v", n, frags, d.Ending)
			}
			if len(d.UserData) > maxPayload || len(d.UserData) == 0 {
				t.Fatalf("size %d frag %d: %d bytes", n, frags, len(d.UserData))
			}
			if d.SSN != 0 || d.PPID != 51 || d.Stream != 0 {
				t.Fatalf("fields %+v", d)
			}
			if !bytes.Equal(d.UserData, data[got:got+len(d.UserData)]) {
				t.Fatalf("size %d frag %d: data differs", n, frags)
			}
			got += len(d.UserData)
		}
		if want := (n + maxPayload - 1) / maxPayload; frags != want {
			t.Fatalf("size %d: %d fragments, want %d", n, frags, want)
		}
		if got != n {
			t.Fatalf("size %d: %d bytes cut", n, got)
		}
		if !q.Empty() {
			t.Fatalf("size %d: not empty", n)
		}
	}
}

func TestSendQueueAliasesData(t *testing.T) {
	q := NewSendQueue(1, 100)
	m := msg(0, 10)
	_ = q.Push(m)
	var d wire.Data
	q.Next(time.Time{}, 4, &d)
	if &d.UserData[0] != &m.Data[0] || cap(d.UserData) != 4 {
		t.Fatal("fragment does not alias the message, or can grow into the next")
	}
	if _, ok := q.Next(time.Time{}, 0, &d); ok {
		t.Fatal("maxPayload 0 cut a fragment")
	}
}

func TestSendQueueRoundRobin(t *testing.T) {
	// Streams with data take turns, one message per turn; a message's
	// fragments stay consecutive (DATA reassembly is by TSN).
	q := NewSendQueue(3, 1<<20)
	for _, m := range []OutMessage{msg(0, 10), msg(0, 10), msg(0, 10), msg(1, 25), msg(1, 10), msg(2, 10)} {
		if err := q.Push(m); err != nil {
			t.Fatal(err)
		}
	}
	type frag struct {
		stream uint16
		ssn    wire.SSN
		b, e   bool
	}
	want := []frag{
		{0, 0, true, true},
		{1, 0, true, false}, {1, 0, false, false}, {1, 0, false, true},
		{2, 0, true, true},
		{0, 1, true, true},
		{1, 1, true, true},
		{0, 2, true, true},
	}
	var d wire.Data
	for i, w := range want {
		if _, ok := q.Next(time.Time{}, 10, &d); !ok {
			t.Fatalf("frag %d: none", i)
		}
		if got := (frag{d.Stream, d.SSN, d.Beginning, d.Ending}); got != w {
			t.Fatalf("frag %d: %+v, want %+v", i, got, w)
		}
	}
	if _, ok := q.Next(time.Time{}, 10, &d); ok || !q.Empty() {
		t.Fatal("queue not empty")
	}
	// The queue works again after draining.
	_ = q.Push(msg(2, 5))
	if _, ok := q.Next(time.Time{}, 10, &d); !ok || d.Stream != 2 || d.SSN != 1 {
		t.Fatalf("after drain: %+v", d)
	}
}

func TestSendQueueUnordered(t *testing.T) {
	q := NewSendQueue(1, 1<<20)
	u := msg(0, 5)
	u.Unordered = true
	_ = q.Push(u)
	_ = q.Push(msg(0, 5))
	var d wire.Data
	q.Next(time.Time{}, 10, &d)
	if !d.Unordered || d.SSN != 0 {
		t.Fatalf("unordered %+v", d)
	}
	q.Next(time.Time{}, 10, &d)
	if d.Unordered || d.SSN != 0 {
		t.Fatalf("ordered after unordered must take SSN 0: %+v", d)
	}
}

func TestSendQueueDeadline(t *testing.T) {
	// PR-SCTP timed reliability: a message whose deadline passed before its
	// first fragment is dropped and reported, and consumes no SSN.
	t0 := time.Unix(100, 0)
	q := NewSendQueue(1, 1<<20)
	m1 := msg(0, 5)
	m1.Deadline = t0
	m1.Context = 7
	_ = q.Push(m1)
	m2 := msg(0, 5)
	m2.Deadline = t0.Add(time.Second)
	_ = q.Push(m2)
	var d wire.Data
	ref, ok := q.Next(t0, 10, &d)
	if !ok || d.SSN != 0 || ref.Message().Deadline != m2.Deadline {
		t.Fatalf("got %+v", d)
	}
	ab := q.Abandoned()
	if len(ab) != 1 || ab[0].Context != 7 || q.Abandoned() != nil {
		t.Fatalf("abandoned %+v", ab)
	}
	if q.Buffered() != 5 {
		t.Fatalf("buffered %d", q.Buffered())
	}
	// All messages of the only active stream expire.
	m3 := msg(0, 5)
	m3.Deadline = t0
	_ = q.Push(m3)
	if _, ok := q.Next(t0, 10, &d); ok {
		t.Fatal("expired message sent")
	}
	if !q.Empty() || len(q.Abandoned()) != 1 {
		t.Fatal("expired message not abandoned")
	}
}

func TestSendQueueStreams(t *testing.T) {
	q := NewSendQueue(1, 1<<20)
	if err := q.AddStreams(2); err != nil || q.Streams() != 3 {
		t.Fatalf("AddStreams: %v %d", err, q.Streams())
	}
	if err := q.AddStreams(65535); !errors.Is(err, ErrInvalidStream) {
		t.Fatalf("too many streams: %v", err)
	}
	if err := q.ResetStream(2); err != nil { // before any stream state exists
		t.Fatal(err)
	}
	_ = q.Push(msg(2, 1))
	var d wire.Data
	q.Next(time.Time{}, 10, &d)
	if err := q.AddStreams(1); err != nil || q.Streams() != 4 {
		t.Fatalf("AddStreams after Push: %v %d", err, q.Streams())
	}
	if err := q.ResetStream(2); err != nil {
		t.Fatal(err)
	}
	_ = q.Push(msg(2, 1))
	q.Next(time.Time{}, 10, &d)
	if d.SSN != 0 {
		t.Fatalf("SSN after reset %d", d.SSN)
	}
	if err := q.ResetStream(4); !errors.Is(err, ErrInvalidStream) {
		t.Fatalf("reset stream 4: %v", err)
	}
	if err := q.Push(msg(3, 1)); err != nil {
		t.Fatalf("push on added stream: %v", err)
	}
}

func TestSendQueueManyStreamsRoundRobin(t *testing.T) {
	// Many streams cycling through the ring, several rounds: each round
	// cuts every message, and the queue ends empty.
	q := NewSendQueue(200, 1<<30)
	var d wire.Data
	for round := 0; round < 5; round++ {
		for s := uint16(0); s < 200; s++ {
			_ = q.Push(msg(s, 3))
			_ = q.Push(msg(s, 3))
		}
		for i := 0; i < 400; i++ {
			if _, ok := q.Next(time.Time{}, 10, &d); !ok {
				t.Fatalf("round %d: ran dry at %d", round, i)
			}
		}
	}
	if !q.Empty() || q.activeHead != 0 || q.activeTail != 0 || q.NextLen() != 0 {
		t.Fatalf("empty %v, ring %d..%d", q.Empty(), q.activeHead, q.activeTail)
	}
}

func TestIdleAllocatesOnlyItself(t *testing.T) {
	// An idle association pays for the structs alone: the per-stream state
	// and the retransmission ring wait for the first Push and Add.
	n := testing.AllocsPerRun(10, func() {
		q := NewSendQueue(10, 1<<20)
		r := NewRetransmit(1)
		if q.Streams() != 10 || !r.Empty() {
			t.Fatal("bad state")
		}
	})
	if n > 5 {
		t.Fatalf("%v allocations", n)
	}
	q := NewSendQueue(10, 1<<20)
	if q.streams != nil {
		t.Fatal("streams allocated up front")
	}
	r := NewRetransmit(1)
	var f wire.ForwardTSN
	if r.ForwardTSN(time.Time{}, &f) || r.buf != nil || r.HasOutstandingOn(0) || len(r.Drain()) != 0 {
		t.Fatal("idle retransmit queue")
	}
	if res := mustSack(t, r, time.Time{}, sack(0)); !res.AllAcked || r.buf != nil {
		t.Fatalf("sack on idle queue: %+v", res)
	}
}

func TestFirstSendAllocations(t *testing.T) {
	// The first message on a fresh association (a SENDALL's copy) costs
	// its handle, a one-chunk ring and the per-path table: no stream
	// array, FIFO or ring slice.
	data := []byte("hello")
	n := testing.AllocsPerRun(20, func() {
		q := NewSendQueue(10, 1<<20)
		r := NewRetransmit(1)
		if err := q.Push(OutMessage{Stream: 7, Data: data, MaxRetrans: -1}); err != nil {
			t.Fatal(err)
		}
		var d wire.Data
		ref, ok := q.Next(time.Time{}, 1000, &d)
		if !ok {
			t.Fatal("nothing to send")
		}
		r.Add(time.Time{}, 0, &d, ref)
	})
	// The SendQueue (the message points to it), the Message (the pool is
	// empty: nothing retires here), the ring and the per-path table; the
	// Retransmit stays on the stack. With a stream array, a FIFO slice, a
	// ring slice and two per-path slices this was 8.
	if n > 4 {
		t.Fatalf("%v allocations", n)
	}
}

func TestSendQueueSoloThenMany(t *testing.T) {
	// One stream in use lives inline; a second one moves it into the
	// per-stream array with its SSN and queued messages.
	q := NewSendQueue(8, 1<<30)
	var d wire.Data
	next := func() (uint16, wire.SSN) {
		t.Helper()
		if _, ok := q.Next(time.Time{}, 100, &d); !ok {
			t.Fatal("nothing to send")
		}
		return d.Stream, d.SSN
	}
	for range 2 {
		if err := q.Push(msg(5, 3)); err != nil {
			t.Fatal(err)
		}
	}
	if st, ssn := next(); st != 5 || ssn != 0 || q.streams != nil {
		t.Fatalf("stream %d ssn %d, array %v", st, ssn, q.streams != nil)
	}
	_ = q.Push(msg(2, 3)) // second stream: the array appears
	_ = q.Push(msg(5, 3))
	if q.streams == nil {
		t.Fatal("no per-stream array after a second stream")
	}
	type sent struct {
		st  uint16
		ssn wire.SSN
	}
	var got []sent
	for !q.Empty() {
		st, ssn := next()
		got = append(got, sent{st, ssn})
	}
	// Round robin from where the ring stood: stream 5 (its second
	// message), stream 2, stream 5.
	want := []sent{{5, 1}, {2, 0}, {5, 2}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	// A reset of the solo stream, before any array exists.
	q = NewSendQueue(4, 1<<30)
	_ = q.Push(msg(1, 3))
	next()
	if err := q.ResetStream(1); err != nil {
		t.Fatal(err)
	}
	_ = q.Push(msg(1, 3))
	if st, ssn := next(); st != 1 || ssn != 0 {
		t.Fatalf("after reset: stream %d ssn %d", st, ssn)
	}
}

func TestSendQueueExpireUnlinks(t *testing.T) {
	// Expire drops expired messages from the middle and the end of a
	// stream's FIFO; later pushes append behind the survivors.
	q := NewSendQueue(1, 1<<30)
	t0 := time.Unix(100, 0)
	push := func(n int, deadline time.Time) {
		t.Helper()
		if err := q.Push(OutMessage{Data: make([]byte, n), Deadline: deadline, MaxRetrans: -1}); err != nil {
			t.Fatal(err)
		}
	}
	push(1, time.Time{})
	push(2, t0)
	push(3, time.Time{})
	push(4, t0)
	q.Expire(t0)
	if ab := q.Abandoned(); len(ab) != 2 || len(ab[0].Data) != 2 || len(ab[1].Data) != 4 {
		t.Fatalf("abandoned %v", ab)
	}
	push(5, time.Time{})
	var d wire.Data
	var lens []int
	for {
		if _, ok := q.Next(t0, 100, &d); !ok {
			break
		}
		lens = append(lens, len(d.UserData))
	}
	if len(lens) != 3 || lens[0] != 1 || lens[1] != 3 || lens[2] != 5 || q.Unsent() != 0 {
		t.Fatalf("sent %v, unsent %d", lens, q.Unsent())
	}
}
