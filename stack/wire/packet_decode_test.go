package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// testHeader is the common header of the test packets.
var testHeader = Header{SrcPort: 5000, DstPort: 5001, VerificationTag: 0xcafebabe}

// packetOf serializes h and chunks into a finished packet (test helper).
func packetOf(chunks ...Chunk) []byte {
	return (&Packet{Header: testHeader, Chunks: chunks}).AppendTo(nil)
}

func TestPacketRoundTrip(t *testing.T) {
	var chunks []Chunk
	for _, g := range chunkGoldens {
		if g.chunk.Type() != TypeShutdownComplete {
			chunks = append(chunks, g.chunk)
		}
	}
	b := packetOf(chunks...)
	if !VerifyChecksum(b) {
		t.Fatal("AppendTo wrote a bad checksum")
	}
	p, err := ParsePacket(b)
	if err != nil {
		t.Fatal(err)
	}
	want := testHeader
	want.Checksum = Checksum(b)
	if p.Header != want {
		t.Fatalf("header %+v, want %+v", p.Header, want)
	}
	if !reflect.DeepEqual(p.Chunks, chunks) {
		t.Fatalf("chunks differ:\n got %#v\nwant %#v", p.Chunks, chunks)
	}
	// Serializing after other bytes leaves them alone and checksums only
	// the packet.
	prefix := []byte{1, 2, 3}
	again := p.AppendTo(append([]byte(nil), prefix...))
	if !bytes.Equal(again[:3], prefix) || !bytes.Equal(again[3:], b) {
		t.Fatalf("re-serialized packet differs")
	}
}

