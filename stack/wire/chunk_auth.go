package wire

// Auth is an AUTH chunk (RFC 4895 4.1).
type Auth struct {
	KeyID  uint16 // Shared Key Identifier
	HMACID uint16
	HMAC   []byte
}
