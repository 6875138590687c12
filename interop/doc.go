// Package interop holds the interoperability tests of udpsctp against SCTP
// stacks no one here wrote: usrsctp 0.9.5 (the Debian example programs in
// /usr/lib/usrsctp and a small C peer of our own in testdata, built with gcc
// against libusrsctp) and pion/sctp (in-process, over loopback UDP conns).
// Every test runs our Stack over real UDP on 127.0.0.1 (the multi-homed
// cells on 127.0.0.3 and 127.0.0.4, against usrsctp on 127.0.0.1 and
// 127.0.0.2, with encap.Faulty cutting paths) and never sends to an address
// outside 127.0.0.0/8 (a guard transport drops and reports any such
// datagram).
//
// Contracts:
//   - Under CI=true a missing peer fails the test; elsewhere the test skips
//     with a message naming the Debian package to install (libusrsctp-dev,
//     libusrsctp-examples, tshark).
//   - Every Stack the suite starts writes a pcap trace; TestWireValidation
//     runs tshark's SCTP dissector over all of them and fails on any
//     malformed packet or bad CRC32c checksum.
//   - No test sleeps to wait: reads have deadlines, peer output is awaited
//     with timeouts.
//
// The package has no non-test code; this file exists for the doc.
package interop
