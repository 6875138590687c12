package wire

import (
	"bytes"
	"testing"
)

// mtuData is a full-MTU DATA packet: 1472 bytes of UDP payload (1500 - IPv4
// - UDP) holding the common header and one DATA chunk with 1444 bytes of
// user data.
func mtuData() (*Data, []byte) {
	d := &Data{TSN: 1, Stream: 1, SSN: 2, PPID: 51, Beginning: true, Ending: true, UserData: bytes.Repeat([]byte{0xab}, 1444)}
	return d, packetOf(d)
}

// bigSack is a packet with a SACK of 16 gap blocks and 4 duplicate TSNs.
func bigSack() []byte {
	s := &Sack{CumTSNAck: 1000, ARwnd: 1 << 20}
	for i := range uint16(16) {
		s.Gaps = append(s.Gaps, GapBlock{Start: 2 + 4*i, End: 3 + 4*i})
	}
	for i := range TSN(4) {
		s.Dups = append(s.Dups, 900+i)
	}
	return packetOf(s)
}

// receive runs the allocation-free receive path over one packet, decoding
// DATA and SACK chunks into d and s.
func receive(pkt []byte, d *Data, s *Sack) error {
	if _, err := ParseHeader(pkt); err != nil {
		return err
	}
	if err := CheckChecksum(pkt); err != nil {
		return err
	}
	it := NewChunkIter(pkt[HeaderLen:], HeaderLen)
	for it.Next() {
		raw := it.Chunk()
		var err error
		switch raw.Type {
		case TypeData:
			err = d.Decode(raw)
		case TypeSack:
			err = s.Decode(raw)
		}
		if err != nil {
			return err
		}
	}
	return it.Err()
}

// TestReceivePathAllocs holds the package doc's promise: the receive path
// does not allocate once a Sack's slices have grown.
func TestReceivePathAllocs(t *testing.T) {
	_, data := mtuData()
	if len(data) != 1472 {
		t.Fatalf("MTU packet is %d bytes", len(data))
	}
	sack := bigSack()
	var d Data
	var s Sack
	for name, pkt := range map[string][]byte{"DATA": data, "SACK": sack} {
		if err := receive(pkt, &d, &s); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { _ = receive(pkt, &d, &s) }); n != 0 {
			t.Errorf("%s receive: %v allocs", name, n)
		}
	}
	if len(s.Gaps) != 16 || len(s.Dups) != 4 {
		t.Fatalf("SACK decoded %d gaps, %d dups", len(s.Gaps), len(s.Dups))
	}
	dc, _ := mtuData()
	buf := make([]byte, 0, 1500)
	if n := testing.AllocsPerRun(100, func() { buf = appendDataPacket(buf[:0], dc) }); n != 0 {
		t.Errorf("DATA serialize: %v allocs", n)
	}
}

func appendDataPacket(b []byte, d *Data) []byte {
	b = AppendHeader(b, testHeader)
	b = d.AppendTo(b)
	Finish(b)
	return b
}

func BenchmarkParseDataPacket(b *testing.B) {
	_, pkt := mtuData()
	var d Data
	var s Sack
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		if err := receive(pkt, &d, &s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSackPacket(b *testing.B) {
	pkt := bigSack()
	var d Data
	var s Sack
	b.ReportAllocs()
	for b.Loop() {
		if err := receive(pkt, &d, &s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendDataPacket(b *testing.B) {
	d, _ := mtuData()
	buf := make([]byte, 0, 1500)
	b.ReportAllocs()
	b.SetBytes(1472)
	for b.Loop() {
		buf = appendDataPacket(buf[:0], d)
	}
}
