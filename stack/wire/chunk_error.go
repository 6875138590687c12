package wire

// Error is an ERROR chunk (RFC 9260 3.3.10).
type Error struct {
	Causes []Cause
}
