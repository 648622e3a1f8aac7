/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_LISTENER_H
#define ZONEWALL_LISTENER_H

/*
 * The lifecycle of an accepting server on the loop, written once for the
 * control socket and the metrics listener: the listening fd, accepting in
 * bounded batches, the list of connections and its count, a periodic
 * sweep, closing one connection and freeing them all.  The server keeps
 * its protocol (parsing, replies, admission, deadlines) in the hooks.
 *
 * A server's connection struct starts with a struct lsn_conn:
 *
 *	struct my_conn {
 *		struct lsn_conn conn;	(first member)
 *		...
 *	};
 *
 * and lsn_ops.conn_size is sizeof(struct my_conn): the listener allocates
 * it zeroed, so a hook casts the struct lsn_conn * it gets to its own type.
 */

#include <stddef.h>
#include <stdint.h>

struct loop;
struct loop_source;
struct lsn;

struct lsn_conn {
	struct lsn *lsn;		/* the listener that accepted it */
	int fd;				/* nonblocking, cloexec; the listener closes it */
	struct loop_source *src;	/* its source on the loop (for loop_fd_events()) */
	struct lsn_conn *prev, *next;	/* private: walk with lsn_first/lsn_next */
};

struct lsn_ops {
	size_t conn_size;	/* the server's connection struct, >= sizeof(struct lsn_conn) */
	size_t max_conns;	/* open connections at most; past it one is closed unanswered */
	uint64_t sweep_ms;	/* interval of the sweep; 0: none */
	void *arg;		/* handed to every hook */
	/* A connection is on the list and on the loop (waiting for EPOLLIN);
	 * may close it.  May be NULL. */
	void (*accepted)(void *arg, struct lsn_conn *c);
	/* @c's fd is ready for @events; may close it. */
	void (*event)(void *arg, struct lsn_conn *c, uint32_t events);
	/* Every sweep_ms, before the connections; may be NULL. */
	void (*tick)(void *arg, uint64_t now_ms);
	/* Every sweep_ms, once per connection; may close @c (only @c).  May be NULL. */
	void (*sweep)(void *arg, struct lsn_conn *c, uint64_t now_ms);
	/* @c is being closed: release what the server hung on it (its fd is
	 * closed and its memory freed by the listener).  May be NULL. */
	void (*cleanup)(void *arg, struct lsn_conn *c);
	/* A connection accepted and closed unanswered: -EUSERS (max_conns
	 * are open) or -ENOMEM.  May be NULL. */
	void (*unserved)(void *arg, int err);
	/* accept4() failed: @err is its -errno (never EAGAIN or EINTR); the
	 * listener tries again at the next wakeup.  May be NULL. */
	void (*accept_failed)(void *arg, int err);
};

/**
 * lsn_new() - accept connections on the listening socket @fd (nonblocking,
 * already listen()ing) from the loop @l.  Takes ownership of @fd: it is
 * closed by lsn_free(), or here on failure.  @ops is copied.
 * Return: the listener, or NULL with errno set.
 */
struct lsn *lsn_new(struct loop *l, int fd, const struct lsn_ops *ops);

/**
 * lsn_free() - close every connection (each through the cleanup hook), stop
 * watching and close the listening fd.  Accepts NULL.
 */
void lsn_free(struct lsn *l);

/**
 * lsn_conn_close() - remove @c from the loop and the list, close its fd,
 * call the cleanup hook and free it.  Safe inside the accepted, event and
 * sweep hooks, @c's own included (never inside cleanup).
 */
void lsn_conn_close(struct lsn_conn *c);

/** lsn_count() - connections open now. */
size_t lsn_count(const struct lsn *l);

/**
 * lsn_first() - the newest connection, or NULL; lsn_next() follows the
 * list to older ones.  To close @c while walking, take lsn_next(@c) first.
 */
struct lsn_conn *lsn_first(const struct lsn *l);

/** lsn_next() - the connection after @c, or NULL. */
struct lsn_conn *lsn_next(const struct lsn_conn *c);

#endif
