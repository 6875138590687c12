package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"strings"
	"time"

	"github.com/pion/sctp"
)

// dataPlan says which DATA packets the relay drops once, drops always, or
// delivers twice, by relative TSN (0 = the sender's initial TSN): dropFirst
// and dup look at the packet's first DATA or I-DATA chunk, dropAlways at
// any of them.
type dataPlan struct {
	dropFirst, dropAlways, dup []uint32
}

func contains(s []uint32, v uint32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// planRule turns per-side plans into a relay rule.
func planRule(plans [2]dataPlan) rule {
	return func(rel *relay, side int, p *packet) verdict {
		rels, times := rel.relTSNs(side, p)
		if len(rels) == 0 {
			return forward
		}
		pl, r := plans[side], rels[0]
		for _, x := range rels {
			if contains(pl.dropAlways, x) {
				return drop
			}
		}
		switch {
		case times == 1 && contains(pl.dropFirst, r):
			return drop
		case times == 1 && contains(pl.dup, r):
			return duplicate
		}
		return forward
	}
}

// repeat returns "send:SID:LEN[:flags]" n times, comma separated.
func repeat(n int, action string) string {
	a := make([]string, n)
	for i := range a {
		a[i] = action
	}
	return strings.Join(a, ",")
}

func sizes(n, size int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = size
	}
	return s
}

// env is what every scenario needs.
type env struct {
	usrpeer string
	verbose bool
}

func (e *env) logf(format string, args ...any) {
	if e.verbose {
		log.Printf(format, args...)
	}
}

