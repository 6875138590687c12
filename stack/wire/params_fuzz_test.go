package wire

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzParamChunks decodes arbitrary values as INIT, INIT ACK, AUTH, ASCONF,
// ASCONF ACK and RE-CONFIG chunks. Decoding never panics and fails only
// with a ParseError; what decodes re-serializes to bytes that decode to the
// same value and serialize again to the same bytes.
func FuzzParamChunks(f *testing.F) {
	for _, gs := range [][]chunkGolden{initGoldens, initAckGoldens, authGoldens, asconfGoldens, asconfAckGoldens, reconfigGoldens} {
		for _, g := range gs {
			b := h(g.wire)
			f.Add(b[0], b[4:])
		}
	}
	for _, p := range paramGoldens {
		f.Add(byte(TypeInit), append(make([]byte, 16), h(p.wire)...))
	}
	fresh := map[ChunkType]func() Chunk{
		TypeInit:      func() Chunk { return new(Init) },
		TypeInitAck:   func() Chunk { return new(InitAck) },
		TypeAuth:      func() Chunk { return new(Auth) },
		TypeAsconf:    func() Chunk { return new(Asconf) },
		TypeAsconfAck: func() Chunk { return new(AsconfAck) },
		TypeReconfig:  func() Chunk { return new(Reconfig) },
	}
	f.Fuzz(func(t *testing.T, typ byte, value []byte) {
		mk, ok := fresh[ChunkType(typ)]
		if !ok || len(value) > 0xffff-chunkHeaderLen {
			return
		}
		c := mk()
		if err := c.Decode(RawChunk{Type: ChunkType(typ), Value: value[:len(value):len(value)]}); err != nil {
			if !isParseError(err) {
				t.Fatalf("error %v is no ParseError", err)
			}
			return
		}
		b1 := c.AppendTo(nil)
		raw := rawOf(t, b1)
		c2 := mk()
		if err := c2.Decode(raw); err != nil {
			t.Fatalf("re-decode of %x: %v", b1, err)
		}
		if !reflect.DeepEqual(c, c2) {
			t.Fatalf("re-decode differs:\n%#v\n%#v", c, c2)
		}
		if b2 := c2.AppendTo(nil); !bytes.Equal(b1, b2) {
			t.Fatalf("re-serialization differs:\n%x\n%x", b1, b2)
		}
	})
}