// TestPacketGolden parses a packet written out by hand (RFC 9260 3.1,
// 3.3.4, 3.3.1): SACK bundled with DATA, CRC32c computed independently.
func TestPacketGolden(t *testing.T) {
	b := h(`1388 1389 | cafebabe | 00000000 |
		03 00 0010 | 00000009 | 0000ffff | 0000 0000 |
		00 03 0011 | 0000000a | 0001 0000 | 00000033 | 41 000000`)
	if VerifyChecksum(b) {
		t.Fatal("zero checksum accepted")
	}
	Finish(b)
	if !VerifyChecksum(b) {
		t.Fatal("Finish wrote a bad checksum")
	}
	p, err := ParsePacket(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []Chunk{
		&Sack{CumTSNAck: 9, ARwnd: 0xffff},
		&Data{TSN: 10, Stream: 1, PPID: 51, Beginning: true, Ending: true, UserData: []byte("A")},
	}
	if !reflect.DeepEqual(p.Chunks, want) {
		t.Fatalf("got %#v", p.Chunks)
	}
	if got := p.AppendTo(nil); !bytes.Equal(got, b) {
		t.Fatalf("re-serialized:\n got %x\nwant %x", got, b)
	}
}

// TestPacketEveryPrefix parses every truncation of a valid packet, as
// quic-go's ErrorsOnEOFs tests do: a prefix ending on a chunk boundary is a
// valid shorter packet; inside a chunk's length it is ErrTruncated; inside
// the padding it is ErrMalformed (RFC 9260 3.2: padding is mandatory).
func TestPacketEveryPrefix(t *testing.T) {
	var chunks []Chunk
	ends := map[int]int{HeaderLen: 0} // packet length -> chunks in it
	lens := map[int]int{}             // chunk start -> unpadded end
	off := HeaderLen
	for _, g := range chunkGoldens {
		if g.chunk.Type() == TypeShutdownComplete {
			continue
		}
		w := h(g.wire)
		chunks = append(chunks, g.chunk)
		lens[off] = off + (int(w[2])<<8 | int(w[3]))
		off += len(w)
		ends[off] = len(chunks)
	}
	b := packetOf(chunks...)
	start := HeaderLen // start of the chunk the prefix ends in
	for i := 0; i < len(b); i++ {
		p, err := ParsePacket(b[:i])
		if n, ok := ends[i]; ok {
			if err != nil || len(p.Chunks) != n {
				t.Fatalf("prefix %d: %v, want %d chunks", i, err, n)
			}
			start = i
			continue
		}
		want := ErrTruncated
		if i >= HeaderLen && i-start >= 4 && i >= lens[start] {
			want = ErrMalformed
		}
		if !errors.Is(err, want) || p != nil {
			t.Fatalf("prefix %d (chunk at %d): got %v, want %v", i, start, err, want)
		}
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Offset > i {
			t.Fatalf("prefix %d: %#v", i, err)
		}
	}
}

func TestParsePacketErrors(t *testing.T) {
	hdr := "1388 1389 cafebabe 00000000 "
	tests := []struct {
		name string
		wire string
		err  error
		off  int
	}{
		{"empty", "", ErrTruncated, 0},
		{"short header", "1388 1389 cafebabe 000000", ErrTruncated, 0},
		{"chunk length beyond buffer", hdr + "0b 00 0008", ErrTruncated, 12},
		{"chunk header cut", hdr + "0b 00 0004 0b00", ErrTruncated, 16},
		{"zero-length chunk", hdr + "0b 00 0000", ErrMalformed, 12},
		{"chunk length 3", hdr + "0b 00 0003 00", ErrMalformed, 12},
		{"missing padding", hdr + "0a 00 0005 aa", ErrMalformed, 17},
		{"missing padding of last of two", hdr + "0b 00 0004 0a 00 0006 aaaa", ErrMalformed, 22},
		{"bad chunk value", hdr + "0b 00 0004 07 00 0004", ErrTruncated, 20},
		{"SACK counts lie", hdr + "03 00 0010 00000001 00000002 0001 0000", ErrTruncated, 28},
		{"cause beyond chunk", hdr + "06 00 0008 000c 0100", ErrTruncated, 16},
		{"SHUTDOWN COMPLETE after COOKIE ACK", hdr + "0b 00 0004 0e 00 0004", ErrBundling, 16},
		{"SHUTDOWN COMPLETE before DATA", hdr + "0e 01 0004 00 00 0010 00000001 0000 0000 00000000", ErrBundling, 12},
		// RFC 9260 3.3.2: an INIT's fixed part (no parameters).
		{"INIT with COOKIE ECHO", hdr + "01 00 0014 00000001 00010000 000a 000a 00000001 0a 00 0004", ErrBundling, 12},
		{"INIT ACK after PAD", hdr + "84 00 0004 02 00 0014 00000001 00010000 000a 000a 00000001", ErrBundling, 16},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParsePacket(h(tc.wire))
			if !errors.Is(err, tc.err) || p != nil {
				t.Fatalf("got %v, want %v", err, tc.err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Offset != tc.off || pe.What == "" {
				t.Fatalf("ParseError %+v, want offset %d", pe, tc.off)
			}
		})
	}
}

func TestParsePacketAlone(t *testing.T) {
	for _, c := range []Chunk{&ShutdownComplete{T: true}, &CookieAck{}} {
		p, err := ParsePacket(packetOf(c))
		if err != nil || len(p.Chunks) != 1 {
			t.Fatalf("%v alone: %v", c.Type(), err)
		}
	}
	if p, err := ParsePacket(packetOf()); err != nil || len(p.Chunks) != 0 {
		t.Fatalf("no chunks: %v", err)
	}
}

// TestChecksum shows the receive check: a packet whose CRC32c does not
// match is dropped with ErrChecksum (RFC 9260 6.8), and every bit matters.
func TestChecksum(t *testing.T) {
	b := packetOf(&Data{TSN: 1, UserData: []byte("payload")}, &Sack{CumTSNAck: 3})
	if err := CheckChecksum(b); err != nil {
		t.Fatal(err)
	}
	for i := range len(b) * 8 {
		c := bytes.Clone(b)
		c[i/8] ^= 1 << (i % 8)
		err := CheckChecksum(c)
		var pe *ParseError
		if !errors.Is(err, ErrChecksum) || !errors.As(err, &pe) || pe.Offset != 8 {
			t.Fatalf("bit %d flipped: %v", i, err)
		}
		if VerifyChecksum(c) {
			t.Fatalf("bit %d flipped: VerifyChecksum true", i)
		}
	}
	for _, short := range [][]byte{nil, b[:11]} {
		if err := CheckChecksum(short); !errors.Is(err, ErrTruncated) {
			t.Fatalf("%d bytes: %v", len(short), err)
		}
	}
}
