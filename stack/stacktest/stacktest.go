// Package stacktest gives tests Stacks joined by an in-memory network, in
// the spirit of net/http/httptest: a user's test of its own Diameter, M3UA
// or chat code over udpsctp sockets needs no UDP port, no root and no
// sleeps. Run the test inside testing/synctest (synctest.Test) and the
// network's delays and the protocol's timers run on a virtual clock.
//
// Contracts: every Stack lives on its own loopback address (127.0.0.1,
// 127.0.0.2, ...) with UDP encapsulation port 9899 (stack.DefaultUDPPort),
// so addresses in tests look like real ones; Close closes every Stack; the
// network is lossless with no delay unless the Link option says otherwise.
// Create the Network inside the synctest bubble that uses it.
package stacktest

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"

	"github.com/udpsctp/udpsctp/encap/memnet"
	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// Network is a set of Stacks on one in-memory network.
type Network struct {
	net *memnet.Network
	cfg assoc.Config

	mu     sync.Mutex
	next   byte
	stacks []*stack.Stack
}

type options struct {
	link memnet.LinkConfig
	cfg  assoc.Config
	seed uint64
}

// Option configures a Network.
type Option func(*options)

// Link sets the link between every two Stacks (delay, jitter, loss,
// duplication, reordering, MTU).
func Link(cfg memnet.LinkConfig) Option { return func(o *options) { o.link = cfg } }

// Protocol sets the association parameters of every Stack.
func Protocol(cfg assoc.Config) Option { return func(o *options) { o.cfg = cfg } }

// Seed fixes the randomness of losses and delays (default 1).
func Seed(seed uint64) Option { return func(o *options) { o.seed = seed } }

// NewNetwork makes an empty network.
func NewNetwork(opts ...Option) *Network {
	o := options{seed: 1}
	for _, f := range opts {
		f(&o)
	}
	return &Network{net: memnet.New(o.seed, o.link), cfg: o.cfg, next: 1}
}

// New is NewNetwork for a test: the network closes with t.Cleanup.
func New(t testing.TB, opts ...Option) *Network {
	n := NewNetwork(opts...)
	t.Cleanup(n.Close)
	return n
}

// Mem returns the underlying network, to partition addresses or change a
// link during a test.
func (n *Network) Mem() *memnet.Network { return n.net }

// Stack starts a Stack on the next address (127.0.0.1 first) and returns
// it with its address.
func (n *Network) Stack() (*stack.Stack, netip.Addr, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.next == 255 {
		return nil, netip.Addr{}, errors.New("stacktest: out of addresses")
	}
	ip := netip.AddrFrom4([4]byte{127, 0, 0, n.next})
	n.next++
	tr, err := n.net.Listen([]netip.Addr{ip}, stack.DefaultUDPPort)
	if err != nil {
		return nil, netip.Addr{}, fmt.Errorf("stacktest: %w", err)
	}
	s, err := stack.New(stack.Config{Transport: tr, Assoc: n.cfg})
	if err != nil {
		tr.Close()
		return nil, netip.Addr{}, fmt.Errorf("stacktest: %w", err)
	}
	n.stacks = append(n.stacks, s)
	return s, ip, nil
}

// MustStack is Stack for tests: it fails t on error.
func (n *Network) MustStack(t testing.TB) (*stack.Stack, netip.Addr) {
	t.Helper()
	s, ip, err := n.Stack()
	if err != nil {
		t.Fatal(err)
	}
	return s, ip
}

// Close closes every Stack of the network.
func (n *Network) Close() {
	n.mu.Lock()
	stacks := n.stacks
	n.stacks = nil
	n.mu.Unlock()
	for _, s := range stacks {
		s.Close()
	}
}

// Addr formats ip and an SCTP port as "ip:port" for Listen and Dial.
func Addr(ip netip.Addr, port uint16) string { return fmt.Sprintf("%v:%d", ip, port) }
