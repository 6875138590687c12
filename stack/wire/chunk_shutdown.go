package wire

// Shutdown is a SHUTDOWN chunk (RFC 9260 3.3.8).
type Shutdown struct {
	CumTSNAck TSN
}

// ShutdownAck is a SHUTDOWN ACK chunk (RFC 9260 3.3.9).
type ShutdownAck struct{}

// ShutdownComplete is a SHUTDOWN COMPLETE chunk (RFC 9260 3.3.13).
type ShutdownComplete struct {
	T bool // tag reflected (RFC 9260 8.5.1)
}
