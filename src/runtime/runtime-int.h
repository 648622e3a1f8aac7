/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_RUNTIME_INT_H
#define ZONEWALL_RUNTIME_INT_H

/*
 * What the files of src/runtime share and nobody else sees: the identity
 * index's address helpers, the parsers' JSON helpers, the backends, the
 * client's HTTP pieces and the mapper's state.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <curl/curl.h>
#include <jansson.h>

#include "zonewall/diag.h"
#include "zonewall/identity.h"
#include "zonewall/rt-backend.h"
#include "zonewall/runtime.h"

/* --- identity (identity.c) ---------------------------------------------------------- */

/** id_addr_eq() - same family and bytes. */
bool id_addr_eq(const struct id_addr *x, const struct id_addr *y);

/** id_addr_hash() - the index's hash of @a. */
size_t id_addr_hash(const struct id_addr *a);

/* --- JSON helpers of the parsers (runtime-parse.c) ---------------------------------- */

/** rt_fail() - @fmt at @where ("" when the message says it all) into @d.  Return: -EINVAL. */
int rt_fail(struct diags *d, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/**
 * rt_str() - string member @key of @o: absent or null gives "" (0);
 * another type is -EINVAL with a problem at @path@key in @d.
 */
int rt_str(json_t *o, const char *key, const char *path, const char **out, struct diags *d);

/** rt_copy() - @src (NULL: "") into @dst, truncated. */
void rt_copy(char *dst, size_t len, const char *src);

/** rt_parse_time() - RFC 3339 with optional fraction and zone -> ns; 0 if not one. */
int64_t rt_parse_time(const char *s);

/** rt_event_classify() - what an event of @type and @action means to the index. */
enum rt_event_kind rt_event_classify(const char *type, const char *action);

/** rt_load_event() - an event line's object, with @ev cleared; NULL (@d says why) if not one. */
json_t *rt_load_event(const char *text, size_t len, struct rt_event *ev, struct diags *d);

/* --- the backends (rt-docker.c, rt-podman.c; the table in rt-backend.c) ------------- */

extern const struct rt_backend rt_backend_docker;
extern const struct rt_backend rt_backend_podman;

/* --- the client (runtime.c) --------------------------------------------------------- */

struct rt_client {
	const struct rt_backend *b;	/* from the URI, or what /version said */
	char path[108];		/* socket path */
	char api[16];		/* "1.41" once negotiated */
	CURL *curl;
};

struct rt_body {
	char *buf;
	size_t len, cap;
	bool too_big;
};

/** rt_body_write() - curl's write callback: append to the struct rt_body @ctx. */
size_t rt_body_write(char *data, size_t size, size_t nmemb, void *ctx);

/** rt_curl_error() - a failed transfer as -errno and its problem, at the socket, in @d. */
int rt_curl_error(const struct rt_client *c, CURLcode cc, const struct rt_body *b,
		  struct diags *d);

/** rt_curl_setup() - point @h at @url over @c's socket. */
void rt_curl_setup(CURL *h, const struct rt_client *c, const char *url);

/** rt_inspect_path() - the inspect URL path for @id.  Return: 0; -EINVAL (@d says why). */
int rt_inspect_path(const char *id, char *path, size_t len, struct diags *d);

/**
 * rt_inspect_answer() - an inspect's answer (HTTP @st, body @b) as a
 * record, or NULL with errno (@d says why).
 */
struct id_workload *rt_inspect_answer(const struct rt_client *c, const char *path, int st,
				      const struct rt_body *b, struct diags *d);

/* --- the mapper (runtime-mapper.c, runtime-evlog.c, runtime-apply.c) ----------------- */

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
	struct evfile *evlog;	/* the engine's event log, followed; NULL when not */
	const struct rt_backend *evlog_b;	/* whose format its lines are */
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
	struct diags err;	/* why the connection failed last */
};

/* runtime-mapper.c: the connection */
void rt_report(struct rt_mapper *m, enum rt_report_kind kind, const char *msg);
void rt_drive(struct rt_mapper *m, int timeout_ms);
int rt_resync(struct rt_mapper *m);
void rt_lost(struct rt_mapper *m, const char *why);
void rt_lost_diags(struct rt_mapper *m, const struct diags *why);

/* runtime-evlog.c: the queue, and the engine's event log followed beside the stream */
void rt_event_queue(struct rt_mapper *m, struct rt_event *ev);
void rt_evlog_open(struct rt_mapper *m);
void rt_evlog_close(struct rt_mapper *m);
void rt_evlog_pump(struct rt_mapper *m);
bool rt_evlog_has(struct rt_mapper *m, const struct rt_event *ev);

/* runtime-apply.c: events and inspect answers into the index */
void rt_pump(struct rt_mapper *m, int timeout_ms);
void rt_inflight_drop(struct rt_mapper *m, size_t i);
void rt_events_drop_inflight(struct rt_mapper *m);
void rt_ran_prune(struct rt_mapper *m);

#endif
