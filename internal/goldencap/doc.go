// Command goldencap captures golden SCTP packets from real peers for the
// round-trip tests of stack/wire.
//
// It runs short scenarios between usrsctp (a scripted C program, usrpeer.c,
// compiled with gcc and linked against libusrsctp at run time, so the Go build
// needs no cgo) and pion/sctp, both over RFC 6951 UDP encapsulation. Every
// datagram passes through a UDP relay on 127.0.0.1 that records it and may
// drop or duplicate chosen DATA packets to provoke SACK gap blocks,
// duplicate TSN reports, retransmissions and FORWARD TSN, or inject one
// unknown chunk to provoke an ERROR chunk. After the scenarios it picks one
// packet per interesting kind and sender and writes it as a .hex file (see
// stack/wire/testdata/golden/README.md).
//
// Contracts: it binds only to 127.0.0.1 (libusrsctp itself binds its UDP
// encapsulation socket to the wildcard address, but is only ever told to send
// to 127.0.0.1), it exits by itself within about two minutes, and it is a
// developer tool: it is not run by tests or CI.
//
// Usage:
//
//	go run ./internal/goldencap -out stack/wire/testdata/golden
package main
