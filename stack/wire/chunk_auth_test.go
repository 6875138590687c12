package wire

import (
	"errors"
	"testing"
)

var authGoldens = []chunkGolden{
	// RFC 4895 4.1:
	//	Type = 0x0F | Flags = 0 | Chunk Length
	//	Shared Key Identifier | HMAC Identifier
	//	HMAC
	// SHA-1: 20 bytes of HMAC.
	{"AUTH SHA-1", &Auth{KeyID: 1, HMACID: HMACSHA1, HMAC: h("00112233445566778899aabbccddeeff00112233")},
		"0f 00 001c | 0001 0001 | 00112233 44556677 8899aabb ccddeeff 00112233"},
	// An odd HMAC length is the association's to refuse; the codec pads.
	{"AUTH odd", &Auth{KeyID: 0xffff, HMACID: 0x1234, HMAC: []byte{1, 2, 3}}, "0f 00 000b | ffff 1234 | 010203 00"},
	{"AUTH no HMAC", &Auth{KeyID: 2, HMACID: HMACSHA256, HMAC: []byte{}}, "0f 00 0008 | 0002 0003"},
}

func TestAuthRoundTrip(t *testing.T) {
	for _, g := range authGoldens {
		t.Run(g.name, func(t *testing.T) {
			checkChunkGolden(t, g, func() Chunk { return new(Auth) })
			// Every prefix of the value shorter than the identifiers is
			// truncated; any longer one is an AUTH with a shorter HMAC.
			raw := rawOf(t, h(g.wire))
			v := raw.Value
			for k := 0; k < len(v); k++ {
				r := raw
				r.Value = v[:k:k]
				var c Auth
				err := c.Decode(r)
				switch {
				case k < 4 && (!errors.Is(err, ErrTruncated) || !isParseError(err)):
					t.Fatalf("prefix %d: %v, want ErrTruncated", k, err)
				case k >= 4 && (err != nil || len(c.HMAC) != k-4):
					t.Fatalf("prefix %d: %v, HMAC %x", k, err, c.HMAC)
				}
			}
		})
	}
}

func TestAuthDecodeErrors(t *testing.T) {
	for _, wire := range []string{"0f 00 0004", "0f 00 0007 | 0001 00 00"} {
		var c Auth
		if err := c.Decode(rawOf(t, h(wire))); !errors.Is(err, ErrTruncated) {
			t.Fatalf("%s: %v, want ErrTruncated", wire, err)
		}
	}
}
