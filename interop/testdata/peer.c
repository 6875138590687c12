/*
 * peer.c: a scriptable usrsctp peer for the udpsctp interop tests.
 *
 * It speaks SCTP over UDP (RFC 6951) bound to loopback addresses, echoes
 * every complete message back on the same stream with the same PPID and
 * ordering, and obeys messages that start with "CMD:": ABORT, SHUTDOWN, and
 * "PR <n>", which makes it send n+1 messages of 200 bytes on stream 1, PPID
 * 7, in the tests' message format, the first n with PR-SCTP limited to zero
 * retransmissions (RFC 3758, SCTP_PR_SCTP_RTX), the last one reliably.
 * For multi-homing it also obeys "CMD:PADDRS" (print the peer addresses,
 * usrsctp_getpaddrs, with their path states and the primary), "CMD:PRIMARY
 * <ip>" (SCTP_PRIMARY_ADDR) and "CMD:FLOW <n>" (send n messages of 200 bytes
 * on stream 1, PPID 7, one every 5 ms, each stamped with the send time).
 * For RFC 5061 it obeys "CMD:BINDX_ADD <ip>" and "CMD:BINDX_REM <ip>"
 * (usrsctp_bindx on the connected socket: usrsctp sends ASCONF) and
 * "CMD:PEERPRIM <ip>" (SCTP_SET_PEER_PRIMARY_ADDR), answering each with
 * "BINDX op=<ADD|REM> addr=<ip>" or "PEERPRIM addr=<ip>".
 * It reports on stdout, one line per event, in a fixed format the Go tests
 * parse:
 *   READY port=<sctp port>
 *   ACCEPTED / CONNECTED
 *   ASSOC id=<id> state=<COMM_UP|COMM_LOST|RESTART|SHUTDOWN_COMP|CANT_START>
 *   SHUTDOWN_EVENT id=<id>
 *   PADDR id=<id> addr=<ip> state=<AVAILABLE|UNREACHABLE|REMOVED|ADDED|MADE_PRIM|CONFIRMED>
 *   PADDRS id=<id> n=<count> primary=<ip> addrs=<ip:port/ACTIVE|INACTIVE|UNCONFIRMED,...>
 *   PRIMARY id=<id> addr=<ip>
 *   FLOW_DONE n=<count>
 *   MSG id=<id> sid=<stream> ppid=<ppid> unordered=<0|1> len=<bytes> sum=<hex>
 *   ERR <what> errno=<n>
 *
 * Usage:
 *   peer -mode server|client [-many] -L ip[,ip...] -E local-udp -U remote-udp
 *        -p local-sctp-port [-a remote-addr -r remote-sctp-port]
 *        [-S dst=src[,dst=src...]] [-rto min,max] [-hb ms] [-pmr n]
 *        [-A ip[,ip...]]
 * -L with several addresses binds the first and adds the others with
 * usrsctp_bindx (a multi-homed endpoint; see getifaddrs below). -rto (ms), -hb (heartbeat
 * interval, ms) and -pmr (Path.Max.Retrans) set usrsctp's defaults
 * (usrsctp_sysctl_set_*) before the socket is made. -S pins the UDP source
 * address per destination; see sendmsg below. -A makes addresses known to
 * usrsctp (loopback aliases, see getifaddrs) without binding them, for
 * CMD:BINDX_ADD later.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <usrsctp.h>

#define BIG (16 * 1024 * 1024)

static struct socket *listen_sock; /* one-to-one server: the listener */
static int many;                   /* one-to-many socket (SOCK_SEQPACKET) */

/* sum is a cheap fingerprint (FNV-1a) so the test can check content. */
static uint32_t sum(const unsigned char *b, size_t n) {
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 16777619u;
	}
	return h;
}

/*
 * Source pinning (-S). usrsctp sends every encapsulated packet through one
 * UDP socket bound to the wildcard address, with no source address
 * (user_socket.c, sctp_userspace_ip_output): the kernel picks it, and for
 * any 127.0.0.x destination it picks 127.0.0.1. A peer bound to 127.0.0.1
 * and 127.0.0.2 would then send everything from 127.0.0.1, and no test
 * could cut one of its paths without cutting all. This sendmsg, defined in
 * the program, takes precedence over libc's for libusrsctp's calls; for a
 * destination listed in -S it adds IP_PKTINFO with the source given, as a
 * host with one interface per network would send. Everything else passes
 * through untouched. The SCTP logic stays usrsctp's own.
 */
