// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control socket server.  Every connection is nonblocking with a
 * bounded input buffer (one line of CTL_LINE_MAX) and an output queue: a
 * client that sends faster than it reads stops being read once
 * CTL_OUT_MAX bytes wait for it; a subscriber that falls that far behind
 * is told and dropped.  Nothing a client does can block the loop.
 */

#include "config.h"

#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "zonewall/ctl.h"
#include "zonewall/diag.h"
#include "zonewall/listener.h"
#include "zonewall/loop.h"

#define CTL_CLOSE_GRACE_MS 5000	/* a closing client gets this long to read */

struct ctl_client {
	struct lsn_conn conn;		/* first: the listener allocates the client */
	struct ctl *ctl;
	struct ctl_peer peer;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off, out_cap;
	const char *topic;		/* subscribed topic (a command's static string) */
	bool closing;			/* flush what is queued, then close */
	uint64_t last_ms;		/* accepted, or its last whole request */
	uint64_t partial_ms;		/* when the unfinished request began, 0: none */
	struct ctl_later *later;	/* a deferred call's answer is owed: requests wait */
};

/* A call answered after its handler returned (ctl_call_defer()). */
struct ctl_later {
	struct ctl *ctl;
	struct ctl_client *client;	/* NULL once the client is gone */
	struct ctl_call call;
	struct ctl_peer peer;		/* call.peer points here */
};

struct ctl {
	struct lsn *lsn;
	char path[108];
	struct ctl_audit *audit;
	struct ctl_ops ops;
	/* refusals are logged at most CTL_LOG_BURST per CTL_LOG_WINDOW_MS; the
	 * rest are counted (metrics) and summed up in the next logged line */
	uint64_t log_window_ms;
	unsigned int log_burst, log_quiet;
};

#define CTL_LOG_WINDOW_MS 10000
#define CTL_LOG_BURST 10

