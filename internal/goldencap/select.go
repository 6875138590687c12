package main

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// DATA chunk flags (RFC 9260 3.3.1).
const (
	flagEnd       = 1
	flagBegin     = 2
	flagUnordered = 4
)

// kind is one golden file to look for: the first packet from sender in
// scenario (any if empty) that pred accepts becomes <sender>-<name>.hex.
//
// With score set, the matching packet with the highest score wins instead
// (the first of equals).
type kind struct {
	sender, name, scenario string
	pred                   func(r *record, p *packet) bool
	score                  func(p *packet) int
}

func only(t byte) func(*record, *packet) bool {
	return func(_ *record, p *packet) bool { return len(p.chunks) == 1 && p.chunks[0].typ == t }
}

func hasChunk(t byte) func(*record, *packet) bool {
	return func(_ *record, p *packet) bool { return p.has(t) }
}

// singleData matches a packet that is one new (I-)DATA chunk with the given
// flags (B, E, U bits) and a payload length in [min, max].
func singleData(t byte, flags byte, min, max int) func(*record, *packet) bool {
	hdr := 12 // DATA: TSN, stream, SSN, PPID
	if t == ctIData {
		hdr = 16 // I-DATA: TSN, stream, reserved, MID, PPID/FSN
	}
	return func(r *record, p *packet) bool {
		if r.rtx || len(p.chunks) != 1 || p.chunks[0].typ != t {
			return false
		}
		c := p.chunks[0]
		n := len(c.value) - hdr
		return c.flags&7 == flags && n >= min && n <= max
	}
}

func sackWith(t byte, minGaps, minDups int) func(*record, *packet) bool {
	return func(_ *record, p *packet) bool {
		c := p.first(t)
		if c == nil {
			return false
		}
		g, d := c.sackCounts()
		if minGaps == 0 && minDups == 0 {
			return g == 0 && d == 0 && len(p.chunks) == 1
		}
		return g >= minGaps && d >= minDups
	}
}

// reconfigParam matches a RE-CONFIG whose first parameter has type pt
// (RFC 6525 4: 13 outgoing SSN reset request, 16 re-configuration response).
func reconfigParam(pt uint16) func(*record, *packet) bool {
	return func(_ *record, p *packet) bool {
		c := p.first(ctReconfig)
		return c != nil && len(c.value) >= 4 && binary.BigEndian.Uint16(c.value[0:2]) == pt
	}
}

// gapCount ranks SACKs by their number of gap ack blocks.
func gapCount(p *packet) int {
	for i := range p.chunks {
		if c := &p.chunks[i]; c.typ == ctSack || c.typ == ctNRSack {
			g, _ := c.sackCounts()
			return g
		}
	}
	return 0
}

func bundledData(_ *record, p *packet) bool { return p.count(ctData) >= 2 }

func dataWithSack(_ *record, p *packet) bool { return p.has(ctData) && p.has(ctSack) }

func authData(_ *record, p *packet) bool { return p.has(ctAuth) && p.has(ctData) }

const (
	flagsBE  = flagBegin | flagEnd
	flagsBEU = flagBegin | flagEnd | flagUnordered
)

