package perf

import (
	"errors"
	"time"

	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// AssocSummary is what a Server reports when one association ends.
type AssocSummary struct {
	AssocID  stack.AssocID
	Peer     string
	Bytes    int64
	Messages int64
	// Seconds runs from the association's start (COMMUNICATION UP, or its
	// first message) to its last message.
	Seconds float64
	Cause   string // how it ended: "shutdown", "lost", "restart"
}

// MBps is the association's goodput in MB/s.
func (s AssocSummary) MBps() float64 {
	if s.Seconds <= 0 {
		return 0
	}
	return float64(s.Bytes) / s.Seconds / 1e6
}

// MsgsPerSec is the association's message rate.
func (s AssocSummary) MsgsPerSec() float64 {
	if s.Seconds <= 0 {
		return 0
	}
	return float64(s.Messages) / s.Seconds
}

// Server is the receiving end of every udpsctp workload: it reads a
// one-to-many socket, discards data (counting it), returns messages sent
// with EchoPPID to their sender, and reports each association when it ends.
// One goroutine calls Run.
type Server struct {
	pc    *stack.PacketConn
	onEnd func(AssocSummary)
	total Counter
	live  map[stack.AssocID]*serverAssoc
}

type serverAssoc struct {
	start, last time.Time
	peer        string
	bytes, msgs int64
	echo        []byte // an echo message being reassembled
}

// NewServer serves pc; onEnd (may be nil) receives each association's
// summary from Run's goroutine.
func NewServer(pc *stack.PacketConn, onEnd func(AssocSummary)) *Server {
	pc.Subscribe(stack.EventAssocChange)
	return &Server{pc: pc, onEnd: onEnd, live: make(map[stack.AssocID]*serverAssoc)}
}

// Total is the data received over all associations.
func (s *Server) Total() *Counter { return &s.total }

// Run serves until the socket is closed (it then returns nil) or fails.
// Associations still up at that point are reported with Cause "closed".
func (s *Server) Run() error {
	buf := make([]byte, 1<<16)
	for {
		n, info, err := s.pc.RecvMsg(buf)
		if err != nil {
			for id, a := range s.live {
				s.end(id, a, "closed")
			}
			if errors.Is(err, stack.ErrClosed) {
				return nil
			}
			return err
		}
		if info.Flags&stack.FlagNotification != 0 {
			s.notify(info.Notification)
			continue
		}
		now := time.Now()
		a := s.assoc(info.AssocID, now)
		if a.peer == "" && info.From != nil {
			a.peer = info.From.String()
		}
		eor := info.Flags&stack.FlagEOR != 0
		s.total.add(n, eor)
		a.bytes += int64(n)
		a.last = now
		if eor {
			a.msgs++
		}
		if info.PPID != EchoPPID {
			continue
		}
		a.echo = append(a.echo, buf[:n]...)
		if !eor {
			continue
		}
		_, err = s.pc.SendMsg(a.echo, stack.SndInfo{AssocID: info.AssocID, Stream: info.Stream, PPID: EchoPPID})
		a.echo = a.echo[:0]
		if err != nil && !errors.Is(err, stack.ErrUnknownAssoc) && !errors.Is(err, stack.ErrShutdown) &&
			!errors.Is(err, stack.ErrAborted) {
			return err
		}
	}
}

func (s *Server) assoc(id stack.AssocID, now time.Time) *serverAssoc {
	a, ok := s.live[id]
	if !ok {
		a = &serverAssoc{start: now, last: now}
		s.live[id] = a
	}
	return a
}

func (s *Server) notify(n stack.Notification) {
	ch, ok := n.(*stack.AssocChange)
	if !ok {
		return
	}
	switch ch.State {
	case assoc.CommUp:
		a := s.assoc(ch.AssocID, time.Now())
		a.start, a.last = time.Now(), time.Now()
	case assoc.ShutdownComp:
		s.endID(ch.AssocID, "shutdown")
	case assoc.CommLost:
		s.endID(ch.AssocID, "lost")
	case assoc.Restart:
		s.endID(ch.AssocID, "restart")
		s.assoc(ch.AssocID, time.Now())
	}
}

func (s *Server) endID(id stack.AssocID, cause string) {
	if a, ok := s.live[id]; ok {
		s.end(id, a, cause)
	}
}

func (s *Server) end(id stack.AssocID, a *serverAssoc, cause string) {
	delete(s.live, id)
	if s.onEnd == nil {
		return
	}
	s.onEnd(AssocSummary{
		AssocID: id, Peer: a.peer, Bytes: a.bytes, Messages: a.msgs,
		Seconds: a.last.Sub(a.start).Seconds(), Cause: cause,
	})
}
