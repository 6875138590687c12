package fuzz

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"sync"
	"testing"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// The chunk grammar shared by FuzzAssociation and FuzzStack: the fuzzer's
// bytes choose chunk types and field values, but every chunk is well-formed
// and its numbers sit near the ones the association really uses (TSNs just
// below and above the cumulative ack, the peer's tags, a cookie and a
// heartbeat info seen on the wire), so the input reaches the state machine
// instead of dying in the codec.

// forgedFill is the byte every forged DATA payload is made of: a delivered
// message may hold only user bytes ('a'..'z') and forgedFill; anything else
// came from memory the association should not have delivered.
const forgedFill = 0xEE

// input hands out the fuzzer's bytes; past the end it returns zeros.
type input struct{ b []byte }

func (in *input) empty() bool { return len(in.b) == 0 }

func (in *input) byte() byte {
	if len(in.b) == 0 {
		return 0
	}
	c := in.b[0]
	in.b = in.b[1:]
	return c
}

func (in *input) bool() bool { return in.byte()&1 == 1 }

func (in *input) u16() uint16 { return uint16(in.byte())<<8 | uint16(in.byte()) }

func (in *input) u32() uint32 { return uint32(in.u16())<<16 | uint32(in.u16()) }

// bytes returns up to n of the remaining input.
func (in *input) bytes(n int) []byte {
	n = min(n, len(in.b))
	b := in.b[:n:n]
	in.b = in.b[n:]
	return b
}

// seen is what a forger knows from watching the wire of one association.
type seen struct {
	peerTSN wire.TSN // highest TSN the victim's peer sent in DATA
	ownTSN  wire.TSN // highest TSN the victim sent in DATA
	ssn     wire.SSN // last SSN the peer used
	cookie  []byte   // the last COOKIE ECHO on the wire
	hbInfo  []byte   // the last HEARTBEAT info on the wire
}

// observe updates s from a packet on the wire; fromPeer: sent by the
// victim's peer (else by the victim).
func (s *seen) observe(pkt []byte, fromPeer bool) {
	p, err := wire.ParsePacket(pkt)
	if err != nil {
		return
	}
	for _, c := range p.Chunks {
		switch c := c.(type) {
		case *wire.Data:
			if fromPeer {
				if s.peerTSN.Less(c.TSN) || s.peerTSN == 0 {
					s.peerTSN = c.TSN
				}
				s.ssn = c.SSN
			} else if s.ownTSN.Less(c.TSN) || s.ownTSN == 0 {
				s.ownTSN = c.TSN
			}
		case *wire.CookieEcho:
			s.cookie = bytes.Clone(c.Cookie)
		case *wire.Heartbeat:
			if !fromPeer {
				s.hbInfo = bytes.Clone(c.Info)
			}
		}
	}
}

// tsn picks a TSN near base: mostly a small signed offset, sometimes any.
func (in *input) tsn(base wire.TSN) wire.TSN {
	switch in.byte() % 8 {
	case 0:
		return wire.TSN(in.u32())
	case 1:
		return base.Add(uint32(in.u16()) << 8) // far ahead
	default:
		return base.Add(uint32(int32(int8(in.byte()))))
	}
}

// scopeAddrs are the addresses a forged INIT lists: loopback ones the
// association may use, and documentation / private ones it must never
// send to while its peer is on loopback (RFC 9260 5.1.2 address scoping).
var scopeAddrs = []netip.Addr{
	netip.MustParseAddr("127.0.0.7"),
	netip.MustParseAddr("192.0.2.1"),
	netip.MustParseAddr("10.1.2.3"),
	netip.MustParseAddr("::1"),
	netip.MustParseAddr("2001:db8::5"),
}

