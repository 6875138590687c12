package assoc

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// cookie is the State Cookie of RFC 9260 5.1.3: everything needed to create
// the association from a COOKIE ECHO, signed so that the INIT receiver keeps
// no state. It also carries the Tie-Tags of 5.2.2.
type cookie struct {
	created    time.Time
	life       time.Duration
	localTag   uint32 // our Initiate Tag in the INIT ACK
	peerTag    uint32 // the INIT's Initiate Tag
	localTSN   wire.TSN
	peerTSN    wire.TSN
	outStreams uint16 // negotiated: min(our OS, peer MIS)
	inStreams  uint16 // negotiated: min(our MIS, peer OS)
	peerRwnd   uint32
	localTie   uint32
	peerTie    uint32
	peerPRSCTP bool
	localPort  uint16
	peerPort   uint16
	src        netip.AddrPort // the INIT's source
	peerAddrs  []netip.Addr   // addresses listed in the INIT
	ext        cookieExt      // AUTH and ASCONF (cookie_ext.go)
}

const (
	cookieVersion = 1
	cookieMACLen  = 32 // HMAC-SHA256
	cookieFixed   = 73 // bytes before the address list
	maxCookieAddr = 32
)

var errBadCookie = errors.New("sctp: invalid state cookie")

// marshal appends the signed cookie to b.
func (c *cookie) marshal(b []byte, secret []byte) []byte {
	start := len(b)
	var flags byte
	if c.peerPRSCTP {
		flags |= 1
	}
	b = append(b, cookieVersion, flags)
	b = binary.BigEndian.AppendUint64(b, uint64(c.created.UnixNano()))
	b = binary.BigEndian.AppendUint64(b, uint64(c.life))
	b = binary.BigEndian.AppendUint32(b, c.localTag)
	b = binary.BigEndian.AppendUint32(b, c.peerTag)
	b = binary.BigEndian.AppendUint32(b, uint32(c.localTSN))
	b = binary.BigEndian.AppendUint32(b, uint32(c.peerTSN))
	b = binary.BigEndian.AppendUint16(b, c.outStreams)
	b = binary.BigEndian.AppendUint16(b, c.inStreams)
	b = binary.BigEndian.AppendUint16(b, c.localPort)
	b = binary.BigEndian.AppendUint16(b, c.peerPort)
	b = binary.BigEndian.AppendUint32(b, c.peerRwnd)
	b = binary.BigEndian.AppendUint32(b, c.localTie)
	b = binary.BigEndian.AppendUint32(b, c.peerTie)
	b = appendAddrPort(b, c.src)
	addrs := c.peerAddrs
	if len(addrs) > maxCookieAddr {
		addrs = addrs[:maxCookieAddr]
	}
	b = append(b, byte(len(addrs)))
	for _, a := range addrs {
		a16 := a.As16()
		b = append(b, a16[:]...)
		if a.Is4() {
			b = append(b, 4)
		} else {
			b = append(b, 6)
		}
	}
	b = c.ext.appendTo(b)
	m := hmac.New(sha256.New, secret)
	m.Write(b[start:])
	return m.Sum(b)
}

func appendAddrPort(b []byte, ap netip.AddrPort) []byte {
	a16 := ap.Addr().As16()
	b = append(b, a16[:]...)
	return binary.BigEndian.AppendUint16(b, ap.Port())
}

// verifyMAC reports whether raw carries a valid signature under secret.
func verifyMAC(raw, secret []byte) bool {
	if len(raw) < cookieMACLen {
		return false
	}
	body := raw[:len(raw)-cookieMACLen]
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	var sum [cookieMACLen]byte
	return hmac.Equal(m.Sum(sum[:0]), raw[len(body):])
}

// unmarshalCookie decodes a cookie whose signature was checked.
func unmarshalCookie(raw []byte) (*cookie, error) {
	if len(raw) < cookieFixed+cookieMACLen || raw[0] != cookieVersion {
		return nil, errBadCookie
	}
	b := raw[:len(raw)-cookieMACLen]
	c := &cookie{peerPRSCTP: b[1]&1 != 0}
	c.created = time.Unix(0, int64(binary.BigEndian.Uint64(b[2:])))
	c.life = time.Duration(binary.BigEndian.Uint64(b[10:]))
	c.localTag = binary.BigEndian.Uint32(b[18:])
	c.peerTag = binary.BigEndian.Uint32(b[22:])
	c.localTSN = wire.TSN(binary.BigEndian.Uint32(b[26:]))
	c.peerTSN = wire.TSN(binary.BigEndian.Uint32(b[30:]))
	c.outStreams = binary.BigEndian.Uint16(b[34:])
	c.inStreams = binary.BigEndian.Uint16(b[36:])
	c.localPort = binary.BigEndian.Uint16(b[38:])
	c.peerPort = binary.BigEndian.Uint16(b[40:])
	c.peerRwnd = binary.BigEndian.Uint32(b[42:])
	c.localTie = binary.BigEndian.Uint32(b[46:])
	c.peerTie = binary.BigEndian.Uint32(b[50:])
	c.src = readAddrPort(b[54:])
	n := int(b[72])
	rest := b[73:]
	if len(rest) < n*17 {
		return nil, errBadCookie
	}
	for i := 0; i < n; i++ {
		var a16 [16]byte
		copy(a16[:], rest[i*17:])
		a := netip.AddrFrom16(a16)
		if rest[i*17+16] == 4 {
			a = a.Unmap()
		}
		c.peerAddrs = append(c.peerAddrs, a)
	}
	if !c.ext.read(rest[n*17:]) {
		return nil, errBadCookie
	}
	if c.outStreams == 0 || c.inStreams == 0 || c.localTag == 0 || c.peerTag == 0 {
		return nil, errBadCookie
	}
	return c, nil
}

func readAddrPort(b []byte) netip.AddrPort {
	var a16 [16]byte
	copy(a16[:], b)
	return netip.AddrPortFrom(netip.AddrFrom16(a16).Unmap(), binary.BigEndian.Uint16(b[16:]))
}

// expiry is when the cookie goes stale (RFC 9260 5.1.5 step 3).
func (c *cookie) expiry() time.Time { return c.created.Add(c.life) }

// fromPeer reports whether a COOKIE ECHO from addr can come from the peer
// that sent the INIT: its source address or one it listed.
func (c *cookie) fromPeer(addr netip.Addr) bool {
	addr = addr.Unmap()
	if c.src.Addr().Unmap() == addr {
		return true
	}
	for _, a := range c.peerAddrs {
		if a.Unmap() == addr {
			return true
		}
	}
	return false
}
