// Package perf holds the measurement workloads of udpsctp (issue 8): bulk
// goodput and request/response round trips over loopback on this stack,
// on pion/sctp and on raw UDP datagrams, the side-by-side comparison that
// runs all three in one process, and the scale measurements of one
// one-to-many socket (setup rate, memory per association, SENDALL cost).
// cmd/sctpperf is its command line; its benchmarks span packages.
//
// Benchmarks (bench_test.go, sendall_bench_test.go, scale_test.go):
// BenchmarkLoopbackSend (send path per message, end to end),
// BenchmarkLoopbackRTT, BenchmarkSetup (handshakes per second),
// BenchmarkSendAllFirst (the first SENDALL to 10,000 fresh associations),
// BenchmarkSendAll10k (later ones, each after the previous one was
// acknowledged) and BenchmarkScale (-scale.n associations, in process).
// The SENDALL benchmarks report the process CPU time (cpu-ms/op) beside
// the wall time, which a shared machine inflates.
//
// SENDALL timing: a SENDALL issued while the previous one is still
// unacknowledged is only queued (the Nagle-like rule holds a small message
// behind data in flight), so timing SENDALLs back to back measures
// queueing, not sending; ScaleServer.WaitDry waits for the SENDER DRY
// notifications in between.
//
// Contracts: everything runs on 127.0.0.1 only. Goodput is counted at the
// receiver over a measurement window that starts after a warm-up, in
// MB/s of message payload (1 MB = 10^6 bytes); round trips are timed per
// message with the monotonic clock. All three systems get the same socket
// buffers (RaiseBuffers: as large as the process may set, AutoBufferSize
// asked) and the same largest packet (MTU, the UDP payload). Nothing here is
// a timed test: callers compare figures, tests only check that they exist.
package perf