func (in *input) initParams() []wire.Param {
	var ps []wire.Param
	for range in.byte() % 4 {
		ps = append(ps, wire.AddressParam(scopeAddrs[int(in.byte())%len(scopeAddrs)]))
	}
	if in.bool() {
		ps = append(ps, &wire.ForwardTSNSupported{})
	}
	if in.bool() {
		ps = append(ps, &wire.CookiePreservative{Increment: in.u32()})
	}
	if in.bool() {
		ps = append(ps, &wire.SupportedExtensions{Types: []wire.ChunkType{wire.TypeForwardTSN, wire.TypeIData, wire.TypeReconfig}})
	}
	if in.bool() {
		ps = append(ps, &wire.UnknownParam{Type: wire.ParamType(in.u16()), Value: in.bytes(int(in.byte() % 16))})
	}
	return ps
}

func (in *input) cause() wire.Cause {
	switch in.byte() % 5 {
	case 0:
		return &wire.StaleCookie{Staleness: in.u32()}
	case 1:
		return &wire.InvalidStream{Stream: in.u16()}
	case 2:
		return &wire.ProtocolViolation{Info: in.bytes(int(in.byte() % 8))}
	case 3:
		return &wire.OutOfResource{}
	default:
		return &wire.UnknownCause{Code: wire.CauseCode(in.u16()), Value: in.bytes(int(in.byte() % 8))}
	}
}

// payload is a forged DATA payload: small, or up to ~16 KB.
func (in *input) payload() []byte {
	n := int(in.byte())
	if in.bool() {
		n *= 64
	}
	return bytes.Repeat([]byte{forgedFill}, n)
}

// chunk forges one chunk. s gives the values worth aiming at.
func (in *input) chunk(s *seen) wire.Chunk {
	switch in.byte() % 22 {
	case 0, 1, 2:
		flags := in.byte()
		return &wire.Data{
			TSN: in.tsn(s.peerTSN.Add(1)), Stream: in.stream(), SSN: s.ssn + wire.SSN(int8(in.byte())), PPID: in.u32(),
			Unordered: flags&1 != 0, Beginning: flags&2 != 0, Ending: flags&4 != 0, Immediate: flags&8 != 0,
			UserData: in.payload(),
		}
	case 3, 4:
		sk := &wire.Sack{CumTSNAck: in.tsn(s.ownTSN), ARwnd: in.u32()}
		for range in.byte() % 4 {
			a, b := uint16(in.byte()), uint16(in.byte())
			sk.Gaps = append(sk.Gaps, wire.GapBlock{Start: a, End: b})
		}
		for range in.byte() % 3 {
			sk.Dups = append(sk.Dups, in.tsn(s.ownTSN))
		}
		return sk
	case 5:
		f := &wire.ForwardTSN{NewCumTSN: in.tsn(s.peerTSN)}
		for range in.byte() % 3 {
			f.Streams = append(f.Streams, wire.ForwardTSNStream{Stream: in.stream(), SSN: wire.SSN(in.u16())})
		}
		return f
	case 6:
		return &wire.Init{InitiateTag: in.u32(), ARwnd: in.u32(), OutStreams: in.u16(), InStreams: in.u16(), InitialTSN: wire.TSN(in.u32()), Params: in.initParams()}
	case 7:
		ps := in.initParams()
		if in.bool() {
			ps = append(ps, &wire.StateCookie{Cookie: in.bytes(int(in.byte() % 64))})
		}
		return &wire.InitAck{InitiateTag: in.u32(), ARwnd: in.u32(), OutStreams: in.u16(), InStreams: in.u16(), InitialTSN: wire.TSN(in.u32()), Params: ps}
	case 8:
		ck := bytes.Clone(s.cookie)
		if len(ck) == 0 || in.bool() {
			ck = in.bytes(int(in.byte()))
		} else if in.bool() {
			ck[int(in.byte())%len(ck)] ^= 1 << (in.byte() % 8) // tampered
		}
		return &wire.CookieEcho{Cookie: ck}
	case 9:
		return &wire.CookieAck{}
	case 10:
		return &wire.Shutdown{CumTSNAck: in.tsn(s.ownTSN)}
	case 11:
		return &wire.ShutdownAck{}
	case 12:
		return &wire.ShutdownComplete{T: in.bool()}
	case 13:
		a := &wire.Abort{T: in.bool()}
		if in.bool() {
			a.Causes = []wire.Cause{in.cause()}
		}
		return a
	case 14:
		return &wire.Heartbeat{Info: in.bytes(int(in.byte() % 48))}
	case 15:
		info := bytes.Clone(s.hbInfo)
		if len(info) == 0 || in.bool() {
			info = in.bytes(int(in.byte() % 48))
		} else {
			info[int(in.byte())%len(info)] ^= in.byte() // forged
		}
		return &wire.HeartbeatAck{Info: info}
	case 16:
		return &wire.Error{Causes: []wire.Cause{in.cause()}}
	case 17:
		flags := in.byte()
		return &wire.IData{
			TSN: in.tsn(s.peerTSN.Add(1)), Stream: in.stream(), MID: wire.MID(in.u32()), PPID: in.u32(), FSN: uint32(in.byte()),
			Unordered: flags&1 != 0, Beginning: flags&2 != 0, Ending: flags&4 != 0, UserData: in.payload(),
		}
	case 18:
		return &wire.Reconfig{Params: []wire.Param{&wire.OutgoingSSNReset{ReqSeq: in.u32(), RespSeq: in.u32(), LastTSN: in.tsn(s.peerTSN), Streams: []uint16{in.stream()}}}}
	case 19:
		return &wire.Pad{Padding: in.bytes(int(in.byte() % 16))}
	case 20:
		return &wire.IForwardTSN{NewCumTSN: in.tsn(s.peerTSN), Streams: []wire.IForwardTSNStream{{Stream: in.stream(), Unordered: in.bool(), MID: wire.MID(in.u32())}}}
	default:
		// Unknown chunk types exercise the action bits of RFC 9260 3.2.
		return &wire.UnknownChunk{ChunkType: wire.ChunkType(in.byte() | 0x20), Flags: in.byte(), Value: in.bytes(int(in.byte() % 16))}
	}
}

