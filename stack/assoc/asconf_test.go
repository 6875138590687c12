package assoc

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// addrChange matches a PeerAddrChange for addr in state st.
func addrChange(addr string, st PeerAddrState) func(Event) bool {
	ip := netip.MustParseAddr(addr)
	return func(e Event) bool {
		c, ok := e.(PeerAddrChange)
		return ok && c.State == st && c.Addr.Addr() == ip
	}
}

func remoteCause(code wire.CauseCode) func(Event) bool {
	return func(e Event) bool {
		r, ok := e.(RemoteError)
		return ok && r.Cause != nil && r.Cause.CauseCode() == code
	}
}

func pathState(a *Association, addr string) (PathInfo, bool) {
	for _, p := range a.Paths() {
		if p.Addr.Addr() == netip.MustParseAddr(addr) {
			return p, true
		}
	}
	return PathInfo{}, false
}

// TestAsconfAddSetPrimaryDelete: the client adds 127.0.0.5; the server
// adds an unconfirmed path that a HEARTBEAT confirms; Set Primary moves
// the server's data there; deleting another added address works, while
// deleting the packet's source is refused.
func TestAsconfAddSetPrimaryDelete(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.alias = map[netip.Addr]*side{}
	h.established()
	h.alias[netip.MustParseAddr("127.0.0.5")] = h.c
	h.alias[netip.MustParseAddr("127.0.0.6")] = h.c

	require.NoError(t, h.c.a.AddLocalAddr(h.now, netip.MustParseAddr("127.0.0.5")))
	require.NoError(t, h.c.a.AddLocalAddr(h.now, netip.MustParseAddr("127.0.0.6")))
	h.runUntil(5*time.Second, func() bool {
		return h.s.has(addrChange("127.0.0.5", AddrConfirmed)) && h.s.has(addrChange("127.0.0.6", AddrConfirmed))
	})
	require.True(t, h.s.has(addrChange("127.0.0.5", AddrAdded)))
	require.Len(t, h.s.a.Paths(), 3)
	require.Equal(t, 2, h.count("client", wire.TypeAsconf), "two requests, one outstanding ASCONF at a time")

	require.NoError(t, h.c.a.SetPeerPrimary(h.now, netip.MustParseAddr("127.0.0.5")))
	h.runUntil(5*time.Second, func() bool { return h.s.a.Status().Primary.Addr.Addr() == netip.MustParseAddr("127.0.0.5") })
	require.True(t, h.s.has(addrChange("127.0.0.5", AddrMadePrimary)))
	mustSend(t, h, h.s, OutMessage{Data: []byte("via .5")})
	h.runUntil(5*time.Second, func() bool { return len(h.c.messages()) == 1 })

	require.NoError(t, h.c.a.RemoveLocalAddr(h.now, netip.MustParseAddr("127.0.0.6")))
	h.runUntil(5*time.Second, func() bool { return h.s.has(addrChange("127.0.0.6", AddrRemoved)) })
	_, ok := pathState(h.s.a, "127.0.0.6")
	require.False(t, ok)

	// Deleting 127.0.0.1 in a packet from 127.0.0.1 is refused (5.2). We
	// never send from an address being deleted, but a peer whose OS picks
	// the source (as usrsctp's does) may.
	h.kernelSource = true
	require.NoError(t, h.c.a.RemoveLocalAddr(h.now, netip.MustParseAddr("127.0.0.1")))
	h.runUntil(5*time.Second, func() bool { return h.c.has(remoteCause(wire.CauseDeleteSourceAddress)) })
	_, ok = pathState(h.s.a, "127.0.0.1")
	require.True(t, ok)
	require.Equal(t, Established, h.s.a.State())
	require.Equal(t, Established, h.c.a.State())
}

