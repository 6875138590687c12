package stack

import (
	"net/netip"
	"testing"
)

// TestScopeFilter: the default address scoping (RFC 9260 5.1.2) by bound
// addresses and by the source of the list.
func TestScopeFilter(t *testing.T) {
	ap := netip.MustParseAddrPort
	ip := netip.MustParseAddr
	wild4 := []netip.AddrPort{ap("0.0.0.0:9899")}
	wild46 := []netip.AddrPort{ap("0.0.0.0:9899"), ap("[::]:9899")}
	lo := []netip.AddrPort{ap("127.0.0.1:9899")}
	for _, tc := range []struct {
		name      string
		bound     []netip.AddrPort
		addr, src string
		want      bool
	}{
		{"wildcard, loopback from loopback", wild4, "127.0.0.5", "127.0.0.1", true},
		{"wildcard, other from loopback", wild4, "192.0.2.1", "127.0.0.1", false},
		{"wildcard, other from mapped loopback", wild4, "10.1.2.3", "::ffff:127.0.0.1", false},
		{"wildcard, loopback from elsewhere", wild4, "127.0.0.1", "192.0.2.7", false},
		{"wildcard, other from elsewhere", wild4, "192.0.2.1", "192.0.2.7", true},
		{"wildcard, no source known", wild4, "192.0.2.1", "", true},
		{"IPv6 loopback from ::1", wild46, "::1", "::1", true},
		{"IPv6 other from ::1", wild46, "2001:db8::1", "::1", false},
		{"IPv6 without an IPv6 socket", wild4, "::1", "::1", false},
		{"bound to loopback, other from elsewhere", lo, "192.0.2.1", "192.0.2.7", false},
		{"multicast", wild4, "224.0.0.1", "192.0.2.7", false},
		{"unspecified", wild4, "0.0.0.0", "192.0.2.7", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var src netip.Addr
			if tc.src != "" {
				src = ip(tc.src)
			}
			if got := scopeFilter(tc.bound)(ip(tc.addr), src); got != tc.want {
				t.Fatalf("accept %v listed from %v, bound %v: %v, want %v", tc.addr, tc.src, tc.bound, got, tc.want)
			}
		})
	}
}
