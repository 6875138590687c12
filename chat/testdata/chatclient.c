/*
 * chatclient.c: a chat client written against usrsctp, for the chat
 * interop tests. Like the article's client it uses a one-to-many socket
 * with one association to the server.
 *
 * Each stdin line is sent as one message (without its newline) on stream
 * -s; each message received is written to stdout followed by a newline,
 * and nothing else goes to stdout. Status lines go to stderr:
 *   READY port=<local sctp port>
 *   CONNECTED id=<assoc id>  (INIT sent)
 *   UP id=<assoc id>         (COMMUNICATION_UP)
 *   LOST state=<n>          (association ended by the peer or failed)
 *   DONE                    (graceful end after stdin EOF)
 * Exit status: 0 after a graceful end, 1 when the association is lost or
 * cannot be set up, 2 on bad usage.
 *
 * Usage: chatclient -E local-udp -U server-udp -a server-ip -r server-sctp-port [-s stream]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <usrsctp.h>

#define MAXMSG (64 * 1024 + 1)

static struct socket *sock;
static sctp_assoc_t assoc_id;
static int stream_id;

/* receiver prints messages until the association ends, then exits. */
static void *receiver(void *arg) {
	unsigned char *buf = malloc(MAXMSG);
	size_t have = 0;
	(void)arg;
	for (;;) {
		struct sctp_rcvinfo rcv;
		socklen_t infolen = sizeof(rcv);
		unsigned int infotype = 0;
		int flags = 0;
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = usrsctp_recvv(sock, buf + have, MAXMSG - have, (struct sockaddr *)&from, &fromlen,
		                          &rcv, &infolen, &infotype, &flags);
		if (n <= 0) {
			fprintf(stderr, "LOST recv errno=%d\n", n < 0 ? errno : 0);
			exit(1);
		}
		if (flags & MSG_NOTIFICATION) {
			const union sctp_notification *sn = (const union sctp_notification *)(buf + have);
			if (sn->sn_header.sn_type == SCTP_ASSOC_CHANGE) {
				uint16_t st = sn->sn_assoc_change.sac_state;
				if (st == SCTP_COMM_UP)
					fprintf(stderr, "UP id=%u\n", (unsigned)sn->sn_assoc_change.sac_assoc_id);
				if (st == SCTP_SHUTDOWN_COMP) {
					fprintf(stderr, "DONE\n");
					fflush(stdout);
					exit(0);
				}
				if (st == SCTP_COMM_LOST || st == SCTP_CANT_STR_ASSOC) {
					fprintf(stderr, "LOST state=%u\n", st);
					fflush(stdout);
					exit(1);
				}
			}
			continue;
		}
		have += n;
		if (!(flags & MSG_EOR) && have < MAXMSG)
			continue;
		fwrite(buf, 1, have, stdout);
		fputc('\n', stdout);
		fflush(stdout);
		have = 0;
	}
	return NULL;
}

static void send_msg(const char *b, size_t n, uint16_t flags) {
	struct sctp_sndinfo si;
	char none = 0; /* usrsctp refuses a NULL buffer even for 0 bytes */
	memset(&si, 0, sizeof(si));
	si.snd_sid = stream_id;
	si.snd_flags = flags;
	si.snd_assoc_id = assoc_id;
	if (usrsctp_sendv(sock, n ? b : &none, n, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) < 0)
		fprintf(stderr, "ERR sendv errno=%d\n", errno);
}

int main(int argc, char **argv) {
	int ludp = 0, rudp = 9899, rport = 2013;
	const char *raddr = "127.0.0.1";
	for (int i = 1; i + 1 < argc; i += 2) {
		const char *a = argv[i], *v = argv[i + 1];
		if (!strcmp(a, "-E")) ludp = atoi(v);
		else if (!strcmp(a, "-U")) rudp = atoi(v);
		else if (!strcmp(a, "-a")) raddr = v;
		else if (!strcmp(a, "-r")) rport = atoi(v);
		else if (!strcmp(a, "-s")) stream_id = atoi(v);
		else { fprintf(stderr, "chatclient: unknown flag %s\n", a); return 2; }
	}
	if (argc % 2 != 1 || ludp <= 0) {
		fprintf(stderr, "usage: chatclient -E local-udp -U server-udp -a ip -r port [-s stream]\n");
		return 2;
	}
	usrsctp_init(ludp, NULL, NULL);
	/* Quiet on out-of-the-blue packets, as a host without SCTP. */
	usrsctp_sysctl_set_sctp_blackhole(2);
	sock = usrsctp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (sock == NULL) {
		fprintf(stderr, "ERR socket errno=%d\n", errno);
		return 1;
	}
	const int on = 1;
	usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
	usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on));
	struct sctp_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.se_assoc_id = SCTP_FUTURE_ASSOC;
	ev.se_on = 1;
	ev.se_type = SCTP_ASSOC_CHANGE;
	usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev));
	struct sctp_udpencaps enc;
	memset(&enc, 0, sizeof(enc));
	enc.sue_address.ss_family = AF_INET;
	enc.sue_port = htons(rudp);
	if (usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &enc, sizeof(enc)) < 0)
		fprintf(stderr, "ERR REMOTE_UDP_ENCAPS_PORT errno=%d\n", errno);

	/* Bound to loopback so the INIT lists only 127.0.0.1. */
	struct sockaddr_in la;
	memset(&la, 0, sizeof(la));
	la.sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &la.sin_addr);
	if (usrsctp_bind(sock, (struct sockaddr *)&la, sizeof(la)) < 0) {
		fprintf(stderr, "ERR bind errno=%d\n", errno);
		return 1;
	}
	struct sockaddr *addrs = NULL;
	int lport = 0;
	if (usrsctp_getladdrs(sock, 0, &addrs) > 0) {
		lport = ntohs(((struct sockaddr_in *)addrs)->sin_port);
		usrsctp_freeladdrs(addrs);
	}
	fprintf(stderr, "READY port=%d\n", lport);

	struct sockaddr_in ra;
	memset(&ra, 0, sizeof(ra));
	ra.sin_family = AF_INET;
	ra.sin_port = htons(rport);
	if (inet_pton(AF_INET, raddr, &ra.sin_addr) != 1) {
		fprintf(stderr, "chatclient: bad address %s\n", raddr);
		return 2;
	}
	/* On a one-to-many socket this starts the setup; COMM_UP follows. */
	if (usrsctp_connectx(sock, (struct sockaddr *)&ra, 1, &assoc_id) < 0) {
		fprintf(stderr, "LOST connect errno=%d\n", errno);
		return 1;
	}
	fprintf(stderr, "CONNECTED id=%u\n", (unsigned)assoc_id);

	pthread_t th;
	pthread_create(&th, NULL, receiver, NULL);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n > 0)
			send_msg(line, n, 0);
	}
	/* SCTP_EOF: a graceful SHUTDOWN after everything queued is delivered;
	 * the receiver exits on SHUTDOWN_COMP. */
	send_msg(NULL, 0, SCTP_EOF);
	pthread_join(th, NULL);
	return 0;
}
