// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The mapper's connection: the /events stream kept open with a curl multi
 * handle whose sockets sit in one epoll set, connect and resync, losses
 * with backoff, and the step an event loop calls.  Events and inspect
 * answers are applied in runtime-apply.c, queued in runtime-evlog.c.  No
 * logging: everything goes to the caller as reports.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <curl/curl.h>

#include "zonewall/log-follow.h"
#include "zonewall/event-order.h"
#include "zonewall/runtime.h"
#include "runtime-int.h"

void rt_report(struct rt_mapper *m, enum rt_report_kind kind, const char *msg)
{
	struct rt_report r = { .kind = kind, .msg = msg, .cause = msg };

	if (m->fn)
		m->fn(m->ctx, &r);
}

/*
 * curl's socket API: curl says which of its sockets it waits on and for
 * what, and the mapper keeps exactly those in its epoll set, so one fd
 * tells the daemon's loop when the event stream or an inspect has news.
 * (Asking curl for a transfer's socket instead, CURLINFO_ACTIVESOCKET,
 * answers only for finished or connect-only transfers: the stream was
 * then read on a timer, up to a second late.)
 */
static int rt_sock_cb(CURL *h, curl_socket_t sock, int what, void *ctx, void *sockp)
{
	struct rt_mapper *m = ctx;
	struct epoll_event e = { .data.fd = (int)sock };

	if (what == CURL_POLL_REMOVE) {
		epoll_ctl(m->epfd, EPOLL_CTL_DEL, (int)sock, NULL);
		return 0;
	}
	e.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
	if (epoll_ctl(m->epfd, EPOLL_CTL_MOD, (int)sock, &e) && errno == ENOENT)
		epoll_ctl(m->epfd, EPOLL_CTL_ADD, (int)sock, &e);
	return 0;
}

/* Let curl work: wait up to @timeout_ms (less when its timer is due
 * sooner) for its sockets, act on the ready ones, then on a due timer. */
