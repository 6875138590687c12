package stack

import (
	"fmt"
	"net"

	"github.com/udpsctp/udpsctp/stack/assoc"
)

// Status is an association's SCTP_STATUS (RFC 6458 8.2.1).
type Status struct {
	AssocID AssocID
	assoc.Status
}

// PathInfo is one peer address's SCTP_GET_PEER_ADDR_INFO (RFC 6458 8.2.2):
// state, cwnd, srtt, rto, mtu.
type PathInfo = assoc.PathInfo

func statusOf(e *entry) Status { return Status{AssocID: e.id, Status: e.a.Status()} }

// pathInfoOf finds the path to addr (its IP; the port is not compared, so
// both SCTP and UDP forms of the address work).
func pathInfoOf(e *entry, addr net.Addr) (PathInfo, error) {
	a, err := toAddr(addr)
	if err != nil {
		return PathInfo{}, err
	}
	for _, p := range e.a.Paths() {
		if p.Addr.Addr() == a.IP.Unmap() {
			return p, nil
		}
	}
	return PathInfo{}, fmt.Errorf("%w: %v is not an address of association %d", ErrBadAddress, addr, e.id)
}