// TestAsconfServerSide: the accepting side reconfigures too.
func TestAsconfServerSide(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.alias = map[netip.Addr]*side{netip.MustParseAddr("127.0.0.7"): nil}
	h.established()
	h.alias[netip.MustParseAddr("127.0.0.7")] = h.s
	require.NoError(t, h.s.a.AddLocalAddr(h.now, netip.MustParseAddr("127.0.0.7")))
	h.runUntil(5*time.Second, func() bool { return h.c.has(addrChange("127.0.0.7", AddrConfirmed)) })
	require.Len(t, h.c.a.Paths(), 2)
}

// TestAsconfRetransmitAndDuplicate: a lost ASCONF goes again on T-4; a lost
// ASCONF ACK makes the peer see the same serial twice, which it answers
// again without applying it twice.
func TestAsconfRetransmitAndDuplicate(t *testing.T) {
	h := newHarness(t, Config{HeartbeatInterval: -1}, Config{HeartbeatInterval: -1})
	h.established()
	dropped := 0
	h.drop = func(from *side, p *wire.Packet) bool {
		for _, c := range chunksOf(p) {
			if (c == wire.TypeAsconf && from == h.c && dropped == 0) || (c == wire.TypeAsconfAck && dropped == 1) {
				dropped++
				return true
			}
		}
		return false
	}
	require.NoError(t, h.c.a.AddLocalAddr(h.now, netip.MustParseAddr("127.0.0.5")))
	h.runUntil(20*time.Second, func() bool { return h.c.a.asconf.out == nil })
	require.Equal(t, 2, dropped)
	require.Equal(t, 3, h.count("client", wire.TypeAsconf), "sent, lost; T-4; T-4 after the lost ACK")
	require.Equal(t, 2, h.count("server", wire.TypeAsconfAck))
	n := 0
	for _, e := range h.s.events {
		if addrChange("127.0.0.5", AddrAdded)(e) {
			n++
		}
	}
	require.Equal(t, 1, n, "applied once")
}

// TestAsconfDeleteMovesData: DATA outstanding on a path the peer deletes is
// retransmitted on another path; nothing is lost.
func TestAsconfDeleteMovesData(t *testing.T) {
	h := newHarness(t, Config{HeartbeatInterval: -1}, Config{HeartbeatInterval: -1})
	h.alias = map[netip.Addr]*side{}
	h.established()
	five := netip.MustParseAddr("127.0.0.5")
	h.alias[five] = h.c
	require.NoError(t, h.c.a.AddLocalAddr(h.now, five))
	h.runUntil(5*time.Second, func() bool { _, ok := pathState(h.s.a, "127.0.0.5"); return ok && h.c.a.asconf.out == nil })
	// Confirm by hand (heartbeats are off) and make it the server's primary.
	h.s.a.findPath(five).confirmed = true
	require.NoError(t, h.s.a.SetPrimary(five))
	// Whatever goes to 127.0.0.5 now is lost.
	h.drop = func(from *side, p *wire.Packet) bool { return h.lastRemote.Addr() == five }
	for i := range 5 {
		mustSend(t, h, h.s, OutMessage{Data: []byte{byte(i)}})
	}
	h.flush()
	require.Greater(t, h.s.a.Status().Unacked, 0)
	// The client deletes 127.0.0.5 (from 127.0.0.1): the server moves the
	// outstanding DATA to 127.0.0.1.
	require.NoError(t, h.c.a.RemoveLocalAddr(h.now, five))
	h.runUntil(10*time.Second, func() bool { return len(h.c.messages()) == 5 })
	require.True(t, h.s.has(addrChange("127.0.0.5", AddrRemoved)))
	require.Len(t, h.s.a.Paths(), 1)
	require.Equal(t, "127.0.0.1", h.s.a.Status().Primary.Addr.Addr().String())
}

