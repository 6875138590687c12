// Package memnet is an in-memory network for udpsctp tests: the same
// datagram transport as encap.UDP, between made-up addresses, with per-link
// delay, jitter, loss, duplication, reordering, MTU, a bottleneck rate with
// a bounded queue, and partitions.
//
// [Link] is the pure model of one direction of a link: given a seeded
// math/rand/v2 source and a send time it answers when (and how many times)
// a datagram arrives. It has no goroutines and no clock, so the sans-IO
// association simulation drives it with virtual time directly.
//
// [Network] puts links between [Transport]s in the goroutine world using the
// standard time package: one time.AfterFunc timer per Network delivers the
// earliest in-flight datagram. Inside testing/synctest (synctest.Test) that
// clock is virtual, so long delays cost no real time. Create the Network
// inside the bubble that uses it.
//
// Contracts: datagram bytes are copied on send (the sender may reuse its
// buffers); every queue is bounded (in flight per Network, pending per
// receiving socket) and overflow is dropped and counted; a datagram longer
// than the reader's buffer is dropped and counted, like a truncated UDP
// datagram in encap.UDP. Each directed link has its own random stream
// derived from the Network seed and its two addresses, so a seed replays
// the same losses when one goroutine sends on a link. Errors mirror
// encap.UDP (encap.AddrInUseError, encap.ErrNoSocket, net.ErrClosed).
package memnet
