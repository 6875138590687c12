package encap

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
	"sync"
	"time"
)

// Classic pcap file format (https://www.tcpdump.org/manpages/pcap-savefile.5.html).
const (
	pcapMagicMicros = 0xa1b2c3d4
	pcapSnapLen     = 65535
	linkTypeRaw     = 101 // LINKTYPE_RAW: the packet starts with the IP header
	ipv4HeaderLen   = 20
	ipv6HeaderLen   = 40
	udpHeaderLen    = 8
	protoUDP        = 17
)

// PcapWriter writes datagrams as a classic pcap trace with LINKTYPE_RAW and
// synthetic IPv4/IPv6 and UDP headers, so Wireshark shows the SCTP packets
// (decode the encapsulation port as SCTP: -d udp.port==9899,sctp). It is
// safe for concurrent use; the file header goes out with the first packet.
type PcapWriter struct {
	mu      sync.Mutex
	w       io.Writer
	started bool
	ipID    uint16
	buf     []byte
}

// NewPcapWriter returns a writer that appends to w.
func NewPcapWriter(w io.Writer) *PcapWriter { return &PcapWriter{w: w} }

// Write records one UDP datagram from src to dst sent or received at ts.
// src and dst must be of one family; payload must fit one IP packet.
func (p *PcapWriter) Write(ts time.Time, src, dst netip.AddrPort, payload []byte) error {
	sa, da := src.Addr().Unmap(), dst.Addr().Unmap()
	if !sa.IsValid() || !da.IsValid() || sa.Is4() != da.Is4() {
		return fmt.Errorf("encap: pcap: source %v and destination %v are not a pair of one IP family", src, dst)
	}
	hdr := ipv4HeaderLen
	if !sa.Is4() {
		hdr = ipv6HeaderLen
	}
	// The whole IP packet stays within 65535 bytes: the IPv4 total length
	// limit, and the snap length, for both families.
	if len(payload) > pcapSnapLen-hdr-udpHeaderLen {
		return fmt.Errorf("encap: pcap: payload of %d bytes does not fit one IP packet", len(payload))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		if err := p.writeFileHeader(); err != nil {
			return err
		}
		p.started = true
	}
	udpLen := udpHeaderLen + len(payload)
	total := hdr + udpLen
	need := 16 + hdr + udpHeaderLen
	if cap(p.buf) < need {
		p.buf = make([]byte, 16+ipv6HeaderLen+udpHeaderLen)
	}
	b := p.buf[:need]
	clear(b)
	// Record header: seconds, microseconds, captured and original length.
	le := binary.LittleEndian
	le.PutUint32(b[0:], uint32(ts.Unix()))
	le.PutUint32(b[4:], uint32(ts.Nanosecond()/1000))
	le.PutUint32(b[8:], uint32(total))
	le.PutUint32(b[12:], uint32(total))
	ip := b[16 : 16+hdr]
	udp := b[16+hdr:]
	be := binary.BigEndian
	be.PutUint16(udp[0:], src.Port())
	be.PutUint16(udp[2:], dst.Port())
	be.PutUint16(udp[4:], uint16(udpLen))
	if sa.Is4() {
		p.ipID++
		ip[0] = 0x45 // version 4, 5 words of header
		be.PutUint16(ip[2:], uint16(total))
		be.PutUint16(ip[4:], p.ipID)
		be.PutUint16(ip[6:], 0x4000) // DF: RFC 6951 paths do PMTU discovery
		ip[8] = 64
		ip[9] = protoUDP
		s4, d4 := sa.As4(), da.As4()
		copy(ip[12:16], s4[:])
		copy(ip[16:20], d4[:])
		be.PutUint16(ip[10:], ^fold(sum(0, ip)))
		// UDP checksum 0: "not computed", allowed over IPv4 (RFC 768).
	} else {
		ip[0] = 0x60
		be.PutUint16(ip[4:], uint16(udpLen))
		ip[6] = protoUDP
		ip[7] = 64
		s16, d16 := sa.As16(), da.As16()
		copy(ip[8:24], s16[:])
		copy(ip[24:40], d16[:])
		// IPv6 requires the UDP checksum (RFC 8200 section 8.1), over a
		// pseudo-header of addresses, length and next header.
		c := sum(0, ip[8:40])
		c += uint32(udpLen) + protoUDP
		c = sum(c, udp)
		c = sum(c, payload)
		ck := ^fold(c)
		if ck == 0 {
			ck = 0xffff
		}
		be.PutUint16(udp[6:], ck)
	}
	if _, err := p.w.Write(b); err != nil {
		return fmt.Errorf("encap: pcap: %w", err)
	}
	if _, err := p.w.Write(payload); err != nil {
		return fmt.Errorf("encap: pcap: %w", err)
	}
	return nil
}

func (p *PcapWriter) writeFileHeader() error {
	var h [24]byte
	le := binary.LittleEndian
	le.PutUint32(h[0:], pcapMagicMicros)
	le.PutUint16(h[4:], 2) // version 2.4
	le.PutUint16(h[6:], 4)
	le.PutUint32(h[16:], pcapSnapLen)
	le.PutUint32(h[20:], linkTypeRaw)
	if _, err := p.w.Write(h[:]); err != nil {
		return fmt.Errorf("encap: pcap header: %w", err)
	}
	return nil
}

// sum adds b as big-endian 16-bit words to the running Internet checksum
// sum c (RFC 1071); an odd trailing byte is padded with zero.
func sum(c uint32, b []byte) uint32 {
	for len(b) >= 2 {
		c += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		c += uint32(b[0]) << 8
	}
	return c
}

// fold reduces a running sum to 16 bits with end-around carry.
func fold(c uint32) uint16 {
	for c > 0xffff {
		c = c>>16 + c&0xffff
	}
	return uint16(c)
}
