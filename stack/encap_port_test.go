package stack_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// TestRestartFromNewUDPPort: a client comes back from the same address and
// SCTP port but another UDP port (a restarted process on a new
// encapsulation port) while the server still holds the old association.
// The server answers its INIT with an ABORT carrying "Restart of an
// Association with New Encapsulation Port", sent to the port the INIT came
// from (draft-tuexen-tsvwg-sctp-udp-encaps-cons); the new Dial fails with
// that cause, and the old association keeps its port and its traffic.
func TestRestartFromNewUDPPort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := newSecNet(t)
		srec, pc, _, _, c := establish(t, n)
		ids := pc.Associations()
		cport := c.LocalAddr().(*stack.Addr).Port

		tr := n.listen(9900, secClientIP)
		again, err := stack.New(stack.Config{Transport: tr, Assoc: n.cfg})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { again.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err = again.Dial(ctx, "127.0.0.2:2013", stack.DialOptions{Local: fmt.Sprintf("127.0.0.1:%d", cport)})
		var ae *assoc.Error
		if !errors.Is(err, stack.ErrAborted) || !errors.As(err, &ae) || ae.Cause == nil ||
			ae.Cause.CauseCode() != wire.CauseRestartWithNewEncapPort {
			t.Fatalf("Dial from UDP port 9900: %v", err)
		}
		want := wire.RestartWithNewEncapPort{CurrentPort: stack.DefaultUDPPort, NewPort: 9900}
		if got, ok := ae.Cause.(*wire.RestartWithNewEncapPort); !ok || *got != want {
			t.Fatalf("cause %#v, want %#v", ae.Cause, want)
		}
		aborts := 0
		for _, d := range srec.datagrams() {
			if p, err := wire.ParsePacket(d.Buf); err == nil && p.Chunks[0].Type() == wire.TypeAbort {
				aborts++
				if d.Remote != netip.AddrPortFrom(secClientIP, 9900) {
					t.Fatalf("ABORT sent to %v", d.Remote)
				}
			}
		}
		if aborts == 0 {
			t.Fatal("the server sent no ABORT")
		}

		// The old association is untouched: same id, same UDP port, and it
		// still carries data both ways.
		if got := pc.Associations(); len(got) != 1 || got[0] != ids[0] {
			t.Fatalf("associations %v, before %v", got, ids)
		}
		addrs, err := pc.PeerAddrs(ids[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range addrs {
			if a.UDPPort != stack.DefaultUDPPort {
				t.Fatalf("the INIT from UDP port 9900 moved the peer's encapsulation port: %v", addrs)
			}
		}
		roundTrip(t, c, pc)
	})
}