static void ctl_log(struct ctl *c, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void ctl_log(struct ctl *c, int prio, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!c->ops.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->ops.log(c->ops.arg, prio, msg);
}

static void ctl_refused(struct ctl *c, enum ctl_refusal r)
{
	if (c->ops.refused)
		c->ops.refused(c->ops.arg, r);
}

static struct ctl_client *ctl_client_of(struct lsn_conn *conn)
{
	return (struct ctl_client *)conn;
}

static void ctl_client_close(struct ctl_client *k)
{
	lsn_conn_close(&k->conn);
}

static void ctl_client_cleanup(void *arg, struct lsn_conn *conn)
{
	struct ctl_client *k = ctl_client_of(conn);

	if (k->later)
		k->later->client = NULL;	/* its answer goes nowhere */
	free(k->in);
	free(k->out);
}

static size_t ctl_pending(const struct ctl_client *k)
{
	return k->out_len - k->out_off;
}

/* Queue @len bytes; the queue itself may pass CTL_OUT_MAX for replies. */
static int ctl_queue(struct ctl_client *k, const char *s, size_t len)
{
	size_t need;
	char *n;

	if (k->out_off && k->out_off == k->out_len)
		k->out_off = k->out_len = 0;
	need = k->out_len + len;
	if (need > k->out_cap) {
		if (k->out_off) {
			memmove(k->out, k->out + k->out_off, k->out_len - k->out_off);
			k->out_len -= k->out_off;
			k->out_off = 0;
			need = k->out_len + len;
		}
		if (need > k->out_cap) {
			n = realloc(k->out, need + 4096);
			if (!n)
				return -ENOMEM;
			k->out = n;
			k->out_cap = need + 4096;
		}
	}
	memcpy(k->out + k->out_len, s, len);
	k->out_len += len;
	return 0;
}

static int ctl_queue_json(struct ctl_client *k, const json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	size_t len;
	int err;

	if (!s)
		return -ENOMEM;
	len = strlen(s);
	s[len++] = '\n';
	err = ctl_queue(k, s, len);
	free(s);
	return err;
}

static uint32_t ctl_events(const struct ctl_client *k)
{
	uint32_t ev = 0;

	/* Backpressure: stop reading a client whose answers pile up, or
	 * that waits for a deferred answer (its requests are answered in order). */
	if (!k->closing && !k->later && ctl_pending(k) < CTL_OUT_MAX)
		ev |= EPOLLIN;
	if (ctl_pending(k))
		ev |= EPOLLOUT;
	return ev;
}

/* Write what the socket takes.  Return: false when @k was closed. */
static bool ctl_flush(struct ctl_client *k)
{
	ssize_t w;

	while (ctl_pending(k)) {
		w = send(k->conn.fd, k->out + k->out_off, ctl_pending(k),
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			ctl_client_close(k);
			return false;
		}
		k->out_off += w;
	}
	if (k->closing && !ctl_pending(k) && !k->later) {
		ctl_client_close(k);
		return false;
	}
	loop_fd_events(k->conn.src, ctl_events(k));
	return true;
}

/* Whether a refusal may be logged now: a flood of them (a client that
 * connects in a loop) must not flood the journal. */
static bool ctl_log_allowed(struct ctl *c)
{
	uint64_t now = loop_now_ms();

	if (now - c->log_window_ms >= CTL_LOG_WINDOW_MS) {
		c->log_window_ms = now;
		c->log_burst = 0;
	}
	if (c->log_burst < CTL_LOG_BURST) {
		c->log_burst++;
		return true;
	}
	c->log_quiet++;
	return false;
}

static void ctl_refuse(struct ctl_client *k, enum ctl_refusal r, const char *why, bool close_after)
{
	json_t *o = ctl_error_reply(r, why);
	struct ctl *c = k->ctl;

	ctl_queue_json(k, o);
	json_decref(o);
	ctl_refused(c, r);
	if (ctl_log_allowed(c)) {
		ctl_log(c, LOG_NOTICE, "control: refused request from uid %u pid %d: %s (%s)",
			(unsigned int)k->peer.uid, (int)k->peer.pid, why, ctl_refusal_name(r));
	}
	if (close_after)
		k->closing = true;
}

static void ctl_audit_call(struct ctl *c, struct ctl_call *call)
{
	const struct ctl_peer *p = call->peer;
	int err;

	err = ctl_audit_write(c->audit, p, "socket", call->cmd->name, call->req,
			      call->error, call->detail);
	if (!err)
		return;
	json_object_set_new(call->reply, "audit", json_string("failed"));
	ctl_log(c, LOG_ERR, "audit log: cannot record %s by uid %u pid %d: %s",
		call->cmd->name, (unsigned int)p->uid, (int)p->pid, strerror(-err));
}

/* A call's end: audit, count, the reply queued to @k (NULL: the client is gone). */
static void ctl_finish(struct ctl *c, struct ctl_client *k, struct ctl_call *call, int err)
{
	json_t *reply = call->reply;

	if (err && !call->error[0])
		snprintf(call->error, sizeof(call->error), "%s", strerror(-err));
	if (call->cmd->flags & CTL_CMD_AUDIT)
		ctl_audit_call(c, call);
	if (err) {
		json_object_set_new(reply, "ok", json_false());
		json_object_set_new(reply, "code", json_string(ctl_refusal_name(CTL_FAILED)));
		json_object_set_new(reply, "error", json_string(call->error));
	} else {
		json_object_set_new(reply, "ok", json_true());
		if (call->subscribe && k)
			k->topic = call->subscribe;
	}
	if (c->ops.called)
		c->ops.called(c->ops.arg, call->cmd->name, !err);
	if (k && ctl_queue_json(k, reply))
		k->closing = true;	/* cannot answer: no memory; drop the client */
}

static size_t ctl_lines(struct ctl_client *k);
static void ctl_progress(struct ctl_client *k, size_t lines);

static void ctl_later_free(struct ctl_later *l)
{
	if (l->client)
		l->client->later = NULL;
	json_decref(l->call.req);
	json_decref(l->call.reply);
	free(l);
}

struct ctl_later *ctl_call_defer(struct ctl_call *call)
{
	struct ctl_later *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->call = *call;
	l->peer = *call->peer;
	l->call.peer = &l->peer;
	json_incref(l->call.req);
	json_incref(l->call.reply);
	call->later = l;
	return l;
}

struct ctl_call *ctl_later_call(struct ctl_later *l)
{
	return &l->call;
}

void ctl_later_done(struct ctl_later *l, int err)
{
	struct ctl_client *k;

	if (!l)
		return;
	k = l->client;
	ctl_finish(l->ctl, k, &l->call, err);
	ctl_later_free(l);
	if (!k)
		return;
	/* the requests it sent meanwhile are answered now, in order */
	k->last_ms = loop_now_ms();
	ctl_progress(k, ctl_lines(k));
	ctl_flush(k);
}

static void ctl_run(struct ctl_client *k, const struct ctl_command *cmd, json_t *req)
{
	struct ctl *c = k->ctl;
	struct ctl_call call;
	int err;

	memset(&call, 0, sizeof(call));
	call.cmd = cmd;
	call.req = req;
	call.peer = &k->peer;
	call.reply = json_object();
	if (!call.reply) {
		ctl_refuse(k, CTL_FAILED, "out of memory", false);
		return;
	}
	err = cmd->handle(&call, c->ops.arg);
	if (err == CTL_DEFERRED && call.later) {
		call.later->ctl = c;
		call.later->client = k;
		k->later = call.later;
	} else {
		if (call.later)	/* deferred, then answered at once after all */
			ctl_later_free(call.later);
		if (err == CTL_DEFERRED)
			err = ctl_call_fail(&call, -EPROTO, "internal: a call deferred without a token");
		ctl_finish(c, k, &call, err);
	}
	json_decref(call.reply);
}

static void ctl_line(struct ctl_client *k, char *line, size_t len)
{
	const struct ctl_command *cmd;
	enum ctl_refusal r;
	struct diags d;
	char why[256];
	json_t *req;

	if (len && line[len - 1] == '\r')
		len--;
	diags_init(&d);
	r = ctl_request_parse(k->ctl->ops.commands, line, len, &cmd, &req, &d);
	if (r != CTL_OK) {
		diags_summary(&d, why, sizeof(why));
		ctl_refuse(k, r, why, false);
		return;
	}
	ctl_run(k, cmd, req);
	json_decref(req);
}

/* Handle every complete line in the input buffer.  Return: how many. */
static size_t ctl_lines(struct ctl_client *k)
{
	size_t off = 0, n = 0;
	char *nl;

	while (!k->closing && !k->later && (nl = memchr(k->in + off, '\n', k->in_len - off))) {
		ctl_line(k, k->in + off, nl - (k->in + off));
		off = nl - k->in + 1;
		n++;
	}
	memmove(k->in, k->in + off, k->in_len - off);
	k->in_len -= off;
	if (!k->closing && !k->later && k->in_len > CTL_LINE_MAX) {
		char why[96];

		snprintf(why, sizeof(why), "request longer than %d bytes", CTL_LINE_MAX);
		ctl_refuse(k, CTL_TOO_LARGE, why, true);
	}
	return n;
}

/*
 * Only a whole request is activity: a byte now and then must not keep a
 * connection (and its slot) forever, so the idle time runs from the last
 * request answered, and a request begun must end within CTL_REQUEST_MS.
 */
static void ctl_progress(struct ctl_client *k, size_t lines)
{
	uint64_t now = loop_now_ms();

	if (lines)
		k->last_ms = now;
	if (!k->in_len)
		k->partial_ms = 0;
	else if (lines || !k->partial_ms)
		k->partial_ms = now;
}

static bool ctl_in_room(struct ctl_client *k)
{
	size_t cap;
	char *n;

	if (k->in_len < k->in_cap)
		return true;
	/* One line of CTL_LINE_MAX plus its newline, and one byte to see past it. */
	if (k->in_cap >= CTL_LINE_MAX + 2)
		return false;
	cap = k->in_cap ? k->in_cap * 4 : 1024;
	if (cap > CTL_LINE_MAX + 2)
		cap = CTL_LINE_MAX + 2;
	n = realloc(k->in, cap);
	if (!n)
		return false;
	k->in = n;
	k->in_cap = cap;
	return true;
}

/* Return: false when @k was closed. */
static bool ctl_read(struct ctl_client *k)
{
	ssize_t r;

	while (!k->closing && !k->later && ctl_pending(k) < CTL_OUT_MAX) {
		if (!ctl_in_room(k)) {
			ctl_lines(k);	/* refuses the over-long line */
			if (!k->closing)
				ctl_refuse(k, CTL_FAILED, "out of memory", true);
			break;
		}
		r = recv(k->conn.fd, k->in + k->in_len, k->in_cap - k->in_len, MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (r <= 0) {
			/* The client is gone (or half-closed): answer what it sent, then close. */
			ctl_lines(k);
			k->closing = true;
			break;
		}
		k->in_len += r;
		ctl_progress(k, ctl_lines(k));
	}
	return ctl_flush(k);
}

static void ctl_client_cb(void *arg, struct lsn_conn *conn, uint32_t events)
{
	struct ctl_client *k = ctl_client_of(conn);

	if ((events & EPOLLOUT) && !ctl_flush(k))
		return;
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		ctl_client_close(k);
		return;
	}
	if (events & EPOLLIN)
		ctl_read(k);
}

/*
 * Whether @k (just counted in) may be served.  Root (the operator's
 * confirm and reload) always has CTL_ROOT_RESERVE slots no one else can
 * take, and one other user at most CTL_CLIENTS_PER_UID: a member of
 * control_group cannot hold every connection and keep root out.
 * Return: false after refusing @k.
 */
static bool ctl_admit(struct ctl *c, struct ctl_client *k)
{
	size_t others = 0, same_uid = 0;
	char why[96];

	for (struct lsn_conn *conn = lsn_first(c->lsn); conn; conn = lsn_next(conn)) {
		const struct ctl_client *o = ctl_client_of(conn);

		if (o == k || o->closing)
			continue;
		others += o->peer.uid != 0;
		same_uid += o->peer.uid == k->peer.uid;
	}
	if (k->peer.uid != 0 && same_uid >= CTL_CLIENTS_PER_UID)
		snprintf(why, sizeof(why), "too many connections of uid %u (at most %d)",
			 (unsigned int)k->peer.uid, CTL_CLIENTS_PER_UID);
	else if (k->peer.uid != 0 && others >= CTL_CLIENTS_MAX - CTL_ROOT_RESERVE)
		snprintf(why, sizeof(why), "too many clients (at most %d besides root's)",
			 CTL_CLIENTS_MAX - CTL_ROOT_RESERVE);
	else if (lsn_count(c->lsn) > CTL_CLIENTS_MAX)
		snprintf(why, sizeof(why), "too many clients (at most %d)", CTL_CLIENTS_MAX);
	else
		return true;
	ctl_refuse(k, CTL_TOO_MANY_CLIENTS, why, true);
	return false;
}

static void ctl_accepted(void *arg, struct lsn_conn *conn)
{
	struct ctl_client *k = ctl_client_of(conn);
	struct ctl *c = arg;
	struct ucred cred;
	socklen_t len = sizeof(cred);

	k->ctl = c;
	k->last_ms = loop_now_ms();
	if (getsockopt(conn->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		ctl_log(c, LOG_WARNING, "control: SO_PEERCRED failed: %s", strerror(errno));
		ctl_client_close(k);
		return;
	}
	ctl_peer_fill(&k->peer, cred.uid, cred.gid, cred.pid);
	if (!ctl_admit(c, k))
		ctl_flush(k);
}

/* Past the limit a connection is kept just long enough to tell it why;
 * past twice the limit (the listener's max) it is closed unanswered. */
static void ctl_unserved(void *arg, int err)
{
	if (err == -EUSERS)
		ctl_refused(arg, CTL_TOO_MANY_CLIENTS);
}

static void ctl_accept_failed(void *arg, int err)
{
	ctl_log(arg, LOG_WARNING, "control: accept: %s", strerror(-err));
}

static void ctl_tick(void *arg, uint64_t now)
{
	struct ctl *c = arg;

	if (c->log_quiet && now - c->log_window_ms >= CTL_LOG_WINDOW_MS) {
		ctl_log(c, LOG_NOTICE, "control: %u more refusals not logged (their reasons are "
			"in zonewall_control_refused_total)", c->log_quiet);
		c->log_quiet = 0;
	}
}

static void ctl_sweep(void *arg, struct lsn_conn *conn, uint64_t now)
{
	struct ctl_client *k = ctl_client_of(conn);

	if (k->later) {
		return;	/* its answer is on the way: neither idle nor slow */
	} else if (k->closing && now - k->last_ms > CTL_CLOSE_GRACE_MS) {
		ctl_client_close(k);
	} else if (!k->closing && k->partial_ms && now - k->partial_ms > CTL_REQUEST_MS) {
		ctl_refuse(k, CTL_TOO_SLOW, "request not completed in time", true);
		k->last_ms = now;	/* the grace to read the refusal */
		ctl_flush(k);
	} else if (!k->topic && !k->closing && !ctl_pending(k) &&
		   now - k->last_ms > CTL_IDLE_MS) {
		ctl_client_close(k);
	}
}

size_t ctl_publish(struct ctl *c, const char *topic, const json_t *event)
{
	struct lsn_conn *conn, *next;
	struct ctl_client *k;
	char *s = json_dumps(event, JSON_COMPACT);
	size_t len, n = 0;
	json_t *drop;

	if (!s)
		return 0;
	len = strlen(s);
	s[len++] = '\n';
	for (conn = lsn_first(c->lsn); conn; conn = next) {
		next = lsn_next(conn);
		k = ctl_client_of(conn);
		if (!k->topic || k->closing || strcmp(k->topic, topic))
			continue;
		if (ctl_pending(k) + len > CTL_OUT_MAX) {
			drop = json_pack("{s:s, s:s, s:s}", "event", "dropped", "code",
					 ctl_refusal_name(CTL_SLOW_SUBSCRIBER), "error",
					 "subscriber too slow: events were lost; reconnect");
			ctl_queue_json(k, drop);
			json_decref(drop);
			ctl_refused(c, CTL_SLOW_SUBSCRIBER);
			ctl_log(c, LOG_WARNING, "control: dropped slow %s subscriber uid %u pid %d",
				topic, (unsigned int)k->peer.uid, (int)k->peer.pid);
			k->closing = true;
			k->last_ms = loop_now_ms();
		} else if (ctl_queue(k, s, len) == 0) {
			n++;
		}
		/* Written from the loop, never here: a handler may be publishing. */
		loop_fd_events(k->conn.src, ctl_events(k));
	}
	free(s);
	return n;
}

size_t ctl_clients(const struct ctl *c)
{
	return lsn_count(c->lsn);
}

size_t ctl_subscribers(const struct ctl *c, const char *topic)
{
	const struct ctl_client *k;
	struct lsn_conn *conn;
	size_t n = 0;

	for (conn = lsn_first(c->lsn); conn; conn = lsn_next(conn)) {
		k = ctl_client_of(conn);
		if (k->topic && !k->closing && !strcmp(k->topic, topic))
			n++;
	}
	return n;
}

/* Replace a stale socket file; refuse when a daemon answers there. */
static int ctl_unlink_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, err;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 ? -EADDRINUSE : 0;
	close(fd);
	if (!err && unlink(sa->sun_path) < 0)
		err = -errno;
	return err;
}

static int ctl_listen(const char *path, const char *group, bool *group_found)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct group gr, *res = NULL;
	char buf[4096];
	mode_t old;
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	err = ctl_unlink_stale(&sa);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Born 0600: never a moment where others may connect. */
	old = umask(0177);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (err < 0 || listen(fd, 32) < 0)
		goto out_close_fd;
	*group_found = group && *group && getgrnam_r(group, &gr, buf, sizeof(buf), &res) == 0 &&
		       res;
	if (*group_found && (chown(path, (uid_t)-1, res->gr_gid) < 0 || chmod(path, 0660) < 0))
		goto out_unlink;
	return fd;
out_unlink:
	err = -errno;
	unlink(path);
	close(fd);
	return err;
out_close_fd:
	err = -errno;
	close(fd);
	return err;
}

