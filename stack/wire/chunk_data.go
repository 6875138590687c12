package wire

// Data is a DATA chunk (RFC 9260 3.3.1; I bit from RFC 7053).
//
//	Type = 0 | Reserved|I|U|B|E | Length
//	TSN
//	Stream Identifier S | Stream Sequence Number n
//	Payload Protocol Identifier
//	User Data (seq n of Stream S)
type Data struct {
	TSN       TSN
	Stream    uint16
	SSN       SSN
	PPID      uint32
	Unordered bool // U bit
	Beginning bool // B bit: first fragment
	Ending    bool // E bit: last fragment
	Immediate bool // I bit (RFC 7053): the receiver should SACK at once
	UserData  []byte
}
