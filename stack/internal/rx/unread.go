package rx

// DeliveredOverhead is what each message (or partial-delivery piece)
// handed to the user and not yet read costs besides its bytes: the socket's
// queue entry (80 bytes, in a slice that grows by doubling) and the
// allocation of its data. Unread charges it so that a peer sending one-byte
// messages to a socket nobody reads cannot make us hold over 100 times the
// receive window in bookkeeping.
const DeliveredOverhead = 128

// Unread accounts for messages handed to the user and not yet read: their
// bytes (which close the advertised window, RFC 9260 6.2) and, for the
// memory bound, DeliveredOverhead per message. Reads must come in delivery
// order, as they do from a socket's FIFO queue; a read may stop inside a
// message or span several. The zero value is empty and ready to use.
type Unread struct {
	bytes int
	left  []int // bytes not yet read of each unread message, oldest first
	head  int
}

// Deliver records a message of n bytes handed to the user.
func (u *Unread) Deliver(n int) {
	if n <= 0 {
		return
	}
	u.bytes += n
	u.left = append(u.left, n)
}

// Consume records that the user read n bytes, in delivery order; a message
// read to its end stops being charged. Reading more than was delivered
// empties the account.
func (u *Unread) Consume(n int) {
	for n > 0 && u.head < len(u.left) {
		l := &u.left[u.head]
		k := min(n, *l)
		*l -= k
		n -= k
		u.bytes -= k
		if *l == 0 {
			u.head++
		}
	}
	if u.head == len(u.left) {
		u.left, u.head = u.left[:0], 0
		u.bytes = 0
	} else if u.head > 64 && u.head*2 > len(u.left) {
		k := copy(u.left, u.left[u.head:])
		u.left, u.head = u.left[:k], 0
	}
}

// Bytes returns the bytes delivered and not yet read.
func (u *Unread) Bytes() int { return u.bytes }

// Messages returns the number of messages delivered and not read to their end.
func (u *Unread) Messages() int { return len(u.left) - u.head }

// Charged returns Bytes plus DeliveredOverhead per unread message.
func (u *Unread) Charged() int { return u.bytes + u.Messages()*DeliveredOverhead }