struct pin {
	struct in_addr dst, src;
};
static struct pin pins[8];
static int npins;

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
	const struct sockaddr_in *to = msg->msg_name;
	if (npins > 0 && to != NULL && msg->msg_namelen >= sizeof(*to) && to->sin_family == AF_INET &&
	    msg->msg_controllen == 0) {
		for (int i = 0; i < npins; i++) {
			if (pins[i].dst.s_addr != to->sin_addr.s_addr)
				continue;
			union {
				char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
				struct cmsghdr align;
			} c;
			struct msghdr m = *msg;
			memset(&c, 0, sizeof(c));
			m.msg_control = c.buf;
			m.msg_controllen = sizeof(c.buf);
			struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
			struct in_pktinfo pi;
			memset(&pi, 0, sizeof(pi));
			pi.ipi_spec_dst = pins[i].src;
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
			return syscall(SYS_sendmsg, fd, &m, flags);
		}
	}
	return syscall(SYS_sendmsg, fd, msg, flags);
}

/*
 * Loopback aliases. usrsctp takes the host's addresses from getifaddrs at
 * usrsctp_init and refuses to bind any other (EADDRNOTAVAIL); Linux lists
 * only 127.0.0.1 for lo although all of 127.0.0.0/8 is local. This
 * getifaddrs appends the addresses of -L and the destinations of -S the
 * host does not list, as aliases of lo: usrsctp_bindx then accepts
 * 127.0.0.2, and usrsctp knows the peer's 127.0.0.3 is on this host, which
 * puts loopback addresses in the association's scope (sctp_add_remote_addr
 * sets loopback_scope only for a local destination), without which its
 * INIT would list none of its addresses. The entries are static and sit
 * behind libc's list, which freeifaddrs frees as one block.
 */
#define MAXALIAS 8
static struct in_addr want_alias[MAXALIAS];
static int nwant;
static struct ifaddrs alias_ifa[MAXALIAS];
static struct sockaddr_in alias_sa[MAXALIAS], alias_mask[MAXALIAS];

int getifaddrs(struct ifaddrs **ifap) {
	int (*real)(struct ifaddrs **) = (int (*)(struct ifaddrs **))dlsym(RTLD_NEXT, "getifaddrs");
	if (real == NULL || real(ifap) < 0)
		return -1;
	struct ifaddrs *last = NULL, *lo = NULL;
	for (struct ifaddrs *i = *ifap; i != NULL; i = i->ifa_next) {
		last = i;
		if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET && (i->ifa_flags & IFF_LOOPBACK))
			lo = i;
	}
	int n = 0;
	for (int w = 0; w < nwant && lo != NULL; w++) {
		int have = 0;
		for (struct ifaddrs *i = *ifap; i != NULL && !have; i = i->ifa_next)
			have = i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET &&
			       ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == want_alias[w].s_addr;
		if (have)
			continue;
		alias_sa[n].sin_family = AF_INET;
		alias_sa[n].sin_addr = want_alias[w];
		alias_mask[n].sin_family = AF_INET;
		alias_mask[n].sin_addr.s_addr = htonl(0xff000000);
		alias_ifa[n].ifa_name = lo->ifa_name;
		alias_ifa[n].ifa_flags = lo->ifa_flags;
		alias_ifa[n].ifa_addr = (struct sockaddr *)&alias_sa[n];
		alias_ifa[n].ifa_netmask = (struct sockaddr *)&alias_mask[n];
		alias_ifa[n].ifa_next = NULL;
		if (last != NULL)
			last->ifa_next = &alias_ifa[n];
		last = &alias_ifa[n];
		n++;
	}
	return 0;
}

/* add_alias records a 127.0.0.0/8 address for getifaddrs. */
static void add_alias(struct in_addr a) {
	if ((ntohl(a.s_addr) >> 24) == 127 && nwant < MAXALIAS)
		want_alias[nwant++] = a;
}

/* parse_aliases records the addresses of -L and the destinations of -S. */
static void parse_aliases(const char *v) {
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *tok = strtok(buf, ","); tok != NULL; tok = strtok(NULL, ",")) {
		struct in_addr a;
		if (inet_pton(AF_INET, tok, &a) == 1)
			add_alias(a);
	}
	for (int i = 0; i < npins; i++)
		add_alias(pins[i].dst);
}

