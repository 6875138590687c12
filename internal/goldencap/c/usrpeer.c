/*
 * usrpeer: a scripted usrsctp endpoint for goldencap (not built by the Go
 * toolchain; goldencap compiles it with gcc at run time and links -lusrsctp).
 *
 * usage: usrpeer -l LOCALUDP [-r REMOTEUDP] [-p SCTPPORT] [-c] [-H HBMS]
 *                [-a] [-N] [-I] [-s SCRIPT]
 *   -c       client: connect to 127.0.0.1:SCTPPORT over UDP port REMOTEUDP
 *            (without -c: listen on 127.0.0.1:SCTPPORT and accept one)
 *   -H ms    heartbeat interval (default: usrsctp's 30 s)
 *   -a       require AUTH for DATA chunks (RFC 4895)
 *   -N       enable NR-SACK (usrsctp extension)
 *   -I       offer I-DATA (RFC 8260 user message interleaving)
 *   -s       comma separated actions run once the association is up:
 *              send:SID:LEN[:u][:r]   u = unordered, r = PR-SCTP rtx limit 0
 *              sleep:MS
 *              reset:SID             outgoing SSN reset request (RFC 6525)
 *              shutdown              graceful shutdown (SHUT_WR)
 *              abort                 ABORT with a user initiated abort cause
 *   The program then reads until the peer closes, or 20 s pass, and exits.
 * Output: one line per event on stdout, prefixed "usrpeer:".
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <usrsctp.h>

/* Not in usrsctp.h; the value of usrsctp's netinet/sctp.h. */
#ifndef SCTP_INTERLEAVING_SUPPORTED
#define SCTP_INTERLEAVING_SUPPORTED 0x00001206
#endif

static struct socket *sock;
static volatile int peer_closed;

static void *
reader(void *arg)
{
	char buf[65536];
	(void)arg;
	for (;;) {
		struct sockaddr_in from;
		socklen_t fromlen = sizeof(from);
		struct sctp_rcvinfo rcv;
		socklen_t infolen = sizeof(rcv);
		unsigned int infotype = 0;
		int flags = 0;
		ssize_t n = usrsctp_recvv(sock, buf, sizeof(buf), (struct sockaddr *)&from,
		    &fromlen, &rcv, &infolen, &infotype, &flags);
		if (n <= 0) {
			printf("usrpeer: read end n=%zd errno=%d\n", n, n < 0 ? errno : 0);
			fflush(stdout);
			peer_closed = 1;
			return NULL;
		}
		if (!(flags & MSG_NOTIFICATION)) {
			printf("usrpeer: recv %zd bytes\n", n);
			fflush(stdout);
		}
	}
}

static void
msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static int
send_msg(int sid, int len, int unordered, int pr, int abort_flag)
{
	struct sctp_sendv_spa spa;
	char *buf = malloc(len > 0 ? (size_t)len : 1);
	int i;
	for (i = 0; i < len; i++)
		buf[i] = (char)('a' + i % 26);
	memset(&spa, 0, sizeof(spa));
	spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
	spa.sendv_sndinfo.snd_sid = (uint16_t)sid;
	spa.sendv_sndinfo.snd_ppid = htonl(51);
	if (unordered)
		spa.sendv_sndinfo.snd_flags |= SCTP_UNORDERED;
	if (abort_flag)
		spa.sendv_sndinfo.snd_flags |= SCTP_ABORT;
	if (pr) {
		spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
		spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_RTX;
		spa.sendv_prinfo.pr_value = 0;
	}
	if (usrsctp_sendv(sock, buf, (size_t)len, NULL, 0, &spa, sizeof(spa),
	    SCTP_SENDV_SPA, 0) < 0) {
		printf("usrpeer: sendv: %s\n", strerror(errno));
		free(buf);
		return -1;
	}
	free(buf);
	return 0;
}

static void
run_script(char *script)
{
	char *save = NULL, *act;
	for (act = strtok_r(script, ",", &save); act; act = strtok_r(NULL, ",", &save)) {
		printf("usrpeer: action %s\n", act);
		fflush(stdout);
		if (strncmp(act, "send:", 5) == 0) {
			int sid = 0, len = 0;
			sscanf(act + 5, "%d:%d", &sid, &len);
			send_msg(sid, len, strstr(act + 5, ":u") != NULL,
			    strstr(act + 5, ":r") != NULL, 0);
		} else if (strncmp(act, "sleep:", 6) == 0) {
			msleep(atoi(act + 6));
		} else if (strncmp(act, "reset:", 6) == 0) {
			size_t sz = sizeof(struct sctp_reset_streams) + sizeof(uint16_t);
			struct sctp_reset_streams *srs = calloc(1, sz);
			srs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
			srs->srs_number_streams = 1;
			srs->srs_stream_list[0] = (uint16_t)atoi(act + 6);
			if (usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, srs, (socklen_t)sz) < 0)
				printf("usrpeer: reset: %s\n", strerror(errno));
			free(srs);
		} else if (strcmp(act, "shutdown") == 0) {
			if (usrsctp_shutdown(sock, SHUT_WR) < 0)
				printf("usrpeer: shutdown: %s\n", strerror(errno));
		} else if (strcmp(act, "abort") == 0) {
			const char reason[] = "goldencap abort";
			struct sctp_sendv_spa spa;
			memset(&spa, 0, sizeof(spa));
			spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
			spa.sendv_sndinfo.snd_flags = SCTP_ABORT;
			if (usrsctp_sendv(sock, reason, sizeof(reason) - 1, NULL, 0, &spa,
			    sizeof(spa), SCTP_SENDV_SPA, 0) < 0)
				printf("usrpeer: abort: %s\n", strerror(errno));
		}
		fflush(stdout);
	}
}

