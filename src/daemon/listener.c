// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An accepting server's lifecycle on the loop (see listener.h): the
 * protocol lives in the server's hooks, the bookkeeping here.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "zonewall/listener.h"
#include "zonewall/loop.h"

#define LSN_ACCEPT_BATCH 16	/* connections accepted per wakeup */

struct lsn {
	struct loop *loop;
	int fd;
	struct loop_source *src, *sweep;
	struct lsn_ops ops;
	struct lsn_conn *conns;
	size_t nconns;
};

static void lsn_unserved(struct lsn *l, int err)
{
	if (l->ops.unserved)
		l->ops.unserved(l->ops.arg, err);
}

void lsn_conn_close(struct lsn_conn *c)
{
	struct lsn *l = c->lsn;

	if (c->prev)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	l->nconns--;
	loop_source_del(c->src);
	close(c->fd);
	if (l->ops.cleanup)
		l->ops.cleanup(l->ops.arg, c);
	free(c);
}

static void lsn_conn_cb(struct loop *loop, int fd, uint32_t events, void *arg)
{
	struct lsn_conn *c = arg;

	c->lsn->ops.event(c->lsn->ops.arg, c, events);
}

static void lsn_accept_one(struct lsn *l, int fd)
{
	struct lsn_conn *c = calloc(1, l->ops.conn_size);

	if (!c) {
		close(fd);
		lsn_unserved(l, -ENOMEM);
		return;
	}
	c->lsn = l;
	c->fd = fd;
	c->src = loop_fd_add(l->loop, fd, EPOLLIN, lsn_conn_cb, c);
	if (!c->src) {
		close(fd);
		free(c);
		return;
	}
	c->next = l->conns;
	if (l->conns)
		l->conns->prev = c;
	l->conns = c;
	l->nconns++;
	if (l->ops.accepted)
		l->ops.accepted(l->ops.arg, c);
}

static void lsn_accept(struct loop *loop, int lfd, uint32_t events, void *arg)
{
	struct lsn *l = arg;
	int fd, i;

	/* A bounded batch per wakeup so a connect storm cannot starve the rest. */
	for (i = 0; i < LSN_ACCEPT_BATCH; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && l->ops.accept_failed)
				l->ops.accept_failed(l->ops.arg, -errno);
			return;
		}
		/* fds are finite: past the limit, not even an answer */
		if (l->nconns >= l->ops.max_conns) {
			close(fd);
			lsn_unserved(l, -EUSERS);
			continue;
		}
		lsn_accept_one(l, fd);
	}
}

static void lsn_sweep(struct loop *loop, void *arg)
{
	struct lsn *l = arg;
	struct lsn_conn *c, *next;
	uint64_t now = loop_now_ms();

	if (l->ops.tick)
		l->ops.tick(l->ops.arg, now);
	if (!l->ops.sweep)
		return;
	for (c = l->conns; c; c = next) {
		next = c->next;
		l->ops.sweep(l->ops.arg, c, now);
	}
}

struct lsn *lsn_new(struct loop *loop, int fd, const struct lsn_ops *ops)
{
	struct lsn *l = calloc(1, sizeof(*l));
	int err;

	if (!l) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	l->loop = loop;
	l->fd = fd;
	l->ops = *ops;
	l->src = loop_fd_add(loop, fd, EPOLLIN, lsn_accept, l);
	if (l->src && ops->sweep_ms)
		l->sweep = loop_timer_add(loop, ops->sweep_ms, ops->sweep_ms, lsn_sweep, l);
	if (!l->src || (ops->sweep_ms && !l->sweep)) {
		err = errno;
		lsn_free(l);
		errno = err;
		return NULL;
	}
	return l;
}

void lsn_free(struct lsn *l)
{
	if (!l)
		return;
	while (l->conns)
		lsn_conn_close(l->conns);
	loop_source_del(l->src);
	loop_source_del(l->sweep);
	close(l->fd);
	free(l);
}

size_t lsn_count(const struct lsn *l)
{
	return l->nconns;
}

struct lsn_conn *lsn_first(const struct lsn *l)
{
	return l->conns;
}

struct lsn_conn *lsn_next(const struct lsn_conn *c)
{
	return c->next;
}
