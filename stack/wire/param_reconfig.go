package wire

import (
	"encoding/binary"
	"fmt"
)

// OutgoingSSNReset is the Outgoing SSN Reset Request parameter (RFC 6525
// 4.1). An empty Streams means all streams.
//
//	Type = 13 | Length = 16 + 2 * N
//	Re-configuration Request Sequence Number
//	Re-configuration Response Sequence Number
//	Sender's Last Assigned TSN
//	Stream Number 1 (optional) | Stream Number 2 (optional) ...
type OutgoingSSNReset struct {
	ReqSeq  uint32
	RespSeq uint32
	LastTSN TSN
	Streams []uint16
}

// IncomingSSNReset is the Incoming SSN Reset Request parameter (RFC 6525
// 4.2).
//
//	Type = 14 | Length = 8 + 2 * N
//	Re-configuration Request Sequence Number
//	Stream Number 1 (optional) | Stream Number 2 (optional) ...
type IncomingSSNReset struct {
	ReqSeq  uint32
	Streams []uint16
}

// SSNTSNReset is the SSN/TSN Reset Request parameter (RFC 6525 4.3).
//
//	Type = 15 | Length = 8
//	Re-configuration Request Sequence Number
type SSNTSNReset struct{ ReqSeq uint32 }

// ReconfigResponse is the Re-configuration Response parameter (RFC 6525
// 4.4); the two TSNs are present only when HasTSNs.
//
//	Type = 16 | Length = 12 or 20
//	Re-configuration Response Sequence Number
//	Result
//	Sender's Next TSN (optional)
//	Receiver's Next TSN (optional)
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
//
//	Type = 17 | Length = 12
//	Re-configuration Request Sequence Number
//	Number of new streams | Reserved
type AddOutgoingStreams struct {
	ReqSeq     uint32
	NewStreams uint16
}

// AddIncomingStreams is the Add Incoming Streams Request (RFC 6525 4.6),
// laid out as AddOutgoingStreams with Type = 18.
type AddIncomingStreams struct {
	ReqSeq     uint32
	NewStreams uint16
}

func (*OutgoingSSNReset) ParamType() ParamType   { return ParamOutgoingSSNReset }
func (*IncomingSSNReset) ParamType() ParamType   { return ParamIncomingSSNReset }
func (*SSNTSNReset) ParamType() ParamType        { return ParamSSNTSNReset }
func (*ReconfigResponse) ParamType() ParamType   { return ParamReconfigResponse }
func (*AddOutgoingStreams) ParamType() ParamType { return ParamAddOutgoingStreams }
func (*AddIncomingStreams) ParamType() ParamType { return ParamAddIncomingStreams }

func (p *OutgoingSSNReset) AppendTo(b []byte) []byte {
	start := len(b)
	b = appendParamHeader(b, ParamOutgoingSSNReset, 12+2*len(p.Streams))
	b = binary.BigEndian.AppendUint32(b, p.ReqSeq)
	b = binary.BigEndian.AppendUint32(b, p.RespSeq)
	b = binary.BigEndian.AppendUint32(b, uint32(p.LastTSN))
	b = appendU16List(b, p.Streams)
	return appendPadding(b, start)
}

func (p *IncomingSSNReset) AppendTo(b []byte) []byte {
	start := len(b)
	b = appendParamHeader(b, ParamIncomingSSNReset, 4+2*len(p.Streams))
	b = binary.BigEndian.AppendUint32(b, p.ReqSeq)
	b = appendU16List(b, p.Streams)
	return appendPadding(b, start)
}

func (p *SSNTSNReset) AppendTo(b []byte) []byte {
	return appendParamU32(b, ParamSSNTSNReset, p.ReqSeq)
}

func (p *ReconfigResponse) AppendTo(b []byte) []byte {
	n := 8
	if p.HasTSNs {
		n = 16
	}
	b = appendParamHeader(b, ParamReconfigResponse, n)
	b = binary.BigEndian.AppendUint32(b, p.RespSeq)
	b = binary.BigEndian.AppendUint32(b, p.Result)
	if p.HasTSNs {
		b = binary.BigEndian.AppendUint32(b, uint32(p.SenderNextTSN))
		b = binary.BigEndian.AppendUint32(b, uint32(p.ReceiverNextTSN))
	}
	return b
}

func (p *AddOutgoingStreams) AppendTo(b []byte) []byte {
	return appendAddStreams(b, ParamAddOutgoingStreams, p.ReqSeq, p.NewStreams)
}

func (p *AddIncomingStreams) AppendTo(b []byte) []byte {
	return appendAddStreams(b, ParamAddIncomingStreams, p.ReqSeq, p.NewStreams)
}

func appendAddStreams(b []byte, t ParamType, seq uint32, n uint16) []byte {
	b = appendParamHeader(b, t, 8)
	b = binary.BigEndian.AppendUint32(b, seq)
	return append(b, byte(n>>8), byte(n), 0, 0) // reserved
}

func decodeOutgoingSSNReset(v []byte, off int) (Param, error) {
	if len(v) < 12 {
		return nil, truncated("Outgoing SSN Reset Request", off, fmt.Sprintf("value of %d bytes < 12", len(v)))
	}
	s, err := decodeU16List[uint16](v[12:], off+12, ParamOutgoingSSNReset)
	if err != nil {
		return nil, err
	}
	return &OutgoingSSNReset{
		ReqSeq:  binary.BigEndian.Uint32(v[0:4]),
		RespSeq: binary.BigEndian.Uint32(v[4:8]),
		LastTSN: TSN(binary.BigEndian.Uint32(v[8:12])),
		Streams: s,
	}, nil
}

func decodeIncomingSSNReset(v []byte, off int) (Param, error) {
	if len(v) < 4 {
		return nil, truncated("Incoming SSN Reset Request", off, fmt.Sprintf("value of %d bytes < 4", len(v)))
	}
	s, err := decodeU16List[uint16](v[4:], off+4, ParamIncomingSSNReset)
	if err != nil {
		return nil, err
	}
	return &IncomingSSNReset{ReqSeq: binary.BigEndian.Uint32(v[0:4]), Streams: s}, nil
}

func decodeReconfigResponse(v []byte, off int) (Param, error) {
	if len(v) != 8 && len(v) != 16 {
		return nil, malformed("Re-configuration Response", off, fmt.Sprintf("value of %d bytes, want 8 or 16", len(v)))
	}
	p := &ReconfigResponse{
		RespSeq: binary.BigEndian.Uint32(v[0:4]),
		Result:  binary.BigEndian.Uint32(v[4:8]),
	}
	if len(v) == 16 {
		p.HasTSNs = true
		p.SenderNextTSN = TSN(binary.BigEndian.Uint32(v[8:12]))
		p.ReceiverNextTSN = TSN(binary.BigEndian.Uint32(v[12:16]))
	}
	return p, nil
}

// decodeAddStreams decodes the value shared by the Add Outgoing and Add
// Incoming Streams Requests; the reserved field is ignored on receipt.
func decodeAddStreams(v []byte, off int, t ParamType) (uint32, uint16, error) {
	if len(v) != 8 {
		return 0, 0, malformed(t.String(), off, fmt.Sprintf("value of %d bytes, want 8", len(v)))
	}
	return binary.BigEndian.Uint32(v[0:4]), binary.BigEndian.Uint16(v[4:6]), nil
}