int
main(int argc, char **argv)
{
	int c, client = 0, hb = 0, auth = 0, nrsack = 0, idata = 0, i;
	uint16_t lport = 0, rport = 0, sport = 5000;
	char *script = strdup("");
	struct sockaddr_in addr;
	struct socket *lsock = NULL;
	pthread_t tid;

	while ((c = getopt(argc, argv, "l:r:p:cH:aNIs:")) != -1) {
		switch (c) {
		case 'l': lport = (uint16_t)atoi(optarg); break;
		case 'r': rport = (uint16_t)atoi(optarg); break;
		case 'p': sport = (uint16_t)atoi(optarg); break;
		case 'c': client = 1; break;
		case 'H': hb = atoi(optarg); break;
		case 'a': auth = 1; break;
		case 'N': nrsack = 1; break;
		case 'I': idata = 1; break;
		case 's': script = strdup(optarg); break;
		default: fprintf(stderr, "bad usage\n"); return 2;
		}
	}
	usrsctp_init(lport, NULL, NULL);
	usrsctp_sysctl_set_sctp_blackhole(2);
	if (hb > 0)
		usrsctp_sysctl_set_sctp_heartbeat_interval_default((uint32_t)hb);
	if (nrsack)
		usrsctp_sysctl_set_sctp_nrsack_enable(1);

	sock = usrsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (sock == NULL) {
		perror("usrsctp_socket");
		return 1;
	}
	{
		struct sctp_assoc_value av;
		memset(&av, 0, sizeof(av));
		av.assoc_id = SCTP_FUTURE_ASSOC;
		av.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ;
		usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, &av, sizeof(av));
		if (auth) {
			struct sctp_authchunk ac = { 0 }; /* DATA */
			usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_AUTH_CHUNK, &ac, sizeof(ac));
		}
		if (idata) {
			i = 2;
			if (usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, &i, sizeof(i)) < 0)
				perror("SCTP_FRAGMENT_INTERLEAVE");
			memset(&av, 0, sizeof(av));
			av.assoc_id = SCTP_FUTURE_ASSOC;
			av.assoc_value = 1;
			if (usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_INTERLEAVING_SUPPORTED, &av, sizeof(av)) < 0)
				perror("SCTP_INTERLEAVING_SUPPORTED");
		}
		i = 1;
		usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_NODELAY, &i, sizeof(i));
	}
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (client) {
		struct sctp_udpencaps enc;
		addr.sin_port = htons(sport);
		if (usrsctp_bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
			perror("usrsctp_bind");
			return 1;
		}
		memset(&enc, 0, sizeof(enc));
		enc.sue_address.ss_family = AF_INET;
		enc.sue_port = htons(rport);
		if (usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &enc, sizeof(enc)) < 0) {
			perror("SCTP_REMOTE_UDP_ENCAPS_PORT");
			return 1;
		}
		addr.sin_port = htons(sport);
		if (usrsctp_connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
			perror("usrsctp_connect");
			return 1;
		}
	} else {
		addr.sin_port = htons(sport);
		if (usrsctp_bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
			perror("usrsctp_bind");
			return 1;
		}
		usrsctp_listen(sock, 1);
		lsock = sock;
		printf("usrpeer: listening\n");
		fflush(stdout);
		sock = usrsctp_accept(lsock, NULL, NULL);
		if (sock == NULL) {
			perror("usrsctp_accept");
			return 1;
		}
	}
	printf("usrpeer: established\n");
	fflush(stdout);
	pthread_create(&tid, NULL, reader, NULL);
	run_script(script);
	for (i = 0; i < 200 && !peer_closed; i++)
		msleep(100);
	usrsctp_close(sock);
	if (lsock != NULL)
		usrsctp_close(lsock);
	for (i = 0; i < 30 && usrsctp_finish() != 0; i++)
		msleep(100);
	printf("usrpeer: done\n");
	return 0;
}
