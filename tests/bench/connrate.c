// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Connection-rate and small-packet load for tests/bench/enforce (not a test).
 *
 *   connrate server tcp|udp PORT     serve until SIGTERM, then print its CPU
 *   connrate client tcp ADDR PORT SECS   connect, send a request, read the
 *                                     response, close (RST: no TIME_WAIT to
 *                                     exhaust ports or conntrack), repeat
 *   connrate client udp ADDR PORT SECS   64-byte ping-pong on one flow
 *
 * Every process prints one line: "ops N secs S cpu_us C" (client) or
 * "cpu_us C" (server), C being its user + system time.
 */

#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static long cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L + ru.ru_utime.tv_usec +
	       ru.ru_stime.tv_usec;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int serve_tcp(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
	char buf[64];

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 128) < 0)
		return perror("bind/listen"), 1;
	while (!stop) {
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		if (read(c, buf, sizeof(buf)) > 0 && write(c, buf, sizeof(buf)) == sizeof(buf))
			while (read(c, buf, sizeof(buf)) > 0)
				;
		close(c);
	}
	return 0;
}

static int serve_udp(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) }, from;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	char buf[64];

	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return perror("bind"), 1;
	while (!stop) {
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);

		if (n > 0)
			sendto(s, buf, n, 0, (struct sockaddr *)&from, fl);
	}
	return 0;
}

static int tcp_once(const struct sockaddr_in *dst)
{
	struct linger lg = { 1, 0 };
	char buf[64] = "GET";
	int ok = 0, s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0)
		return 0;
	if (connect(s, (const struct sockaddr *)dst, sizeof(*dst)) == 0 &&
	    write(s, buf, sizeof(buf)) == sizeof(buf) && read(s, buf, sizeof(buf)) > 0)
		ok = 1;
	setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s);
	return ok;
}

static int client(const char *proto, const char *addr, int port, double secs)
{
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { 1, 0 };
	long ops = 0, fail = 0, c0 = cpu_us();
	double t0 = now(), t;
	char buf[64] = { 0 };
	int s = -1;

	inet_pton(AF_INET, addr, &dst.sin_addr);
	if (!strcmp(proto, "udp")) {
		s = socket(AF_INET, SOCK_DGRAM, 0);
		setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (connect(s, (struct sockaddr *)&dst, sizeof(dst)) < 0)
			return perror("connect"), 1;
	}
	do {
		if (s < 0) {
			if (tcp_once(&dst))
				ops++;
			else
				fail++;
		} else if (send(s, buf, sizeof(buf), 0) == sizeof(buf) && recv(s, buf, sizeof(buf), 0) > 0) {
			ops++;
		} else {
			fail++;
		}
		t = now() - t0;
	} while (t < secs && fail < 100);
	printf("ops %ld secs %.6f cpu_us %ld fail %ld\n", ops, t, cpu_us() - c0, fail);
	return fail >= 100;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_term };
	int rc;

	if (argc == 4 && !strcmp(argv[1], "server")) {
		sigaction(SIGTERM, &sa, NULL);	/* no SA_RESTART: accept/recv return */
		rc = !strcmp(argv[2], "tcp") ? serve_tcp(atoi(argv[3])) : serve_udp(atoi(argv[3]));
		printf("cpu_us %ld\n", cpu_us());
		return rc;
	}
	if (argc == 6 && !strcmp(argv[1], "client"))
		return client(argv[2], argv[3], atoi(argv[4]), atof(argv[5]));
	fprintf(stderr, "usage: connrate server tcp|udp PORT | client tcp|udp ADDR PORT SECS\n");
	return 2;
}
