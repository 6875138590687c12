// Package fuzz holds the module's fuzz targets, apart from the packages they
// exercise so that those stay free of fuzz-only seeds and helpers. Each
// target is an ordinary Go fuzz test: run one with
// `go test -run '^$' -fuzz '^FuzzParsePacket$' ./fuzz`, or all of them with
// fuzz/run. Inputs that once failed are kept under testdata/fuzz/<Target>/
// and replay as regression tests in every plain `go test` run. The package
// imports only what it fuzzes.
package fuzz
