// Command sctpchat is the chat server, client and demo of the Linux Journal
// article "Multiple Associations with SCTP", over udpsctp.
//
// The chat itself lands with the sockets API; until then every subcommand
// says so plainly and exits non-zero.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "sctpchat: not yet: the chat demo needs the sockets API (issue 4) and the chat package (issue 6), which have not landed")
	os.Exit(2)
}