struct ctl *ctl_new(struct loop *l, const char *path, const char *group, bool *group_found,
		    struct ctl_audit *audit, const struct ctl_ops *ops)
{
	struct ctl *c = calloc(1, sizeof(*c));
	struct lsn_ops lops = {
		.conn_size = sizeof(struct ctl_client),
		.max_conns = 2 * CTL_CLIENTS_MAX,
		.sweep_ms = 1000,
		.arg = c,
		.accepted = ctl_accepted,
		.event = ctl_client_cb,
		.tick = ctl_tick,
		.sweep = ctl_sweep,
		.cleanup = ctl_client_cleanup,
		.unserved = ctl_unserved,
		.accept_failed = ctl_accept_failed,
	};
	int fd, err;

	if (!c)
		return NULL;
	c->audit = audit;
	c->ops = *ops;
	fd = ctl_listen(path, group, group_found);
	if (fd < 0) {
		free(c);
		errno = -fd;
		return NULL;
	}
	snprintf(c->path, sizeof(c->path), "%s", path);
	c->lsn = lsn_new(l, fd, &lops);
	if (!c->lsn) {
		err = errno;
		ctl_free(c);
		errno = err;
		return NULL;
	}
	return c;
}

void ctl_free(struct ctl *c)
{
	if (!c)
		return;
	lsn_free(c->lsn);
	unlink(c->path);
	free(c);
}
