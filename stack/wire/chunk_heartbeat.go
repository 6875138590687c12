package wire

// Heartbeat is a HEARTBEAT chunk (RFC 9260 3.3.5). Info is the value of its
// Heartbeat Info parameter (type 1): opaque sender data the peer echoes.
type Heartbeat struct {
	Info []byte
}

// HeartbeatAck is a HEARTBEAT ACK chunk (RFC 9260 3.3.6) echoing Info.
type HeartbeatAck struct {
	Info []byte
}
