// Package fuzz holds the module's fuzz targets, apart from the packages they
// exercise so that those stay free of fuzz-only seeds and helpers. Each
// target is an ordinary Go fuzz test: run one with
// `go test -run '^$' -fuzz '^FuzzParsePacket$' ./fuzz`, or all of them with
// fuzz/run. Inputs that once failed are kept under testdata/fuzz/<Target>/
// and replay as regression tests in every plain `go test` run. The package
// imports only what it fuzzes.
//
// Beyond the codec targets, FuzzAssociation drives two sans-IO associations
// with programs of user calls, network faults, timeouts and packets forged
// from a chunk grammar (grammar_test.go), checking invariants after every
// step. FuzzStack feeds two Stacks on the in-memory network packets from
// arbitrary sources, patched with the association's tag some of the time.
// SECURITY.md lists what each target checks. An input that hits a known,
// reported bug is skipped (t.Skip("bug: ...")) so the fuzzer keeps looking
// for new ones.
package fuzz
