package wire

// ECNE is an ECN-Echo chunk (RFC 9260 appendix A).
type ECNE struct {
	LowestTSN TSN
}

// CWR is a Congestion Window Reduced chunk (RFC 9260 appendix A).
type CWR struct {
	LowestTSN TSN
}
