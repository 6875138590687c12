package wire

// Asconf is an ASCONF chunk (RFC 5061 4.1.1). Address is the mandatory
// address parameter (*IPv4Address or *IPv6Address); Params are the ASCONF
// parameters that follow it.
type Asconf struct {
	Seq     uint32
	Address Param
	Params  []Param
}

// AsconfAck is an ASCONF ACK chunk (RFC 5061 4.1.2).
type AsconfAck struct {
	Seq    uint32
	Params []Param
}
