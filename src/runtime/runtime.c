// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The runtime client and mapper: HTTP over the runtime's unix socket with
 * libcurl, the /events stream kept open with a curl multi handle, and the
 * host-side veth of each container found over rtnetlink.  Parsing lives in
 * runtime-parse.c.  No logging: everything goes to the caller as return
 * values, error text and reports.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <curl/curl.h>
#include <libmnl/libmnl.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#include "zonewall/evfile.h"
#include "zonewall/evtime.h"
#include "zonewall/runtime.h"
#include "zonewall/link.h"
#include "zonewall/nsid.h"

int64_t rt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* --- client -------------------------------------------------------------------------- */

struct rt_client {
	char runtime[16];
	char path[108];		/* socket path */
	char api[16];		/* "1.41" once negotiated */
	CURL *curl;
};

struct rt_body {
	char *buf;
	size_t len, cap;
	bool too_big;
};

static size_t rt_body_write(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct rt_body *b = ctx;
	size_t n = size * nmemb, cap;
	char *p;

	if (b->len + n > RT_BODY_MAX) {
		b->too_big = true;
		return 0;	/* aborts the transfer */
	}
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 16384;
		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->buf, cap);
		if (!p)
			return 0;
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return n;
}

static bool rt_socket_answers(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, ok;

	if (strlen(path) >= sizeof(sun.sun_path))
		return false;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return ok;
}

bool rt_detect(char *uri, size_t len)
{
	static const char *const cand[][2] = {
		{ "docker", "/var/run/docker.sock" },
		{ "podman", "/run/podman/podman.sock" },
	};
	size_t i;

	for (i = 0; i < 2; i++)
		if (rt_socket_answers(cand[i][1])) {
			snprintf(uri, len, "%s://%s", cand[i][0], cand[i][1]);
			return true;
		}
	return false;
}

struct rt_client *rt_client_new(const char *uri, char *err, size_t errlen)
{
	static const char *const schemes[] = { "docker", "podman", "unix" };
	struct rt_client *c;
	const char *p = NULL;
	size_t i, n;

