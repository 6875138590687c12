package chat

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/udpsctp/udpsctp/stack"
)

// suPrefix starts a superuser login; the rest of the message is the
// password.
const suPrefix = "/su"

// KickReason is the User-Initiated Abort cause a kicked association gets.
const KickReason = "kicked by superuser"

// suAttempt reports whether b is "/su" or "/su <password>" and returns the
// password.
func suAttempt(b []byte) ([]byte, bool) {
	if !bytes.HasPrefix(b, []byte(suPrefix)) {
		return nil, false
	}
	rest := b[len(suPrefix):]
	switch {
	case len(rest) == 0:
		return nil, true
	case rest[0] == ' ':
		return bytes.TrimRight(rest[1:], "\r\n"), true
	}
	return nil, false
}

// su handles a login attempt from association id. Neither the attempt nor
// the password is broadcast or logged.
func (s *Server) su(id stack.AssocID, streamID uint16, pw []byte) {
	if len(s.cfg.Password) == 0 {
		s.reply(id, streamID, "*** /su is disabled on this server")
		return
	}
	if subtle.ConstantTimeCompare(pw, s.cfg.Password) != 1 {
		s.failures[id]++
		left := s.cfg.MaxSuFailures - s.failures[id]
		s.log.Printf("assoc %d: wrong superuser password (%d of %d tries)", id, s.failures[id], s.cfg.MaxSuFailures)
		if left > 0 {
			s.reply(id, streamID, fmt.Sprintf("*** wrong password (%d tries left)", left))
			return
		}
		s.log.Printf("assoc %d: aborted after %d wrong superuser passwords", id, s.cfg.MaxSuFailures)
		if err := s.pc.Abort(id, []byte("too many wrong passwords")); err != nil {
			s.log.Printf("assoc %d: abort failed: %v", id, err)
		}
		s.forget(id)
		return
	}
	delete(s.failures, id)
	c, err := s.pc.PeelOff(id)
	if err != nil {
		s.log.Printf("assoc %d: peel-off failed: %v", id, err)
		s.reply(id, streamID, "*** superuser login failed")
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.Close()
		return
	}
	s.supers[c] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	s.log.Printf("assoc %d is superuser, peeled off to its own one-to-one socket", id)
	go s.runSuperuser(c, id, streamID)
}

// runSuperuser serves one peeled-off superuser association until it quits,
// leaves or the server closes.
func (s *Server) runSuperuser(c *stack.Conn, id stack.AssocID, streamID uint16) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.supers, c)
		s.mu.Unlock()
		c.Close()
	}()
	out := func(text string) bool {
		_, err := c.SendMsg([]byte(text), stack.SndInfo{Stream: streamID})
		if err != nil {
			s.log.Printf("superuser %d: send failed: %v", id, err)
		}
		return err == nil
	}
	if !out("*** you are superuser; commands: /who, /kick <id>, /say <text>, /quit") {
		return
	}
	buf := make([]byte, s.cfg.MaxMessageSize+1)
	for {
		n, info, err := c.RecvMsg(buf)
		if err != nil {
			switch {
			case errors.Is(err, io.EOF):
				s.log.Printf("superuser %d left", id)
			case s.isClosed() || errors.Is(err, stack.ErrClosed):
			default:
				s.log.Printf("superuser %d lost: %v", id, err)
			}
			return
		}
		if info.Flags&stack.FlagNotification != 0 {
			continue
		}
		if info.Flags&stack.FlagEOR == 0 || n > s.cfg.MaxMessageSize {
			// Commands are short: drop the whole oversized message.
			for err == nil && info.Flags&stack.FlagEOR == 0 {
				_, info, err = c.RecvMsg(buf)
			}
			out(fmt.Sprintf("*** message refused: larger than %d bytes", s.cfg.MaxMessageSize))
			continue
		}
		if !s.command(c, id, strings.TrimRight(string(buf[:n]), "\r\n"), out) {
			return
		}
	}
}

// command runs one superuser command; false ends the session.
func (s *Server) command(c *stack.Conn, id stack.AssocID, line string, out func(string) bool) bool {
	cmd, arg, _ := strings.Cut(line, " ")
	switch cmd {
	case "/who":
		lines := s.who()
		out(fmt.Sprintf("*** %d associations on the chat socket", len(lines)))
		for _, l := range lines {
			out(l)
		}
	case "/kick":
		n, err := strconv.ParseUint(strings.TrimSpace(arg), 10, 32)
		if err != nil {
			out("*** usage: /kick <id>")
			break
		}
		if err := s.pc.Abort(stack.AssocID(n), []byte(KickReason)); err != nil {
			out(fmt.Sprintf("*** cannot kick %d: %v", n, err))
			break
		}
		s.log.Printf("superuser %d kicked assoc %d", id, n)
		out(fmt.Sprintf("*** kicked %d", n))
	case "/say":
		s.log.Printf("superuser %d says: %s", id, arg)
		s.broadcast([]byte("*** superuser: "+arg), 0, 0)
		out("*** said")
	case "/quit":
		s.log.Printf("superuser %d quits", id)
		out("*** bye")
		if err := c.Shutdown(); err != nil {
			s.log.Printf("superuser %d: shutdown: %v", id, err)
		}
		// Drain until the shutdown completes so queued replies arrive.
		buf := make([]byte, 512)
		for {
			if _, _, err := c.RecvMsg(buf); err != nil {
				return false
			}
		}
	default:
		out("*** commands: /who, /kick <id>, /say <text>, /quit")
	}
	return true
}

// who describes every association of the chat socket, one line each:
// "assoc <id> <peer addresses> <state> srtt=<ms>".
func (s *Server) who() []string {
	var lines []string
	for _, id := range s.pc.Associations() {
		st, err := s.pc.Status(id)
		if err != nil {
			continue // gone meanwhile
		}
		addrs, _ := s.pc.PeerAddrs(id)
		parts := make([]string, 0, len(addrs))
		for _, a := range addrs {
			p := a.String()
			if pi, err := s.pc.PeerAddrInfo(id, a); err == nil {
				p += "(" + strings.ToLower(pi.State.String()) + ")"
			}
			parts = append(parts, p)
		}
		lines = append(lines, fmt.Sprintf("assoc %d %s %s srtt=%.1fms",
			id, strings.Join(parts, ","), st.State, float64(st.Primary.SRTT.Microseconds())/1000))
	}
	return lines
}
