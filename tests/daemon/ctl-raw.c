// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A raw control-socket client for the daemon tests: it sends what a
 * well-behaved client never would and prints what comes back.
 *
 *   ctl-raw SOCK line TEXT          send TEXT + "\n", print the first reply line
 *   ctl-raw SOCK big BYTES          send BYTES of 'a' (no newline), print the reply
 *   ctl-raw SOCK many N             open N connections at once, send ping on each,
 *                                   print "ok=X refused=Y other=Z"
 *   ctl-raw SOCK noread-follow      subscribe to denied and never read (sleeps 2 s)
 *   ctl-raw SOCK hold N SECS UID GID  as UID:GID, open N connections, each sending
 *                                   a request one byte per second, never ending it;
 *                                   after SECS seconds print "admitted=A refused=R
 *                                   too_slow=S open=O other=X" (admitted: not refused
 *                                   at connect; too_slow: closed for slowness since)
 * Exit 0 when a reply line was printed, 1 otherwise.
 */

#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <grp.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>

static int raw_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("ctl-raw: connect");
		exit(1);
	}
	return fd;
}

/* Read one line within 5 s into @buf.  Return: its length, or -1. */
static int raw_line(int fd, char *buf, size_t size)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	ssize_t r;

	while (n + 1 < size) {
		if (poll(&p, 1, 5000) <= 0)
			return -1;
		r = recv(fd, buf + n, 1, 0);
		if (r <= 0)
			return -1;
		if (buf[n] == '\n') {
			buf[n] = '\0';
			return n;
		}
		n++;
	}
	return -1;
}

/* Send as much of @len bytes as the daemon takes; it may close on us. */
static void raw_send(int fd, const char *s, size_t len)
{
	size_t off = 0;
	ssize_t w;

	while (off < len) {
		w = send(fd, s + off, len - off, MSG_NOSIGNAL);
		if (w <= 0)
			return;
		off += w;
	}
}

static int raw_many(const char *path, int n)
{
	int *fds = calloc(n, sizeof(int)), i, ok = 0, refused = 0, other = 0;
	char buf[4096];

	for (i = 0; i < n; i++)
		fds[i] = raw_connect(path);
	for (i = 0; i < n; i++)
		raw_send(fds[i], "{\"cmd\":\"ping\"}\n", 15);
	/*
	 * Every answer is read before any connection closes: the daemon may
	 * still be accepting the last ones, and a served client closed early
	 * would free its slot for one of them (65 served).
	 */
	for (i = 0; i < n; i++) {
		if (raw_line(fds[i], buf, sizeof(buf)) < 0)
			other++;
		else if (strstr(buf, "\"too_many_clients\""))
			refused++;
		else if (strstr(buf, "\"pong\":true"))
			ok++;
		else
			other++;
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
	printf("ok=%d refused=%d other=%d\n", ok, refused, other);
	return 0;
}

/* Try to connect; -1 when refused at connect (the test counts it). */
static int raw_try_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* What came back on @fd so far (non-blocking): 0 nothing yet, 1 a
 * too_many_clients refusal, 2 a too_slow one, 3 closed or anything else. */
static int raw_hold_state(int fd)
{
	char buf[512];
	ssize_t r = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	if (r < 0 && errno == EAGAIN)
		return 0;
	if (r <= 0)
		return 3;
	buf[r] = '\0';
	return strstr(buf, "\"too_many_clients\"") ? 1 : strstr(buf, "\"too_slow\"") ? 2 : 3;
}

static int raw_hold(const char *path, int n, int secs, unsigned int uid, unsigned int gid_arg)
{
	static const char req[] = "{\"cmd\":\"ping\"";	/* never ends */
	int *fds = calloc(n, sizeof(int)), *st = calloc(n, sizeof(int));
	int i, t, count[4] = { 0 };
	gid_t gid = gid_arg;

	if (!fds || !st || setgroups(1, &gid) || setgid(gid) || setuid(uid)) {
		perror("ctl-raw: dropping to the test uid");
		free(fds);
		free(st);
		return 1;
	}
	for (i = 0; i < n; i++)
		fds[i] = raw_try_connect(path);
	for (t = 0; t < secs; t++) {
		for (i = 0; i < n; i++) {
			if (fds[i] < 0 || st[i])
				continue;
			st[i] = raw_hold_state(fds[i]);
			if (!st[i])
				raw_send(fds[i], &req[t % (sizeof(req) - 1)], 1);
		}
		sleep(1);	/* the attack's own pace, not a wait for readiness */
	}
	for (i = 0; i < n; i++) {
		if (fds[i] >= 0 && !st[i])
			st[i] = raw_hold_state(fds[i]);
		count[fds[i] < 0 ? 3 : st[i]]++;
	}
	printf("admitted=%d refused=%d too_slow=%d open=%d other=%d\n", count[0] + count[2],
	       count[1], count[2], count[0], count[3]);
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	free(st);
	return 0;
}

int main(int argc, char **argv)
{
	char buf[65536];
	size_t len;
	char *big;
	int fd;

	if (argc < 3)
		return 2;
	if (!strcmp(argv[2], "many") && argc == 4)
		return raw_many(argv[1], atoi(argv[3]));
	if (!strcmp(argv[2], "hold") && argc == 7)
		return raw_hold(argv[1], atoi(argv[3]), atoi(argv[4]),
				(unsigned int)strtoul(argv[5], NULL, 10),
				(unsigned int)strtoul(argv[6], NULL, 10));
	fd = raw_connect(argv[1]);
	if (!strcmp(argv[2], "line") && argc == 4) {
		raw_send(fd, argv[3], strlen(argv[3]));
		raw_send(fd, "\n", 1);
	} else if (!strcmp(argv[2], "big") && argc == 4) {
		len = strtoul(argv[3], NULL, 10);
		big = malloc(len);
		memset(big, 'a', len);
		raw_send(fd, big, len);
		free(big);
	} else if (!strcmp(argv[2], "noread-follow")) {
		raw_send(fd, "{\"cmd\":\"denied\"}\n", 17);
		sleep(2);
		return 0;
	} else {
		return 2;
	}
	if (raw_line(fd, buf, sizeof(buf)) < 0) {
		fprintf(stderr, "ctl-raw: no reply line\n");
		return 1;
	}
	puts(buf);
	return 0;
}
