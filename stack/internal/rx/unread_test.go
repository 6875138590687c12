package rx

import "testing"

func TestUnreadChargesPerMessage(t *testing.T) {
	var u Unread
	for _, n := range []int{10, 1, 5, 0} { // 0: nothing delivered
		u.Deliver(n)
	}
	if u.Bytes() != 16 || u.Messages() != 3 || u.Charged() != 16+3*DeliveredOverhead {
		t.Fatalf("bytes %d messages %d charged %d", u.Bytes(), u.Messages(), u.Charged())
	}
	u.Consume(4) // inside the first message: it stays charged
	if u.Bytes() != 12 || u.Messages() != 3 {
		t.Fatalf("after a partial read: bytes %d messages %d", u.Bytes(), u.Messages())
	}
	u.Consume(7) // the rest of the first and all of the second
	if u.Bytes() != 5 || u.Messages() != 1 || u.Charged() != 5+DeliveredOverhead {
		t.Fatalf("after reading two: bytes %d messages %d charged %d", u.Bytes(), u.Messages(), u.Charged())
	}
	u.Consume(100) // more than delivered: empty, not negative
	if u.Bytes() != 0 || u.Messages() != 0 || u.Charged() != 0 {
		t.Fatalf("after over-reading: bytes %d messages %d charged %d", u.Bytes(), u.Messages(), u.Charged())
	}
}

func TestUnreadCompacts(t *testing.T) {
	// A steady backlog of 100 unread messages while 100,000 flow through
	// keeps the slice near the backlog, not the total.
	var u Unread
	for i := 0; i < 100; i++ {
		u.Deliver(1)
	}
	for i := 0; i < 100000; i++ {
		u.Deliver(1)
		u.Consume(1)
	}
	if u.Messages() != 100 || u.Bytes() != 100 {
		t.Fatalf("messages %d bytes %d", u.Messages(), u.Bytes())
	}
	if len(u.left) > 2*100+64 {
		t.Fatalf("%d slots kept for %d unread messages", len(u.left), u.Messages())
	}
}
