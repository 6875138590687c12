package wire

// Sack is a SACK chunk (RFC 9260 3.3.4).
type Sack struct {
	CumTSNAck TSN
	ARwnd     uint32
	Gaps      []GapBlock // offsets relative to CumTSNAck
	Dups      []TSN      // duplicate TSNs received since the last SACK
}

// GapBlock is one Gap Ack Block: TSNs CumTSNAck+Start .. CumTSNAck+End
// were received.
type GapBlock struct {
	Start, End uint16
}
