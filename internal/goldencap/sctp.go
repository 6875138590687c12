package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Chunk types (RFC 9260 section 3.2, RFC 3758, RFC 4895, RFC 6525, RFC 8260,
// RFC 5061, RFC 4820) that goldencap names.
const (
	ctData             = 0
	ctInit             = 1
	ctInitAck          = 2
	ctSack             = 3
	ctHeartbeat        = 4
	ctHeartbeatAck     = 5
	ctAbort            = 6
	ctShutdown         = 7
	ctShutdownAck      = 8
	ctError            = 9
	ctCookieEcho       = 10
	ctCookieAck        = 11
	ctECNE             = 12
	ctCWR              = 13
	ctShutdownComplete = 14
	ctAuth             = 15
	ctNRSack           = 16
	ctIData            = 64
	ctAsconfAck        = 128
	ctReconfig         = 130
	ctPad              = 132
	ctForwardTSN       = 192
	ctAsconf           = 193
	ctIForwardTSN      = 194
)

var chunkNames = map[byte]string{
	ctData: "DATA", ctInit: "INIT", ctInitAck: "INIT ACK", ctSack: "SACK",
	ctHeartbeat: "HEARTBEAT", ctHeartbeatAck: "HEARTBEAT ACK", ctAbort: "ABORT",
	ctShutdown: "SHUTDOWN", ctShutdownAck: "SHUTDOWN ACK", ctError: "ERROR",
	ctCookieEcho: "COOKIE ECHO", ctCookieAck: "COOKIE ACK", ctECNE: "ECNE",
	ctCWR: "CWR", ctShutdownComplete: "SHUTDOWN COMPLETE", ctAuth: "AUTH",
	ctNRSack: "NR-SACK", ctIData: "I-DATA", ctAsconfAck: "ASCONF ACK",
	ctReconfig: "RE-CONFIG", ctPad: "PAD", ctForwardTSN: "FORWARD TSN",
	ctAsconf: "ASCONF", ctIForwardTSN: "I-FORWARD TSN",
}

func chunkName(t byte) string {
	if n, ok := chunkNames[t]; ok {
		return n
	}
	return fmt.Sprintf("type %d", t)
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// chunk is one chunk of a packet: its type, flags and value (without header
// and padding).
type chunk struct {
	typ   byte
	flags byte
	value []byte
}

// packet is a parsed SCTP common header plus its chunks (RFC 9260 3.1).
type packet struct {
	srcPort, dstPort uint16
	vtag             uint32
	chunks           []chunk
}

// checksum computes the CRC32c of raw with the checksum field taken as zero,
// in the byte order of RFC 9260 appendix B (little-endian on the wire).
func checksum(raw []byte) uint32 {
	c := crc32.Update(0, castagnoli, raw[:8])
	c = crc32.Update(c, castagnoli, []byte{0, 0, 0, 0})
	return crc32.Update(c, castagnoli, raw[12:])
}

// parsePacket checks the checksum and that the chunk lengths walk the packet
// exactly (RFC 9260 3.2: each chunk padded to 4 bytes, the last one's padding
// included in the packet).
func parsePacket(raw []byte) (*packet, error) {
	if len(raw) < 12 {
		return nil, errors.New("packet shorter than the common header")
	}
	if got, want := binary.LittleEndian.Uint32(raw[8:12]), checksum(raw); got != want {
		return nil, fmt.Errorf("checksum %08x, computed %08x", got, want)
	}
	p := &packet{
		srcPort: binary.BigEndian.Uint16(raw[0:2]),
		dstPort: binary.BigEndian.Uint16(raw[2:4]),
		vtag:    binary.BigEndian.Uint32(raw[4:8]),
	}
	rest := raw[12:]
	for len(rest) > 0 {
		if len(rest) < 4 {
			return nil, fmt.Errorf("%d trailing bytes after the last chunk", len(rest))
		}
		l := int(binary.BigEndian.Uint16(rest[2:4]))
		if l < 4 || l > len(rest) {
			return nil, fmt.Errorf("chunk %s length %d, %d bytes left", chunkName(rest[0]), l, len(rest))
		}
		p.chunks = append(p.chunks, chunk{typ: rest[0], flags: rest[1], value: rest[4:l]})
		padded := (l + 3) &^ 3
		if padded > len(rest) {
			return nil, fmt.Errorf("chunk %s padding runs past the packet", chunkName(rest[0]))
		}
		rest = rest[padded:]
	}
	if len(p.chunks) == 0 {
		return nil, errors.New("no chunks")
	}
	return p, nil
}

func (p *packet) has(t byte) bool {
	for _, c := range p.chunks {
		if c.typ == t {
			return true
		}
	}
	return false
}

func (p *packet) count(t byte) int {
	n := 0
	for _, c := range p.chunks {
		if c.typ == t {
			n++
		}
	}
	return n
}

func (p *packet) first(t byte) *chunk {
	for i := range p.chunks {
		if p.chunks[i].typ == t {
			return &p.chunks[i]
		}
	}
	return nil
}

// chunkList names the chunks in order, e.g. "SACK, DATA, DATA".
func (p *packet) chunkList() string {
	s := ""
	for i, c := range p.chunks {
		if i > 0 {
			s += ", "
		}
		s += chunkName(c.typ)
	}
	return s
}

// tsn returns the TSN of a DATA or I-DATA chunk (RFC 9260 3.3.1, RFC 8260 2.1).
func (c *chunk) tsn() (uint32, bool) {
	if (c.typ != ctData && c.typ != ctIData) || len(c.value) < 4 {
		return 0, false
	}
	return binary.BigEndian.Uint32(c.value[0:4]), true
}

// initTSN returns the Initial TSN of an INIT or INIT ACK (RFC 9260 3.3.2).
func (c *chunk) initTSN() (uint32, bool) {
	if (c.typ != ctInit && c.typ != ctInitAck) || len(c.value) < 16 {
		return 0, false
	}
	return binary.BigEndian.Uint32(c.value[12:16]), true
}

// sackCounts returns the number of gap ack blocks and duplicate TSNs of a
// SACK (RFC 9260 3.3.4) or NR-SACK.
func (c *chunk) sackCounts() (gaps, dups int) {
	if (c.typ != ctSack && c.typ != ctNRSack) || len(c.value) < 12 {
		return 0, 0
	}
	gaps = int(binary.BigEndian.Uint16(c.value[8:10]))
	dups = int(binary.BigEndian.Uint16(c.value[10:12]))
	if c.typ == ctNRSack && len(c.value) >= 16 {
		// NR-SACK: cum TSN, a_rwnd, #gaps, #nr-gaps, #dups, reserved.
		nr := int(binary.BigEndian.Uint16(c.value[10:12]))
		gaps += nr
		dups = int(binary.BigEndian.Uint16(c.value[12:14]))
	}
	return gaps, dups
}

// buildPacket serializes a common header plus chunks and fills the checksum.
func buildPacket(src, dst uint16, vtag uint32, chunks ...chunk) []byte {
	b := make([]byte, 12, 64)
	binary.BigEndian.PutUint16(b[0:2], src)
	binary.BigEndian.PutUint16(b[2:4], dst)
	binary.BigEndian.PutUint32(b[4:8], vtag)
	for _, c := range chunks {
		h := []byte{c.typ, c.flags, 0, 0}
		binary.BigEndian.PutUint16(h[2:4], uint16(4+len(c.value)))
		b = append(b, h...)
		b = append(b, c.value...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	binary.LittleEndian.PutUint32(b[8:12], checksum(b))
	return b
}

// withoutInitParam returns a copy of an INIT packet without parameters of
// type pt, or nil if it has none (RFC 9260 3.3.2: fixed part, then TLV
// parameters padded to 4 bytes).
func withoutInitParam(p *packet, pt uint16) []byte {
	if len(p.chunks) != 1 || p.chunks[0].typ != ctInit || len(p.chunks[0].value) < 16 {
		return nil
	}
	v := p.chunks[0].value
	kept := append([]byte(nil), v[:16]...)
	removed := false
	for rest := v[16:]; len(rest) >= 4; {
		l := int(binary.BigEndian.Uint16(rest[2:4]))
		if l < 4 || l > len(rest) {
			return nil
		}
		padded := min((l+3)&^3, len(rest))
		if binary.BigEndian.Uint16(rest[0:2]) == pt {
			removed = true
		} else {
			kept = append(kept, rest[:padded]...)
		}
		rest = rest[padded:]
	}
	if !removed {
		return nil
	}
	return buildPacket(p.srcPort, p.dstPort, p.vtag, chunk{typ: ctInit, flags: p.chunks[0].flags, value: kept})
}
