package assoc_test

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/udpsctp/udpsctp/stack/wire"
)

// verdict is what an onTransmit hook does with a packet about to enter its link.
type verdict int

const (
	pass      verdict = iota // through the link model
	drop                     // lost
	duplicate                // two copies through the link model
)

// inflight is one datagram on the wire.
type inflight struct {
	id       uint64
	from, to netip.AddrPort
	data     []byte
	sentAt   time.Time
	ev       *simEvent
	chunks   []wire.ChunkType
}

// has reports whether the packet carries a chunk of type t.
func (p *inflight) has(t wire.ChunkType) bool {
	for _, c := range p.chunks {
		if c == t {
			return true
		}
	}
	return false
}

func (p *inflight) String() string {
	return fmt.Sprintf("#%d %v->%v %dB [%s]", p.id, p.from.Addr(), p.to.Addr(), len(p.data), describeChunks(p.data))
}

// describeChunks renders a packet's chunks for traces: TSNs of DATA, the
// acks of SACK, the new cumulative TSN of FORWARD TSN.
func describeChunks(pkt []byte) string {
	if len(pkt) < wire.HeaderLen {
		return "short"
	}
	var parts []string
	it := wire.NewChunkIter(pkt[wire.HeaderLen:], wire.HeaderLen)
	for it.Next() {
		raw := it.Chunk()
		switch raw.Type {
		case wire.TypeData:
			var d wire.Data
			if d.Decode(raw) == nil {
				flags := ""
				if d.Beginning {
					flags += "B"
				}
				if d.Ending {
					flags += "E"
				}
				if d.Unordered {
					flags += "U"
				}
				parts = append(parts, fmt.Sprintf("DATA %d s%d/%d %s %dB", d.TSN, d.Stream, d.SSN, flags, len(d.UserData)))
				continue
			}
		case wire.TypeSack:
			var sk wire.Sack
			if sk.Decode(raw) == nil {
				parts = append(parts, fmt.Sprintf("SACK cum %d rwnd %d gaps %v dups %d", sk.CumTSNAck, sk.ARwnd, sk.Gaps, len(sk.Dups)))
				continue
			}
		case wire.TypeForwardTSN:
			var f wire.ForwardTSN
			if f.Decode(raw) == nil {
				parts = append(parts, fmt.Sprintf("FWD-TSN %d %v", f.NewCumTSN, f.Streams))
				continue
			}
		}
		parts = append(parts, raw.Type.String())
	}
	return strings.Join(parts, ", ")
}

// checkPacket checks what any packet on the wire must satisfy: a common
// header with our ports, a good CRC32c, well-formed chunks, and the MTU.
func checkPacket(p *inflight, mtu int) error {
	if mtu == 0 {
		mtu = 1452
	}
	if len(p.data) > mtu {
		return fmt.Errorf("%d bytes > MTU %d", len(p.data), mtu)
	}
	h, err := wire.ParseHeader(p.data)
	if err != nil {
		return err
	}
	if h.SrcPort != simSCTPPort || h.DstPort != simSCTPPort {
		return fmt.Errorf("ports %d->%d", h.SrcPort, h.DstPort)
	}
	if !wire.VerifyChecksum(p.data) {
		return errors.New("bad CRC32c")
	}
	it := wire.NewChunkIter(p.data[wire.HeaderLen:], wire.HeaderLen)
	for it.Next() {
		p.chunks = append(p.chunks, it.Chunk().Type)
	}
	if it.Err() != nil {
		return it.Err()
	}
	if len(p.chunks) == 0 {
		return errors.New("no chunks")
	}
	if p.to.Port() != simUDPPort {
		return fmt.Errorf("to UDP port %d", p.to.Port())
	}
	return nil
}
