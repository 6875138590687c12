package wire

import "fmt"

// ParamType is the type of a TLV parameter (RFC 9260 3.2.1 and the
// extensions' IANA registrations).
type ParamType uint16

// Parameter types.
const (
	ParamHeartbeatInfo          ParamType = 1      // RFC 9260 3.3.5
	ParamIPv4Address            ParamType = 5      // RFC 9260 3.3.2.1
	ParamIPv6Address            ParamType = 6      // RFC 9260 3.3.2.1
	ParamStateCookie            ParamType = 7      // RFC 9260 3.3.3.1
	ParamUnrecognized           ParamType = 8      // RFC 9260 3.3.3.1
	ParamCookiePreservative     ParamType = 9      // RFC 9260 3.3.2.1
	ParamHostNameAddress        ParamType = 11     // RFC 9260 3.3.2.1 (deprecated)
	ParamSupportedAddrTypes     ParamType = 12     // RFC 9260 3.3.2.1
	ParamOutgoingSSNReset       ParamType = 13     // RFC 6525 4.1
	ParamIncomingSSNReset       ParamType = 14     // RFC 6525 4.2
	ParamSSNTSNReset            ParamType = 15     // RFC 6525 4.3
	ParamReconfigResponse       ParamType = 16     // RFC 6525 4.4
	ParamAddOutgoingStreams     ParamType = 17     // RFC 6525 4.5
	ParamAddIncomingStreams     ParamType = 18     // RFC 6525 4.6
	ParamECNCapable             ParamType = 0x8000 // RFC 9260 appendix A
	ParamZeroChecksumAcceptable ParamType = 0x8001 // RFC 9653 4
	ParamRandom                 ParamType = 0x8002 // RFC 4895 3.1
	ParamChunkList              ParamType = 0x8003 // RFC 4895 3.2
	ParamRequestedHMACAlgo      ParamType = 0x8004 // RFC 4895 3.3
	ParamPadding                ParamType = 0x8005 // RFC 4820 4
	ParamSupportedExtensions    ParamType = 0x8008 // RFC 5061 4.2.7
	ParamForwardTSNSupported    ParamType = 0xC000 // RFC 3758 3.1
	ParamAddIPAddress           ParamType = 0xC001 // RFC 5061 4.2.1
	ParamDeleteIPAddress        ParamType = 0xC002 // RFC 5061 4.2.2
	ParamErrorCauseIndication   ParamType = 0xC003 // RFC 5061 4.2.3
	ParamSetPrimaryAddress      ParamType = 0xC004 // RFC 5061 4.2.4
	ParamSuccessIndication      ParamType = 0xC005 // RFC 5061 4.2.5
	ParamAdaptationLayerInd     ParamType = 0xC006 // RFC 5061 4.2.6
)

func (t ParamType) String() string { return fmt.Sprintf("param 0x%04x", uint16(t)) }

// UnrecognizedAction returns what RFC 9260 3.2.1 says to do with a parameter
// of this type when it is not recognized (the two high-order bits).
func (t ParamType) UnrecognizedAction() Action { return Action(t >> 14) }

// Param is one decoded TLV parameter. Implementations are pointer types.
type Param interface {
	ParamType() ParamType
	// AppendTo appends the whole parameter (header, value, zero padding
	// to 4 bytes) to b.
	AppendTo(b []byte) []byte
}

// paramHeaderLen is the length of type and length (RFC 9260 3.2.1).
const paramHeaderLen = 4
