package wire

import "fmt"

// CauseCode is an error cause code (RFC 9260 3.3.10 and extensions).
type CauseCode uint16

// Error cause codes.
const (
	CauseInvalidStream             CauseCode = 1      // RFC 9260 3.3.10.1
	CauseMissingMandatoryParam     CauseCode = 2      // 3.3.10.2
	CauseStaleCookie               CauseCode = 3      // 3.3.10.3
	CauseOutOfResource             CauseCode = 4      // 3.3.10.4
	CauseUnresolvableAddress       CauseCode = 5      // 3.3.10.5
	CauseUnrecognizedChunk         CauseCode = 6      // 3.3.10.6
	CauseInvalidMandatoryParam     CauseCode = 7      // 3.3.10.7
	CauseUnrecognizedParams        CauseCode = 8      // 3.3.10.8
	CauseNoUserData                CauseCode = 9      // 3.3.10.9
	CauseCookieWhileShuttingDown   CauseCode = 10     // 3.3.10.10
	CauseRestartWithNewAddresses   CauseCode = 11     // 3.3.10.11
	CauseUserInitiatedAbort        CauseCode = 12     // 3.3.10.12
	CauseProtocolViolation         CauseCode = 13     // 3.3.10.13
	CauseDeleteLastAddress         CauseCode = 0x00A0 // RFC 5061 5.1
	CauseResourceShortage          CauseCode = 0x00A1 // RFC 5061
	CauseDeleteSourceAddress       CauseCode = 0x00A2 // RFC 5061
	CauseIllegalAsconfAck          CauseCode = 0x00A3 // RFC 5061
	CauseNoAuthorization           CauseCode = 0x00A4 // RFC 5061
	CauseUnsupportedHMACIdentifier CauseCode = 0x0105 // RFC 4895 6.1
)

func (c CauseCode) String() string { return fmt.Sprintf("cause %d", uint16(c)) }

// Cause is one decoded error cause. Implementations are pointer types.
type Cause interface {
	CauseCode() CauseCode
	// AppendTo appends the whole cause (code, length, value, zero padding
	// to 4 bytes) to b.
	AppendTo(b []byte) []byte
}

// InvalidStream: data for a stream that does not exist.
type InvalidStream struct{ Stream uint16 }

// MissingMandatoryParam lists the missing parameter types.
type MissingMandatoryParam struct{ Types []ParamType }

// StaleCookie reports how late the cookie was, in microseconds.
type StaleCookie struct{ Staleness uint32 }

// OutOfResource has no value.
type OutOfResource struct{}

// UnresolvableAddress quotes the address parameter (whole TLV).
type UnresolvableAddress struct{ Address []byte }

// UnrecognizedChunk quotes the whole unrecognized chunk.
type UnrecognizedChunk struct{ Chunk []byte }

// InvalidMandatoryParam has no value.
type InvalidMandatoryParam struct{}

// UnrecognizedParams quotes the unrecognized parameters (whole TLVs).
type UnrecognizedParams struct{ Params []byte }

// NoUserData names the TSN of a DATA chunk without user data.
type NoUserData struct{ TSN TSN }

// CookieWhileShuttingDown has no value.
type CookieWhileShuttingDown struct{}

// RestartWithNewAddresses quotes the new address parameters (whole TLVs).
type RestartWithNewAddresses struct{ Addresses []byte }

// UserInitiatedAbort carries the upper layer's reason.
type UserInitiatedAbort struct{ Reason []byte }

// ProtocolViolation carries additional information.
type ProtocolViolation struct{ Info []byte }

// DeleteLastAddress quotes the ASCONF parameter (RFC 5061).
type DeleteLastAddress struct{ Param []byte }

// ResourceShortage quotes the ASCONF parameter (RFC 5061).
type ResourceShortage struct{ Param []byte }

// DeleteSourceAddress quotes the ASCONF parameter (RFC 5061).
type DeleteSourceAddress struct{ Param []byte }

// IllegalAsconfAck has no value (RFC 5061).
type IllegalAsconfAck struct{}

// NoAuthorization quotes the ASCONF parameter (RFC 5061).
type NoAuthorization struct{ Param []byte }

// UnsupportedHMACIdentifier names the HMAC identifier (RFC 4895 6.1).
type UnsupportedHMACIdentifier struct{ HMACID uint16 }

// UnknownCause is a cause this package does not decode, kept raw.
type UnknownCause struct {
	Code  CauseCode
	Value []byte
}
