package chat

import (
	"testing"
	"testing/synctest"
)

// FuzzServerInput: whatever an ordinary user or the superuser sends, the
// server neither panics nor stops serving: a message sent afterwards
// still comes back.
func FuzzServerInput(f *testing.F) {
	for _, seed := range []string{
		"hello", "/su", "/su ", "/su " + testPassword, "/who", "/kick", "/kick 1", "/kick -1",
		"/kick 99999999999", "/say", "/say \x00\xff", "/quit", "\x00", "/su\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		if len(msg) == 0 {
			return // SCTP carries no empty messages
		}
		synctest.Test(t, func(t *testing.T) {
			cn := newChat(t, Config{Password: []byte(testPassword), MaxMessageSize: 512}, 2)
			u, su := cn.users[0], cn.users[1]
			cn.superuser(t, su)
			if err := u.Send(msg); err != nil {
				t.Fatal(err)
			}
			if err := su.Send(msg); err != nil {
				t.Fatal(err)
			}
			synctest.Wait()
			if len(cn.pc.Associations()) == 0 {
				return // a wrong /su on the last try aborts the sender
			}
			if err := u.Send([]byte("ping")); err != nil {
				return // the fuzz input ended u's association (a /su failure limit)
			}
			for {
				select {
				case m := <-u.got:
					if string(m.Data) == "ping" {
						return
					}
				case err := <-u.end:
					t.Fatalf("association ended: %v", err)
				}
			}
		})
	})
}