void rt_drive(struct rt_mapper *m, int timeout_ms)
{
	struct epoll_event ev[RT_INFLIGHT_MAX + 2];
	long t = -1;
	int n, flags;

	curl_multi_timeout(m->multi, &t);
	if (t >= 0 && (timeout_ms < 0 || t < timeout_ms))
		timeout_ms = (int)t;
	n = epoll_wait(m->epfd, ev, (int)(sizeof(ev) / sizeof(ev[0])), timeout_ms);
	for (int i = 0; i < n; i++) {
		if (m->evlog && ev[i].data.fd == evfile_fd(m->evlog))
			continue;	/* read by rt_pump */
		flags = (ev[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
			(ev[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
			(ev[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
		curl_multi_socket_action(m->multi, ev[i].data.fd, flags, &m->running);
	}
	t = -1;
	curl_multi_timeout(m->multi, &t);
	if (t == 0)
		curl_multi_socket_action(m->multi, CURL_SOCKET_TIMEOUT, 0, &m->running);
}

struct rt_mapper *rt_mapper_new(const char *uri, struct id_index *idx, rt_report_fn fn,
				void *ctx, struct diags *d)
{
	struct rt_mapper *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->epfd = -1;
	m->c = rt_client_new(uri, d);
	m->multi = curl_multi_init();
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	m->seen = evtime_new(RT_SEEN_MAX);
	if (!m->c || !m->multi || m->epfd < 0 || !m->seen) {
		rt_mapper_free(m);
		return NULL;
	}
	curl_multi_setopt(m->multi, CURLMOPT_SOCKETFUNCTION, rt_sock_cb);
	curl_multi_setopt(m->multi, CURLMOPT_SOCKETDATA, m);
	m->idx = idx;
	m->fn = fn;
	m->ctx = ctx;
	m->backoff_ms = RT_BACKOFF_MIN_MS;
	strcpy(m->evlog_spec, "auto");
	m->fast_on = true;
	rt_linebuf_init(&m->lb, RT_LINE_MAX);
	return m;
}

static void rt_events_close(struct rt_mapper *m)
{
	rt_events_drop_inflight(m);
	rt_evlog_close(m);
	if (!m->ev)
		return;
	curl_multi_remove_handle(m->multi, m->ev);
	curl_easy_cleanup(m->ev);
	m->ev = NULL;
	rt_linebuf_reset(&m->lb);
	m->nq = 0;
}

void rt_mapper_free(struct rt_mapper *m)
{
	if (!m)
		return;
	if (m->multi) {
		rt_events_close(m);
		curl_multi_cleanup(m->multi);
	}
	if (m->epfd >= 0)
		close(m->epfd);
	evtime_free(m->seen);
	for (size_t i = 0; i < m->n_ran; i++)
		id_workload_put(m->ran[i]);
	free(m->ran);
	rt_linebuf_free(&m->lb);
	rt_client_free(m->c);
	free(m);
}

int rt_mapper_set_event_log(struct rt_mapper *m, const char *spec)
{
	if (strcmp(spec, "auto") && strcmp(spec, "none") &&
	    (spec[0] != '/' || strlen(spec) >= sizeof(m->evlog_spec)))
		return -EINVAL;
	strcpy(m->evlog_spec, spec);
	return 0;
}

void rt_mapper_event_log(const struct rt_mapper *m, struct rt_evlog_stats *st)
{
	st->path = m->evlog_path;
	st->events = m->evlog_events;
	st->dups = m->evlog_dups;
	st->rotations = m->evlog_rotations + (m->evlog ? evfile_rotations(m->evlog) : 0);
}

void rt_mapper_set_fast_start(struct rt_mapper *m, bool on)
{
	m->fast_on = on;
}

void rt_mapper_fast_start(const struct rt_mapper *m, struct rt_fast_stats *st)
{
	st->on = m->fast_on;
	st->starts = m->fast_starts;
	st->misses = m->fast_misses;
	st->mismatches = m->fast_mismatches;
	st->last_miss = m->fast_last_miss;
}

unsigned long rt_mapper_replayed(const struct rt_mapper *m)
{
	return m->stale;
}

bool rt_mapper_connected(const struct rt_mapper *m)
{
	return m->connected;
}

const struct rt_client *rt_mapper_client(const struct rt_mapper *m)
{
	return m->c;
}

static void rt_event_line(void *ctx, const char *line, size_t len)
{
	struct rt_mapper *m = ctx;
	char msg[DIAG_LINE_MAX], w[DIAG_LINE_MAX + 32];
	struct rt_event ev;
	struct diags d;

	diags_init(&d);
	if (rt_parse_event(line, len, &ev, &d)) {
		diags_summary(&d, msg, sizeof(msg));
		snprintf(w, sizeof(w), "bad event skipped: %s", msg);
		rt_report(m, RT_REP_WARN, w);
		return;
	}
	if (!rt_evlog_has(m, &ev))
		rt_event_queue(m, &ev);
}

static size_t rt_events_write(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct rt_mapper *m = ctx;

	if (rt_linebuf_feed(&m->lb, data, size * nmemb, rt_event_line, m))
		m->overflow = true;
	return size * nmemb;
}

static int64_t rt_wall_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int rt_events_open(struct rt_mapper *m)
{
	static const char filters[] = "{\"type\":[\"container\",\"network\"]}";
	char url[512], *esc;
	long code = 0;
	int i;

	m->ev = curl_easy_init();
	esc = m->ev ? curl_easy_escape(m->ev, filters, 0) : NULL;
	if (!esc) {
		diag_add(&m->err, "", "out of memory");
		return -ENOMEM;
	}
	snprintf(url, sizeof(url), "http://localhost/v%s/events?filters=%s", m->c->api, esc);
	curl_free(esc);
	rt_curl_setup(m->ev, m->c, url);
	curl_easy_setopt(m->ev, CURLOPT_WRITEFUNCTION, rt_events_write);
	curl_easy_setopt(m->ev, CURLOPT_WRITEDATA, m);
	curl_easy_setopt(m->ev, CURLOPT_TCP_KEEPALIVE, 0L);
	curl_multi_add_handle(m->multi, m->ev);
	/* wait (bounded) for the response head, so the stream is up before
	 * the list that the resync reads */
	m->running = 1;		/* the stream is the only transfer now */
	m->opened_wall_ns = rt_wall_ns();
	for (i = 0; i < 40 && !code && m->running; i++) {
		rt_drive(m, i ? 50 : 0);
		curl_easy_getinfo(m->ev, CURLINFO_RESPONSE_CODE, &code);
	}
	if (code && code != 200) {
		diag_add(&m->err, m->c->path, "GET /events: HTTP %ld", code);
		return -EPROTO;
	}
	if (!m->running) {
		diag_add(&m->err, m->c->path, "the event stream closed at once");
		return -EPIPE;
	}
	return 0;
}

int rt_resync(struct rt_mapper *m)
{
	struct rt_report r = { .kind = RT_REP_SYNCED };
	struct id_workload **v;
	size_t n;
	int rc;

	diags_init(&m->err);
	rc = rt_list(m->c, &v, &n, &m->err);
	if (rc)
		return rc;
	rt_ports_resolve(v, n);	/* best effort: "-" where unknown */
	r.gap_to_ns = rt_now_ns();
	rc = id_index_sync(m->idx, v, n, r.gap_to_ns, &r.stats);
	free(v);
	if (rc && rc != -ENOSPC) {
		diag_add(&m->err, "", "%s", strerror(-rc));
		return rc;
	}
	rt_ran_prune(m);
	r.gap_from_ns = m->lost_ns;
	r.workloads = id_index_count(m->idx);
	if (m->fn)
		m->fn(m->ctx, &r);
	return 0;
}

void rt_lost_diags(struct rt_mapper *m, const struct diags *why)
{
	char line[DIAG_LINE_MAX];

	diags_summary(why, line, sizeof(line));
	rt_lost(m, line);
}

void rt_lost(struct rt_mapper *m, const char *why)
{
	char msg[420];
	bool was = m->connected;

	rt_events_close(m);
	m->connected = false;
	if (was || !m->lost_ns) {
		m->lost_ns = rt_now_ns();
		id_index_set_stale(m->idx, m->lost_ns);
		snprintf(msg, sizeof(msg), "%s; keeping the last mapping (%zu workloads), now stale",
			 why, id_index_count(m->idx));
		if (m->fn)
			m->fn(m->ctx, &(struct rt_report){ .kind = RT_REP_LOST, .msg = msg, .cause = why });
	} else {
		rt_report(m, RT_REP_RETRY, why);
	}
	m->next_try_ns = rt_now_ns() + (int64_t)m->backoff_ms * 1000000;
	m->backoff_ms = m->backoff_ms * 2 > RT_BACKOFF_MAX_MS ? RT_BACKOFF_MAX_MS : m->backoff_ms * 2;
}

static int rt_connect(struct rt_mapper *m)
{
	int rc;

	diags_init(&m->err);
	rc = rt_negotiate(m->c, &m->err);
	if (!rc)
		rc = rt_events_open(m);
	if (!rc) {
		rt_evlog_open(m);	/* before the list, like the stream */
		rc = rt_resync(m);
	}
	if (rc) {
		rt_lost_diags(m, &m->err);
		return rc;
	}
	m->connected = true;
	m->overflow = false;
	m->lost_ns = 0;
	m->backoff_ms = RT_BACKOFF_MIN_MS;
	id_index_set_stale(m->idx, 0);
	return 0;
}

void rt_mapper_wait_info(struct rt_mapper *m, int *fd, long *timeout_ms)
{
	int64_t now = rt_now_ns();
	long t = -1;

	*fd = -1;
	if (!m->connected) {
		*timeout_ms = now < m->next_try_ns ? (long)((m->next_try_ns - now) / 1000000) + 1 : 0;
		return;
	}
	*fd = m->epfd;
	curl_multi_timeout(m->multi, &t);
	/* events queued or a resync owed are work for the very next step */
	*timeout_ms = m->nq || m->overflow ? 0 : t;
}

int rt_mapper_step(struct rt_mapper *m, int timeout_ms)
{
	int64_t now = rt_now_ns(), wait_ms;

	if (!m->connected) {
		if (now < m->next_try_ns) {
			wait_ms = (m->next_try_ns - now) / 1000000;
			if (wait_ms > timeout_ms)
				wait_ms = timeout_ms;
			if (wait_ms > 0)
				nanosleep(&(struct timespec){ wait_ms / 1000, (wait_ms % 1000) * 1000000 },
					  NULL);
			return 0;
		}
		rt_connect(m);
		return 0;
	}
	rt_pump(m, timeout_ms);
	return 0;
}