/* parse_pins reads -S dst=src[,dst=src...]. */
static int parse_pins(const char *v) {
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *tok = strtok(buf, ","); tok != NULL; tok = strtok(NULL, ",")) {
		char *eq = strchr(tok, '=');
		if (eq == NULL || npins == (int)(sizeof(pins) / sizeof(pins[0])))
			return -1;
		*eq = 0;
		if (inet_pton(AF_INET, tok, &pins[npins].dst) != 1 || inet_pton(AF_INET, eq + 1, &pins[npins].src) != 1)
			return -1;
		npins++;
	}
	return 0;
}

static const char *ntop4(const struct sockaddr *sa, char *buf, size_t n) {
	const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
	if (sa->sa_family != AF_INET || inet_ntop(AF_INET, &a->sin_addr, buf, n) == NULL)
		snprintf(buf, n, "?");
	return buf;
}

static const char *paddr_state(uint32_t s) {
	switch (s) {
	case SCTP_ADDR_AVAILABLE: return "AVAILABLE";
	case SCTP_ADDR_UNREACHABLE: return "UNREACHABLE";
	case SCTP_ADDR_REMOVED: return "REMOVED";
	case SCTP_ADDR_ADDED: return "ADDED";
	case SCTP_ADDR_MADE_PRIM: return "MADE_PRIM";
	case SCTP_ADDR_CONFIRMED: return "CONFIRMED";
	default: return "OTHER";
	}
}

static const char *state_name(uint16_t s) {
	switch (s) {
	case SCTP_COMM_UP: return "COMM_UP";
	case SCTP_COMM_LOST: return "COMM_LOST";
	case SCTP_RESTART: return "RESTART";
	case SCTP_SHUTDOWN_COMP: return "SHUTDOWN_COMP";
	case SCTP_CANT_STR_ASSOC: return "CANT_START";
	default: return "OTHER";
	}
}

static void notification(const unsigned char *b) {
	const union sctp_notification *n = (const union sctp_notification *)b;
	switch (n->sn_header.sn_type) {
	case SCTP_ASSOC_CHANGE:
		printf("ASSOC id=%u state=%s\n", (unsigned)n->sn_assoc_change.sac_assoc_id,
		       state_name(n->sn_assoc_change.sac_state));
		break;
	case SCTP_SHUTDOWN_EVENT:
		printf("SHUTDOWN_EVENT id=%u\n", (unsigned)n->sn_shutdown_event.sse_assoc_id);
		break;
	case SCTP_PEER_ADDR_CHANGE: {
		char ip[INET_ADDRSTRLEN];
		const struct sctp_paddr_change *c = &n->sn_paddr_change;
		printf("PADDR id=%u addr=%s state=%s\n", (unsigned)c->spc_assoc_id,
		       ntop4((const struct sockaddr *)&c->spc_aaddr, ip, sizeof(ip)), paddr_state(c->spc_state));
		break;
	}
	default:
		break;
	}
}

static void setup(struct socket *s) {
	const int on = 1;
	int buf = BIG;
	uint16_t types[] = {SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT, SCTP_PEER_ADDR_CHANGE};
	struct sctp_event ev;
	if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)) < 0)
		printf("ERR RECVRCVINFO errno=%d\n", errno);
	if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on)) < 0)
		printf("ERR NODELAY errno=%d\n", errno);
	if (usrsctp_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf)) < 0)
		printf("ERR SNDBUF errno=%d\n", errno);
	if (usrsctp_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf)) < 0)
		printf("ERR RCVBUF errno=%d\n", errno);
	memset(&ev, 0, sizeof(ev));
	ev.se_assoc_id = SCTP_FUTURE_ASSOC;
	ev.se_on = 1;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		ev.se_type = types[i];
		if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev)) < 0)
			printf("ERR EVENT errno=%d\n", errno);
	}
}

static void encaps(struct socket *s, int port) {
	struct sctp_udpencaps e;
	memset(&e, 0, sizeof(e));
	e.sue_address.ss_family = AF_INET;
	e.sue_port = htons(port);
	if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &e, sizeof(e)) < 0)
		printf("ERR REMOTE_UDP_ENCAPS_PORT errno=%d\n", errno);
}

