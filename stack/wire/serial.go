package wire

// Serial number arithmetic (RFC 1982) for the sequence spaces of RFC 9260:
// TSNs and MIDs are 32-bit, SSNs 16-bit. Comparisons go through these
// methods; a bare < on the underlying integers is wrong across wrap-around.

// TSN is a Transmission Sequence Number (RFC 9260 3.3.1).
type TSN uint32

// Less reports whether t comes before u in serial order.
func (t TSN) Less(u TSN) bool { return int32(t-u) < 0 }

// LessEq reports whether t == u or t comes before u.
func (t TSN) LessEq(u TSN) bool { return int32(t-u) <= 0 }

// Add returns t advanced by n.
func (t TSN) Add(n uint32) TSN { return t + TSN(n) }

// Diff returns the signed distance u - t.
func (t TSN) Diff(u TSN) int32 { return int32(u - t) }

// SSN is a Stream Sequence Number (RFC 9260 3.3.1).
type SSN uint16

// Less reports whether s comes before o in serial order.
func (s SSN) Less(o SSN) bool { return int16(s-o) < 0 }

// LessEq reports whether s == o or s comes before o.
func (s SSN) LessEq(o SSN) bool { return int16(s-o) <= 0 }

// MID is an I-DATA Message Identifier (RFC 8260 2.1).
type MID uint32

// Less reports whether m comes before o in serial order.
func (m MID) Less(o MID) bool { return int32(m-o) < 0 }
