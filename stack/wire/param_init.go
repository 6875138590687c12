package wire

// StateCookie is the State Cookie parameter of an INIT ACK (RFC 9260
// 3.3.3.1); its content is opaque to the peer.
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
