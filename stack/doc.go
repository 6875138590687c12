// Package stack is the SCTP sockets API of udpsctp (RFC 6458 semantics in Go
// idioms) over UDP encapsulation (RFC 6951).
//
// A [Stack] owns one UDP encapsulation port (default 9899), the SCTP port
// table and the table of every association, with their timers in one heap
// and no goroutine per association. Sockets are views over that table:
// [PacketConn] is the one-to-many style (SOCK_SEQPACKET, the UDP model, a
// net.PacketConn); [Conn] is the one-to-one style (SOCK_STREAM, the TCP
// model, a net.Conn) made by [Stack.Dial], [Listener.Accept] or
// [PacketConn.PeelOff]. SENDALL walks the one-to-many socket's associations;
// peel-off moves one association, queued data and all, to a new Conn.
// BindAdd and BindRemove change a socket's local addresses after setup
// (sctp_bindx): future associations at once, established ones through RFC
// 5061 ASCONF where the peer negotiated it (a *BindxError names the others).
//
// Concurrency: one mutex per Stack (Stack.mu) guards the table, the timer
// heap, every association and every socket's queues. Reader goroutines
// (one per UDP socket) and the timer goroutine (runTimers) take it once per
// batch of datagrams or expiries; user calls take it briefly. Packets are
// written after the mutex is released. Blocking calls wait on channels,
// released by progress, Close and deadlines, never by polling. On a
// transport that runs its own read loops (real UDP on Linux) a socket is
// read by whoever holds its read role (readrole.go): its background
// goroutine, or a goroutine blocked in RecvMsg/Read with nothing queued,
// which then handles every association's packets until its own message
// arrives, so the netpoller wakes the goroutine that wants the data.
package stack
