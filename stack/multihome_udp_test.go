package stack

import (
	"context"
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/udpsctp/udpsctp/encap"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// TestMultihomedFailoverUDP is TestMultihomedFailoverSim over real UDP on
// loopback, the primary cut by encap.Faulty on the client's transport.
func TestMultihomedFailoverUDP(t *testing.T) {
	cfg := mhConfig()
	mk := func(ips ...netip.Addr) (*Stack, *encap.Faulty) {
		u, err := encap.ListenUDP(encap.UDPConfig{Addrs: ips})
		require.NoError(t, err)
		f := encap.NewFaulty(u)
		s, err := New(Config{Transport: f, Assoc: cfg})
		require.NoError(t, err)
		t.Cleanup(func() { s.Close() })
		return s, f
	}
	a, fa := mk(ip4(1), ip4(2))
	b, _ := mk(ip4(3), ip4(4))
	srv, err := b.ListenPacketAddrs(2013, ip4(3), ip4(4))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := a.Dial(ctx, "127.0.0.3:2013", DialOptions{LocalIPs: []netip.Addr{ip4(1), ip4(2)}, PeerUDPPort: b.LocalAddrs()[0].Port()})
	require.NoError(t, err)
	require.Len(t, c.RemoteAddrs(), 2)
	c.Subscribe(EventPeerAddrChange) // c only reads notifications: the flow goes to srv

	const total, cutAt = 150, 50
	go func() {
		tick := time.NewTicker(5 * time.Millisecond) // a steady flow, not a wait
		defer tick.Stop()
		var m [12]byte // sequence number, send time
		for i := range uint32(total) {
			<-tick.C
			binary.BigEndian.PutUint32(m[:], i)
			binary.BigEndian.PutUint64(m[4:], uint64(time.Now().UnixNano()))
			if _, err := c.Write(m[:]); err != nil {
				t.Errorf("write %d: %v", i, err)
				return
			}
		}
	}()
	// The failover time is the longest a message waited after the cut:
	// the one caught by the cut is delivered when the alternate takes over.
	var failover time.Duration
	for i := range uint32(total) {
		data, _ := recvData(t, srv)
		require.Equal(t, i, binary.BigEndian.Uint32(data[:4]), "lost, duplicated or reordered")
		if i == cutAt {
			fa.Block(ip4(1), ip4(3))
			fa.Block(ip4(2), ip4(3))
		}
		if i > cutAt {
			sent := time.Unix(0, int64(binary.BigEndian.Uint64(data[4:])))
			failover = max(failover, time.Since(sent))
		}
	}
	t.Logf("failover over UDP: %v, the longest delivery delay of a message after the cut (delivered via the alternate path) (RTO.Min %v, Path.Max.Retrans %d, HB %v)",
		failover, cfg.RTOMin, cfg.PathMaxRetrans, cfg.HeartbeatInterval)
	require.Less(t, failover, time.Second)
	pi, err := c.PeerAddrInfo(&Addr{IP: ip4(3), Port: 2013})
	require.NoError(t, err)
	require.Equal(t, assoc.PathInactive, pi.State)

	// Lifting the cut: the next HEARTBEAT to 127.0.0.3 is answered and the
	// path comes back (RFC 9260 8.3); the notification is the wait, bounded
	// by a read deadline.
	fa.UnblockAll()
	lifted := time.Now()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	for {
		n, err := recvNoteErr(c)
		require.NoError(t, err, "no AddrAvailable for 127.0.0.3 within 5 s of lifting the cut")
		if pc, ok := n.(*PeerAddrChange); ok && pc.Addr.Addr() == ip4(3) && pc.State == assoc.AddrAvailable {
			break
		}
	}
	pi, err = c.PeerAddrInfo(&Addr{IP: ip4(3), Port: 2013})
	require.NoError(t, err)
	require.Equal(t, assoc.PathActive, pi.State)
	t.Logf("127.0.0.3 active again %v after the cut was lifted", time.Since(lifted))
}

// recvNoteErr reads the next notification of c, skipping data.
func recvNoteErr(c *Conn) (Notification, error) {
	buf := make([]byte, 1<<16)
	for {
		_, info, err := c.RecvMsg(buf)
		if err != nil {
			return nil, err
		}
		if info.Flags&FlagNotification != 0 {
			return info.Notification, nil
		}
	}
}
