/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_TEST_RT_ONELINE_H
#define ZONEWALL_TEST_RT_ONELINE_H

/*
 * The runtime room's calls with their problems on one line, as an edge
 * prints them (diags_summary()), for tests that compare that text: each
 * t_NAME() is NAME() with @err getting the line ("" when none).
 */

#include <errno.h>

#include "zonewall/diag.h"
#include "zonewall/log-follow.h"
#include "zonewall/rt-backend.h"
#include "zonewall/runtime.h"

/* @rc, after putting @d's line into @err. */
static inline int t_line(const struct diags *d, int rc, char *err, size_t errlen)
{
	diags_summary(d, err, errlen);
	return rc;
}

/* @p with errno kept, after putting @d's line into @err. */
static inline void *t_line_ptr(const struct diags *d, void *p, char *err, size_t errlen)
{
	int e = errno;

	diags_summary(d, err, errlen);
	errno = e;
	return p;
}

static inline int t_parse_event(const char *text, size_t len, struct rt_event *ev, char *err,
				size_t errlen)
{
	struct diags d;

	diags_init(&d);
	return t_line(&d, rt_parse_event(text, len, ev, &d), err, errlen);
}

static inline int t_parse_podman_log_event(const char *text, size_t len, struct rt_event *ev,
					   char *err, size_t errlen)
{
	struct diags d;

	diags_init(&d);
	return t_line(&d, rt_parse_podman_log_event(text, len, ev, &d), err, errlen);
}

static inline int t_parse_log_line(const struct rt_backend *b, const char *text, size_t len,
				   struct rt_event *ev, char *err, size_t errlen)
{
	struct diags d;

	diags_init(&d);
	return t_line(&d, b->parse_log_line(text, len, ev, &d), err, errlen);
}

static inline int t_parse_version(const char *text, size_t len, struct rt_version *v, char *err,
				  size_t errlen)
{
	struct diags d;

	diags_init(&d);
	return t_line(&d, rt_parse_version(text, len, v, &d), err, errlen);
}

static inline int t_parse_list(const char *text, size_t len, char ***ids, size_t *n, char *err,
			       size_t errlen)
{
	struct diags d;

	diags_init(&d);
	return t_line(&d, rt_parse_list(text, len, ids, n, &d), err, errlen);
}

static inline struct id_workload *t_parse_inspect(const char *text, size_t len,
						  const char *runtime, char *err, size_t errlen)
{
	struct diags d;

	diags_init(&d);
	return t_line_ptr(&d, rt_parse_inspect(text, len, runtime, &d), err, errlen);
}

static inline struct rt_client *t_client_new(const char *uri, char *err, size_t errlen)
{
	struct diags d;

	diags_init(&d);
	return t_line_ptr(&d, rt_client_new(uri, &d), err, errlen);
}

static inline struct id_workload *t_fast_build(const struct id_workload *prev, int pid,
					       int64_t started_ns, const struct nsid_port *ports,
					       size_t n, char *why, size_t whylen)
{
	struct diags d;

	diags_init(&d);
	return t_line_ptr(&d, rt_fast_build(prev, pid, started_ns, ports, n, &d), why, whylen);
}

static inline struct id_workload *t_fast_probe(const struct id_workload *prev, int64_t started_ns,
					       char *why, size_t whylen)
{
	struct diags d;

	diags_init(&d);
	return t_line_ptr(&d, rt_fast_probe(prev, started_ns, &d), why, whylen);
}

static inline int t_evfile_open(const char *path, struct evfile **out, char *err, size_t errlen)
{
	struct diags d;

	diags_init(&d);
	return t_line(&d, evfile_open(path, out, &d), err, errlen);
}

static inline int t_evfile_read(struct evfile *f, rt_line_fn fn, void *ctx, char *err,
				size_t errlen)
{
	struct diags d;

	diags_init(&d);
	return t_line(&d, evfile_read(f, fn, ctx, &d), err, errlen);
}

#endif
