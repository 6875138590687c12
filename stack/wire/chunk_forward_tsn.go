package wire

// ForwardTSN is a FORWARD TSN chunk (RFC 3758 3.2).
type ForwardTSN struct {
	NewCumTSN TSN
	Streams   []ForwardTSNStream
}

// ForwardTSNStream names the last SSN skipped on an ordered stream.
type ForwardTSNStream struct {
	Stream uint16
	SSN    SSN
}

// IForwardTSN is an I-FORWARD TSN chunk (RFC 8260 2.3.1).
type IForwardTSN struct {
	NewCumTSN TSN
	Streams   []IForwardTSNStream
}

// IForwardTSNStream names the last MID skipped on a stream.
type IForwardTSNStream struct {
	Stream    uint16
	Unordered bool // U flag
	MID       MID
}