	for (i = 0; i < 3 && !p; i++) {
		n = strlen(schemes[i]);
		if (!strncmp(uri, schemes[i], n) && !strncmp(uri + n, "://", 3))
			p = uri + n + 3;
	}
	if (!p || *p != '/' || strlen(p) >= sizeof(c->path)) {
		snprintf(err, errlen, "'%.200s': expected docker:///PATH, podman:///PATH or unix:///PATH", uri);
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	snprintf(c->runtime, sizeof(c->runtime), "%s", i == 3 ? "docker" : schemes[i - 1]);
	strcpy(c->path, p);
	c->curl = curl_easy_init();
	if (!c->curl) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void rt_client_free(struct rt_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

const char *rt_client_runtime(const struct rt_client *c)
{
	return c->runtime;
}

const char *rt_client_api(const struct rt_client *c)
{
	return c->api;
}

/* Map a failed transfer to -errno and one line. */
static int rt_curl_error(const struct rt_client *c, CURLcode cc, const struct rt_body *b,
			 char *err, size_t errlen)
{
	struct stat st;

	if (b->too_big) {
		snprintf(err, errlen, "%s: response larger than %u bytes, aborted", c->path, RT_BODY_MAX);
		return -EFBIG;
	}
	if (cc == CURLE_COULDNT_CONNECT) {
		if (stat(c->path, &st)) {
			snprintf(err, errlen, "%s: no such socket (is the %s service running?)",
				 c->path, c->runtime);
			return -ENOENT;
		}
		snprintf(err, errlen, "%s: connection refused (the %s service is not running)",
			 c->path, c->runtime);
		return -ECONNREFUSED;
	}
	if (cc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(err, errlen, "%s: no answer in time", c->path);
		return -ETIMEDOUT;
	}
	snprintf(err, errlen, "%s: %s", c->path, curl_easy_strerror(cc));
	return -EIO;
}

static void rt_curl_setup(CURL *h, const struct rt_client *c, const char *url)
{
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
}

/* GET @path (with the API prefix when @versioned).  Return: HTTP status or -errno. */
static int rt_get(struct rt_client *c, const char *path, bool versioned, struct rt_body *b,
		  char *err, size_t errlen)
{
	char url[512];
	CURLcode cc;
	long status = 0;

	memset(b, 0, sizeof(*b));
	snprintf(url, sizeof(url), "http://localhost%s%s%s", versioned ? "/v" : "",
		 versioned ? c->api : "", path);
	rt_curl_setup(c->curl, c, url);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, rt_body_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, b);
	cc = curl_easy_perform(c->curl);
	if (cc != CURLE_OK) {
		int rc = rt_curl_error(c, cc, b, err, errlen);

		free(b->buf);
		memset(b, 0, sizeof(*b));
		return rc;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (!b->buf && !rt_body_write((char *)"", 0, 0, b))
		b->buf = calloc(1, 1);
	return b->buf ? (int)status : -ENOMEM;
}

/* An HTTP error as one line, with the API's {"message": ...} when there is one. */
static int rt_http_error(const struct rt_client *c, const char *path, int status,
			 const struct rt_body *b, char *err, size_t errlen)
{
	json_t *root = json_loadb(b->buf, b->len, 0, NULL);
	const char *msg = json_string_value(json_object_get(root, "message"));

	snprintf(err, errlen, "%s: GET %s: HTTP %d%s%.200s", c->path, path, status,
		 msg ? ": " : "", msg ? msg : "");
	json_decref(root);
	return status == 404 ? -ENOENT : -EPROTO;
}

int rt_negotiate(struct rt_client *c, char *err, size_t errlen)
{
	struct rt_version v;
	struct rt_body b;
	char msg[256];
	int st, rc;

	st = rt_get(c, "/version", false, &b, err, errlen);
	if (st < 0)
		return st;
	if (st != 200) {
		rc = rt_http_error(c, "/version", st, &b, err, errlen);
		goto out_free;
	}
	rc = rt_parse_version(b.buf, b.len, &v, msg, sizeof(msg));
	if (rc) {
		snprintf(err, errlen, "%s: %s", c->path, msg);
		rc = -EPROTO;
		goto out_free;
	}
	if (v.major < 1 || (v.major == 1 && v.minor < RT_API_MIN_MINOR)) {
		snprintf(err, errlen, "%s: the engine speaks API %u.%u; zonewall needs 1.%d or later",
			 c->path, v.major, v.minor, RT_API_MIN_MINOR);
		rc = -ENOTSUP;
		goto out_free;
	}
	if (v.major > 1 || v.minor > RT_API_MAX_MINOR)
		snprintf(c->api, sizeof(c->api), "1.%d", RT_API_MAX_MINOR);
	else
		snprintf(c->api, sizeof(c->api), "1.%u", v.minor);
	if (v.podman)
		snprintf(c->runtime, sizeof(c->runtime), "podman");
	rc = 0;
out_free:
	free(b.buf);
	return rc;
}

/* The inspect URL path for @id, or -EINVAL (@err set) when @id is not hex. */
static int rt_inspect_path(const char *id, char *path, size_t len, char *err, size_t errlen)
{
	if (strlen(id) > 128 || strspn(id, "0123456789abcdefABCDEF") != strlen(id)) {
		snprintf(err, errlen, "'%.64s' is not a container id", id);
		return -EINVAL;
	}
	snprintf(path, len, "/containers/%s/json", id);
	return 0;
}

/* An inspect's answer (HTTP @st, body @b) as a record, or NULL with errno. */
static struct id_workload *rt_inspect_answer(const struct rt_client *c, const char *path, int st,
					     const struct rt_body *b, char *err, size_t errlen)
{
	struct id_workload *w;
	char msg[256];

	if (st != 200) {
		errno = -rt_http_error(c, path, st, b, err, errlen);
		return NULL;
	}
	w = rt_parse_inspect(b->buf, b->len, c->runtime, msg, sizeof(msg));
	if (!w)
		snprintf(err, errlen, "%s: %s: %s", c->path, path, msg);
	return w;
}

struct id_workload *rt_inspect(struct rt_client *c, const char *id, char *err, size_t errlen)
{
	struct id_workload *w;
	struct rt_body b;
	char path[192];
	int st;

	st = rt_inspect_path(id, path, sizeof(path), err, errlen);
	if (!st)
		st = rt_get(c, path, true, &b, err, errlen);
	if (st < 0) {
		errno = -st;
		return NULL;
	}
	w = rt_inspect_answer(c, path, st, &b, err, errlen);
	free(b.buf);
	return w;
}

int rt_list(struct rt_client *c, struct id_workload ***out, size_t *n, char *err, size_t errlen)
{
	struct id_workload **v = NULL, *w;
	char **ids = NULL, msg[256];
	size_t n_ids = 0, i;
	struct rt_body b;
	int st, rc;

	*out = NULL;
	*n = 0;
	st = rt_get(c, "/containers/json?all=1", true, &b, err, errlen);
	if (st < 0)
		return st;
	if (st != 200) {
		rc = rt_http_error(c, "/containers/json", st, &b, err, errlen);
		free(b.buf);
		return rc;
	}
	rc = rt_parse_list(b.buf, b.len, &ids, &n_ids, msg, sizeof(msg));
	free(b.buf);
	if (rc) {
		snprintf(err, errlen, "%s: %s", c->path, msg);
		return rc == -EINVAL ? -EPROTO : rc;
	}
	v = calloc(n_ids + 1, sizeof(*v));
	if (!v) {
		rt_ids_free(ids, n_ids);
		return -ENOMEM;
	}
	for (i = 0; i < n_ids; i++) {
		w = rt_inspect(c, ids[i], err, errlen);
		if (w) {
			v[(*n)++] = w;
			continue;
		}
		if (errno == ENOENT)	/* removed since the list: not an error */
			continue;
		rc = -errno;
		while (*n > 0)
			id_workload_put(v[--*n]);
		free(v);
		rt_ids_free(ids, n_ids);
		return rc;
	}
	rt_ids_free(ids, n_ids);
	*out = v;
	return 0;
}

/* --- host-side veths ---------------------------------------------------------------- */

/*
 * Per attachment, the container's own namespace first; the dump of every
 * link here only for what that leaves unknown, once per call (see
 * nsid_port_resolve()).  One container's start used to cost a dump of
 * every link on the host.
 */
int rt_ports_resolve(struct id_workload **v, size_t n)
{
	struct nsid_links links = { .valid = false };
	int rc = 0, r;

	for (size_t i = 0; i < n; i++) {
		struct id_workload *w = v[i];

		for (size_t j = 0; w->pid > 0 && j < w->n_nets; j++) {
			struct id_net *net = &w->nets[j];

			r = nsid_port_resolve(w->pid, net->mac, net->gateway, w->n_nets, &links,
					      net->veth, sizeof(net->veth), net->bridge,
					      sizeof(net->bridge));
			if (r && r != -ENOENT && !rc)
				rc = r;
		}
	}
	nsid_links_free(&links);
	return rc;
}

/* --- mapper ----------------------------------------------------------------------------- */

#define RT_QUEUE_MAX 1024
/* Event times may come in whole seconds (no timeNano): a margin, so no
 * event of the very second a comparison is made with counts as old. */
#define RT_STALE_MARGIN_NS 1000000000LL
#define RT_SEEN_MAX 65536	/* containers whose newest event time is kept */
/* One container's events may reach the stream a hair out of stamp order
 * (Docker stamps before it takes its publish lock); a replay after a log
 * rotation is at least one of the container's operations older. */
#define RT_REPLAY_MARGIN_NS 50000000LL
/* Inspects in flight beside the event stream (0: inline, for debugging). */
#define RT_INSPECT_ASYNC 1
#define RT_INFLIGHT_MAX 32	/* concurrent inspects; more wait inline */
#define RT_BACKOFF_MIN_MS 100
#define RT_BACKOFF_MAX_MS 5000

/*
 * An inspect on its way, one per container at most.  Inspects run
 * concurrently with the event stream: an engine answers only once the
 * container's lock is free (Podman holds it through a whole restart), and
 * that wait must not hold up other containers' events.
 */
struct rt_inflight {
	CURL *h;
	struct rt_body b;
	struct rt_event ev;	/* the event that asked for it */
	bool provisional;	/* the kernel's view is in the index meanwhile */
	char fast_miss[320];	/* why a start was not read from the kernel, "" */
	int64_t sent_ns;
	char path[192];
};

struct rt_mapper {
	struct rt_client *c;
	struct id_index *idx;
	rt_report_fn fn;
	void *ctx;
	CURLM *multi;
	CURL *ev;		/* the /events transfer, NULL when none */
	struct rt_linebuf lb;
	struct rt_event q[RT_QUEUE_MAX];
	size_t nq;
	struct rt_inflight fl[RT_INFLIGHT_MAX];
	size_t nfl;
	unsigned long sent;	/* inspects sent, ever */
	int epfd;		/* the sockets curl waits on (rt_sock_cb), for wait_info */
	int running;		/* transfers curl has going, as it last said */
	int64_t opened_wall_ns;	/* CLOCK_REALTIME when the stream was asked for */
	struct evtime *seen;	/* newest event time per container */
	unsigned long stale;	/* events older than that, dropped */
	bool overflow;		/* events were lost: resync */
	char evlog_spec[256];	/* "auto", "none" or the log's path */
	struct evfile *evlog;	/* Podman's event log, followed; NULL when not */
	const char *evlog_path;	/* what evlog follows, for the status */
	unsigned long evlog_events, evlog_dups, evlog_rotations;
	/* each container's last record seen running, for its next start (rt_fast_*) */
	struct id_workload **ran;
	size_t n_ran, cap_ran;
	bool fast_on;
	unsigned long fast_starts, fast_misses, fast_mismatches;
	char fast_last_miss[320];
	bool connected;
	int64_t lost_ns;	/* when the last loss began, 0 if none */
	int64_t next_try_ns;
	int backoff_ms;
	char err[320];
};

static void rt_report(struct rt_mapper *m, enum rt_report_kind kind, const char *msg)
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
static void rt_drive(struct rt_mapper *m, int timeout_ms)
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
				void *ctx, char *err, size_t errlen)
{
	struct rt_mapper *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->epfd = -1;
	m->c = rt_client_new(uri, err, errlen);
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

/* Forget in-flight inspect @i (its event is not reported). */
static void rt_inflight_drop(struct rt_mapper *m, size_t i)
{
	struct rt_inflight *f = &m->fl[i];

	curl_multi_remove_handle(m->multi, f->h);
	curl_easy_cleanup(f->h);
	free(f->b.buf);
	m->fl[i] = m->fl[--m->nfl];
	/* curl writes the moved answer through the address it was given:
	 * point it at the slot the body buffer lives in now */
	if (i < m->nfl)
		curl_easy_setopt(m->fl[i].h, CURLOPT_WRITEDATA, &m->fl[i].b);
}

/* Before a resync: answers asked for earlier could be older than it. */
static void rt_events_drop_inflight(struct rt_mapper *m)
{
	while (m->nfl)
		rt_inflight_drop(m, m->nfl - 1);
}

static void rt_evlog_close(struct rt_mapper *m);
static void rt_ran_prune(struct rt_mapper *m);

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
static void rt_event_queue(struct rt_mapper *m, struct rt_event *ev)
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
#define RT_PODMAN_EVENT_LOG "/run/libpod/events/events.log"

static void rt_evlog_close(struct rt_mapper *m)
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

/* The log to follow for this engine, or NULL. */
static const char *rt_evlog_choose(const struct rt_mapper *m)
{
	struct stat st;

	if (!strcmp(m->evlog_spec, "none"))
		return NULL;
	if (strcmp(m->evlog_spec, "auto"))
		return m->evlog_spec;
	/* a rootful Podman's default log: a rootless one keeps its own
	 * under its runtime directory, with other containers' events */
	if (strcmp(m->c->runtime, "podman") || stat(m->c->path, &st) || st.st_uid != 0 ||
	    access(RT_PODMAN_EVENT_LOG, F_OK))
		return NULL;
	return RT_PODMAN_EVENT_LOG;
}

static void rt_evlog_open(struct rt_mapper *m)
{
	struct epoll_event e = { .events = EPOLLIN };
	const char *path = rt_evlog_choose(m);
	char err[300], msg[400];

	if (!path)
		return;
	if (evfile_open(path, &m->evlog, err, sizeof(err))) {
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
}

static void rt_evlog_line(void *ctx, const char *line, size_t len)
{
	struct rt_mapper *m = ctx;
	struct rt_event ev;
	char msg[256], w[400];

	/* skipped like a bad line of the stream: were it an event, the
	 * stream's copy, not found in the log, ends following the log */
	if (rt_parse_podman_log_event(line, len, &ev, msg, sizeof(msg))) {
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
static void rt_evlog_pump(struct rt_mapper *m)
{
	char err[400];

	if (m->evlog && evfile_read(m->evlog, rt_evlog_line, m, err, sizeof(err)))
		rt_evlog_give_up(m, err);
}

/* With the log followed, whether the stream's @ev is a copy of an event
 * the log gave (then dropped); one the log did not give ends following it. */
static bool rt_evlog_has(struct rt_mapper *m, const struct rt_event *ev)
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

static void rt_event_line(void *ctx, const char *line, size_t len)
{
	struct rt_mapper *m = ctx;
	struct rt_event ev;
	char msg[256], w[320];

	if (rt_parse_event(line, len, &ev, msg, sizeof(msg))) {
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
		snprintf(m->err, sizeof(m->err), "out of memory");
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
		snprintf(m->err, sizeof(m->err), "%s: GET /events: HTTP %ld", m->c->path, code);
		return -EPROTO;
	}
	if (!m->running) {
		snprintf(m->err, sizeof(m->err), "%s: the event stream closed at once", m->c->path);
		return -EPIPE;
	}
	return 0;
}

static int rt_resync(struct rt_mapper *m)
{
	struct rt_report r = { .kind = RT_REP_SYNCED };
	struct id_workload **v;
	size_t n;
	int rc;

	rc = rt_list(m->c, &v, &n, m->err, sizeof(m->err));
	if (rc)
		return rc;
	rt_ports_resolve(v, n);	/* best effort: "-" where unknown */
	r.gap_to_ns = rt_now_ns();
	rc = id_index_sync(m->idx, v, n, r.gap_to_ns, &r.stats);
	free(v);
	if (rc && rc != -ENOSPC)
		return rc;
	rt_ran_prune(m);
	r.gap_from_ns = m->lost_ns;
	r.workloads = id_index_count(m->idx);
	if (m->fn)
		m->fn(m->ctx, &r);
	return 0;
}

static void rt_lost(struct rt_mapper *m, const char *why)
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

	rc = rt_negotiate(m->c, m->err, sizeof(m->err));
	if (!rc)
		rc = rt_events_open(m);
	if (!rc) {
		rt_evlog_open(m);	/* before the list, like the stream */
		rc = rt_resync(m);
	}
	if (rc) {
		rt_lost(m, m->err);
		return rc;
	}
	m->connected = true;
	m->overflow = false;
	m->lost_ns = 0;
	m->backoff_ms = RT_BACKOFF_MIN_MS;
	id_index_set_stale(m->idx, 0);
	return 0;
}

/* --- restarts seen in the kernel (runtime-fast.c) ------------------------------------ */

static ssize_t rt_ran_find(const struct rt_mapper *m, const char *id)
{
	for (size_t i = 0; i < m->n_ran; i++)
		if (!strcmp(m->ran[i]->id, id))
			return (ssize_t)i;
	return -1;
}

/* Keep @w, a record of its container running with a known pidfile and a
 * bridge port for every network, for the container's next start. */
static void rt_ran_keep(struct rt_mapper *m, const struct id_workload *w)
{
	ssize_t i = rt_ran_find(m, w->id);
	struct id_workload **v;
	size_t cap;

	if (!w->pidfile || w->pid <= 0 || !w->n_nets)
		return;
	for (size_t j = 0; j < w->n_nets; j++)
		if (!w->nets[j].bridge[0])
			return;
	if (i >= 0) {
		id_workload_put(m->ran[i]);
		m->ran[i] = id_workload_get((struct id_workload *)w);
		return;
	}
	if (m->n_ran == m->cap_ran) {
		if (m->cap_ran >= RT_SEEN_MAX)
			return;
		cap = m->cap_ran ? m->cap_ran * 2 : 64;
		v = realloc(m->ran, cap * sizeof(*v));
		if (!v)
			return;
		m->ran = v;
		m->cap_ran = cap;
	}
	m->ran[m->n_ran++] = id_workload_get((struct id_workload *)w);
}

static void rt_ran_forget(struct rt_mapper *m, const char *id)
{
	ssize_t i = rt_ran_find(m, id);

	if (i < 0)
		return;
	id_workload_put(m->ran[i]);
	m->ran[i] = m->ran[--m->n_ran];
}

/* After a resync: forget the containers removed while no event told it. */
static void rt_ran_prune(struct rt_mapper *m)
{
	size_t i = 0;

	while (i < m->n_ran) {
		if (id_index_find(m->idx, m->ran[i]->id)) {
			i++;
			continue;
		}
		id_workload_put(m->ran[i]);
		m->ran[i] = m->ran[--m->n_ran];
	}
}

/* A start that tried the kernel first and waits for its inspect: @why goes
 * to the status and, in @miss, to the event's report. */
static void rt_fast_miss(struct rt_mapper *m, const struct rt_event *ev, const char *why,
			 char *miss, size_t misslen)
{
	m->fast_misses++;
	snprintf(m->fast_last_miss, sizeof(m->fast_last_miss), "%.12s: %s", ev->id, why);
	snprintf(miss, misslen, "%s", why);
}

/* The name of a workload other than @id holding one of @w's addresses now, or NULL. */
static const char *rt_fast_taken(const struct rt_mapper *m, const struct id_workload *w)
{
	const struct id_workload *h;
	struct id_addr a;

	for (size_t i = 0; i < w->n_nets; i++) {
		const char *text[2] = { w->nets[i].ipv4, w->nets[i].ipv6 };

		for (size_t j = 0; j < 2; j++) {
			if (!text[j][0] || id_addr_parse(text[j], &a))
				continue;
			h = id_index_lookup(m->idx, &a, 0);
			if (h && strcmp(h->id, w->id))
				return h->name ? h->name : h->id;
		}
	}
	return NULL;
}

/*
 * A start of a container we saw stop: put what the kernel shows of it in
 * the index at once and report the event as provisional; its inspect,
 * sent next, confirms or corrects it.  Return: whether it did.
 */
static bool rt_fast_start(struct rt_mapper *m, const struct rt_event *ev, char *miss,
			  size_t misslen)
{
	struct rt_report r = { .kind = RT_REP_EVENT, .ev = ev, .provisional = true };
	const struct id_workload *cur;
	struct id_workload *w;
	const char *taken;
	char why[300];
	ssize_t i;

	if (!m->fast_on || strcmp(ev->type, "container") || strcmp(ev->action, "start"))
		return false;
	i = rt_ran_find(m, ev->id);
	cur = id_index_find(m->idx, ev->id);
	if (i < 0 || !cur || !cur->state)
		return false;
	if (!strcmp(cur->state, "running")) {
		rt_fast_miss(m, ev, "no stop of it seen since it last ran", miss, misslen);
		return false;
	}
	w = rt_fast_probe(m->ran[i], ev->time_ns, why, sizeof(why));
	if (!w) {
		rt_fast_miss(m, ev, why, miss, misslen);
		return false;
	}
	taken = rt_fast_taken(m, w);
	if (taken) {
		snprintf(why, sizeof(why), "an address it has is %.64s's", taken);
		rt_fast_miss(m, ev, why, miss, misslen);
		id_workload_put(w);
		return false;
	}
	if (id_index_upsert(m->idx, w, rt_now_ns())) {
		rt_fast_miss(m, ev, "index full", miss, misslen);
		return false;
	}
	m->fast_starts++;
	r.applied_ns = rt_now_ns();
	if (m->fn)
		m->fn(m->ctx, &r);
	return true;
}

/* An inspect confirming a provisional record answered @w: count and tell a disagreement. */
static void rt_fast_confirm(struct rt_mapper *m, const struct rt_event *ev,
			    const struct id_workload *w)
{
	const struct id_workload *cur = id_index_find(m->idx, ev->id);
	char msg[400];

	/* an answer of a container that has stopped again is no disagreement:
	 * its die event follows */
	if (!cur || !w->state || strcmp(w->state, "running") || rt_fast_agrees(cur, w))
		return;
	m->fast_mismatches++;
	snprintf(msg, sizeof(msg), "container %.12s: its inspect differs from what the kernel "
		 "showed at its start; the inspect applies", ev->id);
	rt_report(m, RT_REP_WARN, msg);
}

/* A copy of @w as it is once stopped: no process, no addresses, no veth
 * (what inspect answers after a die, known without asking). */
static struct id_workload *rt_stopped_copy(const struct id_workload *w)
{
	struct id_workload *c = id_workload_new();
	struct id_net *n;
	size_t i;

	if (!c)
		return NULL;
	if (id_workload_set(&c->id, w->id) || id_workload_set(&c->name, w->name) ||
	    id_workload_set(&c->image, w->image) || id_workload_set(&c->state, "exited") ||
	    id_workload_set(&c->runtime, w->runtime))
		goto out_put;
	for (i = 0; i < w->n_labels; i++)
		if (id_workload_add_label(c, w->labels[i].key, w->labels[i].value))
			goto out_put;
	for (i = 0; i < w->n_nets; i++) {
		n = id_workload_add_net(c, w->nets[i].name);
		if (!n || id_workload_set(&n->net_id, w->nets[i].net_id))
			goto out_put;
		memcpy(n->mac, w->nets[i].mac, sizeof(n->mac));
	}
	return c;
out_put:
	id_workload_put(c);
	return NULL;
}

/* die/stop/cleanup: release the addresses at once, without an inspect
 * (Docker holds the container's lock through a restart, so an inspect
 * here would wait for it). */
static bool rt_apply_stopped(struct rt_mapper *m, const struct rt_event *ev)
{
	const struct id_workload *w;
	struct id_workload *c;

	if (strcmp(ev->type, "container") || (strcmp(ev->action, "die") &&
	    strcmp(ev->action, "stop") && strcmp(ev->action, "cleanup")))
		return false;
	w = id_index_find(m->idx, ev->id);
	if (!w)
		return false;
	rt_ran_keep(m, w);
	c = rt_stopped_copy(w);
	if (!c)
		return false;
	id_workload_sort(c);
	id_index_upsert(m->idx, c, rt_now_ns());
	return true;
}

/* A network (dis)connect of a container we know is not running changes no
 * address until it starts, and its start event inspects it then (Docker
 * sends connect inside a (re)start and holds the container's lock until
 * the start is done: an inspect now would only wait for it). */
static bool rt_connect_while_stopped(struct rt_mapper *m, const struct rt_event *ev)
{
	const struct id_workload *w;

	if (strcmp(ev->type, "network"))
		return false;
	w = id_index_find(m->idx, ev->id);
	return w && w->state && strcmp(w->state, "running") && strcmp(w->state, "paused");
}

/*
 * Whether a later event of the batch @q[@i+1..@n) brings @q[@i]'s
 * container up to date by itself: a container event that inspects, stops
 * or removes it.  An inspect for @q[@i] would then be answered after that
 * later change anyway (the engine holds the container's lock through it),
 * so it can only wait and tell what the later event learns.  Network events
 * do not count: a connect of a container the index thinks stopped skips
 * its inspect.
 */
static bool rt_superseded(const struct rt_event *q, size_t i, size_t n)
{
	size_t j;

	for (j = i + 1; j < n; j++)
		if ((q[j].kind == RT_EV_UPDATE || q[j].kind == RT_EV_REMOVE) &&
		    !strcmp(q[j].type, "container") && !strcmp(q[j].id, q[i].id))
			return true;
	return false;
}

/* Put inspect answer @w (or the error in @err with errno @e) for @ev into
 * the index and report the event. */
static void rt_apply_answer(struct rt_mapper *m, struct rt_report *r, struct id_workload *w,
			    int e, const char *err)
{
	const struct rt_event *ev = r->ev;
	char msg[420];
	int rc = 0;

	if (!w && e == ENOENT) {
		id_index_remove(m->idx, ev->id, rt_now_ns());
	} else if (!w) {
		snprintf(msg, sizeof(msg), "%s %s %.12s: inspect failed: %s",
			 ev->type, ev->action, ev->id, err);
		rt_report(m, RT_REP_WARN, msg);
		return;
	} else {
		rt_ports_resolve(&w, 1);
		if (r->confirms)
			rt_fast_confirm(m, ev, w);
		rc = id_index_upsert(m->idx, w, rt_now_ns());
	}
	if (rc) {
		snprintf(msg, sizeof(msg), "%s %s %.12s: index: %s", ev->type, ev->action, ev->id,
			 strerror(-rc));
		rt_report(m, RT_REP_WARN, msg);
	}
	r->applied_ns = rt_now_ns();
	if (m->fn)
		m->fn(m->ctx, r);
}

static ssize_t rt_inflight_find(const struct rt_mapper *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->nfl; i++)
		if (!strcmp(m->fl[i].ev.id, id))
			return (ssize_t)i;
	return -1;
}

/* Ask for @ev's container without waiting for the answer.
 * Return: 0, or -errno when it cannot be sent (then inspect inline). */
static int rt_inflight_start(struct rt_mapper *m, const struct rt_event *ev, bool provisional,
			     const char *fast_miss)
{
	struct rt_inflight *f;
	char url[512];

	if (!RT_INSPECT_ASYNC || m->nfl == RT_INFLIGHT_MAX)
		return -EBUSY;
	f = &m->fl[m->nfl];
	memset(f, 0, sizeof(*f));
	if (rt_inspect_path(ev->id, f->path, sizeof(f->path), m->err, sizeof(m->err)))
		return -EINVAL;
	f->h = curl_easy_init();
	if (!f->h)
		return -ENOMEM;
	f->ev = *ev;
	f->provisional = provisional;
	snprintf(f->fast_miss, sizeof(f->fast_miss), "%s", fast_miss);
	snprintf(url, sizeof(url), "http://localhost/v%s%s", m->c->api, f->path);
	rt_curl_setup(f->h, m->c, url);
	curl_easy_setopt(f->h, CURLOPT_TIMEOUT_MS, 30000L);
	curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, rt_body_write);
	curl_easy_setopt(f->h, CURLOPT_WRITEDATA, &f->b);
	if (curl_multi_add_handle(m->multi, f->h) != CURLM_OK) {
		curl_easy_cleanup(f->h);
		return -ENOMEM;
	}
	f->sent_ns = rt_now_ns();
	m->nfl++;
	m->sent++;
	return 0;
}

/* Inspect @i answered (or failed with @cc): apply it and report its event. */
static void rt_inflight_done(struct rt_mapper *m, size_t i, CURLcode cc)
{
	struct rt_inflight *f = &m->fl[i];
	struct rt_event ev = f->ev;
	struct rt_report r = { .kind = RT_REP_EVENT, .ev = &ev, .confirms = f->provisional };
	struct id_workload *w = NULL;
	char miss[sizeof(f->fast_miss)];
	long status = 0;
	int e;

	r.inspect_ns = rt_now_ns() - f->sent_ns;
	if (cc != CURLE_OK) {
		e = -rt_curl_error(m->c, cc, &f->b, m->err, sizeof(m->err));
	} else {
		curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &status);
		if (!f->b.buf && !rt_body_write((char *)"", 0, 0, &f->b))
			f->b.buf = calloc(1, 1);
		w = f->b.buf ? rt_inspect_answer(m->c, f->path, (int)status, &f->b, m->err,
						 sizeof(m->err)) : NULL;
		e = w ? 0 : f->b.buf ? errno : ENOMEM;
	}
	memcpy(miss, f->fast_miss, sizeof(miss));
	r.fast_miss = miss[0] ? miss : NULL;
	rt_inflight_drop(m, i);
	rt_apply_answer(m, &r, w, e, m->err);
}

static void rt_apply(struct rt_mapper *m, const struct rt_event *ev, bool superseded)
{
	struct rt_report r = { .kind = RT_REP_EVENT, .ev = ev };
	struct id_workload *w;
	ssize_t busy = rt_inflight_find(m, ev->id);
	char miss[320] = "";
	bool provisional;

	/* a newer event of a container whose inspect is on its way: that
	 * answer may predate this change, so it is dropped; this event
	 * (re)inspects unless it settles the container itself */
	if (busy >= 0 && ev->kind != RT_EV_SEEN) {
		struct rt_event oev = m->fl[busy].ev;
		/* a provisional start was reported already: this is its second report */
		struct rt_report old = { .kind = RT_REP_EVENT, .ev = &oev, .superseded = true,
					 .confirms = m->fl[busy].provisional };

		rt_inflight_drop(m, (size_t)busy);
		old.applied_ns = rt_now_ns();
		if (m->fn)
			m->fn(m->ctx, &old);
	}
	if (ev->kind == RT_EV_REMOVE) {
		rt_ran_forget(m, ev->id);
		id_index_remove(m->idx, ev->id, rt_now_ns());
	} else if (rt_apply_stopped(m, ev) || (busy < 0 && rt_connect_while_stopped(m, ev))) {
		;
	} else if (ev->kind == RT_EV_SEEN || superseded) {
		r.superseded = superseded;
	} else {
		provisional = rt_fast_start(m, ev, miss, sizeof(miss));
		if (rt_inflight_start(m, ev, provisional, miss) == 0)
			return;		/* reported when the answer comes */
		r.confirms = provisional;
		r.fast_miss = miss[0] ? miss : NULL;
		r.inspect_ns = rt_now_ns();
		w = rt_inspect(m->c, ev->id, m->err, sizeof(m->err));
		r.inspect_ns = rt_now_ns() - r.inspect_ns;
		rt_apply_answer(m, &r, w, w ? 0 : errno, m->err);
		return;
	}
	r.applied_ns = rt_now_ns();
	if (m->fn)
		m->fn(m->ctx, &r);
}

/* Apply the inspects that answered; true when the event stream ended (@cc). */
static bool rt_collect(struct rt_mapper *m, CURLcode *cc)
{
	bool ended = false;
	CURLMsg *msg;
	CURL *h;
	size_t i;
	int left;

	while ((msg = curl_multi_info_read(m->multi, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		h = msg->easy_handle;
		if (h == m->ev) {
			*cc = msg->data.result;
			ended = true;
			continue;
		}
		for (i = 0; i < m->nfl; i++)
			if (m->fl[i].h == h) {
				rt_inflight_done(m, i, msg->data.result);
				break;
			}
	}
	return ended;
}

/*
 * Wait for and apply events and inspect answers; detect the end of the
 * stream.  Answers first: one that came in with an event is older than it
 * (or tells the same), so the event then goes on top of it.
 */
static void rt_pump(struct rt_mapper *m, int timeout_ms)
{
	struct rt_event q[RT_QUEUE_MAX];
	CURLcode cc = CURLE_OK;
	unsigned long sent;
	int rounds = 0;
	size_t n, i;
	char why[400];
	bool ended;

	rt_drive(m, timeout_ms);
	rt_evlog_pump(m);
	/* again while inspects were asked for: driving curl sends them, and
	 * what it reads (events, quick answers) is not left for a later wait */
	do {
		sent = m->sent;
		if (rounds) {
			rt_drive(m, 0);
			rt_evlog_pump(m);
		}
		ended = rt_collect(m, &cc);
		n = m->nq;
		memcpy(q, m->q, n * sizeof(q[0]));
		m->nq = 0;
		for (i = 0; i < n; i++)
			rt_apply(m, &q[i], rt_superseded(q, i, n));
		if (ended) {
			snprintf(why, sizeof(why), "%s: event stream ended (%s)", m->c->path,
				 curl_easy_strerror(cc));
			rt_lost(m, why);
			return;
		}
	} while (m->sent != sent && ++rounds < 8);
	if (m->overflow) {
		rt_report(m, RT_REP_WARN, "events came faster than they could be applied; resyncing");
		m->overflow = false;
		rt_events_drop_inflight(m);
		if (rt_resync(m))
			rt_lost(m, m->err);
	}
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
