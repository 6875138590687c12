//go:build (!linux || encap_portable) && !unix

package encap

// msgTrunc is unknown here; the n > len(buf) check in readBatch still
// catches what the platform reports.
const msgTrunc = 0
