// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the listener on a unix socket in a temporary directory:
 * bounded accept batches and the connection cap, the count and the walk,
 * a connection closed from its own event, one closed by the sweep, and
 * lsn_free() with connections open (run under valgrind for the leaks).
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "tap.h"
#include "zonewall/listener.h"
#include "zonewall/loop.h"

#define NCLIENTS 20
#define MAX_CONNS 18

struct tconn {
	struct lsn_conn conn;
	int id;			/* order of acceptance */
	char *note;		/* something to free in the cleanup hook */
	int doomed;		/* the next sweep closes it */
};

struct tstate {
	int accepted, cleaned, ticks, unserved_full, closed_by_sweep;
};

static void t_accepted(void *arg, struct lsn_conn *conn)
{
	struct tconn *c = (struct tconn *)conn;
	struct tstate *st = arg;

	c->id = st->accepted++;
	c->note = strdup("held until cleanup");
}

/* "q": close from the event; "d": doom for the sweep; else echo. */
static void t_event(void *arg, struct lsn_conn *conn, uint32_t events)
{
	struct tconn *c = (struct tconn *)conn;
	char buf[64];
	ssize_t r;

	r = recv(conn->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (r < 0 && errno == EAGAIN)
		return;
	if (r <= 0 || buf[0] == 'q') {
		lsn_conn_close(conn);
		return;
	}
	if (buf[0] == 'd')
		c->doomed = 1;
	else if (send(conn->fd, buf, r, MSG_NOSIGNAL) != r)
		lsn_conn_close(conn);
}

static void t_tick(void *arg, uint64_t now_ms)
{
	struct tstate *st = arg;

	st->ticks++;
}

static void t_sweep(void *arg, struct lsn_conn *conn, uint64_t now_ms)
{
	struct tconn *c = (struct tconn *)conn;
	struct tstate *st = arg;

	if (c->doomed) {
		st->closed_by_sweep++;
		lsn_conn_close(conn);
	}
}

static void t_cleanup(void *arg, struct lsn_conn *conn)
{
	struct tconn *c = (struct tconn *)conn;
	struct tstate *st = arg;

	free(c->note);
	st->cleaned++;
}

static void t_unserved(void *arg, int err)
{
	struct tstate *st = arg;

	if (err == -EUSERS)
		st->unserved_full++;
}

static int unix_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether the server closed @fd: EOF within @rounds loop turns. */
static int peer_closed(struct loop *l, int fd, int rounds)
{
	char b;
	ssize_t r;

	while (rounds-- > 0) {
		r = recv(fd, &b, 1, MSG_DONTWAIT);
		if (r == 0)
			return 1;
		if (r < 0 && errno != EAGAIN)
			return 1;
		loop_run_once(l, 10);
	}
	return 0;
}

static struct tconn *find(struct lsn *ls, int id)
{
	struct lsn_conn *conn;

	for (conn = lsn_first(ls); conn; conn = lsn_next(conn))
		if (((struct tconn *)conn)->id == id)
			return (struct tconn *)conn;
	return NULL;
}

static void test_walk(struct lsn *ls)
{
	struct lsn_conn *conn;
	size_t n = 0;
	int last = MAX_CONNS, ordered = 1;

	for (conn = lsn_first(ls); conn; conn = lsn_next(conn)) {
		ordered &= ((struct tconn *)conn)->id < last;
		last = ((struct tconn *)conn)->id;
		n++;
	}
	tap_ok(n == lsn_count(ls) && ordered, "the walk sees all %zu, newest first", n);
}

static void test_echo_and_close(struct loop *l, struct lsn *ls, struct tstate *st, int *fds)
{
	char buf[8] = "";
	int i;

	/* The server accepted in connection order: client i is connection i. */
	send(fds[0], "ping", 4, 0);
	for (i = 0; i < 20 && recv(fds[0], buf, sizeof(buf) - 1, MSG_DONTWAIT) <= 0; i++)
		loop_run_once(l, 10);
	tap_is_str(buf, "ping", "a connection's event reaches the server's hook");

	send(fds[1], "q", 1, 0);
	tap_ok(peer_closed(l, fds[1], 20), "a connection closed from its own event");
	tap_ok(lsn_count(ls) == MAX_CONNS - 1 && !find(ls, 1) && st->cleaned == 1,
	       "it left the list and the count (%zu), its cleanup ran", lsn_count(ls));
}

static void test_sweep(struct loop *l, struct lsn *ls, struct tstate *st, int *fds)
{
	int i;

	send(fds[2], "d", 1, 0);
	for (i = 0; i < 300 && !st->closed_by_sweep; i++)
		loop_run_once(l, 10);
	tap_ok(st->closed_by_sweep == 1 && st->ticks > 0, "the sweep closes the doomed one");
	tap_ok(peer_closed(l, fds[2], 20) && lsn_count(ls) == MAX_CONNS - 2 && !find(ls, 2) &&
	       find(ls, 3), "only that one (%zu open)", lsn_count(ls));
	test_walk(ls);
}

static void test_listener(void)
{
	char dir[] = "/tmp/zw-test-listener.XXXXXX", path[128];
	struct tstate st = { 0 };
	struct lsn_ops ops = {
		.conn_size = sizeof(struct tconn),
		.max_conns = MAX_CONNS,
		.sweep_ms = 20,
		.arg = &st,
		.accepted = t_accepted,
		.event = t_event,
		.tick = t_tick,
		.sweep = t_sweep,
		.cleanup = t_cleanup,
		.unserved = t_unserved,
	};
	int fds[NCLIENTS], i, all = 1, open;
	struct loop *l;
	struct lsn *ls;

	if (!mkdtemp(dir)) {
		tap_ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/l.sock", dir);
	l = loop_new();
	i = unix_listen(path);
	ls = l && i >= 0 ? lsn_new(l, i, &ops) : NULL;
	tap_ok(ls != NULL, "listener on %s", path);
	if (!ls)
		goto out_rmdir;

	for (i = 0; i < NCLIENTS; i++) {
		fds[i] = unix_connect(path);
		all &= fds[i] >= 0;
	}
	tap_ok(all, "%d clients connect", NCLIENTS);
	loop_run_once(l, 100);
	tap_ok(lsn_count(ls) == 16, "one wakeup accepts a bounded batch (%zu)", lsn_count(ls));
	for (i = 0; i < 20 && st.accepted + st.unserved_full < NCLIENTS; i++)
		loop_run_once(l, 10);
	tap_ok(lsn_count(ls) == MAX_CONNS && st.accepted == MAX_CONNS &&
	       st.unserved_full == NCLIENTS - MAX_CONNS,
	       "%zu served, %d past the cap closed unanswered", lsn_count(ls), st.unserved_full);
	tap_ok(peer_closed(l, fds[NCLIENTS - 1], 20), "a client past the cap sees the close");
	test_walk(ls);

	test_echo_and_close(l, ls, &st, fds);
	test_sweep(l, ls, &st, fds);

	open = (int)lsn_count(ls);
	lsn_free(ls);
	tap_ok(st.cleaned == 2 + open, "lsn_free closes the %d open through their cleanup", open);
	tap_ok(peer_closed(l, fds[3], 1), "and their clients see it");
	for (i = 0; i < NCLIENTS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	unlink(path);
out_rmdir:
	loop_free(l);
	rmdir(dir);
}

int main(void)
{
	test_listener();
	return tap_done();
}
