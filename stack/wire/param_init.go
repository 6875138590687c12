package wire

// StateCookie is the State Cookie parameter of an INIT ACK (RFC 9260
// 3.3.3.1); its content is opaque to the peer.
//
//	Type = 7 | Length = variable
//	Cookie
type StateCookie struct{ Cookie []byte }

// UnrecognizedParam is the Unrecognized Parameter parameter of an INIT ACK
// (RFC 9260 3.3.3.1): it quotes the whole TLV that was not recognized.
type UnrecognizedParam struct{ Param []byte }

// CookiePreservative asks for a longer cookie lifetime (RFC 9260 3.3.2.1).
type CookiePreservative struct{ Increment uint32 } // milliseconds

// ECNCapable is the ECN Capable parameter (RFC 9260 appendix A).
type ECNCapable struct{}

// ForwardTSNSupported is the Forward-TSN-Supported parameter (RFC 3758 3.1).
type ForwardTSNSupported struct{}

// SupportedExtensions lists the extension chunk types a sender supports
// (RFC 5061 4.2.7).
type SupportedExtensions struct{ Types []ChunkType }

// ZeroChecksumAcceptable is RFC 9653's parameter; EDMID names the alternate
// error detection method.
type ZeroChecksumAcceptable struct{ EDMID uint32 }

// AdaptationLayerIndication is RFC 5061 4.2.6.
type AdaptationLayerIndication struct{ Indication uint32 }

// Padding is the Padding parameter (RFC 4820 4); its content is ignored.
type Padding struct{ Padding []byte }

// HeartbeatInfo is the Heartbeat Info parameter (RFC 9260 3.3.5) where it
// appears as a parameter; Heartbeat.Info carries its value directly.
type HeartbeatInfo struct{ Info []byte }

// UnknownParam is a parameter of a type this package does not decode, kept
// raw so the association can apply Type.UnrecognizedAction() and quote it.
type UnknownParam struct {
	Type  ParamType
	Value []byte
}

func (*StateCookie) ParamType() ParamType               { return ParamStateCookie }
func (*UnrecognizedParam) ParamType() ParamType         { return ParamUnrecognized }
func (*CookiePreservative) ParamType() ParamType        { return ParamCookiePreservative }
func (*ECNCapable) ParamType() ParamType                { return ParamECNCapable }
func (*ForwardTSNSupported) ParamType() ParamType       { return ParamForwardTSNSupported }
func (*SupportedExtensions) ParamType() ParamType       { return ParamSupportedExtensions }
func (*ZeroChecksumAcceptable) ParamType() ParamType    { return ParamZeroChecksumAcceptable }
func (*AdaptationLayerIndication) ParamType() ParamType { return ParamAdaptationLayerInd }
func (*Padding) ParamType() ParamType                   { return ParamPadding }
func (*HeartbeatInfo) ParamType() ParamType             { return ParamHeartbeatInfo }
func (p *UnknownParam) ParamType() ParamType            { return p.Type }

func (p *StateCookie) AppendTo(b []byte) []byte {
	return appendParamBytes(b, ParamStateCookie, p.Cookie)
}

func (p *UnrecognizedParam) AppendTo(b []byte) []byte {
	return appendParamBytes(b, ParamUnrecognized, p.Param)
}

// RFC 9260 3.3.2.1: Suggested Cookie Life-Span Increment (msec.), 32 bits.
func (p *CookiePreservative) AppendTo(b []byte) []byte {
	return appendParamU32(b, ParamCookiePreservative, p.Increment)
}

// RFC 9260 appendix A: Type = 0x8000, Length = 4, no value.
func (*ECNCapable) AppendTo(b []byte) []byte { return appendParamHeader(b, ParamECNCapable, 0) }

// RFC 3758 3.1: Type = 0xC000, Length = 4, no value.
func (*ForwardTSNSupported) AppendTo(b []byte) []byte {
	return appendParamHeader(b, ParamForwardTSNSupported, 0)
}

// RFC 5061 4.2.7: one byte per chunk type, padded.
func (p *SupportedExtensions) AppendTo(b []byte) []byte {
	return appendChunkTypeParam(b, ParamSupportedExtensions, p.Types)
}

// RFC 9653 4: Error Detection Method Identifier, 32 bits.
func (p *ZeroChecksumAcceptable) AppendTo(b []byte) []byte {
	return appendParamU32(b, ParamZeroChecksumAcceptable, p.EDMID)
}

// RFC 5061 4.2.6: Adaptation Code Point, 32 bits.
func (p *AdaptationLayerIndication) AppendTo(b []byte) []byte {
	return appendParamU32(b, ParamAdaptationLayerInd, p.Indication)
}

func (p *Padding) AppendTo(b []byte) []byte { return appendParamBytes(b, ParamPadding, p.Padding) }

func (p *HeartbeatInfo) AppendTo(b []byte) []byte {
	return appendParamBytes(b, ParamHeartbeatInfo, p.Info)
}

func (p *UnknownParam) AppendTo(b []byte) []byte { return appendParamBytes(b, p.Type, p.Value) }
