package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// usrpeerSource is the scripted usrsctp endpoint; it is compiled with gcc at
// run time so that this package builds without cgo.
//
//go:embed c/usrpeer.c
var usrpeerSource []byte

// buildUsrpeer compiles usrpeer.c into dir and returns the binary's path.
func buildUsrpeer(dir string) (string, error) {
	src := filepath.Join(dir, "usrpeer.c")
	bin := filepath.Join(dir, "usrpeer")
	if err := os.WriteFile(src, usrpeerSource, 0o644); err != nil {
		return "", err
	}
	out, err := exec.Command("gcc", "-O1", "-Wall", "-DLINUX", "-o", bin, src, "-lusrsctp", "-lpthread").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("gcc usrpeer.c: %v\n%s", err, out)
	}
	return bin, nil
}

// usrpeerOpts are the command line options of one usrpeer run.
type usrpeerOpts struct {
	localUDP  int
	remoteUDP int    // client only: the UDP port it sends to
	client    bool   // connect instead of listen
	hbMillis  int    // heartbeat interval, 0 = usrsctp default
	authData  bool   // require AUTH for DATA
	nrSack    bool   // enable NR-SACK
	iData     bool   // offer I-DATA
	script    string // actions, see usrpeer.c
}

// usrpeerProc is a running usrpeer; its output is kept for -v.
type usrpeerProc struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	mu   sync.Mutex
	done chan error
}

func (o usrpeerOpts) args() []string {
	a := []string{"-l", strconv.Itoa(o.localUDP), "-p", "5000"}
	if o.client {
		a = append(a, "-c", "-r", strconv.Itoa(o.remoteUDP))
	}
	if o.hbMillis > 0 {
		a = append(a, "-H", strconv.Itoa(o.hbMillis))
	}
	if o.authData {
		a = append(a, "-a")
	}
	if o.iData {
		a = append(a, "-I")
	}
	if o.nrSack {
		a = append(a, "-N")
	}
	if o.iData {
		a = append(a, "-I")
	}
	if o.script != "" {
		a = append(a, "-s", o.script)
	}
	return a
}

type lockedWriter struct{ p *usrpeerProc }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.out.Write(b)
}

// startUsrpeer runs bin with o; ctx bounds its lifetime.
func startUsrpeer(ctx context.Context, bin string, o usrpeerOpts) (*usrpeerProc, error) {
	p := &usrpeerProc{done: make(chan error, 1)}
	p.cmd = exec.CommandContext(ctx, bin, o.args()...)
	p.cmd.Stdout = lockedWriter{p}
	p.cmd.Stderr = lockedWriter{p}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.done <- p.cmd.Wait() }()
	return p, nil
}

func (p *usrpeerProc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// freeUDPPort returns a loopback UDP port that was free a moment ago; usrsctp
// must be told its port rather than pick one.
func freeUDPPort() (int, error) {
	c, err := loopbackUDP()
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

// waitOutput waits until usrpeer printed a line containing s.
func (p *usrpeerProc) waitOutput(s string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for !strings.Contains(p.output(), s) {
		if time.Now().After(deadline) {
			return fmt.Errorf("usrpeer did not print %q within %v", s, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}
