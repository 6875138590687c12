package chat

import (
	"errors"
	"fmt"
	"io"
	"log"
	"sync"

	"github.com/udpsctp/udpsctp/stack"
)

// Defaults of Config.
const (
	// DefaultPort is the article's CHAT_PORT, the server's SCTP port.
	DefaultPort = 2013
	// DefaultMaxMessageSize bounds a chat message (64 KiB).
	DefaultMaxMessageSize = 64 << 10
	// DefaultMaxSuFailures is how many wrong /su passwords an association
	// may send before it is aborted.
	DefaultMaxSuFailures = 3
)

// Config configures a Server. The zero value is a working server without a
// superuser.
type Config struct {
	// Password enables "/su <password>" when not empty. It is compared in
	// constant time and never logged.
	Password []byte
	// MaxMessageSize bounds one message in bytes (default 64 KiB); larger
	// ones are refused and their bytes discarded.
	MaxMessageSize int
	// MaxAssociations bounds the associations of the socket (0: the
	// stack's limit); new ones past it are refused with an ABORT.
	MaxAssociations int
	// MaxSuFailures is how many wrong passwords an association may send
	// before it is aborted (default 3).
	MaxSuFailures int
	// Logger receives one line per association change, refused message
	// and superuser action; nil discards.
	Logger *log.Logger
}

// Server is the chat server on one one-to-many socket.
type Server struct {
	cfg Config
	log *log.Logger
	pc  *stack.PacketConn

	// Touched only by the Serve goroutine.
	failures   map[stack.AssocID]int
	discarding map[stack.AssocID]int // bytes of an oversized message seen so far

	mu     sync.Mutex
	supers map[*stack.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// NewServer makes a server for pc. It takes over pc's notification
// subscription and association limit; Serve runs it.
func NewServer(pc *stack.PacketConn, cfg Config) *Server {
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = DefaultMaxMessageSize
	}
	if cfg.MaxSuFailures <= 0 {
		cfg.MaxSuFailures = DefaultMaxSuFailures
	}
	lg := cfg.Logger
	if lg == nil {
		lg = log.New(io.Discard, "", 0)
	}
	if cfg.MaxAssociations > 0 {
		pc.SetMaxAssociations(cfg.MaxAssociations)
	}
	pc.Subscribe(stack.EventAssocChange | stack.EventShutdown)
	return &Server{
		cfg:        cfg,
		log:        lg,
		pc:         pc,
		failures:   map[stack.AssocID]int{},
		discarding: map[stack.AssocID]int{},
		supers:     map[*stack.Conn]struct{}{},
	}
}

// Serve reads and relays messages until the socket is closed; it returns
// nil after Close and the socket's error otherwise. Call it once.
func (s *Server) Serve() error {
	// One byte more than the limit: a message that fills it is too big,
	// and RecvMsg without FlagEOR means there is more of it.
	buf := make([]byte, s.cfg.MaxMessageSize+1)
	for {
		n, info, err := s.pc.RecvMsg(buf)
		if err != nil {
			if s.isClosed() || errors.Is(err, stack.ErrClosed) {
				return nil
			}
			return err
		}
		if info.Flags&stack.FlagNotification != 0 {
			s.note(info.Notification)
			continue
		}
		s.message(buf[:n], info)
	}
}

// message handles one RecvMsg result of data.
func (s *Server) message(b []byte, info stack.RcvInfo) {
	id := info.AssocID
	eor := info.Flags&stack.FlagEOR != 0
	if seen, ok := s.discarding[id]; ok {
		seen += len(b)
		if !eor {
			s.discarding[id] = seen
			return
		}
		delete(s.discarding, id)
		s.log.Printf("assoc %d: discarded the rest of the oversized message (%d bytes in all)", id, seen)
		return
	}
	if !eor || len(b) > s.cfg.MaxMessageSize {
		s.log.Printf("assoc %d: refused a message larger than %d bytes (stream %d); the association stays up",
			id, s.cfg.MaxMessageSize, info.Stream)
		s.reply(id, info.Stream, fmt.Sprintf("*** message refused: larger than %d bytes", s.cfg.MaxMessageSize))
		if !eor {
			s.discarding[id] = len(b)
		}
		return
	}
	if pw, ok := suAttempt(b); ok {
		s.su(id, info.Stream, pw)
		return
	}
	s.broadcast(b, info.Stream, info.PPID)
}

// broadcast re-sends b to every association of the socket (SENDALL).
func (s *Server) broadcast(b []byte, streamID uint16, ppid uint32) {
	_, err := s.pc.SendMsg(b, stack.SndInfo{Flags: stack.SendAll, Stream: streamID, PPID: ppid})
	var sae *stack.SendAllError
	switch {
	case errors.As(err, &sae):
		for id, e := range sae.Failed {
			s.log.Printf("assoc %d: broadcast skipped: %v", id, e)
		}
	case err != nil:
		s.log.Printf("broadcast failed: %v", err)
	}
}

// reply sends a server message to one association of the socket.
func (s *Server) reply(id stack.AssocID, streamID uint16, text string) {
	if _, err := s.pc.SendMsg([]byte(text), stack.SndInfo{AssocID: id, Stream: streamID}); err != nil {
		s.log.Printf("assoc %d: reply failed: %v", id, err)
	}
}

// Close closes the socket (shutting its associations down gracefully) and
// every superuser association, and waits for their goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	supers := make([]*stack.Conn, 0, len(s.supers))
	for c := range s.supers {
		supers = append(supers, c)
	}
	s.mu.Unlock()
	err := s.pc.Close()
	for _, c := range supers {
		c.Close()
	}
	s.wg.Wait()
	return err
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