// TestAsconfRefusals: deleting the last address, setting as primary an
// address that is not the peer's, and an unknown parameter with report
// bits each get an Error Cause Indication.
func TestAsconfRefusals(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	a := h.s.a
	other := netip.MustParseAddr("127.0.0.9")
	req := &wire.DeleteIPAddress{CorrelationID: 7, Address: wire.AddressParam(h.c.addr.Addr())}
	resp := a.asconfDelete(7, req, req.Address, other)
	eci, ok := resp.(*wire.ErrorCauseIndication)
	require.True(t, ok)
	require.Equal(t, uint32(7), eci.CorrelationID)
	require.Equal(t, wire.CauseDeleteLastAddress, eci.Causes[0].CauseCode())

	sp := &wire.SetPrimaryAddress{CorrelationID: 8, Address: wire.AddressParam(other)}
	resp = a.asconfSetPrimary(8, sp, sp.Address, h.c.addr.Addr())
	eci, ok = resp.(*wire.ErrorCauseIndication)
	require.True(t, ok)
	require.Equal(t, wire.CauseUnresolvableAddress, eci.Causes[0].CauseCode())

	// Deleting an address that is not in the association succeeds.
	req = &wire.DeleteIPAddress{CorrelationID: 9, Address: wire.AddressParam(other)}
	_, ok = a.asconfDelete(9, req, req.Address, h.c.addr.Addr()).(*wire.SuccessIndication)
	require.True(t, ok)

	r, stop := a.asconfRequest(&wire.UnknownParam{Type: 0xC0F0, Value: []byte{1, 2, 3, 4}}, h.c.addr.Addr(), 9899)
	require.False(t, stop)
	_, ok = r.(*wire.ErrorCauseIndication)
	require.True(t, ok)
	_, stop = a.asconfRequest(&wire.UnknownParam{Type: 0x00F0}, h.c.addr.Addr(), 9899)
	require.True(t, stop)
}

// TestAsconfOldSerialIgnored: an ASCONF whose serial is neither the next
// nor the last one is discarded (5.2 C4).
func TestAsconfOldSerialIgnored(t *testing.T) {
	h := newHarness(t, Config{}, Config{})
	h.established()
	h.c.a.asconf.serial += 5
	pkt := asconfPacket(t, h, "127.0.0.5")
	deliverRaw(h, h.s, h.c.addr, pkt)
	require.False(t, serverHasPath(h, "127.0.0.5"))
}

// TestAsconfAddOutOfScope: a peer on loopback asking by ASCONF to add an
// address outside our scope (192.0.2.1) is refused with an Error Cause
// Indication; no path is made, so nothing is ever sent there (RFC 5061
// 5.2, the same address scoping as for INIT lists). The number of paths an
// ASCONF may add is bounded too.
func TestAsconfAddOutOfScope(t *testing.T) {
	loopbackOnly := func(a netip.Addr) bool { return a.IsLoopback() }
	h := newHarness(t, Config{}, Config{AcceptPeerAddr: loopbackOnly})
	h.established()
	a := h.s.a

	// Over the wire, with AUTH: the refusal reaches the client as a
	// RemoteError, and the server has no path (no destination) there.
	require.NoError(t, h.c.a.AddLocalAddr(h.now, netip.MustParseAddr("192.0.2.1")))
	h.runUntil(5*time.Second, func() bool { return h.c.has(func(e Event) bool { _, ok := e.(RemoteError); return ok }) })
	require.False(t, serverHasPath(h, "192.0.2.1"))
	require.Equal(t, Established, a.State())

	foreign := &wire.AddIPAddress{CorrelationID: 3, Address: wire.AddressParam(netip.MustParseAddr("10.1.2.3"))}
	eci, ok := a.asconfAdd(3, foreign, foreign.Address, h.c.addr.Addr(), 9899).(*wire.ErrorCauseIndication)
	require.True(t, ok, "an out-of-scope address is refused")
	require.Equal(t, uint32(3), eci.CorrelationID)
	require.False(t, serverHasPath(h, "10.1.2.3"))

	for i := range 2 * maxPeerPaths {
		ip := netip.AddrFrom4([4]byte{127, 1, byte(i >> 8), byte(i)})
		req := &wire.AddIPAddress{CorrelationID: uint32(10 + i), Address: wire.AddressParam(ip)}
		a.asconfAdd(req.CorrelationID, req, req.Address, h.c.addr.Addr(), 9899)
	}
	require.LessOrEqual(t, len(a.paths), maxPeerPaths, "paths added by ASCONF are bounded")
}
