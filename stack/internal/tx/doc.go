// Package tx is the send side of the sans-IO SCTP association: the send
// queue (fragmentation and stream scheduling), the retransmission queue (SACK
// processing, fast retransmit, T3-rtx marking, PR-SCTP abandonment, RFC 9260
// 6.2.1, 6.3.3, 7.2.4 and RFC 3758), congestion control per path (RFC 9260
// 7.2) and RTO estimation (RFC 9260 6.3.1).
//
// Contracts. Every type is a plain value owned by one association: no
// goroutines, no locks, no clock reads (time is an argument, and it may
// stand still; it should not go backwards). Byte counts (Buffered,
// Outstanding, AckedBytes, flight sizes) are user-data bytes, without chunk
// headers or padding; Next and NextRetransmit take the room for user data.
// Slices in results (SackResult.AckedBytes, Delivered, FastRetransmitPaths)
// are reused and valid until the next call on the same Retransmit.
//
// Fragmentation: a DATA message's fragments must carry consecutive TSNs
// (RFC 9260 6.9), so the scheduler is round-robin per message: once the first
// fragment of a message is cut, Next keeps cutting that message until its
// last fragment. Messages are cut lazily; Push never copies.
//
// SSNs are assigned when a message's first fragment is cut, not at Push: a
// message abandoned before it was ever sent (PR-SCTP deadline) then leaves no
// hole in the stream's SSN space that no FORWARD TSN could ever skip.
//
// Send buffer: Buffered counts a message's bytes from Push until it is fully
// acknowledged by the cumulative TSN ack or abandoned; the Retransmit queue
// releases the bytes itself through the message's handle. Push also bounds
// memory: Charged (Buffered plus MessageOverhead per message held) stays
// within twice the limit, so tiny messages cannot cost far more heap than
// the buffer says.
//
// Fast recovery (RFC 9260 7.2.4) is tracked by Retransmit: it enters when a
// SACK marks chunks for fast retransmit (SackResult.EnteredFastRecovery, with
// the paths whose congestion windows must be cut in FastRetransmitPaths), and
// leaves when the cumulative ack reaches the highest TSN outstanding at entry.
// While in fast recovery no chunk is marked twice, and miss indications
// follow the rules of 7.2.4 (HTNA; all reported holes when the cum ack
// advances). The association asks InFastRecovery and passes it to
// Congestion.OnAck.
//
// PR-SCTP: OutMessage.MaxRetrans is -1 for unlimited; 0 means "never
// retransmit" (RFC 7496): a chunk sent once and then lost (T3-rtx or fast
// retransmit mark) abandons its message. A caller building an OutMessage
// must set it; stack/assoc maps its API's 0 ("no limit") to -1. The limit
// applies per fragment: a fragment that would be retransmitted a
// MaxRetrans+1-th time abandons its whole message. A message abandoned
// when only part of it was cut gets one more TSN for its unsent rest,
// abandoned at once and never transmitted, so that the FORWARD TSN's new
// cumulative TSN covers the whole message and names its SSN (RFC 3758
// 3.5 A3; usrsctp does the same). Deadlines are checked by
// Next (before the first fragment), SendQueue.Expire, NextRetransmit and
// ForwardTSN. Abandoned messages are reported exactly once, by
// SendQueue.Abandoned (never sent), Retransmit.Abandoned (partly or wholly
// sent) or one of the Drain methods (association teardown).
//
// RTT samples (RFC 9260 6.3.1 C5): one per SACK, from the newest chunk it
// newly acks, only if no chunk was retransmitted since that chunk was first
// sent (stricter than Karn's rule, as C5 asks).
//
// Cost: Push takes the message handle from a pool that HandleSack refills
// as messages retire (see MsgRef for how long a handle may be kept); Push,
// Next, Add, NextRetransmit and HandleSack allocate nothing in steady state.
// An idle association pays for the structs alone. The first message pays
// for little more, since a SENDALL to thousands of fresh associations pays
// it thousands of times: the stream FIFOs are linked through the messages
// and the round-robin ring through the streams (no slices); the first
// stream used lives inline in the SendQueue, whose per-stream array is
// allocated only when a second stream is used; Retransmit's ring starts at
// one chunk at the first Add and doubles as needed.
//
// In flight: a chunk counts towards Outstanding(path) from the moment it is
// sent on path until it is acked (cum or gap), marked for retransmission, or
// abandoned; a chunk gap-acked and then reneged goes back in flight on the
// path it was last sent on.
package tx
