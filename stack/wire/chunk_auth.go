package wire

import (
	"encoding/binary"
	"fmt"
)

// Auth is an AUTH chunk (RFC 4895 4.1).
//
//	Type = 0x0F | Flags = 0 | Chunk Length
//	Shared Key Identifier | HMAC Identifier
//	HMAC (variable)
type Auth struct {
	KeyID  uint16 // Shared Key Identifier
	HMACID uint16
	HMAC   []byte
}

func (*Auth) Type() ChunkType { return TypeAuth }

func (c *Auth) AppendTo(b []byte) []byte {
	start := len(b)
	b = appendChunkHeader(b, TypeAuth, 0, 4+len(c.HMAC))
	b = binary.BigEndian.AppendUint16(b, c.KeyID)
	b = binary.BigEndian.AppendUint16(b, c.HMACID)
	b = append(b, c.HMAC...)
	return appendPadding(b, start)
}

// Decode does not check the HMAC's length against HMACID: an unknown HMAC
// identifier is the association's to report (RFC 4895 6.3).
func (c *Auth) Decode(raw RawChunk) error {
	v := raw.Value
	if len(v) < 4 {
		return truncated("AUTH", raw.Offset+chunkHeaderLen, fmt.Sprintf("value of %d bytes < 4", len(v)))
	}
	*c = Auth{
		KeyID:  binary.BigEndian.Uint16(v[0:2]),
		HMACID: binary.BigEndian.Uint16(v[2:4]),
		HMAC:   v[4:],
	}
	return nil
}
