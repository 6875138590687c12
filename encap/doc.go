// Package encap is the RFC 6951 transport of udpsctp: it moves SCTP packets
// as UDP payloads between local and remote (address, UDP port) pairs.
//
// Its unit of work is the [Datagram], one UDP datagram carrying one SCTP
// packet (RFC 6951 section 5: the SCTP common header, checksum included,
// directly follows the UDP header). The package knows nothing about SCTP
// beyond that; the stack package declares the small interface it consumes
// and both [UDP] (real sockets) and memnet.Transport (an in-memory network
// with loss, delay, reordering, duplication, MTU and partitions) satisfy it.
// [Transport] is that method set, used here by the wrappers [Faulty] (fault
// injection between address pairs) and [Traced] (pcap capture).
//
// Contracts:
//   - A [ReceiveFunc] blocks until at least one datagram arrives and returns
//     net.ErrClosed once the transport is closed. One goroutine calls a
//     given ReceiveFunc; different ReceiveFuncs may run concurrently.
//     It may permute the slots of dgs (it swaps, so every buffer the caller
//     supplied stays in exactly one slot), so a caller that reuses buffers
//     must re-read dgs[i].Buf rather than remember it by index.
//   - A [ServeFunc] (transports that implement [Serving]: [UDP] on Linux)
//     is the alternative to looping over a ReceiveFunc: it calls handle
//     with each batch from inside the socket read, in the caller's
//     goroutine, and waits for the socket right after a short read instead
//     of reading it once more to find it empty.
//   - WriteBatch may be called from several goroutines. It returns how many
//     leading datagrams were handed to the network and, if that is short of
//     len(dgs), the error for dgs[n]; it never retains dgs or their buffers.
//   - On Linux neither reading nor writing allocates per datagram or per
//     call once warm (TestUDP*DoesNotAllocate, BenchmarkUDPLoopback).
//   - Errors are wrapped; errors.Is(err, syscall.EADDRINUSE) and
//     errors.Is(err, ErrAddrInUse) both hold when a port is taken.
//
// Linux moves up to BatchSize datagrams per system call: sendmmsg through
// golang.org/x/net's ipv4/ipv6 PacketConn.WriteBatch, and recvmmsg called
// directly (x/net's ReadBatch allocates a *net.UDPAddr per datagram); it
// reads and writes IP_PKTINFO/IPV6_PKTINFO itself. Consecutive datagrams of
// one size to one destination leave as one UDP GSO message (UDP_SEGMENT,
// gso_linux.go) unless UDPConfig.DisableGSO is set or the kernel refuses
// it, after which that socket sends datagram by datagram. Other platforms
// move one datagram per system call (batch_other.go; -tags encap_portable
// selects it on Linux too, so its tests run here).
package encap
