package wire

// Init is an INIT chunk (RFC 9260 3.3.2). Its parameters keep their order
// on the wire so that a decoded INIT re-serializes to the same bytes.
type Init struct {
	InitiateTag uint32
	ARwnd       uint32
	OutStreams  uint16
	InStreams   uint16 // MIS
	InitialTSN  TSN
	Params      []Param
}

// InitAck is an INIT ACK chunk (RFC 9260 3.3.3); it carries the State Cookie
// among its parameters.
type InitAck struct {
	InitiateTag uint32
	ARwnd       uint32
	OutStreams  uint16
	InStreams   uint16
	InitialTSN  TSN
	Params      []Param
}
