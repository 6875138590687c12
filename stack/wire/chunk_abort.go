package wire

// Abort is an ABORT chunk (RFC 9260 3.3.7).
type Abort struct {
	// T: the verification tag is the one the receiver expects of itself
	// (reflected), not the peer's (RFC 9260 8.5.1).
	T      bool
	Causes []Cause
}
