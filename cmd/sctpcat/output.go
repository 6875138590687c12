package main

import (
	"io"

	"github.com/udpsctp/udpsctp/stack"
)

// output writes received messages to stdout. Line mode gathers the pieces
// of a message (RecvMsg returns a large one in several calls) and writes
// it with "\n" in one Write, so messages of several associations never
// interleave; raw mode writes bytes as they come.
type output struct {
	w       io.Writer
	raw     bool
	partial map[stack.AssocID][]byte
	last    int // size of the last complete message
}

func newOutput(w io.Writer, raw bool) *output {
	return &output{w: w, raw: raw, partial: make(map[stack.AssocID][]byte)}
}

// write takes one piece of association id's current message; eor marks
// its end.
func (o *output) write(id stack.AssocID, b []byte, eor bool) error {
	if o.raw {
		o.last += len(b)
		_, err := o.w.Write(b)
		if eor {
			o.last, o.partial[id] = 0, nil
		}
		return err
	}
	msg := append(o.partial[id], b...)
	if !eor {
		o.partial[id] = msg
		return nil
	}
	delete(o.partial, id)
	o.last = len(msg)
	_, err := o.w.Write(append(msg, '\n'))
	return err
}

// drop forgets an ended association's unfinished message.
func (o *output) drop(id stack.AssocID) { delete(o.partial, id) }
