package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/netip"
	"time"

	"github.com/udpsctp/udpsctp/chat"
	"github.com/udpsctp/udpsctp/stack"
)

// demoTimeout bounds the whole demo; each step waits at most stepTimeout.
const (
	demoTimeout = 9 * time.Second
	stepTimeout = 3 * time.Second
	demoPass    = "demo-secret"
)

var loopback = netip.MustParseAddr("127.0.0.1")

// demoUser is one scripted client of the demo.
type demoUser struct {
	name string
	c    *chat.Client
	s    *stack.Stack
	got  chan chat.Message
	end  chan error
}

// demo is the scripted chat: every step prints what it does and what each
// user receives.
type demo struct {
	out io.Writer
	ctx context.Context
}

func runDemo(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "sctpchat demo takes no arguments\n")
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(context.Background(), demoTimeout)
	defer cancel()
	d := &demo{out: stdout, ctx: ctx}
	if err := d.run(); err != nil {
		fmt.Fprintf(stderr, "sctpchat demo: %v\n", err)
		return exitLost
	}
	return exitOK
}

func (d *demo) say(format string, args ...any) { fmt.Fprintf(d.out, format+"\n", args...) }

func (d *demo) run() error {
	d.say("== sctpchat demo: the chat of \"Multiple Associations with SCTP\" over SCTP-over-UDP (RFC 6951), on 127.0.0.1 ==")
	d.say("")
	s, err := stack.New(stack.Config{Addrs: []netip.Addr{loopback}})
	if err != nil {
		return err
	}
	defer s.Close()
	pc, err := s.ListenPacket(fmt.Sprintf("127.0.0.1:%d", chat.DefaultPort))
	if err != nil {
		return err
	}
	srv := chat.NewServer(pc, chat.Config{Password: []byte(demoPass), Logger: log.New(d.out, "    [server log] ", 0)})
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	defer func() { srv.Close(); <-served }()
	d.say("server: one one-to-many socket on SCTP %s, UDP encapsulation port %s", pc.LocalAddr(), s.LocalAddrs()[0])
	d.say("        every message it receives is re-sent with SENDALL, same stream and PPID, to every association")
	d.say("")

	users := map[string]*demoUser{}
	for _, name := range []string{"alice", "bob", "carol"} {
		u, err := d.join(name, s.LocalAddrs()[0].Port())
		if err != nil {
			return err
		}
		defer u.s.Close()
		users[name] = u
		id, err := pc.AssocID(u.c.Conn().LocalAddr())
		if err != nil {
			return err
		}
		d.say("%-5s: connected from SCTP %s; the server knows this association as id %d", name, u.c.Conn().LocalAddr(), id)
	}
	alice, bob, carol := users["alice"], users["bob"], users["carol"]
	all := []*demoUser{alice, bob, carol}
	d.say("")

	d.say("-- 1. broadcast: alice sends one message; the server sends it once, with SENDALL, and all three get it (alice too)")
	if err := d.send(alice, "alice: hello, everyone"); err != nil {
		return err
	}
	if err := d.expect(all, "alice: hello, everyone"); err != nil {
		return err
	}
	d.say("-- 2. bob sends on stream 3 with PPID 51; the server keeps both")
	bob.c.SetSend(3, 51)
	if err := d.send(bob, "bob: hi from stream 3"); err != nil {
		return err
	}
	if err := d.expect(all, "bob: hi from stream 3"); err != nil {
		return err
	}
	d.say("")

	d.say("-- 3. superuser: carol sends \"/su %s\"; the server checks it (constant time) and peels her association off", demoPass)
	d.say("      into a one-to-one socket served by its own goroutine")
	if err := d.send(carol, "/su "+demoPass); err != nil {
		return err
	}
	if err := d.expect([]*demoUser{carol}, "*** you are superuser; commands: /who, /kick <id>, /say <text>, /quit"); err != nil {
		return err
	}
	d.say("      the chat socket now holds %d associations (carol's is gone from it)", len(pc.Associations()))
	d.say("-- 4. carol: /who")
	if err := d.send(carol, "/who"); err != nil {
		return err
	}
	if err := d.expectN(carol, 1+len(pc.Associations())); err != nil {
		return err
	}
	d.say("-- 5. alice chats; carol no longer gets broadcasts")
	if err := d.send(alice, "alice: where did carol go?"); err != nil {
		return err
	}
	if err := d.expect([]*demoUser{alice, bob}, "alice: where did carol go?"); err != nil {
		return err
	}
	bobID, err := pc.AssocID(bob.c.Conn().LocalAddr())
	if err != nil {
		return err
	}
	d.say("-- 6. carol: /kick %d (bob): the server ABORTs that association with a User-Initiated Abort cause", bobID)
	if err := d.send(carol, fmt.Sprintf("/kick %d", bobID)); err != nil {
		return err
	}
	if err := d.expect([]*demoUser{carol}, fmt.Sprintf("*** kicked %d", bobID)); err != nil {
		return err
	}
	if err := d.lost(bob); err != nil {
		return err
	}
	d.say("-- 7. carol: /say; the notice goes with SENDALL to the ordinary users")
	if err := d.send(carol, "/say bob was kicked, be nice"); err != nil {
		return err
	}
	if err := d.expect([]*demoUser{carol, alice}, "*** said", "*** superuser: bob was kicked, be nice"); err != nil {
		return err
	}
	d.say("-- 8. carol: /quit; alice leaves with a graceful SHUTDOWN")
	if err := d.send(carol, "/quit"); err != nil {
		return err
	}
	if err := d.expect([]*demoUser{carol}, "*** bye"); err != nil {
		return err
	}
	for _, u := range []*demoUser{carol, alice} {
		if u == alice {
			if err := u.c.Shutdown(); err != nil {
				return err
			}
		}
		if err := d.waitEnd(u); err != nil {
			return err
		}
	}
	d.say("")
	d.say("== done: broadcast by SENDALL, association ids, superuser peel-off, /who, /kick ==")
	return nil
}

