package wire

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// isParseError reports whether err is a *ParseError wrapping ErrTruncated
// or ErrMalformed.
func isParseError(err error) bool {
	var pe *ParseError
	return errors.As(err, &pe) && (errors.Is(err, ErrTruncated) || errors.Is(err, ErrMalformed))
}

// chunkGolden is a chunk with its bytes written out from the RFC layout.
type chunkGolden struct {
	name  string
	chunk Chunk
	wire  string
}

// checkChunkGolden checks struct -> bytes, bytes -> struct and bytes ->
// struct -> identical bytes for one golden chunk.
func checkChunkGolden(t *testing.T, g chunkGolden, fresh func() Chunk) {
	t.Helper()
	want := h(g.wire)
	if got := g.chunk.AppendTo(nil); !bytes.Equal(got, want) {
		t.Fatalf("AppendTo:\n got %x\nwant %x", got, want)
	}
	// Appending after existing bytes must not disturb them.
	prefix := []byte{0xee, 0xee, 0xee, 0xee}
	if got := g.chunk.AppendTo(bytes.Clone(prefix)); !bytes.Equal(got, append(prefix, want...)) {
		t.Fatalf("AppendTo after a prefix:\n got %x", got)
	}
	c := fresh()
	if c.Type() != ChunkType(want[0]) {
		t.Fatalf("Type %v, wire says %v", c.Type(), ChunkType(want[0]))
	}
	if err := c.Decode(rawOf(t, want)); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if !reflect.DeepEqual(c, g.chunk) {
		t.Fatalf("Decode:\n got %#v\nwant %#v", c, g.chunk)
	}
	if got := c.AppendTo(nil); !bytes.Equal(got, want) {
		t.Fatalf("re-serialized:\n got %x\nwant %x", got, want)
	}
	if d, err := DecodeChunk(rawOf(t, want)); err != nil || !reflect.DeepEqual(d, g.chunk) {
		t.Fatalf("DecodeChunk: %#v, %v", d, err)
	}
}

// checkChunkPrefixes feeds Decode every prefix of the golden chunk's value
// (with a capacity that ends at the prefix, so a read past it panics). A
// prefix that cuts a parameter must fail with a ParseError; one that ends
// on a parameter boundary may succeed, and then re-serializes to exactly the
// prefix. Every prefix of the whole chunk must fail in the chunk iterator.
// fixed is the length of the value's fields before its parameters.
func checkChunkPrefixes(t *testing.T, g chunkGolden, fresh func() Chunk, fixed int) {
	t.Helper()
	whole := h(g.wire)
	for k := 0; k < len(whole); k++ {
		it := NewChunkIter(whole[:k:k], HeaderLen)
		for it.Next() {
			t.Fatalf("chunk prefix of %d bytes iterated", k)
		}
		if k > 0 && !isParseError(it.Err()) {
			t.Fatalf("chunk prefix of %d bytes: %v", k, it.Err())
		}
	}
	raw := rawOf(t, whole)
	value := raw.Value
	bounds := paramBoundaries(value, fixed)
	for k := 0; k < len(value); k++ {
		r := raw
		r.Value = value[:k:k]
		c := fresh()
		err := c.Decode(r)
		if err != nil {
			if !isParseError(err) {
				t.Fatalf("value prefix %d: error %v is no ParseError", k, err)
			}
			continue
		}
		if !bounds[k] {
			t.Fatalf("value prefix %d cuts a parameter but decoded: %#v", k, c)
		}
		// The same bytes come back; the length may leave out the padding
		// of what is now the last parameter (RFC 9260 3.2).
		want := appendChunkHeader(nil, raw.Type, raw.Flags, k)
		want = appendPadding(append(want, value[:k]...), 0)
		got := c.AppendTo(nil)
		gl := int(got[2])<<8 | int(got[3])
		if !bytes.Equal(got[4:], want[4:]) || !bytes.Equal(got[:2], want[:2]) || gl > k+4 || gl < k+1 {
			t.Fatalf("value prefix %d re-serialized:\n got %x\nwant %x", k, got, want)
		}
	}
}

// paramBoundaries returns the offsets in v where a TLV list starting at
// fixed may end: where a parameter starts or where one ends before its
// padding.
func paramBoundaries(v []byte, fixed int) map[int]bool {
	m := map[int]bool{fixed: true}
	for s := fixed; s+4 <= len(v); {
		l := int(v[s+2])<<8 | int(v[s+3])
		if l < 4 {
			break
		}
		m[s+l] = true
		s += (l + 3) &^ 3
		m[s] = true
	}
	return m
}
