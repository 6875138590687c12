package wire

import "net/netip"

// IPv4Address is an IPv4 Address parameter (RFC 9260 3.3.2.1).
type IPv4Address struct{ Addr netip.Addr }

// IPv6Address is an IPv6 Address parameter (RFC 9260 3.3.2.1).
type IPv6Address struct{ Addr netip.Addr }

// HostNameAddress is the deprecated Host Name Address parameter (RFC 9260
// 3.3.2.1); kept so an INIT carrying it can be answered with an
// "Unresolvable Address" error.
type HostNameAddress struct{ Name []byte }

// SupportedAddrTypes is the Supported Address Types parameter.
type SupportedAddrTypes struct{ Types []ParamType }
