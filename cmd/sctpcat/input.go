package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"log"
)

// readInput turns stdin into messages on the returned channel, which is
// closed at EOF (or on a read error, which is logged). Line mode: one
// message per line, without "\n" or "\r\n", empty lines skipped (SCTP has
// no empty messages, RFC 9260 6.2). Raw mode: one message per read of at
// most size bytes. The goroutine blocks until each message is taken, so
// nothing is read ahead of what can be sent.
func readInput(r io.Reader, raw bool, size int, lg *log.Logger) <-chan []byte {
	out := make(chan []byte)
	go func() {
		defer close(out)
		var err error
		if raw {
			err = readChunks(r, size, out)
		} else {
			err = readLines(r, out)
		}
		if err != nil {
			lg.Printf("stdin: %v", err)
		}
	}()
	return out
}

func readChunks(r io.Reader, size int, out chan<- []byte) error {
	buf := make([]byte, size)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			out <- bytes.Clone(buf[:n])
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func readLines(r io.Reader, out chan<- []byte) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadBytes('\n')
		line = bytes.TrimSuffix(line, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) > 0 {
			out <- line
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
