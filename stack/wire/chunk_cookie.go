package wire

// CookieEcho is a COOKIE ECHO chunk (RFC 9260 3.3.11).
type CookieEcho struct {
	Cookie []byte
}

// CookieAck is a COOKIE ACK chunk (RFC 9260 3.3.12).
type CookieAck struct{}

func (*CookieEcho) Type() ChunkType { return TypeCookieEcho }
func (*CookieAck) Type() ChunkType  { return TypeCookieAck }

func (c *CookieEcho) AppendTo(b []byte) []byte {
	return appendBytesChunk(b, TypeCookieEcho, 0, c.Cookie)
}

func (c *CookieEcho) Decode(raw RawChunk) error {
	c.Cookie = nilIfEmpty(raw.Value)
	return nil
}

func (*CookieAck) AppendTo(b []byte) []byte  { return appendChunkHeader(b, TypeCookieAck, 0, 0) }
func (*CookieAck) Decode(raw RawChunk) error { return noValue(raw) }
