/*
 * peer.c: a scriptable usrsctp peer for the udpsctp interop tests.
 *
 * It speaks SCTP over UDP (RFC 6951) bound to one loopback address, echoes
 * every complete message back on the same stream with the same PPID and
 * ordering, and obeys messages that start with "CMD:": ABORT, SHUTDOWN, and
 * "PR <n>", which makes it send n+1 messages of 200 bytes on stream 1, PPID
 * 7, in the tests' message format, the first n with PR-SCTP limited to zero
 * retransmissions (RFC 3758, SCTP_PR_SCTP_RTX), the last one reliably.
 * It reports on stdout, one line per event, in a fixed format the Go tests
 * parse:
 *   READY port=<sctp port>
 *   ACCEPTED / CONNECTED
 *   ASSOC id=<id> state=<COMM_UP|COMM_LOST|RESTART|SHUTDOWN_COMP|CANT_START>
 *   SHUTDOWN_EVENT id=<id>
 *   MSG id=<id> sid=<stream> ppid=<ppid> unordered=<0|1> len=<bytes> sum=<hex>
 *   ERR <what> errno=<n>
 *
 * Usage:
 *   peer -mode server|client [-many] -L 127.0.0.1 -E local-udp -U remote-udp
 *        -p local-sctp-port [-a remote-addr -r remote-sctp-port]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
	default:
		break;
	}
}

static void setup(struct socket *s) {
	const int on = 1;
	int buf = BIG;
	uint16_t types[] = {SCTP_ASSOC_CHANGE, SCTP_SHUTDOWN_EVENT};
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

static int bind4(struct socket *s, const char *ip, int port) {
	struct sockaddr_in a;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	inet_pton(AF_INET, ip, &a.sin_addr);
	if (usrsctp_bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		printf("ERR bind errno=%d\n", errno);
		return -1;
	}
	return 0;
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
		else { fprintf(stderr, "peer: unknown flag %s\n", a); return 2; }
		i++;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	usrsctp_init(ludp, NULL, NULL);
	/* Answer out-of-the-blue packets with nothing, as on a quiet host. */
	usrsctp_sysctl_set_sctp_blackhole(2);
	struct socket *s = usrsctp_socket(AF_INET, many ? SOCK_SEQPACKET : SOCK_STREAM, IPPROTO_SCTP,
	                                  NULL, NULL, 0, NULL);
	if (s == NULL) {
		printf("ERR socket errno=%d\n", errno);
		return 1;
	}
	setup(s);
	encaps(s, rudp);
	if (bind4(s, laddr, lport) < 0)
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
