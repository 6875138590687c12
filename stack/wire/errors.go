package wire

import (
	"errors"
	"fmt"
)

// Sentinel errors, for errors.Is. Every parse error wraps one of them so a
// caller can tell bytes that ended too early from bytes that lie.
var (
	// ErrTruncated: the input ends before a length it declares.
	ErrTruncated = errors.New("sctp: truncated")
	// ErrMalformed: the input is complete but violates the format.
	ErrMalformed = errors.New("sctp: malformed")
	// ErrChecksum: the CRC32c does not match.
	ErrChecksum = errors.New("sctp: bad checksum")
	// ErrBundling: chunks bundled against RFC 9260 6.10 (INIT, INIT ACK or
	// SHUTDOWN COMPLETE with other chunks).
	ErrBundling = errors.New("sctp: illegal bundling")
)

// ParseError says where and what went wrong. It wraps one of the sentinels.
type ParseError struct {
	What   string // the element being parsed, e.g. "SACK gap block"
	Offset int    // byte offset within the buffer handed to the parser
	Err    error  // ErrTruncated, ErrMalformed, ...
	Detail string // e.g. "length 3 < 4"
}

func (e *ParseError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("%v: %s at offset %d", e.Err, e.What, e.Offset)
	}
	return fmt.Sprintf("%v: %s at offset %d: %s", e.Err, e.What, e.Offset, e.Detail)
}

func (e *ParseError) Unwrap() error { return e.Err }

func truncated(what string, off int, detail string) error {
	return &ParseError{What: what, Offset: off, Err: ErrTruncated, Detail: detail}
}

func malformed(what string, off int, detail string) error {
	return &ParseError{What: what, Offset: off, Err: ErrMalformed, Detail: detail}
}