static int local_port(struct socket *s) {
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	struct sockaddr *addrs = NULL;
	int n = usrsctp_getladdrs(s, 0, &addrs);
	if (n > 0) {
		memcpy(&a, addrs, sizeof(a) < l ? sizeof(a) : l);
		usrsctp_freeladdrs(addrs);
		return ntohs(a.sin_port);
	}
	return 0;
}

/*
 * bind_all binds s to the first address of the comma-separated list ips and
 * adds the others with usrsctp_bindx on the same port: a multi-homed
 * endpoint lists them all in its INIT or INIT ACK (RFC 9260 5.1.2).
 */
static int bind_all(struct socket *s, const char *ips, int port) {
	char buf[256];
	int first = 1;
	snprintf(buf, sizeof(buf), "%s", ips);
	for (char *ip = strtok(buf, ","); ip != NULL; ip = strtok(NULL, ",")) {
		struct sockaddr_in a;
		memset(&a, 0, sizeof(a));
		a.sin_family = AF_INET;
		a.sin_port = htons(port);
		if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
			fprintf(stderr, "peer: bad address %s\n", ip);
			return -1;
		}
		if (first) {
			if (usrsctp_bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
				printf("ERR bind errno=%d\n", errno);
				return -1;
			}
			port = local_port(s); /* the ephemeral one, for the others */
			first = 0;
		} else if (usrsctp_bindx(s, (struct sockaddr *)&a, 1, SCTP_BINDX_ADD_ADDR) < 0) {
			printf("ERR bindx errno=%d\n", errno);
			return -1;
		}
	}
	return 0;
}

/* print_paddrs answers CMD:PADDRS: usrsctp_getpaddrs, the state of each
 * path (SCTP_GET_PEER_ADDR_INFO) and the primary (SCTP_PRIMARY_ADDR). */
static void print_paddrs(struct socket *s, sctp_assoc_t id) {
	struct sockaddr *addrs = NULL;
	char list[512] = "", ip[INET_ADDRSTRLEN], prim[INET_ADDRSTRLEN] = "?";
	int n = usrsctp_getpaddrs(s, id, &addrs);
	if (n < 0) {
		printf("ERR getpaddrs errno=%d\n", errno);
		return;
	}
	for (int i = 0; i < n; i++) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)addrs + i;
		struct sctp_paddrinfo pi;
		socklen_t l = sizeof(pi);
		const char *st = "?";
		memset(&pi, 0, sizeof(pi));
		memcpy(&pi.spinfo_address, a, sizeof(*a));
		pi.spinfo_assoc_id = id;
		if (usrsctp_getsockopt(s, IPPROTO_SCTP, SCTP_GET_PEER_ADDR_INFO, &pi, &l) == 0)
			st = pi.spinfo_state == SCTP_ACTIVE ? "ACTIVE" : pi.spinfo_state == SCTP_INACTIVE ? "INACTIVE" : "UNCONFIRMED";
		size_t used = strlen(list);
		snprintf(list + used, sizeof(list) - used, "%s%s:%d/%s", i ? "," : "",
		         ntop4((const struct sockaddr *)a, ip, sizeof(ip)), ntohs(a->sin_port), st);
	}
	if (n > 0)
		usrsctp_freepaddrs(addrs);
	struct sctp_setprim sp;
	socklen_t l = sizeof(sp);
	memset(&sp, 0, sizeof(sp));
	sp.ssp_assoc_id = id;
	if (usrsctp_getsockopt(s, IPPROTO_SCTP, SCTP_PRIMARY_ADDR, &sp, &l) == 0)
		ntop4((const struct sockaddr *)&sp.ssp_addr, prim, sizeof(prim));
	printf("PADDRS id=%u n=%d primary=%s addrs=%s\n", (unsigned)id, n, prim, list);
}

/* bindx answers CMD:BINDX_ADD / CMD:BINDX_REM <ip>. */
static void bindx(struct socket *s, const char *ip, int add) {
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(local_port(s));
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
		printf("ERR bindx-address errno=0\n");
		return;
	}
	if (usrsctp_bindx(s, (struct sockaddr *)&a, 1, add ? SCTP_BINDX_ADD_ADDR : SCTP_BINDX_REM_ADDR) < 0)
		printf("ERR bindx errno=%d\n", errno);
	else
		printf("BINDX op=%s addr=%s\n", add ? "ADD" : "REM", ip);
}

