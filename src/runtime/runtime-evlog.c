// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The mapper's event queue, which drops replays, and the engine's own
 * event log (Podman's), followed beside the API's stream when its backend
 * has one.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "zonewall/log-follow.h"
#include "zonewall/event-order.h"
#include "zonewall/runtime.h"
#include "runtime-int.h"

/*
 * Stamped before the stream opened: what the list read then holds already.
 * Only a whole-second stamp (no timeNano) needs a margin; a nanosecond
 * stamp before the opening is older than the list, however close.  With
 * the margin for those too, a container's start in the second before the
 * opening came back as news when Podman's log rotation replayed it (no
 * newer event of that container seen yet to tell it old), seconds late.
 */
static bool rt_event_before_open(const struct rt_mapper *m, const struct rt_event *ev)
{
	int64_t margin = ev->time_ns % 1000000000 ? 0 : RT_STALE_MARGIN_NS;

	return ev->time_ns && ev->time_ns + margin < m->opened_wall_ns;
}

/* Queue event @ev (of the stream or of the event log). */
void rt_event_queue(struct rt_mapper *m, struct rt_event *ev)
{
	if (ev->kind == RT_EV_IGNORE)
		return;
	/* The list read after the stream opened already holds what happened
	 * before, and a container's events come in order: an event older than
	 * either is a replay (Podman's file event logger, when it rotates its
	 * log, streams the kept half again, seen here as starts of up to 15
	 * minutes ago), and applying it would undo newer state, e.g. take a
	 * running container's addresses. */
	if (rt_event_before_open(m, ev) ||
	    (ev->time_ns && ev->id[0] && evtime_replay(m->seen, ev->id, ev->time_ns,
						       ev->time_ns % 1000000000 ? RT_REPLAY_MARGIN_NS
									       : RT_STALE_MARGIN_NS))) {
		m->stale++;
		return;
	}
	ev->recv_ns = rt_now_ns();
	if (m->nq == RT_QUEUE_MAX) {
		m->overflow = true;
		return;
	}
	m->q[m->nq++] = *ev;
}

/* --- Podman's event log, followed beside the stream ---------------------- */

/*
 * Podman's API service learns its events by polling its own event log
 * file every 250 ms, so its stream tells of a container start a quarter
 * of a second late, and the container sits in the default zone that long.
 * Where the log is a file on this host (Podman's "file" events logger, as
 * on hosts without journald), the mapper follows it with inotify and the
 * stream's copy of each event is dropped.  The stream stays open: its end
 * tells that the service went away, and an event it has that the log did
 * not give first means the log is not the one the service reads; the
 * mapper then goes back to the stream alone.
 */
void rt_evlog_close(struct rt_mapper *m)
{
	if (!m->evlog)
		return;
	m->evlog_rotations += evfile_rotations(m->evlog);
	evfile_close(m->evlog);	/* closing its fd takes it out of epfd */
	m->evlog = NULL;
	m->evlog_path = NULL;
}

static void rt_evlog_give_up(struct rt_mapper *m, const char *why)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s; Podman's events now come from its API stream only "
		 "(up to 250 ms later)", why);
	rt_evlog_close(m);
	rt_report(m, RT_REP_WARN, msg);
}

/*
 * Whose format the log's lines are: the engine's own, else (a log named
 * by its path, of an engine that reads none) the first backend's that
 * writes one.
 */
static const struct rt_backend *rt_evlog_format(const struct rt_backend *b)
{
	for (size_t i = 0; !b->parse_log_line && (b = rt_backend_at(i)); i++)
		;
	return b;
}

/* The log to follow for this engine, or NULL; @fmt gets whose format it is. */
static const char *rt_evlog_choose(const struct rt_mapper *m, const struct rt_backend **fmt)
{
	const struct rt_backend *b = m->c->b;

	*fmt = rt_evlog_format(b);
	if (!strcmp(m->evlog_spec, "none") || !*fmt)
		return NULL;
	if (strcmp(m->evlog_spec, "auto"))
		return m->evlog_spec;
	return b->event_log ? b->event_log(m->c->path) : NULL;
}

void rt_evlog_open(struct rt_mapper *m)
{
	struct epoll_event e = { .events = EPOLLIN };
	const struct rt_backend *fmt;
	const char *path = rt_evlog_choose(m, &fmt);
	char err[DIAG_LINE_MAX], msg[DIAG_LINE_MAX + 48];
	struct diags d;

	if (!path)
		return;
	diags_init(&d);
	if (evfile_open(path, &m->evlog, &d)) {
		diags_summary(&d, err, sizeof(err));
		snprintf(msg, sizeof(msg), "%s; following the API stream only", err);
		rt_report(m, RT_REP_WARN, msg);
		return;
	}
	e.data.fd = evfile_fd(m->evlog);
	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, e.data.fd, &e)) {
		snprintf(msg, sizeof(msg), "event log %s: epoll: %s", path, strerror(errno));
		rt_evlog_give_up(m, msg);
		return;
	}
	m->evlog_path = path;	/* evlog_spec or the default: both outlive the log */
	m->evlog_b = fmt;
}

static void rt_evlog_line(void *ctx, const char *line, size_t len)
{
	struct rt_mapper *m = ctx;
	char msg[DIAG_LINE_MAX], w[DIAG_LINE_MAX + 300];
	struct rt_event ev;
	struct diags d;

	/* skipped like a bad line of the stream: were it an event, the
	 * stream's copy, not found in the log, ends following the log */
	diags_init(&d);
	if (m->evlog_b->parse_log_line(line, len, &ev, &d)) {
		diags_summary(&d, msg, sizeof(msg));
		snprintf(w, sizeof(w), "event log %s: bad line skipped: %s", m->evlog_path, msg);
		rt_report(m, RT_REP_WARN, w);
		return;
	}
	if (ev.kind != RT_EV_IGNORE)
		m->evlog_events++;
	ev.from_log = true;
	rt_event_queue(m, &ev);
}

/* Queue what the log has; give it up when it cannot be read. */
void rt_evlog_pump(struct rt_mapper *m)
{
	char err[DIAG_LINE_MAX];
	struct diags d;

	diags_init(&d);
	if (m->evlog && evfile_read(m->evlog, rt_evlog_line, m, &d)) {
		diags_summary(&d, err, sizeof(err));
		rt_evlog_give_up(m, err);
	}
}

/* With the log followed, whether the stream's @ev is a copy of an event
 * the log gave (then dropped); one the log did not give ends following it. */
bool rt_evlog_has(struct rt_mapper *m, const struct rt_event *ev)
{
	char msg[400];

	if (!m->evlog || ev->kind == RT_EV_IGNORE || !ev->id[0] || !ev->time_ns ||
	    rt_event_before_open(m, ev))	/* rt_event_queue() drops it */
		return false;
	rt_evlog_pump(m);	/* the service read it from the log: it is there */
	if (m->evlog && !evtime_newer(m->seen, ev->id, ev->time_ns)) {
		m->evlog_dups++;
		return true;
	}
	if (m->evlog) {
		snprintf(msg, sizeof(msg), "event log %s did not have the API's %s %s %.12s",
			 m->evlog_path, ev->type, ev->action, ev->id);
		rt_evlog_give_up(m, msg);
	}
	return false;
}
