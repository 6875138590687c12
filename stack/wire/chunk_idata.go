package wire

// IData is an I-DATA chunk (RFC 8260 2.1): DATA with a 32-bit Message
// Identifier instead of the SSN, so messages can be interleaved.
//
//	Type = 64 | Res|I|U|B|E | Length
//	TSN
//	Stream Identifier | Reserved
//	Message Identifier
//	Payload Protocol Identifier / Fragment Sequence Number
//	User Data
type IData struct {
	TSN       TSN
	Stream    uint16
	MID       MID
	PPID      uint32 // present when Beginning
	FSN       uint32 // present when !Beginning
	Unordered bool
	Beginning bool
	Ending    bool
	Immediate bool
	UserData  []byte
}
