// Command sctpcat is netcat for SCTP over UDP (RFC 6951), on udpsctp.
//
//	sctpcat [flags] ip[,ip...]:port          dial (several peer addresses: sctp_connectx)
//	sctpcat -l [flags] [ip[,ip...]:port]     listen (default 127.0.0.1:0, port printed)
//	sctpcat -l -k ...                        accept one association after another
//	sctpcat -l -m ...                        one one-to-many socket, any number of peers
//
// Each stdin line (without its line ending) is sent as one message; with
// -raw, each read of stdin (up to -size bytes) is one message. Each message
// received is written to stdout: in line mode followed by "\n", in raw mode
// as it is. SCTP carries no empty messages, so empty lines are skipped. On a
// one-to-many socket (-m) stdin lines go to every association (SENDALL).
//
// Contracts:
//   - stdout carries received messages only; everything else (the
//     "listening" line, errors, and with -v notifications, association
//     status and per-message details) goes to stderr, one line each,
//     prefixed "sctpcat: ".
//   - The listener always prints
//     "sctpcat: listening on SCTP ip[,ip...]:port (UDP ip:port ...)" once it
//     accepts associations, naming the real ports when 0 was asked for.
//   - After stdin ends, sctpcat keeps receiving for -wait (negative: until
//     the peer ends the association) and then shuts the association down
//     gracefully (RFC 9260 9.2); SIGINT and SIGTERM start that shutdown at
//     once. When the peer shuts down first, sctpcat ends too.
//   - With -k, stdin EOF ends the association it happens in (or the next
//     one, when none is up); later associations are receive-only and last
//     until their peer ends them. Without -k the listener refuses further
//     associations once it has one.
//   - Dialing gives up after -timeout (default 15s); an INIT answered by an
//     ABORT (no listener at that SCTP port) fails at once.
//   - Exit status: 0 after a graceful end, 1 when the association cannot be
//     set up (socket, dial timeout, INIT refused) or is lost or aborted, 2 on
//     usage errors.
//   - -trace file.pcap (or UDPSCTP_TRACE=file.pcap) writes every datagram
//     sent and received as pcap, for Wireshark/tshark.
package main
