package wire

// OutgoingSSNReset is the Outgoing SSN Reset Request parameter (RFC 6525
// 4.1). An empty Streams means all streams.
type OutgoingSSNReset struct {
	ReqSeq  uint32
	RespSeq uint32
	LastTSN TSN
	Streams []uint16
}

// IncomingSSNReset is the Incoming SSN Reset Request parameter (RFC 6525
// 4.2).
type IncomingSSNReset struct {
	ReqSeq  uint32
	Streams []uint16
}

// SSNTSNReset is the SSN/TSN Reset Request parameter (RFC 6525 4.3).
type SSNTSNReset struct{ ReqSeq uint32 }

// ReconfigResponse is the Re-configuration Response parameter (RFC 6525
// 4.4); the two TSNs are present only when HasTSNs.
type ReconfigResponse struct {
	RespSeq         uint32
	Result          uint32
	HasTSNs         bool
	SenderNextTSN   TSN
	ReceiverNextTSN TSN
}

// Re-configuration results (RFC 6525 4.4).
const (
	ReconfigSuccessNothing   = 0
	ReconfigSuccessPerformed = 1
	ReconfigDenied           = 2
	ReconfigErrorWrongSSN    = 3
	ReconfigErrorInProgress  = 4
	ReconfigErrorBadSeqNum   = 5
	ReconfigInProgress       = 6
)

// AddOutgoingStreams is the Add Outgoing Streams Request (RFC 6525 4.5).
type AddOutgoingStreams struct {
	ReqSeq     uint32
	NewStreams uint16
}

// AddIncomingStreams is the Add Incoming Streams Request (RFC 6525 4.6).
type AddIncomingStreams struct {
	ReqSeq     uint32
	NewStreams uint16
}
