package interop

import (
	"net/netip"
	"testing"

	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// Dynamic address reconfiguration against usrsctp (issue 5, RFC 5061 with
// RFC 4895 AUTH, both on by default in usrsctp): our one-to-many socket,
// bound to 127.0.0.3 only on a Stack that also serves 127.0.0.5, adds
// 127.0.0.5 after setup (BindAdd), asks usrsctp to make it its primary
// (SetPeerPrimary), then removes 127.0.0.3 (BindRemove). usrsctp reports
// each step as a PADDR event; once 127.0.0.3 is cut off entirely the echo
// still works, over 127.0.0.5.
func TestUsrsctpAsconfAddRemove(t *testing.T) {
	ourC := netip.MustParseAddr("127.0.0.5")
	s := newStackOn(t, mhInteropConfig, []netip.Addr{ourA, ourC})
	pc, err := s.ListenPacketAddrs(0, ourA)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	pc.Subscribe(stack.EventAssocChange | stack.EventPeerAddrChange)
	to := &stack.Addr{IP: ourA, Port: pc.LocalAddr().(*stack.Addr).Port, UDPPort: s.udpPort}
	p := startPeer(t, peerOpts{client: true, sctpPort: mhPeerPort, to: to, ourUDP: s.udpPort,
		extra: []string{"-rto", "100,400", "-hb", "100", "-pmr", "1"}})
	up := waitAssocChange(t, assocEnd{pc, 0}, 0, assoc.CommUp)
	p.expect(`^CONNECTED`)
	m := &mhAssoc{s: s, pc: pc, id: up.AssocID, p: p}

	if err := pc.BindAdd(ourC); err != nil {
		t.Fatalf("BindAdd(127.0.0.5): %v", err)
	}
	p.expect(`^PADDR id=\d+ addr=127\.0\.0\.5 state=ADDED`)
	p.expect(`^PADDR id=\d+ addr=127\.0\.0\.5 state=CONFIRMED`)

	if err := pc.SetPeerPrimary(m.id, ourC); err != nil {
		t.Fatalf("SetPeerPrimary(127.0.0.5): %v", err)
	}
	echoInOrder(t, m.end(), sizesMessages([]int{10}))
	prim, paths := m.peerPaths(t)
	if prim != "127.0.0.5" || paths["127.0.0.5"] != "ACTIVE" || paths["127.0.0.3"] != "ACTIVE" {
		t.Fatalf("usrsctp after Set Primary: primary %s, paths %v; want 127.0.0.5 primary, both active", prim, paths)
	}

	if err := pc.BindRemove(ourA); err != nil {
		t.Fatalf("BindRemove(127.0.0.3): %v", err)
	}
	p.expect(`^PADDR id=\d+ addr=127\.0\.0\.3 state=REMOVED`)
	s.faulty.Block(ourA, usrA) // 127.0.0.3 is gone for good
	echoInOrder(t, m.end(), sizesMessages([]int{10, 3000, 20000}))
	prim, paths = m.peerPaths(t)
	if prim != "127.0.0.5" || len(paths) != 1 || paths["127.0.0.5"] != "ACTIVE" {
		t.Fatalf("usrsctp after the delete: primary %s, paths %v; want 127.0.0.5 only, active", prim, paths)
	}
}
