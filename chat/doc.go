// Package chat is the chat server and client of the Linux Journal article
// "Multiple Associations with SCTP", over udpsctp: one one-to-many socket,
// every message re-sent to every association with SENDALL, and a superuser
// whose association is peeled off into a one-to-one socket of its own.
//
// Contracts. Messages are raw bytes (UTF-8 text by convention) with no
// framing of ours, so any SCTP chat peer interoperates. The Server re-sends
// each message on the stream it arrived on, with its PPID, to every
// association still on the socket, the sender included. A message larger
// than Config.MaxMessageSize is refused (logged, the sender told) and the
// association stays up. "/su <password>" never reaches other users: the
// password is compared in constant time, never logged, and failures are
// limited per association (the association is aborted after the last try);
// the feature is off when no password is configured. A superuser
// association is peeled off (PeelOff) and served by its own goroutine; it
// no longer receives broadcasts. Its commands: /who answers
// "*** <n> associations on the chat socket" and then one message per
// association, "assoc <id> <addr>(<path state>),... <STATE> srtt=<ms>ms";
// /kick <id> aborts that association with a User-Initiated Abort cause
// (KickReason); /say <text> sends "*** superuser: <text>" to the ordinary
// users with SENDALL; /quit shuts the superuser's association down. Server
// replies (to /su, to the superuser's commands, notices) start with "*** "
// so people can tell them from chat.
//
// The Client is one user's one-to-one association to a server: Send sends
// one message, Recv returns whole messages (io.EOF after a graceful end,
// the association's error, with the peer's abort reason, when it is lost),
// and WaitSent waits until the server has acknowledged everything sent.
package chat
