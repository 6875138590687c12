package main

import (
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"time"
)

// verdict is what the relay does with one datagram.
type verdict int

const (
	forward   verdict = iota
	drop              // not delivered: provokes gaps, retransmission, FORWARD TSN
	duplicate         // delivered twice: provokes duplicate TSN reports
)

// record is one datagram seen by the relay.
type record struct {
	scenario string
	sender   string // "pion" or "usrsctp"
	receiver string
	at       time.Duration // since the scenario started
	raw      []byte
	verdict  verdict
	rtx      bool // holds a DATA/I-DATA TSN already seen from this sender
	injected bool // made by the relay, not by a peer
	rewrote  bool // the relay forwarded a modified copy (see rewriteFunc)
}

// rewriteFunc may return a modified copy of a datagram to forward instead of
// the original (which is what gets recorded), or nil to forward it as is.
type rewriteFunc func(side int, p *packet, raw []byte) []byte

// rule decides the fate of one datagram from sender side (0 = client,
// 1 = server); rel is the relay, for TSN bookkeeping.
type rule func(rel *relay, side int, p *packet) verdict

// relay forwards datagrams between a client (which speaks first, so its
// address is learned) and a server at a known address, both on 127.0.0.1.
type relay struct {
	scenario string
	names    [2]string       // sender names per side
	conns    [2]*net.UDPConn // conns[0] faces the client, conns[1] the server
	peers    [2]*net.UDPAddr
	rule     rule
	rewrite  rewriteFunc
	start    time.Time

	mu       sync.Mutex
	records  []record
	initTSN  [2]uint32
	haveInit [2]bool
	lastHdr  [2][]byte // last common header forwarded per side
	seen     [2]map[uint32]int
	wg       sync.WaitGroup
}

func loopbackUDP() (*net.UDPConn, error) {
	return net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
}

// newRelay opens both relay sockets; server may be set later with setServer.
func newRelay(scenario, clientName, serverName string, r rule) (*relay, error) {
	rel := &relay{scenario: scenario, names: [2]string{clientName, serverName}, rule: r, start: time.Now()}
	for i := range rel.conns {
		c, err := loopbackUDP()
		if err != nil {
			rel.close()
			return nil, err
		}
		rel.conns[i] = c
		rel.seen[i] = map[uint32]int{}
	}
	return rel, nil
}

func (rel *relay) clientFacing() *net.UDPAddr { return rel.conns[0].LocalAddr().(*net.UDPAddr) }
func (rel *relay) serverFacing() *net.UDPAddr { return rel.conns[1].LocalAddr().(*net.UDPAddr) }

func (rel *relay) setServer(a *net.UDPAddr) {
	rel.mu.Lock()
	rel.peers[1] = a
	rel.mu.Unlock()
}

func (rel *relay) run() {
	for side := range rel.conns {
		rel.wg.Add(1)
		go rel.loop(side)
	}
}

func (rel *relay) loop(side int) {
	defer rel.wg.Done()
	buf := make([]byte, 65536)
	for {
		n, from, err := rel.conns[side].ReadFromUDP(buf)
		if err != nil {
			return
		}
		raw := append([]byte(nil), buf[:n]...)
		rel.mu.Lock()
		if side == 0 && rel.peers[0] == nil {
			rel.peers[0] = from
		}
		if rel.peers[side] == nil || !from.IP.Equal(rel.peers[side].IP) || from.Port != rel.peers[side].Port {
			rel.mu.Unlock()
			continue
		}
		to := rel.peers[1-side]
		rec := record{scenario: rel.scenario, sender: rel.names[side], receiver: rel.names[1-side],
			at: time.Since(rel.start), raw: raw}
		v := forward
		if p, err := parsePacket(raw); err == nil {
			rec.rtx = rel.track(side, p)
			if rel.rule != nil {
				v = rel.rule(rel, side, p)
			}
			rel.lastHdr[side] = raw[:12]
			if rel.rewrite != nil {
				if mod := rel.rewrite(side, p, raw); mod != nil {
					raw, rec.rewrote = mod, true
				}
			}
		}
		rec.verdict = v
		rel.records = append(rel.records, rec)
		rel.mu.Unlock()
		if to == nil || v == drop {
			continue
		}
		_, _ = rel.conns[1-side].WriteToUDP(raw, to)
		if v == duplicate {
			// A little later, so that the receiver reports it in a SACK of
			// its own rather than among the packets of the same burst.
			conn := rel.conns[1-side]
			time.AfterFunc(20*time.Millisecond, func() { _, _ = conn.WriteToUDP(raw, to) })
		}
	}
}

// track notes initial TSNs and DATA TSNs; it reports whether p holds a TSN
// seen before (a retransmission). Called with mu held.
func (rel *relay) track(side int, p *packet) bool {
	rtx := false
	for i := range p.chunks {
		c := &p.chunks[i]
		if t, ok := c.initTSN(); ok {
			rel.initTSN[side], rel.haveInit[side] = t, true
		}
		if t, ok := c.tsn(); ok {
			if rel.seen[side][t] > 0 {
				rtx = true
			}
			rel.seen[side][t]++
		}
	}
	return rtx
}

// relTSNs returns the TSNs of p relative to the sender's initial TSN
// (0 = first DATA), and how often the first of them was seen so far
// (1 = first transmission). Called with mu held, from a rule.
func (rel *relay) relTSNs(side int, p *packet) (rels []uint32, times int) {
	for i := range p.chunks {
		if t, ok := p.chunks[i].tsn(); ok && rel.haveInit[side] {
			if len(rels) == 0 {
				times = rel.seen[side][t]
			}
			rels = append(rels, t-rel.initTSN[side])
		}
	}
	return rels, times
}

// inject sends a relay-made packet to the peer on side `to`, using the
// ports and verification tag of the last packet forwarded towards it.
func (rel *relay) inject(to int, chunks ...chunk) error {
	rel.mu.Lock()
	hdr := rel.lastHdr[1-to]
	dst := rel.peers[to]
	rel.mu.Unlock()
	if hdr == nil || dst == nil {
		return errors.New("inject: no packet forwarded yet")
	}
	src := binary.BigEndian.Uint16(hdr[0:2])
	dstPort := binary.BigEndian.Uint16(hdr[2:4])
	vtag := binary.BigEndian.Uint32(hdr[4:8])
	raw := buildPacket(src, dstPort, vtag, chunks...)
	rel.mu.Lock()
	rel.records = append(rel.records, record{scenario: rel.scenario, sender: "relay", receiver: rel.names[to],
		at: time.Since(rel.start), raw: raw, injected: true})
	rel.mu.Unlock()
	_, err := rel.conns[to].WriteToUDP(raw, dst)
	return err
}

// close stops the relay after a short grace period, so that datagrams
// already sent (a final ABORT, say) are still read and recorded, and returns
// the records.
func (rel *relay) close() []record {
	for _, c := range rel.conns {
		if c != nil {
			_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		}
	}
	rel.wg.Wait()
	for _, c := range rel.conns {
		if c != nil {
			_ = c.Close()
		}
	}
	rel.mu.Lock()
	defer rel.mu.Unlock()
	return rel.records
}