// stream is mostly a stream that exists, sometimes one that does not.
func (in *input) stream() uint16 {
	switch c := in.byte(); {
	case c < 200:
		return uint16(c % 12)
	case c < 250:
		return uint16(c)
	default:
		return 0xFFFF
	}
}

// tagMode says which verification tag a forged packet carries.
type tagMode uint8

const (
	tagValid     tagMode = iota // the tag the victim expects
	tagReflected                // the victim's peer's tag (T bit semantics)
	tagZero
	tagRandom
)

// packet serializes chunks under a common header and computes the CRC32c.
func packet(src, dst uint16, tag uint32, chunks []wire.Chunk) []byte {
	b := wire.AppendHeader(make([]byte, 0, 256), wire.Header{SrcPort: src, DstPort: dst, VerificationTag: tag})
	for _, c := range chunks {
		b = c.AppendTo(b)
	}
	wire.Finish(b)
	return b
}

// patch rewrites the common header of a raw packet (ports and tag) and
// recomputes its checksum, so that a captured or mutated packet reaches
// the association instead of failing the lookup or the CRC.
func patch(pkt []byte, src, dst uint16, tag uint32) []byte {
	if len(pkt) < wire.HeaderLen {
		return pkt
	}
	p := bytes.Clone(pkt)
	binary.BigEndian.PutUint16(p[0:], src)
	binary.BigEndian.PutUint16(p[2:], dst)
	binary.BigEndian.PutUint32(p[4:], tag)
	wire.Finish(p)
	return p
}

var golden struct {
	once sync.Once
	pkts [][]byte
}

// goldenPacketsCached reads the golden packets once per process: the fuzz
// targets want them on every run.
func goldenPacketsCached(t testing.TB) [][]byte {
	golden.once.Do(func() { golden.pkts = goldenPackets(t) })
	return golden.pkts
}