// kinds lists the golden files in the order they are looked for.
func kinds() []kind {
	var ks []kind
	for _, s := range []string{"pion", "usrsctp"} {
		ks = append(ks,
			kind{s, "init", "", hasChunk(ctInit), nil},
			kind{s, "init-ack", "", hasChunk(ctInitAck), nil},
			kind{s, "cookie-echo", "", hasChunk(ctCookieEcho), nil},
			kind{s, "cookie-ack", "", hasChunk(ctCookieAck), nil},
			kind{s, "data-small", "", singleData(ctData, flagsBE, 1, 100), nil},
			kind{s, "data-1000", "", singleData(ctData, flagsBE, 1000, 1000), nil},
			kind{s, "data-unordered", "", singleData(ctData, flagsBEU, 1, 100), nil},
			kind{s, "data-frag-first", "", singleData(ctData, flagBegin, 1, 1500), nil},
			kind{s, "data-frag-middle", "", singleData(ctData, 0, 1, 1500), nil},
			kind{s, "data-frag-last", "", singleData(ctData, flagEnd, 1, 1500), nil},
			kind{s, "data-bundled", "", bundledData, nil},
			kind{s, "data-sack", "", dataWithSack, nil},
			kind{s, "sack", "", sackWith(ctSack, 0, 0), nil},
			kind{s, "sack-gaps", "", sackWith(ctSack, 1, 0), gapCount},
			kind{s, "sack-dups", "", sackWith(ctSack, 0, 1), nil},
			kind{s, "heartbeat", "", hasChunk(ctHeartbeat), nil},
			kind{s, "heartbeat-ack", "", hasChunk(ctHeartbeatAck), nil},
			kind{s, "forward-tsn", "", hasChunk(ctForwardTSN), nil},
			kind{s, "reconfig-req", "", reconfigParam(13), nil},
			kind{s, "reconfig-resp", "", reconfigParam(16), nil},
			kind{s, "error", "", hasChunk(ctError), nil},
			kind{s, "shutdown", "", hasChunk(ctShutdown), nil},
			kind{s, "shutdown-ack", "", hasChunk(ctShutdownAck), nil},
			kind{s, "shutdown-complete", "", only(ctShutdownComplete), nil},
			kind{s, "abort", "", hasChunk(ctAbort), nil},
			kind{s, "asconf", "", hasChunk(ctAsconf), nil},
			kind{s, "pad", "", hasChunk(ctPad), nil},
		)
	}
	ks = append(ks,
		// usrsctp <-> usrsctp, AUTH for DATA and NR-SACK negotiated.
		kind{"usrsctp", "init-auth", "s3", hasChunk(ctInit), nil},
		kind{"usrsctp", "init-ack-auth", "s3", hasChunk(ctInitAck), nil},
		kind{"usrsctp", "auth-data", "s3", authData, nil},
		kind{"usrsctp", "nr-sack-gaps", "s3", sackWith(ctNRSack, 1, 0), gapCount},
		kind{"usrsctp", "abort-user", "s3", hasChunk(ctAbort), nil},
		// pion <-> pion, I-DATA negotiated.
		kind{"pion", "init-idata", "s4", hasChunk(ctInit), nil},
		kind{"pion", "idata-small", "s4", singleData(ctIData, flagsBE, 1, 100), nil},
		kind{"pion", "idata-unordered", "s4", singleData(ctIData, flagsBEU, 1, 100), nil},
		kind{"pion", "idata-frag-first", "s4", singleData(ctIData, flagBegin, 1, 1500), nil},
		kind{"pion", "idata-frag-last", "s4", singleData(ctIData, flagEnd, 1, 1500), nil},
		kind{"pion", "iforward-tsn", "s4", hasChunk(ctIForwardTSN), nil},
		kind{"pion", "abort-user", "s4", hasChunk(ctAbort), nil},
		// usrsctp -> pion, I-DATA negotiated.
		kind{"usrsctp", "init-idata", "s5", hasChunk(ctInit), nil},
		kind{"usrsctp", "idata-small", "s5", singleData(ctIData, flagsBE, 1, 100), nil},
		kind{"usrsctp", "idata-frag-first", "s5", singleData(ctIData, flagBegin, 1, 1500), nil},
		kind{"usrsctp", "idata-frag-last", "s5", singleData(ctIData, flagEnd, 1, 1500), nil},
		kind{"usrsctp", "iforward-tsn", "s5", hasChunk(ctIForwardTSN), nil},
	)
	return ks
}

// golden is one chosen packet.
type golden struct {
	file string
	rec  *record
	pkt  *packet
}

// choose picks, for each kind, the first matching packet not chosen yet
// (so no two files hold the same bytes).
func choose(records []record) []golden {
	var out []golden
	taken := map[string]bool{}
	for _, k := range kinds() {
		var best *golden
		bestScore := 0
		for i := range records {
			r := &records[i]
			if r.injected || r.sender != k.sender || (k.scenario != "" && r.scenario != k.scenario) ||
				taken[string(r.raw)] {
				continue
			}
			// The generic kinds come from the usrsctp <-> pion scenarios.
			if k.scenario == "" && r.scenario != "s1" && r.scenario != "s2" {
				continue
			}
			p, err := parsePacket(r.raw)
			if err != nil || !k.pred(r, p) {
				continue
			}
			sc := 0
			if k.score != nil {
				sc = k.score(p)
			}
			if best == nil || sc > bestScore {
				best, bestScore = &golden{file: k.sender + "-" + k.name + ".hex", rec: r, pkt: p}, sc
			}
			if k.score == nil {
				break
			}
		}
		if best != nil {
			taken[string(best.rec.raw)] = true
			out = append(out, *best)
		}
	}
	return out
}

