// Package rx is the receive side of a sans-IO SCTP association: the
// Tracker records which TSNs arrived and decides when and what to
// acknowledge (RFC 9260 6.2, 6.7; RFC 7053 for the I bit; RFC 3758 3.6 for
// FORWARD TSN), and the Reassembly turns DATA or I-DATA (RFC 8260) fragments
// into messages and hands them out in the order RFC 9260 6.5, 6.6 and 6.9
// require, with partial delivery when its buffer fills (RFC 6458,
// SCTP_PARTIAL_DELIVERY_POINT).
//
// Contracts: no goroutines, no locks, no clock reads (time is an argument),
// no panics on any input. The association owns both values and calls them
// from one goroutine, per inbound packet:
//
//	for each DATA chunk d:
//	    if !tracker.Observe(d.TSN) { continue }        // duplicate or out of window
//	    switch err := reasm.Add(d); {
//	    case errors.Is(err, rx.ErrBufferFull): tracker.Forget(d.TSN) // peer retransmits
//	    case errors.Is(err, rx.ErrInvalidStream): queue an ERROR (the TSN stays acked)
//	    case err != nil: ABORT (No User Data, Protocol Violation)
//	    }
//	FORWARD TSN: tracker.ForwardTo(newCum); aborted := reasm.ForwardTSN(newCum, streams)
//	tracker.PacketDone(now, anyIBit)
//	for m, ok := reasm.Pop(); ok; m, ok = reasm.Pop() { deliver m }
//	if tracker.SackNow() { tracker.FillSack(&sack, arwnd, maxGaps) }
//	timer: at tracker.Deadline() call tracker.HandleTimeout(now)
//
// Memory is bounded: the Tracker by MaxGapTSNs, 4096 gap ranges and 32
// duplicates; the Reassembly by its limit, which counts user data plus 64
// bytes per fragment or message held, so floods of tiny fragments are
// bounded too (at most twice the limit plus 64 KiB, the excess being only
// chunks that unblock delivery). Unread keeps the account of messages
// delivered and not yet read, with DeliveredOverhead per message, so that
// the association's window can close on a flood of tiny messages nobody
// reads (Reassembly.Charged plus Unread.Charged). An idle pair
// costs about 340 bytes. Packet buffers are never retained: Add copies the
// user data it keeps, once; a fragmented message is joined once at the end.
package rx