// waitProc waits for a usrpeer to exit by itself.
func (e *env) waitProc(name string, p *usrpeerProc, timeout time.Duration) {
	select {
	case err := <-p.done:
		e.logf("%s exited: %v", name, err)
	case <-time.After(timeout):
		e.logf("%s still running after %v, killing", name, timeout)
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	e.logf("%s output:\n%s", name, p.output())
}

// scenarioPionUsrsctp: pion client <-> usrsctp server. pion sends ordered,
// unordered, fragmented and partially reliable DATA (the relay drops and
// duplicates some), resets a stream, sends a HEARTBEAT and shuts down;
// usrsctp sends DATA and heartbeats; one unknown chunk injected towards
// usrsctp provokes an ERROR.
func (e *env) scenarioPionUsrsctp(ctx context.Context) (rel *relay, err error) {
	rel, err = newRelay("s1", "pion", "usrsctp", planRule([2]dataPlan{
		{dropFirst: []uint32{3, 5, 7}, dup: []uint32{2}, dropAlways: []uint32{16}},
		{dropFirst: []uint32{2, 4}, dup: []uint32{1}},
	}))
	if err != nil {
		return rel, err
	}
	port, err := freeUDPPort()
	if err != nil {
		return rel, err
	}
	rel.setServer(&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	rel.run()
	// usrsctp's DATA waits until pion's burst is over.
	script := "sleep:7000,send:5:30," + repeat(6, "send:5:1000") + ",send:6:4000,send:7:60:u"
	srv, err := startUsrpeer(ctx, e.usrpeer, usrpeerOpts{localUDP: port, hbMillis: 500, script: script})
	if err != nil {
		return rel, err
	}
	defer e.waitProc("usrsctp server", srv, 30*time.Second)
	if err := srv.waitOutput("listening", 5*time.Second); err != nil {
		return rel, err
	}
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	a, err := pionClient(hctx, rel, false)
	cancel()
	if err != nil {
		return rel, err
	}
	in := newSink(a)
	// Each group is sent once the previous one is acknowledged, so that TSNs
	// are assigned in this order: 0 small, 1-8 ordered, 9-11 fragments,
	// 12 unordered, 13-16 partially reliable.
	s1, _ := a.OpenStream(1, sctp.PayloadTypeWebRTCBinary)
	_ = writeAll(s1, 20)
	e.logf("s1: small: %v", waitDrained(s1, 5*time.Second))
	_ = writeAll(s1, sizes(8, 1000)...)
	e.logf("s1: ordered burst: %v", waitDrained(s1, 10*time.Second))
	s2, _ := a.OpenStream(2, sctp.PayloadTypeWebRTCBinary)
	s3, _ := a.OpenStream(3, sctp.PayloadTypeWebRTCBinary)
	s3.SetReliabilityParams(true, sctp.ReliabilityTypeReliable, 0)
	s4, _ := a.OpenStream(4, sctp.PayloadTypeWebRTCBinary)
	s4.SetReliabilityParams(true, sctp.ReliabilityTypeRexmit, 0)
	_ = writeAll(s2, 3000)
	e.logf("s1: fragmented: %v", waitDrained(s2, 10*time.Second))
	_ = writeAll(s3, 50)
	e.logf("s1: unordered: %v", waitDrained(s3, 10*time.Second))
	_ = writeAll(s4, sizes(4, 1000)...)
	e.logf("s1: partial reliability: %v", waitDrained(s4, 10*time.Second))
	e.logf("s1: usrsctp data: %v", in.waitBytes(30+6000+4000+60, 15*time.Second))
	e.logf("s1: stream reset: %v", s1.Close())
	a.ActiveHeartbeat()
	// Chunk type 0xc9 has the high bits 11: skip it and report it in an ERROR
	// (RFC 9260 3.2).
	e.logf("s1: inject: %v", rel.inject(1, chunk{typ: 0xc9, value: []byte{1, 2, 3, 4}}))
	time.Sleep(2500 * time.Millisecond) // let usrsctp's heartbeat timer fire
	sctx, cancel := context.WithTimeout(ctx, 8*time.Second)
	e.logf("s1: shutdown: %v", a.Shutdown(sctx))
	cancel()
	_ = a.Close()
	return rel, nil
}

// scenarioUsrsctpPion: usrsctp client <-> pion server. usrsctp sends the
// same kinds of DATA, resets a stream and shuts down; pion SACKs with gap
// blocks and duplicate TSNs and answers the reset.
func (e *env) scenarioUsrsctpPion(ctx context.Context) (rel *relay, err error) {
	return e.usrsctpToPion(ctx, "s2", false)
}

// scenarioUsrsctpPionIData is s2 with I-DATA (RFC 8260) on both ends.
func (e *env) scenarioUsrsctpPionIData(ctx context.Context) (rel *relay, err error) {
	return e.usrsctpToPion(ctx, "s5", true)
}

func (e *env) usrsctpToPion(ctx context.Context, name string, interleave bool) (rel *relay, err error) {
	rel, err = newRelay(name, "usrsctp", "pion", planRule([2]dataPlan{
		{dropFirst: []uint32{3, 5, 7}, dup: []uint32{2}, dropAlways: []uint32{16}},
		{},
	}))
	if err != nil {
		return rel, err
	}
	// pion v1.12.1 refuses an INIT with the Supported Address Types
	// parameter (type 12, whose high bits say "stop"), which usrsctp always
	// sends over UDP; the relay forwards the INIT without it.
	rel.rewrite = func(side int, p *packet, _ []byte) []byte {
		if side != 0 {
			return nil
		}
		return withoutInitParam(p, 12)
	}
	accept, err := pionServer(rel, interleave)
	if err != nil {
		return rel, err
	}
	rel.run()
	port, err := freeUDPPort()
	if err != nil {
		return rel, err
	}
	// TSNs: 0 small, 1-8 ordered, 9-11 fragments, 12 unordered, 13-16
	// partially reliable (16 is never delivered: FORWARD TSN).
	script := "send:0:30," + repeat(8, "send:0:1000") + ",sleep:3000,send:1:3000,sleep:300,send:2:50:u,sleep:300," +
		repeat(4, "send:3:1000:u:r") + ",sleep:4000,reset:0,sleep:1500,shutdown"
	type result struct {
		a   *sctp.Association
		err error
	}
	accepted := make(chan result, 1)
	go func() { a, err := accept(); accepted <- result{a, err} }()
	cli, err := startUsrpeer(ctx, e.usrpeer, usrpeerOpts{localUDP: port, remoteUDP: rel.clientFacing().Port,
		client: true, hbMillis: 500, iData: interleave, script: script})
	if err != nil {
		return rel, err
	}
	defer e.waitProc("usrsctp client", cli, 30*time.Second)
	var r result
	select {
	case r = <-accepted:
	case <-time.After(10 * time.Second):
		return rel, fmt.Errorf("%s: pion server handshake timed out", name)
	}
	if r.err != nil {
		return rel, r.err
	}
	in := newSink(r.a)
	e.logf("%s: usrsctp data: %v", name, in.waitBytes(30+8000+3000+50+3000, 20*time.Second))
	return rel, nil
}

// scenarioUsrsctpUsrsctp: two usrsctp endpoints with AUTH required for DATA
// and NR-SACK; the client aborts.
func (e *env) scenarioUsrsctpUsrsctp(ctx context.Context) (rel *relay, err error) {
	rel, err = newRelay("s3", "usrsctp", "usrsctp", planRule([2]dataPlan{
		{dropFirst: []uint32{2}},
		{},
	}))
	if err != nil {
		return rel, err
	}
	sport, err := freeUDPPort()
	if err != nil {
		return rel, err
	}
	cport, err := freeUDPPort()
	if err != nil {
		return rel, err
	}
	rel.setServer(&net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sport})
	rel.run()
	srv, err := startUsrpeer(ctx, e.usrpeer, usrpeerOpts{localUDP: sport, hbMillis: 500, authData: true,
		nrSack: true, script: "sleep:1000,send:0:200"})
	if err != nil {
		return rel, err
	}
	defer e.waitProc("usrsctp server", srv, 30*time.Second)
	if err := srv.waitOutput("listening", 5*time.Second); err != nil {
		return rel, err
	}
	cli, err := startUsrpeer(ctx, e.usrpeer, usrpeerOpts{localUDP: cport, remoteUDP: rel.clientFacing().Port,
		client: true, hbMillis: 500, authData: true, nrSack: true,
		script: "send:0:100," + repeat(5, "send:0:1000") + ",sleep:3000,abort"})
	if err != nil {
		return rel, err
	}
	e.waitProc("usrsctp client", cli, 30*time.Second)
	return rel, nil
}

// scenarioPionPion: two pion endpoints with I-DATA (RFC 8260); the client
// sends fragmented, unordered and partially reliable messages, then aborts.
func (e *env) scenarioPionPion(ctx context.Context) (rel *relay, err error) {
	rel, err = newRelay("s4", "pion", "pion", planRule([2]dataPlan{
		{dropFirst: []uint32{2}, dropAlways: []uint32{5}},
		{},
	}))
	if err != nil {
		return rel, err
	}
	accept, err := pionServer(rel, true)
	if err != nil {
		return rel, err
	}
	rel.run()
	type result struct {
		a   *sctp.Association
		err error
	}
	accepted := make(chan result, 1)
	go func() { a, err := accept(); accepted <- result{a, err} }()
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	a, err := pionClient(hctx, rel, true)
	cancel()
	if err != nil {
		return rel, err
	}
	r := <-accepted
	if r.err != nil {
		return rel, r.err
	}
	in := newSink(r.a)
	s1, _ := a.OpenStream(1, sctp.PayloadTypeWebRTCBinary)
	s2, _ := a.OpenStream(2, sctp.PayloadTypeWebRTCBinary)
	s2.SetReliabilityParams(true, sctp.ReliabilityTypeReliable, 0)
	s3, _ := a.OpenStream(3, sctp.PayloadTypeWebRTCBinary)
	s3.SetReliabilityParams(true, sctp.ReliabilityTypeRexmit, 0)
	// TSNs: 0 small, 1 unordered, 2-4 fragments, 5-8 partially reliable.
	_ = writeAll(s1, 20)
	e.logf("s4: small: %v", in.waitBytes(20, 10*time.Second))
	_ = writeAll(s2, 50)
	e.logf("s4: unordered: %v", in.waitBytes(70, 10*time.Second))
	_ = writeAll(s1, 3000)
	e.logf("s4: fragmented: %v", in.waitBytes(3070, 10*time.Second))
	_ = writeAll(s3, sizes(4, 1000)...)
	e.logf("s4: partial reliability: %v", in.waitBytes(3070+3000, 10*time.Second))
	time.Sleep(500 * time.Millisecond) // let the I-FORWARD TSN go out
	a.Abort("goldencap abort")
	_ = r.a.Close()
	_ = a.Close()
	return rel, nil
}
