package wire

// Pad is a PAD chunk (RFC 4820 3); its content is ignored by the receiver.
type Pad struct {
	Padding []byte
}
