package main

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// parseAddrList parses the address lists of the command line:
// "ip[,ip...]:port", "[v6[,v6...]]:port", ":port" (the unspecified
// address) and, when portOptional, a bare "ip[,ip...]" (port 0).
// "localhost" means 127.0.0.1. The addresses all share the one SCTP port,
// as the addresses of one SCTP endpoint do (RFC 9260 1.3).
func parseAddrList(s string, portOptional bool) ([]netip.Addr, uint16, error) {
	if s == "" {
		return nil, 0, errors.New("empty address")
	}
	host, portStr, err := net.SplitHostPort(s)
	if err != nil {
		if !portOptional {
			return nil, 0, fmt.Errorf("%q: want ip[,ip...]:port", s)
		}
		host, portStr = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"), ""
	}
	var port uint16
	if portStr != "" {
		p, err := strconv.ParseUint(portStr, 10, 16)
		if err != nil {
			return nil, 0, fmt.Errorf("%q: bad port %q", s, portStr)
		}
		port = uint16(p)
	}
	if host == "" {
		return []netip.Addr{netip.IPv4Unspecified()}, port, nil
	}
	var ips []netip.Addr
	for _, h := range strings.Split(host, ",") {
		ip, err := parseIP(h)
		if err != nil {
			return nil, 0, fmt.Errorf("%q: %v", s, err)
		}
		if slices.Contains(ips, ip) {
			return nil, 0, fmt.Errorf("%q: %v given twice", s, ip)
		}
		ips = append(ips, ip)
	}
	if len(ips) > 1 && slices.ContainsFunc(ips, netip.Addr.IsUnspecified) {
		return nil, 0, fmt.Errorf("%q: the unspecified address cannot be one of several", s)
	}
	return ips, port, nil
}

func parseIP(h string) (netip.Addr, error) {
	h = strings.TrimSpace(h)
	if h == "localhost" {
		return netip.AddrFrom4([4]byte{127, 0, 0, 1}), nil
	}
	ip, err := netip.ParseAddr(h)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("bad IP address %q (numeric addresses only)", h)
	}
	if ip.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("IP address %q: zones are not supported", h)
	}
	return ip.Unmap(), nil
}

// mergeAddrs appends the addresses of b not already in a.
func mergeAddrs(a, b []netip.Addr) []netip.Addr {
	out := slices.Clone(a)
	for _, ip := range b {
		if !slices.Contains(out, ip) {
			out = append(out, ip)
		}
	}
	if len(out) > 1 {
		out = slices.DeleteFunc(out, netip.Addr.IsUnspecified)
	}
	return out
}

// joinAddrs formats addresses with one port as the command line takes
// them: "ip,ip:port".
func joinAddrs(ips []netip.Addr, port uint16) string {
	parts := make([]string, len(ips))
	for i, ip := range ips {
		parts[i] = ip.String()
	}
	return net.JoinHostPort(strings.Join(parts, ","), strconv.Itoa(int(port)))
}
