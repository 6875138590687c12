// Package wire parses and serializes SCTP packets: the common header and
// CRC32c (RFC 9260 3.1, appendix B), every chunk of RFC 9260 and of the
// extensions we meet on the wire (RFC 3758, 4820, 4895, 5061, 6525, 8260),
// their parameters and error causes.
//
// Contracts: the package keeps no state, does no I/O and reads no clock. It
// answers only "are these bytes well-formed?"; whether a well-formed chunk
// makes sense in an association is the association's question. Parsing never
// panics, never reads past the buffer, and never allocates in proportion to a
// length field it has not checked against the bytes present. Decoded values
// alias the input buffer (no copy); callers that keep them past the buffer's
// life copy them. The receive path (Packet header, ChunkIter, Data.Decode,
// Sack.Decode) does not allocate once a Sack's slices have grown. Serializing
// appends to a caller's buffer; the caller keeps each chunk under 65535 bytes.
package wire
