//go:build (!linux || encap_portable) && unix

package encap

import "syscall"

const msgTrunc = syscall.MSG_TRUNC
