package wire

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// HeaderLen is the length of the SCTP common header (RFC 9260 3.1).
const HeaderLen = 12

// Header is the SCTP common header (RFC 9260 3.1).
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Source Port Number        |     Destination Port Number   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                      Verification Tag                         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                           Checksum                            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
type Header struct {
	SrcPort         uint16
	DstPort         uint16
	VerificationTag uint32
	Checksum        uint32 // as received; AppendHeader writes 0 and Finish fills it
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// zeroCRCField stands in for the checksum field. It is a package variable
// because a local array escapes through crc32.Update and would cost an
// allocation per packet. Never written.
var zeroCRCField [4]byte

// ParseHeader decodes the common header. It does not check the checksum.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, truncated("common header", 0, fmt.Sprintf("%d bytes < 12", len(b)))
	}
	return Header{
		SrcPort:         binary.BigEndian.Uint16(b[0:2]),
		DstPort:         binary.BigEndian.Uint16(b[2:4]),
		VerificationTag: binary.BigEndian.Uint32(b[4:8]),
		// RFC 9260 appendix B: the CRC32c is stored in network order of
		// its reflected result, which reads as little-endian here.
		Checksum: binary.LittleEndian.Uint32(b[8:12]),
	}, nil
}

// Checksum computes the CRC32c of packet b with its checksum field taken as
// zero (RFC 9260 appendix B).
func Checksum(b []byte) uint32 {
	c := crc32.Update(0, castagnoli, b[:8])
	c = crc32.Update(c, castagnoli, zeroCRCField[:])
	return crc32.Update(c, castagnoli, b[12:])
}

// VerifyChecksum reports whether packet b carries a correct CRC32c.
func VerifyChecksum(b []byte) bool {
	return len(b) >= HeaderLen && binary.LittleEndian.Uint32(b[8:12]) == Checksum(b)
}

// AppendHeader starts a packet in b with checksum zero; append chunks, then
// call Finish on the packet's bytes.
func AppendHeader(b []byte, h Header) []byte {
	b = binary.BigEndian.AppendUint16(b, h.SrcPort)
	b = binary.BigEndian.AppendUint16(b, h.DstPort)
	b = binary.BigEndian.AppendUint32(b, h.VerificationTag)
	return append(b, 0, 0, 0, 0)
}

// Finish writes the CRC32c into packet p (which starts with its header).
func Finish(p []byte) {
	binary.LittleEndian.PutUint32(p[8:12], Checksum(p))
}