// describe says what is notable about a packet, for comments and the README.
func describe(r *record, p *packet) string {
	var notes []string
	for i := range p.chunks {
		c := &p.chunks[i]
		switch c.typ {
		case ctData, ctIData:
			f := ""
			if c.flags&flagUnordered != 0 {
				f += "U"
			}
			if c.flags&flagBegin != 0 {
				f += "B"
			}
			if c.flags&flagEnd != 0 {
				f += "E"
			}
			hdr := 12
			if c.typ == ctIData {
				hdr = 16
			}
			notes = append(notes, fmt.Sprintf("%s flags=%s payload %d bytes", chunkName(c.typ), f, len(c.value)-hdr))
		case ctSack, ctNRSack:
			g, d := c.sackCounts()
			notes = append(notes, fmt.Sprintf("%s %d gap blocks, %d duplicate TSNs", chunkName(c.typ), g, d))
		case ctAbort, ctError:
			notes = append(notes, fmt.Sprintf("%s T=%d causes: %s", chunkName(c.typ), c.flags&1, tlvList(c.value, causeNames)))
			if c.typ == ctError && r.scenario == "s1" {
				notes = append(notes, "answers the chunk of unknown type 0xc9 the relay injected")
			}
		case ctInit, ctInitAck:
			notes = append(notes, fmt.Sprintf("%s params: %s", chunkName(c.typ), tlvList(c.value[min(16, len(c.value)):], paramNames)))
		case ctReconfig:
			notes = append(notes, fmt.Sprintf("%s params: %s", chunkName(c.typ), tlvList(c.value, paramNames)))
		}
	}
	if r.rtx {
		notes = append(notes, "retransmission")
	}
	return strings.Join(notes, "; ")
}

// causeNames are error cause codes (RFC 9260 3.3.10, RFC 6525).
var causeNames = map[uint16]string{
	1: "Invalid Stream Identifier", 2: "Missing Mandatory Parameter", 3: "Stale Cookie",
	4: "Out of Resource", 5: "Unresolvable Address", 6: "Unrecognized Chunk Type",
	7: "Invalid Mandatory Parameter", 8: "Unrecognized Parameters", 9: "No User Data",
	10: "Cookie Received While Shutting Down", 11: "Restart With New Addresses",
	12: "User-Initiated Abort", 13: "Protocol Violation",
}

// paramNames are parameter types (RFC 9260 3.3.2, 3758, 4895, 5061, 6525,
// 8260, 9653).
var paramNames = map[uint16]string{
	1: "Heartbeat Info", 5: "IPv4 Address", 6: "IPv6 Address", 7: "State Cookie",
	8: "Unrecognized Parameter", 9: "Cookie Preservative", 11: "Host Name Address",
	12: "Supported Address Types", 13: "Outgoing SSN Reset Request",
	14: "Incoming SSN Reset Request", 15: "SSN/TSN Reset Request",
	16: "Re-configuration Response", 17: "Add Outgoing Streams Request",
	18: "Add Incoming Streams Request", 0x8000: "ECN Capable", 0x8001: "Zero Checksum Acceptable",
	0x8002: "Random", 0x8003: "Chunk List", 0x8004: "Requested HMAC Algorithm",
	0x8005: "Padding", 0x8008: "Supported Extensions", 0xc000: "Forward TSN Supported",
	0xc004: "Set Primary Address", 0xc006: "Adaptation Layer Indication",
}

// tlvList names the type-length-value items (parameters or error causes)
// in b, e.g. "ECN Capable (0x8000), Random (0x8002)".
func tlvList(b []byte, names map[uint16]string) string {
	var items []string
	for len(b) >= 4 {
		t := binary.BigEndian.Uint16(b[0:2])
		l := int(binary.BigEndian.Uint16(b[2:4]))
		name := names[t]
		if name == "" {
			name = "unknown"
		}
		items = append(items, fmt.Sprintf("%s (0x%04x, %d bytes)", name, t, l))
		if l < 4 || l > len(b) {
			break
		}
		b = b[min((l+3)&^3, len(b)):]
	}
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}
