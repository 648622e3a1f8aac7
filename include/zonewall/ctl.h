/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_CTL_H
#define ZONEWALL_CTL_H

/*
 * The control socket: a unix SOCK_STREAM socket speaking one JSON object
 * per line each way (protocol in README.md, "zonewalld details").
 *
 *   src/daemon/ctl-proto.c  request parsing against a command table (pure), and
 *                    the client side used by `zonewall reload` & co.
 *   src/daemon/ctl.c        the server (on listener.c): SO_PEERCRED, admission, bounded buffers,
 *                    dispatch, subscriptions, all nonblocking on the loop.
 *   src/daemon/ctl-audit.c  the audit log: one fsync'ed JSON line per change.
 *
 * The daemon owns the commands: it hands ctl a table naming each command,
 * its arguments with their types, whether it changes state (audited) and
 * the handler.  New commands (apply, ...) are table rows, not ctl changes.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#define CTL_LINE_MAX 65536		/* longest request line, without '\n' */
#define CTL_CLIENTS_MAX 64		/* connections served at once */
#define CTL_OUT_MAX (256 * 1024)	/* bytes queued for a client before a
					   subscriber is dropped / reading stops */
#define CTL_IDLE_MS 60000		/* idle non-subscribed clients are closed;
					   only a whole request counts as activity */
#define CTL_REQUEST_MS 10000		/* a request begun must end within this */
#define CTL_ROOT_RESERVE 8		/* of CTL_CLIENTS_MAX, held for root only */
#define CTL_CLIENTS_PER_UID 16		/* connections of one other user at once */
#define CTL_ARGS_MAX 4

enum ctl_arg_type {
	CTL_ARG_BOOL,
	CTL_ARG_INT,
	CTL_ARG_STRING,
};

struct ctl_arg {
	const char *name;	/* NULL ends the list */
	enum ctl_arg_type type;
	bool required;
	long long min, max;	/* CTL_ARG_INT: inclusive range */
};

enum {
	CTL_CMD_AUDIT = 1 << 0,	/* state-changing: every call is audited */
};

/* Who is on the other end of a connection (SO_PEERCRED at accept). */
struct ctl_peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	char user[64];		/* the uid's name, or its number */
};

struct ctl_command;
struct ctl_later;

/* One call of a command, handed to its handler. */
struct ctl_call {
	const struct ctl_command *cmd;
	json_t *req;			/* the request object (borrowed) */
	const struct ctl_peer *peer;
	json_t *reply;			/* the handler adds its results here */
	const char *subscribe;		/* set to a topic to stream it after the reply */
	char error[256];		/* set by ctl_call_fail() */
	char detail[256];		/* optional, copied into the audit line */
	struct ctl_later *later;	/* set by ctl_call_defer() */
};

/* A handler's return when the answer comes later (ctl_call_defer()). */
#define CTL_DEFERRED 1

struct ctl_command {
	const char *name;		/* NULL ends a table */
	unsigned int flags;
	struct ctl_arg args[CTL_ARGS_MAX];
	/* Return 0, -errno after ctl_call_fail() saying why, or CTL_DEFERRED. */
	int (*handle)(struct ctl_call *call, void *arg);
};

/**
 * ctl_call_fail() - record why @call failed (sent as "error").
 * Return: @err, so handlers can `return ctl_call_fail(call, -EINVAL, "...")`.
 */
