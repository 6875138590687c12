package tx

// MessageOverhead is what each message held by a SendQueue (pushed and not
// yet retired) costs besides its bytes, for the memory bound of Push: its
// Message handle (160 bytes, its stream FIFO link included), and the entry
// of its chunk in the retransmission queue once sent (96 bytes). It is
// charged against twice the send buffer limit, while the limit itself
// keeps counting user-data bytes only: messages of a few hundred bytes or
// more meet the byte limit first and see no change, and a user queueing
// one-byte messages is stopped after about 2*limit/257 of them instead of
// limit (each of which costs over 130 times its byte). Linux does the
// same for SO_SNDBUF: it doubles the value set and charges each skb's
// truesize; usrsctp charges a per-chunk overhead as well.
const MessageOverhead = 256
