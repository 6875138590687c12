/*
 * chatserver.c: the article's chat server written against usrsctp, for the
 * chat interop tests: one one-to-many socket; every message received is
 * re-sent with SCTP_SENDALL, on its stream and with its PPID, to every
 * association (the sender included).
 *
 * Stdout carries one line when it is ready, "READY port=<sctp port>";
 * stderr carries one line per event:
 *   JOIN id=<id> | GONE id=<id> state=<n> | MSG id=<id> sid=<s> len=<n>
 *   ERR <what> errno=<n>
 *
 * usrsctp runs a SENDALL in a background thread and fails the next one
 * with EBUSY until it is done, so a send is retried on EBUSY.
 *
 * Usage: chatserver -E local-udp [-p sctp-port]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <usrsctp.h>

#define MAXMSG (64 * 1024)

static void sendall(struct socket *s, const unsigned char *b, size_t n, uint16_t sid, uint32_t ppid) {
	struct sctp_sndinfo si;
	memset(&si, 0, sizeof(si));
	si.snd_sid = sid;
	si.snd_ppid = ppid; /* already in network byte order, as received */
	si.snd_flags = SCTP_SENDALL;
	for (int tries = 0; tries < 5000; tries++) {
		if (usrsctp_sendv(s, b, n, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) >= 0)
			return;
		if (errno != EBUSY)
			break;
		struct timespec ts = {0, 1000000}; /* the previous SENDALL is still running */
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "ERR sendall errno=%d\n", errno);
}

int main(int argc, char **argv) {
	int ludp = 0, port = 2013;
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-E")) ludp = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "-p")) port = atoi(argv[i + 1]);
		else { fprintf(stderr, "chatserver: unknown flag %s\n", argv[i]); return 2; }
	}
	if (argc % 2 != 1 || ludp <= 0) {
		fprintf(stderr, "usage: chatserver -E local-udp [-p sctp-port]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	setvbuf(stderr, NULL, _IOLBF, 0);
	usrsctp_init(ludp, NULL, NULL);
	usrsctp_sysctl_set_sctp_blackhole(2);
	struct socket *s = usrsctp_socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (s == NULL) {
		fprintf(stderr, "ERR socket errno=%d\n", errno);
		return 1;
	}
	const int on = 1;
	usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on));
	usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on));
	struct sctp_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.se_assoc_id = SCTP_FUTURE_ASSOC;
	ev.se_on = 1;
	ev.se_type = SCTP_ASSOC_CHANGE;
	usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_EVENT, &ev, sizeof(ev));
	struct sockaddr_in la;
	memset(&la, 0, sizeof(la));
	la.sin_family = AF_INET;
	la.sin_port = htons(port);
	inet_pton(AF_INET, "127.0.0.1", &la.sin_addr);
	if (usrsctp_bind(s, (struct sockaddr *)&la, sizeof(la)) < 0) {
		fprintf(stderr, "ERR bind errno=%d\n", errno);
		return 1;
	}
	if (usrsctp_listen(s, 16) < 0) {
		fprintf(stderr, "ERR listen errno=%d\n", errno);
		return 1;
	}
	printf("READY port=%d\n", port);

	unsigned char *buf = malloc(MAXMSG + 1);
	size_t have = 0;
	int dropping = 0; /* inside a message over MAXMSG */
	for (;;) {
		struct sctp_rcvinfo rcv;
		socklen_t infolen = sizeof(rcv);
		unsigned int infotype = 0;
		int flags = 0;
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		ssize_t n = usrsctp_recvv(s, buf + have, MAXMSG + 1 - have, (struct sockaddr *)&from, &fromlen,
		                          &rcv, &infolen, &infotype, &flags);
		if (n <= 0) {
			fprintf(stderr, "ERR recv errno=%d\n", n < 0 ? errno : 0);
			break;
		}
		if (flags & MSG_NOTIFICATION) {
			const union sctp_notification *sn = (const union sctp_notification *)(buf + have);
			if (sn->sn_header.sn_type == SCTP_ASSOC_CHANGE) {
				const struct sctp_assoc_change *ac = &sn->sn_assoc_change;
				if (ac->sac_state == SCTP_COMM_UP)
					fprintf(stderr, "JOIN id=%u\n", (unsigned)ac->sac_assoc_id);
				else
					fprintf(stderr, "GONE id=%u state=%u\n", (unsigned)ac->sac_assoc_id, ac->sac_state);
			}
			continue;
		}
		have += n;
		if (dropping || have > MAXMSG) {
			if (!dropping)
				fprintf(stderr, "ERR message over %d bytes dropped\n", MAXMSG);
			dropping = !(flags & MSG_EOR);
			have = 0;
			continue;
		}
		if (!(flags & MSG_EOR))
			continue;
		fprintf(stderr, "MSG id=%u sid=%u len=%zu\n", (unsigned)rcv.rcv_assoc_id, rcv.rcv_sid, have);
		sendall(s, buf, have, rcv.rcv_sid, rcv.rcv_ppid);
		have = 0;
	}
	usrsctp_close(s);
	return 0;
}
