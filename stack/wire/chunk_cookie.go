package wire

// CookieEcho is a COOKIE ECHO chunk (RFC 9260 3.3.11).
type CookieEcho struct {
	Cookie []byte
}

// CookieAck is a COOKIE ACK chunk (RFC 9260 3.3.12).
type CookieAck struct{}
