package wire

// AddIPAddress asks the peer to add Address (*IPv4Address or *IPv6Address)
// to the association (RFC 5061 4.2.1).
type AddIPAddress struct {
	CorrelationID uint32
	Address       Param
}

// DeleteIPAddress asks the peer to remove Address (RFC 5061 4.2.2).
type DeleteIPAddress struct {
	CorrelationID uint32
	Address       Param
}

// SetPrimaryAddress asks the peer to make Address primary (RFC 5061 4.2.4).
type SetPrimaryAddress struct {
	CorrelationID uint32
	Address       Param
}

// ErrorCauseIndication reports the failure of an ASCONF request (RFC 5061
// 4.2.3).
type ErrorCauseIndication struct {
	CorrelationID uint32
	Causes        []Cause
}

// SuccessIndication reports the success of an ASCONF request (RFC 5061
// 4.2.5).
type SuccessIndication struct{ CorrelationID uint32 }
