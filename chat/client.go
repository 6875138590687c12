package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/wire"
)

// ClientOptions refine Dial.
type ClientOptions struct {
	// PeerUDPPort is the server's UDP encapsulation port (default 9899).
	PeerUDPPort uint16
	// Stream and PPID are what Send uses.
	Stream uint16
	PPID   uint32
	// MaxMessageSize bounds a received message (default 64 KiB); larger
	// ones are skipped by Recv.
	MaxMessageSize int
}

// Client is one chat user: a one-to-one association with the server
// (the article's client uses a one-to-many socket with one association,
// which is the same thing on the wire).
type Client struct {
	c    *stack.Conn
	opts ClientOptions
	buf  []byte

	// dry is signalled by Recv when a SenderDry notification arrives.
	dry chan struct{}

	mu  sync.Mutex
	err error // why the association ended, once it has

	// reason is the peer's User-Initiated Abort reason, if it sent one.
	reason string
}

// Dial connects to the chat server at address ("ip:port") from s.
func Dial(ctx context.Context, s *stack.Stack, address string, opts ClientOptions) (*Client, error) {
	if opts.MaxMessageSize <= 0 {
		opts.MaxMessageSize = DefaultMaxMessageSize
	}
	c, err := s.Dial(ctx, address, stack.DialOptions{PeerUDPPort: opts.PeerUDPPort})
	if err != nil {
		return nil, fmt.Errorf("chat: connect %s: %w", address, err)
	}
	c.Subscribe(stack.EventSenderDry | stack.EventAssocChange)
	c.SetDefaultSend(stack.SndInfo{Stream: opts.Stream, PPID: opts.PPID})
	return &Client{c: c, opts: opts, buf: make([]byte, opts.MaxMessageSize+1), dry: make(chan struct{}, 1)}, nil
}

// Conn returns the client's association.
func (c *Client) Conn() *stack.Conn { return c.c }

// Send sends msg as one message on the client's stream with its PPID.
func (c *Client) Send(msg []byte) error {
	_, err := c.c.SendMsg(msg, stack.SndInfo{Stream: c.opts.Stream, PPID: c.opts.PPID})
	return err
}

// SetSend changes the stream and PPID of later Sends. Do not call it
// concurrently with Send.
func (c *Client) SetSend(streamID uint16, ppid uint32) {
	c.opts.Stream, c.opts.PPID = streamID, ppid
}

// Message is one chat message as received.
type Message struct {
	Data   []byte
	Stream uint16
	PPID   uint32
}

// Recv returns the next whole message. It returns io.EOF after the server
// shut the association down gracefully, and the association's error (for
// errors.Is: stack.ErrAborted, ...) when it was lost. Call it from one
// goroutine.
func (c *Client) Recv() (Message, error) {
	var msg Message
	tooBig := false
	for {
		n, info, err := c.c.RecvMsg(c.buf)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				if c.reason != "" {
					err = fmt.Errorf("%w (reason: %q)", err, c.reason)
				}
				c.mu.Lock()
				c.err = err
				c.mu.Unlock()
			}
			return Message{}, err
		}
		if info.Flags&stack.FlagNotification != 0 {
			switch v := info.Notification.(type) {
			case *stack.SenderDry:
				select {
				case c.dry <- struct{}{}:
				default:
				}
			case *stack.AssocChange:
				if ua, ok := v.Cause.(*wire.UserInitiatedAbort); ok {
					c.reason = string(ua.Reason)
				}
			}
			continue
		}
		if !tooBig {
			msg.Data = append(msg.Data, c.buf[:n]...)
			msg.Stream, msg.PPID = info.Stream, info.PPID
			tooBig = len(msg.Data) > c.opts.MaxMessageSize
		}
		if info.Flags&stack.FlagEOR == 0 {
			continue
		}
		if tooBig {
			msg, tooBig = Message{}, false
			continue
		}
		return msg, nil
	}
}

// WaitSent waits until everything sent has been acknowledged by the server
// or ctx ends. Another goroutine must be calling Recv, which sees the
// SenderDry notifications that end the wait early.
func (c *Client) WaitSent(ctx context.Context) error {
	// Status is checked again now and then in case the dry event raced
	// with the check before it.
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		st := c.c.Status()
		if st.Unacked == 0 && st.Pending == 0 {
			return nil
		}
		c.mu.Lock()
		err := c.err
		c.mu.Unlock()
		if err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.dry:
		case <-tick.C:
		}
	}
}

// Shutdown starts the graceful shutdown; Recv returns io.EOF once it is
// complete.
func (c *Client) Shutdown() error { return c.c.Shutdown() }

// Close closes the association (gracefully when it is still up).
func (c *Client) Close() error { return c.c.Close() }
