//go:build !linux && unix

package encap

import "syscall"

const msgTrunc = syscall.MSG_TRUNC
