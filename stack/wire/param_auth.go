package wire

// Random is the RANDOM parameter (RFC 4895 3.1).
type Random struct{ Data []byte }

// ChunkList is the CHUNKS parameter: chunk types that must be authenticated
// (RFC 4895 3.2).
type ChunkList struct{ Types []ChunkType }

// RequestedHMACAlgo is the HMAC-ALGO parameter (RFC 4895 3.3).
type RequestedHMACAlgo struct{ IDs []uint16 }
