package main

import (
	"fmt"
	"strings"

	"github.com/udpsctp/udpsctp/stack"
	"github.com/udpsctp/udpsctp/stack/assoc"
)

// describe formats a notification (RFC 6458 6.1) for -v.
func describe(n stack.Notification) string {
	switch v := n.(type) {
	case *stack.AssocChange:
		s := fmt.Sprintf("assoc %d: %v (streams in %d, out %d)", v.AssocID, v.State, v.InStreams, v.OutStreams)
		if v.Error != 0 {
			s += fmt.Sprintf(", error %d", v.Error)
		}
		if v.Cause != nil {
			s += fmt.Sprintf(", %v", v.Cause.CauseCode())
		}
		return s
	case *stack.PeerAddrChange:
		return fmt.Sprintf("assoc %d: peer address %v %s", v.AssocID, v.Addr, addrState(v.State))
	case *stack.SendFailed:
		return fmt.Sprintf("assoc %d: send failed: %d bytes on stream %d (unsent %v, error %d)",
			v.AssocID, len(v.Msg.Data), v.Msg.Stream, v.Unsent, v.Error)
	case *stack.RemoteError:
		return fmt.Sprintf("assoc %d: remote error: %v", v.AssocID, v.Cause.CauseCode())
	case *stack.ShutdownEvent:
		return fmt.Sprintf("assoc %d: the peer shuts down", v.AssocID)
	case *stack.PartialDeliveryAborted:
		return fmt.Sprintf("assoc %d: partial delivery aborted on stream %d", v.AssocID, v.Stream)
	case *stack.SenderDry:
		return fmt.Sprintf("assoc %d: sender dry", v.AssocID)
	}
	return fmt.Sprintf("notification %T", n)
}

func addrState(s assoc.PeerAddrState) string {
	switch s {
	case assoc.AddrAvailable:
		return "available"
	case assoc.AddrUnreachable:
		return "unreachable"
	case assoc.AddrRemoved:
		return "removed"
	case assoc.AddrAdded:
		return "added"
	case assoc.AddrMadePrimary:
		return "made primary"
	case assoc.AddrConfirmed:
		return "confirmed"
	}
	return fmt.Sprintf("state %d", s)
}

// describeMessage formats a received message's details for -v.
func describeMessage(info stack.RcvInfo, size int) string {
	order := "ordered"
	if info.Flags&stack.FlagUnordered != 0 {
		order = "unordered"
	}
	from := ""
	if info.From != nil {
		from = " from " + info.From.String()
	}
	return fmt.Sprintf("assoc %d%s: message stream %d ppid %d %s, %d bytes", info.AssocID, from, info.Stream, info.PPID, order, size)
}

// printStatus prints an association's SCTP_STATUS for -v.
func (c *cat) printStatus(st stack.Status, local, remote []*stack.Addr) {
	p := st.Primary
	c.lg.Printf("assoc %d: %v, streams in %d out %d, local %s, peer %s, primary %v (rto %v, srtt %v, mtu %d, cwnd %d), peer rwnd %d",
		st.AssocID, st.State, st.InStreams, st.OutStreams, addrList(local), addrList(remote),
		p.Addr, p.RTO, p.SRTT, p.MTU, p.Cwnd, st.PeerRwnd)
}

func addrList(as []*stack.Addr) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.String()
	}
	return "[" + strings.Join(parts, " ") + "]"
}
