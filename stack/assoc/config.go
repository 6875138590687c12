package assoc

import (
	"crypto/rand"
	"encoding/binary"
	"net/netip"
	"time"
)

// Config holds everything tunable, with RFC 9260 section 16 defaults when
// zero.
//
// RecvBuffer and SendBuffer count user-data bytes (a_rwnd is RecvBuffer
// less the bytes held; Status.Pending counts bytes), and, like Linux's
// SO_RCVBUF and SO_SNDBUF (SCTP_SNDBUF in RFC 6458), they also bound
// memory: the bytes plus a bookkeeping charge per message stay within
// twice the buffer. Sending charges 256 bytes per message queued or
// unacknowledged (tx.MessageOverhead), so Send returns ErrBufferFull
// after about SendBuffer/128 one-byte messages while messages of 256
// bytes or more see only the byte bound; receiving charges 64 bytes per
// fragment held in reassembly and 128 per message delivered and unread,
// so the window closes early only for messages under ~128 bytes.
type Config struct {
	OutStreams         uint16 // requested outbound streams (default 10)
	MaxInStreams       uint16 // MIS (default 65535)
	MaxInitRetransmits int    // Max.Init.Retransmits (default 8)
	RTOInitial         time.Duration
	RTOMin             time.Duration
	RTOMax             time.Duration
	ValidCookieLife    time.Duration // default 60s
	HeartbeatInterval  time.Duration // default 30s; negative = heartbeats off
	PathMaxRetrans     int           // Path.Max.Retrans (default 5)
	AssocMaxRetrans    int           // Association.Max.Retrans (default 10)
	// StayOnAlternate: when the primary fails and new data moves to an
	// alternate path, that path becomes the primary (a MadePrimary event),
	// so data stays there after the old primary comes back; SetPrimary
	// moves it back. Default: data returns to the primary as soon as it is
	// active again (RFC 9260 6.4 leaves the choice to the user).
	StayOnAlternate bool
	RecvBuffer      int           // bytes: a_rwnd and reassembly bound (default 1 MiB); memory bound, see above
	SendBuffer      int           // bytes queued + in flight (default 1 MiB); memory bound, see above
	MTU             int           // largest SCTP packet, the UDP payload (default 1452, RFC 6951 5.6)
	DelayedAckTime  time.Duration // default 200 ms
	NoDelay         bool          // disable Nagle-like holding of small messages
	DisablePRSCTP   bool          // do not advertise Forward-TSN-Supported (RFC 3758)
	// DisableAddrReconfig: do not offer AUTH (RFC 4895) and ASCONF (RFC
	// 5061), so local addresses cannot change after setup.
	DisableAddrReconfig bool
	Rand                func() uint32 // tags, initial TSNs, jitter, secrets; nil = crypto/rand

	// AcceptPeerAddr filters the addresses a peer lists in INIT / INIT ACK
	// (nil accepts all). Addresses refused are never sent to.
	AcceptPeerAddr func(netip.Addr) bool
	// AcceptPeerAddrFrom is AcceptPeerAddr that also gets the source
	// address of the packet whose list holds addr (the INIT ACK, or the
	// INIT: the COOKIE ECHO's source for a list the cookie carries), so a
	// filter can scope by where the peer is (RFC 9260 5.1.2). Used only
	// when AcceptPeerAddr is nil.
	AcceptPeerAddrFrom func(addr, src netip.Addr) bool
	// MaxCookiePreservative bounds the extra cookie life a peer may ask for
	// with a Cookie Preservative (RFC 9260 5.2.6); default ValidCookieLife.
	MaxCookiePreservative time.Duration
}

// Defaults of RFC 9260 section 16 and of this stack.
const (
	defaultOutStreams   = 10
	defaultMaxInStreams = 65535
	defaultMTU          = 1452
	minMTU              = 508 // keeps room for a DATA chunk with some payload
	defaultBuffer       = 1 << 20
)

func (c Config) withDefaults() Config {
	if c.OutStreams == 0 {
		c.OutStreams = defaultOutStreams
	}
	if c.MaxInStreams == 0 {
		c.MaxInStreams = defaultMaxInStreams
	}
	if c.MaxInitRetransmits <= 0 {
		c.MaxInitRetransmits = 8
	}
	if c.RTOInitial <= 0 {
		c.RTOInitial = time.Second
	}
	if c.RTOMin <= 0 {
		c.RTOMin = time.Second
	}
	if c.RTOMax <= 0 {
		c.RTOMax = 60 * time.Second
	}
	if c.RTOMax < c.RTOMin {
		c.RTOMax = c.RTOMin
	}
	if c.ValidCookieLife <= 0 {
		c.ValidCookieLife = 60 * time.Second
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = 30 * time.Second
	}
	if c.PathMaxRetrans <= 0 {
		c.PathMaxRetrans = 5
	}
	if c.AssocMaxRetrans <= 0 {
		c.AssocMaxRetrans = 10
	}
	if c.RecvBuffer <= 0 {
		c.RecvBuffer = defaultBuffer
	}
	if c.SendBuffer <= 0 {
		c.SendBuffer = defaultBuffer
	}
	if c.MTU <= 0 {
		c.MTU = defaultMTU
	}
	if c.MTU < minMTU {
		c.MTU = minMTU
	}
	if c.MTU > 65535 {
		c.MTU = 65535
	}
	if c.DelayedAckTime <= 0 {
		c.DelayedAckTime = 200 * time.Millisecond
	}
	if c.MaxCookiePreservative <= 0 {
		c.MaxCookiePreservative = c.ValidCookieLife
	}
	if c.Rand == nil {
		c.Rand = cryptoRand
	}
	return c
}

func cryptoRand() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return binary.BigEndian.Uint32(b[:])
}

// nonZeroTag draws a verification tag; 0 is reserved for INIT (RFC 9260
// 3.3.2).
func nonZeroTag(r func() uint32) uint32 {
	for {
		if t := r(); t != 0 {
			return t
		}
	}
}