// join starts a client Stack on its own ephemeral UDP port and connects.
func (d *demo) join(name string, serverUDP uint16) (*demoUser, error) {
	s, err := stack.New(stack.Config{Addrs: []netip.Addr{loopback}})
	if err != nil {
		return nil, err
	}
	c, err := chat.Dial(d.ctx, s, fmt.Sprintf("127.0.0.1:%d", chat.DefaultPort), chat.ClientOptions{PeerUDPPort: serverUDP})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	u := &demoUser{name: name, c: c, s: s, got: make(chan chat.Message, 64), end: make(chan error, 1)}
	go func() {
		for {
			m, err := c.Recv()
			if err != nil {
				u.end <- err
				return
			}
			u.got <- m
		}
	}()
	return u, nil
}

func (d *demo) send(u *demoUser, text string) error {
	d.say("%-5s -> %q", u.name, text)
	if err := u.c.Send([]byte(text)); err != nil {
		return fmt.Errorf("%s: send: %w", u.name, err)
	}
	return nil
}

// next waits for u's next message.
func (d *demo) next(u *demoUser) (chat.Message, error) {
	t := time.NewTimer(stepTimeout)
	defer t.Stop()
	select {
	case m := <-u.got:
		return m, nil
	case err := <-u.end:
		return chat.Message{}, fmt.Errorf("%s: association ended: %w", u.name, err)
	case <-t.C:
		return chat.Message{}, fmt.Errorf("%s: nothing received within %v", u.name, stepTimeout)
	case <-d.ctx.Done():
		return chat.Message{}, d.ctx.Err()
	}
}

// expect checks that each user receives want (or want[i] for user i).
func (d *demo) expect(us []*demoUser, want ...string) error {
	for i, u := range us {
		w := want[min(i, len(want)-1)]
		m, err := d.next(u)
		if err != nil {
			return err
		}
		d.say("        %-5s <- %q  (stream %d, PPID %d)", u.name, m.Data, m.Stream, m.PPID)
		if string(m.Data) != w {
			return fmt.Errorf("%s got %q, want %q", u.name, m.Data, w)
		}
	}
	return nil
}

// expectN prints the next n messages of u.
func (d *demo) expectN(u *demoUser, n int) error {
	for range n {
		m, err := d.next(u)
		if err != nil {
			return err
		}
		d.say("        %-5s <- %q", u.name, m.Data)
	}
	return nil
}

// lost waits until u's association is aborted.
func (d *demo) lost(u *demoUser) error {
	err := d.waitEndErr(u)
	if !errors.Is(err, stack.ErrAborted) {
		return fmt.Errorf("%s: want an abort, got %v", u.name, err)
	}
	d.say("        %-5s: association lost: %v", u.name, err)
	return nil
}

// waitEnd waits for a graceful end of u's association.
func (d *demo) waitEnd(u *demoUser) error {
	err := d.waitEndErr(u)
	if !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: want a graceful end, got %v", u.name, err)
	}
	d.say("        %-5s: association shut down gracefully", u.name)
	return nil
}

func (d *demo) waitEndErr(u *demoUser) error {
	t := time.NewTimer(stepTimeout)
	defer t.Stop()
	for {
		select {
		case m := <-u.got:
			d.say("        %-5s <- %q", u.name, m.Data)
		case err := <-u.end:
			return err
		case <-t.C:
			return fmt.Errorf("%s: association still up after %v", u.name, stepTimeout)
		}
	}
}