/* peer_primary answers CMD:PEERPRIM <ip> (SCTP_SET_PEER_PRIMARY_ADDR). */
static void peer_primary(struct socket *s, sctp_assoc_t id, const char *ip) {
	struct sctp_setpeerprim sp;
	struct sockaddr_in *a = (struct sockaddr_in *)&sp.sspp_addr;
	memset(&sp, 0, sizeof(sp));
	sp.sspp_assoc_id = id;
	a->sin_family = AF_INET;
	a->sin_port = htons(local_port(s));
	if (inet_pton(AF_INET, ip, &a->sin_addr) != 1) {
		printf("ERR peerprim-address errno=0\n");
		return;
	}
	if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_SET_PEER_PRIMARY_ADDR, &sp, sizeof(sp)) < 0)
		printf("ERR peerprim errno=%d\n", errno);
	else
		printf("PEERPRIM addr=%s\n", ip);
}

/* set_primary answers CMD:PRIMARY <ip> (SCTP_PRIMARY_ADDR). */
static void set_primary(struct socket *s, sctp_assoc_t id, const char *ip) {
	struct sctp_setprim sp;
	struct sockaddr_in *a = (struct sockaddr_in *)&sp.ssp_addr;
	memset(&sp, 0, sizeof(sp));
	sp.ssp_assoc_id = id;
	a->sin_family = AF_INET;
	if (inet_pton(AF_INET, ip, &a->sin_addr) != 1) {
		printf("ERR primary-address errno=0\n");
		return;
	}
	if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_PRIMARY_ADDR, &sp, sizeof(sp)) < 0)
		printf("ERR primary errno=%d\n", errno);
	else
		printf("PRIMARY id=%u addr=%s\n", (unsigned)id, ip);
}

/* send_flow answers CMD:FLOW <n>: a steady numbered flow, one message every
 * 5 ms, each carrying its send time (CLOCK_REALTIME, ns) on its second line
 * so the receiver can measure delivery delays across a failover. */
