package stacktest_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/udpsctp/udpsctp/encap/memnet"
	"github.com/udpsctp/udpsctp/stack/stacktest"
)

// Example: a one-to-many server and a one-to-one client on the in-memory
// network, no UDP port and no root. In a test, wrap the body in
// synctest.Test and use stacktest.New(t) (see TestVirtualTime).
func Example() {
	n := stacktest.NewNetwork()
	defer n.Close()
	server, ip, _ := n.Stack()
	client, _, _ := n.Stack()

	pc, _ := server.ListenPacket(stacktest.Addr(ip, 3868))
	conn, err := client.Dial(context.Background(), stacktest.Addr(ip, 3868))
	if err != nil {
		fmt.Println(err)
		return
	}
	conn.Write([]byte("CER"))
	buf := make([]byte, 100)
	k, info, _ := pc.RecvMsg(buf)
	fmt.Printf("association %d stream %d: %s\n", info.AssocID, info.Stream, buf[:k])
	// Output: association 1 stream 0: CER
}

// TestVirtualTime: with a 100 ms link inside synctest, a handshake and an
// exchange take virtual time only.
func TestVirtualTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := stacktest.New(t, stacktest.Link(memnet.LinkConfig{Delay: 100 * time.Millisecond}))
		server, ip := n.MustStack(t)
		client, _ := n.MustStack(t)
		ln, err := server.Listen(stacktest.Addr(ip, 7))
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		conn, err := client.Dial(context.Background(), stacktest.Addr(ip, 7))
		if err != nil {
			t.Fatal(err)
		}
		// INIT, INIT ACK, COOKIE ECHO, COOKIE ACK: two round trips.
		if got := time.Since(start); got != 400*time.Millisecond {
			t.Fatalf("handshake took %v of virtual time, want 400ms", got)
		}
		peer, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte("ping"))
		buf := make([]byte, 10)
		k, err := peer.Read(buf)
		if err != nil || string(buf[:k]) != "ping" {
			t.Fatalf("read %q, %v", buf[:k], err)
		}
	})
}
