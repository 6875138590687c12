package wire

// Random is the RANDOM parameter (RFC 4895 3.1).
//
//	Type = 0x8002 | Length = 4 + N
//	Random Number (N bytes; 32 recommended)
type Random struct{ Data []byte }

// ChunkList is the CHUNKS parameter: chunk types that must be authenticated
// (RFC 4895 3.2), one byte each.
type ChunkList struct{ Types []ChunkType }

// RequestedHMACAlgo is the HMAC-ALGO parameter (RFC 4895 3.3): a list of
// 16-bit HMAC identifiers in order of preference.
type RequestedHMACAlgo struct{ IDs []uint16 }

// HMAC identifiers (RFC 4895 3.3).
const (
	HMACSHA1   = 1
	HMACSHA256 = 3
)

func (*Random) ParamType() ParamType            { return ParamRandom }
func (*ChunkList) ParamType() ParamType         { return ParamChunkList }
func (*RequestedHMACAlgo) ParamType() ParamType { return ParamRequestedHMACAlgo }

func (p *Random) AppendTo(b []byte) []byte { return appendParamBytes(b, ParamRandom, p.Data) }

func (p *ChunkList) AppendTo(b []byte) []byte {
	return appendChunkTypeParam(b, ParamChunkList, p.Types)
}

func (p *RequestedHMACAlgo) AppendTo(b []byte) []byte {
	start := len(b)
	b = appendParamHeader(b, ParamRequestedHMACAlgo, 2*len(p.IDs))
	b = appendU16List(b, p.IDs)
	return appendPadding(b, start)
}