static void send_flow(struct socket *s, sctp_assoc_t id, int n) {
	for (int i = 0; i < n; i++) {
		char b[200];
		struct sctp_sndinfo si;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		memset(b, 'f', sizeof(b));
		int h = snprintf(b, sizeof(b), "IOP sid=1 ppid=7 u=0 seq=%d len=200\nt=%lld\n", i,
		                 (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		memset(b + h, 'f', sizeof(b) - h); /* snprintf's NUL */
		memset(&si, 0, sizeof(si));
		si.snd_sid = 1;
		si.snd_ppid = htonl(7);
		si.snd_assoc_id = id;
		if (usrsctp_sendv(s, b, sizeof(b), NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) < 0) {
			printf("ERR sendv-flow errno=%d\n", errno);
			return;
		}
		usleep(5000); /* the flow's pace */
	}
	printf("FLOW_DONE n=%d\n", n);
}


static void send_flags(struct socket *s, sctp_assoc_t id, uint16_t flags) {
	struct sctp_sndinfo si;
	char none = 0; /* usrsctp refuses a NULL buffer even for 0 bytes */
	memset(&si, 0, sizeof(si));
	si.snd_flags = flags;
	si.snd_assoc_id = id;
	if (usrsctp_sendv(s, &none, 0, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) < 0)
		printf("ERR sendv-flags errno=%d\n", errno);
}

/* send_pr answers CMD:PR <n>. */
static void send_pr(struct socket *s, sctp_assoc_t id, int n) {
	for (int i = 0; i <= n; i++) {
		char b[200];
		struct sctp_sendv_spa spa;
		memset(b, 'x', sizeof(b));
		snprintf(b, sizeof(b), "IOP sid=1 ppid=7 u=0 seq=%d len=200\n", i);
		memset(&spa, 0, sizeof(spa));
		spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
		spa.sendv_sndinfo.snd_sid = 1;
		spa.sendv_sndinfo.snd_ppid = htonl(7);
		spa.sendv_sndinfo.snd_assoc_id = id;
		if (i < n) {
			spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
			spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_RTX;
			spa.sendv_prinfo.pr_value = 0;
		}
		if (usrsctp_sendv(s, b, sizeof(b), NULL, 0, &spa, sizeof(spa), SCTP_SENDV_SPA, 0) < 0)
			printf("ERR sendv-pr errno=%d\n", errno);
	}
}

/* serve reads messages until the socket ends, echoing and obeying commands. */
static void serve(struct socket *s) {
	unsigned char *msg = malloc(BIG);
	size_t have = 0;
	for (;;) {
		struct sctp_rcvinfo rcv;
		socklen_t infolen = sizeof(rcv);
		unsigned int infotype = 0;
		int flags = 0;
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = usrsctp_recvv(s, msg + have, BIG - have, (struct sockaddr *)&from, &fromlen,
		                          &rcv, &infolen, &infotype, &flags);
		if (n <= 0) {
			printf("EOF errno=%d\n", n < 0 ? errno : 0);
			break;
		}
		if (flags & MSG_NOTIFICATION) {
			notification(msg + have);
			continue;
		}
		have += n;
		if (!(flags & MSG_EOR) && have < BIG)
			continue;
		int unordered = (rcv.rcv_flags & SCTP_UNORDERED) != 0;
		printf("MSG id=%u sid=%u ppid=%u unordered=%d len=%zu sum=%08x\n", (unsigned)rcv.rcv_assoc_id,
		       rcv.rcv_sid, ntohl(rcv.rcv_ppid), unordered, have, sum(msg, have));
		if (have >= 4 && memcmp(msg, "CMD:", 4) == 0) {
			if (have == 9 && memcmp(msg + 4, "ABORT", 5) == 0) {
				send_flags(s, rcv.rcv_assoc_id, SCTP_ABORT);
			} else if (have > 7 && have < 16 && memcmp(msg + 4, "PR ", 3) == 0) {
				char num[16] = {0};
				memcpy(num, msg + 7, have - 7);
				send_pr(s, rcv.rcv_assoc_id, atoi(num));
			} else if (have == 10 && memcmp(msg + 4, "PADDRS", 6) == 0) {
				print_paddrs(s, rcv.rcv_assoc_id);
			} else if (have > 12 && have < 32 && memcmp(msg + 4, "PRIMARY ", 8) == 0) {
				char ip[32] = {0};
				memcpy(ip, msg + 12, have - 12);
				set_primary(s, rcv.rcv_assoc_id, ip);
			} else if (have > 14 && have < 32 && memcmp(msg + 4, "BINDX_", 6) == 0 &&
			           (memcmp(msg + 10, "ADD ", 4) == 0 || memcmp(msg + 10, "REM ", 4) == 0)) {
				char ip[32] = {0};
				memcpy(ip, msg + 14, have - 14);
				bindx(s, ip, msg[10] == 'A');
			} else if (have > 13 && have < 32 && memcmp(msg + 4, "PEERPRIM ", 9) == 0) {
				char ip[32] = {0};
				memcpy(ip, msg + 13, have - 13);
				peer_primary(s, rcv.rcv_assoc_id, ip);
			} else if (have > 9 && have < 20 && memcmp(msg + 4, "FLOW ", 5) == 0) {
				char num[16] = {0};
				memcpy(num, msg + 9, have - 9);
				send_flow(s, rcv.rcv_assoc_id, atoi(num));
			} else if (have == 12 && memcmp(msg + 4, "SHUTDOWN", 8) == 0) {
				if (many)
					send_flags(s, rcv.rcv_assoc_id, SCTP_EOF);
				else if (usrsctp_shutdown(s, SHUT_WR) < 0)
					printf("ERR shutdown errno=%d\n", errno);
			}
		} else {
			struct sctp_sndinfo si;
			memset(&si, 0, sizeof(si));
			si.snd_sid = rcv.rcv_sid;
			si.snd_ppid = rcv.rcv_ppid;
			si.snd_flags = unordered ? SCTP_UNORDERED : 0;
			si.snd_assoc_id = rcv.rcv_assoc_id;
			if (usrsctp_sendv(s, msg, have, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) < 0)
				printf("ERR sendv errno=%d\n", errno);
		}
		have = 0;
	}
	free(msg);
}

int main(int argc, char **argv) {
	const char *mode = "server", *laddr = "127.0.0.1", *raddr = NULL;
	int ludp = 9899, rudp = 9899, lport = 0, rport = 0;
	int rto_min = 0, rto_max = 0, hb = -1, pmr = -1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
		if (!strcmp(a, "-many")) { many = 1; continue; }
		if (!strcmp(a, "-mode")) mode = v;
		else if (!strcmp(a, "-L")) laddr = v;
		else if (!strcmp(a, "-E")) ludp = atoi(v);
		else if (!strcmp(a, "-U")) rudp = atoi(v);
		else if (!strcmp(a, "-p")) lport = atoi(v);
		else if (!strcmp(a, "-a")) raddr = v;
		else if (!strcmp(a, "-r")) rport = atoi(v);
		else if (!strcmp(a, "-S")) {
			if (parse_pins(v) < 0) { fprintf(stderr, "peer: bad -S %s\n", v); return 2; }
		}
		else if (!strcmp(a, "-rto")) {
			if (sscanf(v, "%d,%d", &rto_min, &rto_max) != 2 || rto_min <= 0 || rto_max < rto_min) {
				fprintf(stderr, "peer: bad -rto %s (want min,max in ms)\n", v);
				return 2;
			}
		}
		else if (!strcmp(a, "-hb")) hb = atoi(v);
		else if (!strcmp(a, "-pmr")) pmr = atoi(v);
		else if (!strcmp(a, "-A")) parse_aliases(v);
		else { fprintf(stderr, "peer: unknown flag %s\n", a); return 2; }
		i++;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_aliases(laddr);
	usrsctp_init(ludp, NULL, NULL);
	/* Answer out-of-the-blue packets with nothing, as on a quiet host. */
	usrsctp_sysctl_set_sctp_blackhole(2);
	/* Timer defaults for new associations; the socket options would do
	 * the same per socket, the sysctls cover the handshake too. */
	if (rto_min > 0 && (usrsctp_sysctl_set_sctp_rto_min_default(rto_min) < 0 ||
	                    usrsctp_sysctl_set_sctp_rto_max_default(rto_max) < 0 ||
	                    usrsctp_sysctl_set_sctp_rto_initial_default(rto_min) < 0 ||
	                    usrsctp_sysctl_set_sctp_init_rto_max_default(rto_max) < 0))
		printf("ERR sysctl-rto errno=%d\n", errno);
	if (hb >= 0 && usrsctp_sysctl_set_sctp_heartbeat_interval_default(hb) < 0)
		printf("ERR sysctl-hb errno=%d\n", errno);
	if (pmr >= 0 && usrsctp_sysctl_set_sctp_path_rtx_max_default(pmr) < 0)
		printf("ERR sysctl-pmr errno=%d\n", errno);
	struct socket *s = usrsctp_socket(AF_INET, many ? SOCK_SEQPACKET : SOCK_STREAM, IPPROTO_SCTP,
	                                  NULL, NULL, 0, NULL);
	if (s == NULL) {
		printf("ERR socket errno=%d\n", errno);
		return 1;
	}
	setup(s);
	encaps(s, rudp);
	if (bind_all(s, laddr, lport) < 0)
		return 1;
	if (!strcmp(mode, "server")) {
		if (usrsctp_listen(s, 8) < 0) {
			printf("ERR listen errno=%d\n", errno);
			return 1;
		}
		printf("READY port=%d\n", local_port(s));
		if (many) {
			serve(s);
		} else {
			listen_sock = s;
			for (;;) {
				struct socket *c = usrsctp_accept(listen_sock, NULL, NULL);
				if (c == NULL) {
					printf("ERR accept errno=%d\n", errno);
					break;
				}
				printf("ACCEPTED\n");
				serve(c);
				usrsctp_close(c);
			}
		}
	} else {
		struct sockaddr_in ra;
		memset(&ra, 0, sizeof(ra));
		ra.sin_family = AF_INET;
		ra.sin_port = htons(rport);
		if (raddr == NULL || inet_pton(AF_INET, raddr, &ra.sin_addr) != 1) {
			fprintf(stderr, "peer: client needs -a ip -r port\n");
			return 2;
		}
		printf("READY port=%d\n", local_port(s));
		if (usrsctp_connect(s, (struct sockaddr *)&ra, sizeof(ra)) < 0) {
			printf("ERR connect errno=%d\n", errno);
			return 1;
		}
		printf("CONNECTED\n");
		serve(s);
	}
	usrsctp_close(s);
	printf("CLOSED\n");
	return 0;
}
