package encap

import _ "golang.org/x/net/ipv4"
