package tx

import "net/netip"

// NextDest returns the Dest of the message Next would cut from (the message
// being cut, else the head of the next stream in turn), zero when that
// message has none or nothing is queued. Like NextLen it does not apply
// expiry. The association asks it before each message to pick the path of
// an SCTP_ADDR_OVER send.
func (q *SendQueue) NextDest() netip.Addr {
	if q.cur != nil {
		return q.cur.m.Dest
	}
	if m := q.nextHead(); m != nil {
		return m.m.Dest
	}
	return netip.Addr{}
}
