// Package assoc is the sans-IO SCTP association core (RFC 9260) and the
// per-port Endpoint that answers packets belonging to no association.
//
// An Association is a plain value driven by three inputs — HandlePacket
// (an inbound SCTP packet), HandleTimeout (the clock reached NextDeadline) and
// user calls (Send, Shutdown, Abort, ReadConsumed) — and drained through
// three outputs: PollTransmit (packets to send), PollEvent (delivered
// messages and notifications) and NextDeadline (when to call HandleTimeout).
// It never reads a clock, sleeps, locks, starts goroutines or touches a
// socket: time is an argument and randomness comes from Config.Rand.
//
// Contracts:
//   - An Association is single-threaded: its owner serializes all calls.
//     The Endpoint is safe for concurrent use.
//   - After any call that takes now, the owner drains PollTransmit until it
//     returns false, drains PollEvent, and re-reads NextDeadline and
//     LocalTag (a restart of RFC 9260 5.2.4 changes the tag).
//   - Time going backwards is treated as no time passing. HandleTimeout may
//     be called spuriously (early, late or twice): it runs only timers due.
//   - When Closed reports true the association may still hold a last packet
//     (ABORT, SHUTDOWN COMPLETE): drain PollTransmit before dropping it.
//   - Packet buffers passed in are not retained: what is kept is copied.
//   - Bad input never panics: malformed packets are dropped or answered with
//     the ERROR/ABORT the RFC asks for.
//
// Address reconfiguration: when both sides offer them in INIT / INIT ACK
// (Config.DisableAddrReconfig withdraws our offer), AUTH (RFC 4895, the null
// endpoint-pair key only; auth.go) and ASCONF (RFC 5061; asconf.go,
// asconf_recv.go) are on. The peer's ASCONF adds, deletes or makes primary
// its addresses; AddLocalAddr, RemoveLocalAddr and SetPeerPrimary queue our
// requests (one ASCONF outstanding, T-4 retransmission) and return
// ErrNoAsconf when the peer did not negotiate them. ASCONF and ASCONF ACK
// travel only authenticated: one without a valid AUTH before it is dropped.
// The State Cookie carries what the INIT said about both (cookie_ext.go).
//
// The data path is stack/internal/tx (send queue, retransmission queue with
// SACK processing and PR-SCTP, congestion control and RTO per path) and
// stack/internal/rx (TSN tracking, SACK timing, reassembly with partial
// delivery); this package drives them and owns everything else: the state
// machine, the cookie, tags, paths, timers, bundling and notifications.
// Paths are numbered for tx by their index in the association.
package assoc