int ctl_call_fail(struct ctl_call *call, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * ctl_call_defer() - answer @call later: for a command whose work runs off
 * the loop (a reload compiling on a worker thread).  The handler returns
 * CTL_DEFERRED; the client's further requests wait (in its socket) until
 * ctl_later_done().  The call's request, peer and reply are kept in the
 * token; the handler's caller owns the token until ctl_later_done().
 * Return: the token, or NULL (ENOMEM: the handler fails the call instead).
 */
struct ctl_later *ctl_call_defer(struct ctl_call *call);

/**
 * ctl_later_call() - the kept call of @l, to fill its reply, detail or
 * ctl_call_fail() before ctl_later_done().  Its peer stays valid.
 */
struct ctl_call *ctl_later_call(struct ctl_later *l);

/**
 * ctl_later_done() - the deferred call ended with @err (0 or -errno, as a
 * handler's return): audit it, count it, send the reply when the client is
 * still connected (a client gone meanwhile loses only the answer), and free
 * @l.  Every token is done before ctl_free().  Accepts NULL.
 */
void ctl_later_done(struct ctl_later *l, int err);

/* --- requests (pure) ------------------------------------------------------- */

/* Why a request was refused; also the "code" of the error reply. */
enum ctl_refusal {
	CTL_OK,
	CTL_BAD_JSON,		/* not JSON, or not one object */
	CTL_BAD_REQUEST,	/* no "cmd", wrong type, unknown or missing argument */
	CTL_UNKNOWN_COMMAND,
	CTL_TOO_LARGE,		/* line longer than CTL_LINE_MAX */
	CTL_TOO_MANY_CLIENTS,
	CTL_SLOW_SUBSCRIBER,
	CTL_FAILED,		/* the command ran and failed */
	CTL_TOO_SLOW,		/* a request not completed within CTL_REQUEST_MS */
};

/** ctl_refusal_name() - "bad_json", "bad_request", ... (the "code" member). */
const char *ctl_refusal_name(enum ctl_refusal r);

/**
 * ctl_request_parse() - parse one request line (@len bytes, no newline) and
 * check it against @table: an object with a string "cmd" naming a command,
 * and only that command's arguments with their types and ranges.  An empty
 * (or blank) line is CTL_BAD_REQUEST: every line gets an answer.
 * On success *@cmd is the table row and *@req the parsed object (the caller
 * json_decref()s it).  On refusal @d gets what was wrong: one problem,
 * worded for the reply's "error" (diags_summary()).
 * Return: CTL_OK or the refusal.
 */
struct diags;

enum ctl_refusal ctl_request_parse(const struct ctl_command *table, const char *line,
				   size_t len, const struct ctl_command **cmd, json_t **req,
				   struct diags *d);

/**
 * ctl_error_reply() - the error reply object {"ok":false,"code":..,"error":..}.
 * Return: a new reference, or NULL (ENOMEM).
 */
json_t *ctl_error_reply(enum ctl_refusal r, const char *why);

/* --- server ------------------------------------------------------------------ */

struct loop;
struct ctl;
struct ctl_audit;

struct ctl_ops {
	const struct ctl_command *commands;	/* table, NULL name last (borrowed) */
	void *arg;				/* for handlers and callbacks */
	/* One event worth a log line (syslog priority); may be NULL. */
	void (*log)(void *arg, int prio, const char *msg);
	/* Counting hooks for metrics; may be NULL. */
	void (*refused)(void *arg, enum ctl_refusal r);
	void (*called)(void *arg, const char *cmd, bool ok);
};

/**
 * ctl_new() - listen on the unix socket @path and serve @ops->commands on @l.
 * A stale socket file is replaced; a live one (a daemon answers) is -EADDRINUSE.
 * Mode 0660 with group @group when that group exists, else 0600 and
 * *@group_found false.  State-changing calls go to @audit (borrowed, may be
 * NULL only in tests).  @ops is copied.
 * Return: the server, or NULL with errno set.
 */
struct ctl *ctl_new(struct loop *l, const char *path, const char *group, bool *group_found,
		    struct ctl_audit *audit, const struct ctl_ops *ops);

/** ctl_free() - close every client and the listener, unlink the socket.  Accepts NULL. */
void ctl_free(struct ctl *c);

/**
 * ctl_publish() - send @event (borrowed) as one line to every subscriber of
 * @topic.  A subscriber with more than CTL_OUT_MAX bytes queued is told
 * {"event":"dropped",...} and disconnected: a slow reader never blocks the
 * loop or grows memory.
 * Return: subscribers reached.
 */
size_t ctl_publish(struct ctl *c, const char *topic, const json_t *event);

/** ctl_clients() - connections open now. */
size_t ctl_clients(const struct ctl *c);

/** ctl_subscribers() - connections subscribed to @topic now. */
size_t ctl_subscribers(const struct ctl *c, const char *topic);

/* --- audit log ------------------------------------------------------------------ */

/**
 * ctl_audit_open() - open (create 0640, append) the audit log at @path.
 * Return: the log, or NULL with errno set.
 */
struct ctl_audit *ctl_audit_open(const char *path);

/** ctl_audit_close() - close the log.  Accepts NULL. */
void ctl_audit_close(struct ctl_audit *a);

/**
 * ctl_audit_line() - the audit record as one JSON object: time (RFC 3339
 * UTC, milliseconds, from @now_ms since the epoch), uid, pid, user, via
 * ("socket" or "signal"), command, request (the request object, when
 * given), outcome ("ok" or "failed"), error, detail (when non-empty).  Pure.
 * Return: a new reference, or NULL (ENOMEM).
 */
json_t *ctl_audit_line(uint64_t now_ms, const struct ctl_peer *peer, const char *via,
		       const char *command, const json_t *request, const char *error,
		       const char *detail);

/**
 * ctl_audit_write() - append ctl_audit_line() with the current time as one
 * line and fsync it before returning: when the caller tells the requester
 * "done", the record is on disk.
 * Return: 0 or -errno (the change happened but is not recorded: the caller
 * says so to the requester and the log).
 */
int ctl_audit_write(struct ctl_audit *a, const struct ctl_peer *peer, const char *via,
		    const char *command, const json_t *request, const char *error,
		    const char *detail);

/** ctl_peer_fill() - fill @p for @uid/@gid/@pid, resolving the user name. */
void ctl_peer_fill(struct ctl_peer *p, uid_t uid, gid_t gid, pid_t pid);

/* --- client ------------------------------------------------------------------------ */

struct ctl_conn;

/**
 * ctl_conn_open() - connect to the daemon's socket at @path.
 * Return: the connection (close with ctl_conn_close()) or NULL with errno set.
 */
struct ctl_conn *ctl_conn_open(const char *path);

/** ctl_conn_close() - close @k.  Accepts NULL. */
void ctl_conn_close(struct ctl_conn *k);

/**
 * ctl_conn_send() - send @req (borrowed) as one line.
 * Return: 0 or -errno.
 */
int ctl_conn_send(struct ctl_conn *k, const json_t *req);

/**
 * ctl_conn_recv() - the next line from the daemon, parsed, waiting at most
 * @timeout_ms (-1: forever).
 * Return: 0 with *@msg a new reference; -ETIMEDOUT; -ECONNRESET when the
 * daemon closed; -EBADMSG for a line that is not a JSON object; -errno.
 */
int ctl_conn_recv(struct ctl_conn *k, json_t **msg, int timeout_ms);

#endif
