package stack_test

import (
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// wildcard reports its transport as bound to 0.0.0.0, as a Stack on real
// UDP with no Addrs is: memnet has no wildcard, but the Stack's default
// address scoping only sees LocalAddrs.
type wildcard struct{ stack.Transport }

func (wildcard) LocalAddrs() []netip.AddrPort {
	return []netip.AddrPort{netip.AddrPortFrom(netip.IPv4Unspecified(), stack.DefaultUDPPort)}
}

// TestAddressScopingWildcard: a Stack bound to the wildcard still scopes
// the addresses a loopback peer lists in its INIT or INIT ACK to loopback
// (RFC 9260 5.1.2): the scope filter sees the packet's source. The peer
// completes the handshake and goes silent, so for two minutes of virtual
// time the Stack heartbeats and retransmits, and must do so only to
// loopback addresses.
func TestAddressScopingWildcard(t *testing.T) {
	foreign := []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("10.1.2.3")}
	wildStack := func(n *secNet, ip netip.Addr) (*stack.Stack, *recorder) {
		rec := &recorder{Transport: n.listen(stack.DefaultUDPPort, ip)}
		s, err := stack.New(stack.Config{Transport: wildcard{rec}, Assoc: n.cfg})
		if err != nil {
			n.t.Fatal(err)
		}
		n.t.Cleanup(func() { s.Close() })
		return s, rec
	}
	check := func(t *testing.T, rec *recorder) {
		sent := 0
		for _, d := range rec.datagrams() {
			if !d.Remote.Addr().IsLoopback() {
				t.Fatalf("the wildcard-bound Stack sent to %v, an address a loopback peer listed", d.Remote)
			}
			sent++
		}
		if sent < 5 {
			t.Fatalf("only %d datagrams sent: the silent peer was not probed", sent)
		}
	}
	t.Run("INIT", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			n := newSecNet(t)
			srv, rec := wildStack(n, secServerIP)
			pc, err := srv.ListenPacket("127.0.0.2:2013")
			if err != nil {
				t.Fatal(err)
			}
			raw := newRawPeer(t, n, netip.MustParseAddr("127.0.0.5"))
			to := netip.AddrPortFrom(secServerIP, stack.DefaultUDPPort)
			raw.send(to, initPacket(4444, 2013, 0x1234, append([]netip.Addr{raw.addr.Addr()}, foreign...)...))
			ack := raw.expect(t, wire.TypeInitAck).Chunks[0].(*wire.InitAck)
			ck, _ := ack.StateCookie()
			raw.send(to, raw.packet(4444, 2013, ack.InitiateTag, &wire.CookieEcho{Cookie: ck}))
			raw.expect(t, wire.TypeCookieAck)
			ids := pc.Associations()
			if len(ids) != 1 {
				t.Fatal("no association")
			}
			addrs, err := pc.PeerAddrs(ids[0])
			if err != nil || len(addrs) != 1 {
				t.Fatalf("peer addresses %v, %v: want only the loopback one", addrs, err)
			}
			time.Sleep(2 * time.Minute)
			synctest.Wait()
			check(t, rec)
		})
	})
	t.Run("INIT ACK", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			n := newSecNet(t)
			cli, rec := wildStack(n, secClientIP)
			dialRawPeerListing(t, n, cli, foreign)
			time.Sleep(2 * time.Minute)
			synctest.Wait()
			check(t, rec)
		})
	})
}
