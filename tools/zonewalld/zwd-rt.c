// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The runtime mapper on zonewalld's loop.  rt_mapper_step() is called with
 * a zero timeout only when the event stream's socket is readable or the
 * mapper's own deadline (reconnect backoff, libcurl timers) is due, so the
 * loop never blocks on the runtime except for the inspect an event needs
 * (Docker ~5 ms, Podman up to ~180 ms here).
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "zonewall/identity.h"
#include "zonewall/inventory.h"
#include "zonewall/rt-backend.h"
#include "zonewall/rt-source.h"
#include "zonewall/runtime.h"
#include "zwd.h"

#define ZWD_RT_MAX_ADDRS 65536
#define ZWD_RT_MAX_WORKLOADS 16384
#define ZWD_RT_DETECT_MS 2000	/* runtime = auto with none found: how often to look */

struct zwd_rt {
	struct zwd *d;
	struct inv inv;
	bool have_inv_file;
	struct id_index *idx;
	struct rt_mapper *mapper;
	struct loop_source *fd_src, *timer;
	zwd_rt_fn fn;
	void *ctx;
	char uri[256];
	bool inventory_only;	/* no runtime on purpose: the index is the inventory */
	struct loop_source *detect_timer;	/* runtime = auto, none found yet */
	bool synced_once;
	bool reported;		/* the mapper reported something this step */
	uint64_t events, syncs, losses;
	char last_loss[320];
};

static void zwd_rt_rearm(struct zwd_rt *r);
static void zwd_rt_on_detect(struct loop *l, void *arg);
static int zwd_rt_attach(struct zwd_rt *r, struct diags *dg);

static void zwd_rt_report(void *ctx, const struct rt_report *rep)
{
	struct zwd_rt *r = ctx;
	struct zwd *d = r->d;

	switch (rep->kind) {
	case RT_REP_EVENT:
		if (rep->confirms)	/* counted when first reported, provisionally */
			break;
		r->events++;
		met_inc(met_series_get1(d->m.runtime_events, rep->ev->action));
		break;
	case RT_REP_SYNCED:
		r->syncs++;
		met_inc(met_series_get1(d->m.runtime_events, "resync"));
		if (rep->gap_from_ns)
			zwd_log(LOG_NOTICE, "runtime %s back after %.1f s: resynced, %zu workloads "
				"(%zu added, %zu changed, %zu removed)", r->uri,
				(double)(rep->gap_to_ns - rep->gap_from_ns) / 1e9, rep->workloads,
				rep->stats.added, rep->stats.changed, rep->stats.removed);
		else
			zwd_log(LOG_INFO, "runtime %s: synced, %zu workloads", r->uri, rep->workloads);
		r->synced_once = true;
		break;
	case RT_REP_LOST:
		r->losses++;
		snprintf(r->last_loss, sizeof(r->last_loss), "%s", rep->cause ? rep->cause : "");
		zwd_log(LOG_WARNING, "runtime: %s", rep->msg);
		break;
	case RT_REP_RETRY:
		break;
	case RT_REP_WARN:
		zwd_log(LOG_WARNING, "runtime: %s", rep->msg);
		break;
	}
	r->reported = true;
	if (r->fn)
		r->fn(r->ctx, rep);
}

static void zwd_rt_step(struct zwd_rt *r)
{
	rt_mapper_step(r->mapper, 0);
	if (r->reported && r->fn)
		r->fn(r->ctx, NULL);
	r->reported = false;
	zwd_rt_rearm(r);
}

static void zwd_rt_on_fd(struct loop *l, int fd, uint32_t events, void *arg)
{
	zwd_rt_step(arg);
}

static void zwd_rt_on_timer(struct loop *l, void *arg)
{
	zwd_rt_step(arg);
}

/* Watch what the mapper says it waits for now.  The fd is registered anew
 * each time: after a reconnect the new socket may reuse the old number,
 * and closing the old one already took it out of the epoll set. */
static void zwd_rt_rearm(struct zwd_rt *r)
{
	long timeout;
	int fd;

	rt_mapper_wait_info(r->mapper, &fd, &timeout);
	loop_source_del(r->fd_src);
	r->fd_src = fd >= 0 ? loop_fd_add(r->d->loop, fd, EPOLLIN, zwd_rt_on_fd, r) : NULL;
	if (fd >= 0 && !r->fd_src)
		zwd_log(LOG_ERR, "runtime: cannot watch the event stream: %s", strerror(errno));
	/* a due deadline (0) fires in 1 ms: 0 would disarm the timerfd */
	if (timeout < 0 && fd < 0)
		timeout = 1000;
	loop_timer_set(r->timer, timeout < 0 ? 0 : timeout ? (uint64_t)timeout : 1, 0);
}

/* The inventory; every problem goes to @dg under "inventory PATH". */
static int zwd_rt_inventory_load(struct zwd_rt *r, struct diags *dg)
{
	char where[sizeof(r->d->cfg.inventory) + 16];
	struct diags d;
	int rc;

	if (!r->d->cfg.inventory[0])
		return inv_init(&r->inv);
	rc = inv_load(&r->inv, r->d->cfg.inventory, &d);
	snprintf(where, sizeof(where), "inventory %s", r->d->cfg.inventory);
	if (rc == -EINVAL)
		diags_nest(dg, &d, where);
	else if (rc)
		diag_add(dg, where, "%s", strerror(-rc));
	else
		r->have_inv_file = true;
	return rc;
}

int zwd_rt_open(struct zwd *d, zwd_rt_fn fn, void *ctx, struct zwd_rt **out,
		struct diags *dg)
{
	struct zwd_rt *r = calloc(1, sizeof(*r));
	char socks[256];
	int rc;

	if (!r)
		return -ENOMEM;
	r->d = d;
	r->fn = fn;
	r->ctx = ctx;
	rc = zwd_rt_inventory_load(r, dg);
	if (rc) {
		free(r);
		return rc;
	}
	*out = r;
	if (!strcmp(d->cfg.runtime, "none")) {
		r->inventory_only = true;
		return 0;
	}
	if (strcmp(d->cfg.runtime, "auto")) {
		snprintf(r->uri, sizeof(r->uri), "%s", d->cfg.runtime);
		return zwd_rt_attach(r, dg);
	}
	if (rt_detect(r->uri, sizeof(r->uri)))
		return zwd_rt_attach(r, dg);
	rt_backend_list(socks, sizeof(socks), true, NULL, NULL);
	if (d->cfg.mode == CFG_MODE_LEARN) {
		zwd_log(LOG_WARNING, "runtime auto: no runtime answers on %s; learning with the "
			"inventory only", socks);
		r->inventory_only = true;
		return 0;
	}
	/* an empty index would put every container in the default zone */
	zwd_log(LOG_WARNING, "runtime auto: no runtime answers on %s (enable one, e.g. "
		"systemctl enable --now podman.socket, or set runtime = none for the inventory "
		"only); the tables in the kernel stay as they are, looking again every %d s",
		socks, ZWD_RT_DETECT_MS / 1000);
	r->detect_timer = loop_timer_add(d->loop, ZWD_RT_DETECT_MS, ZWD_RT_DETECT_MS,
					 zwd_rt_on_detect, r);
	if (!r->detect_timer) {
		diag_add(dg, "runtime", "%s", strerror(errno));
		return -errno;
	}
	return 0;
}

/* runtime = auto and nothing answered at the start: look again */
static void zwd_rt_on_detect(struct loop *l, void *arg)
{
	struct zwd_rt *r = arg;
	char line[DIAG_LINE_MAX];
	struct diags dg;

	if (!rt_detect(r->uri, sizeof(r->uri)))
		return;
	loop_source_del(r->detect_timer);
	r->detect_timer = NULL;
	zwd_log(LOG_NOTICE, "runtime auto: %s answers now", r->uri);
	diags_init(&dg);
	if (zwd_rt_attach(r, &dg)) {
		diags_summary(&dg, line, sizeof(line));
		zwd_log(LOG_ERR, "runtime %s: %s", r->uri, line);
	}
}

/* The index and the mapper for r->uri, and the mapper's first step. */
static int zwd_rt_attach(struct zwd_rt *r, struct diags *dg)
{
	struct zwd *d = r->d;
	char where[sizeof(r->uri) + sizeof(d->cfg.runtime_event_log) + 32];
	struct diags md;
	int rc;

	r->idx = id_index_new(&r->inv.rules, ZWD_RT_MAX_ADDRS, ZWD_RT_MAX_WORKLOADS);
	r->timer = loop_timer_add(d->loop, 0, 0, zwd_rt_on_timer, r);
	if (!r->idx || !r->timer) {
		diag_add(dg, "runtime", "%s", strerror(errno));
		return -ENOMEM;
	}
	diags_init(&md);
	r->mapper = rt_mapper_new(r->uri, r->idx, zwd_rt_report, r, &md);
	if (!r->mapper) {
		rc = errno == EINVAL ? -EINVAL : -ENOMEM;
		snprintf(where, sizeof(where), "runtime %s", r->uri);
		if (diags_any(&md))
			diags_nest(dg, &md, where);
		else
			diag_add(dg, where, "%s", strerror(-rc));
		return rc;
	}
	if (rt_mapper_set_event_log(r->mapper, d->cfg.runtime_event_log)) {
		snprintf(where, sizeof(where), "runtime_event_log %s", d->cfg.runtime_event_log);
		diag_add(dg, where, "not auto, none or an absolute path");
		return -EINVAL;
	}
	rt_mapper_set_fast_start(r->mapper, d->cfg.runtime_fast_start);
	/* the first connection runs now, so the mode starts from a full list;
	 * when it fails the loop retries with the mapper's backoff */
	zwd_rt_step(r);
	if (!rt_mapper_connected(r->mapper))
		zwd_log(LOG_WARNING, "runtime %s not reachable yet (%s); retrying in the "
			"background%s", r->uri, r->last_loss, d->cfg.mode == CFG_MODE_LEARN ? "" :
			": the tables in the kernel stay as they are until it answers");
	return 0;
}

void zwd_rt_free(struct zwd_rt *r)
{
	if (!r)
		return;
	loop_source_del(r->fd_src);
	loop_source_del(r->timer);
	loop_source_del(r->detect_timer);
	rt_mapper_free(r->mapper);
	id_index_free(r->idx);
	inv_free(&r->inv);
	free(r);
}

struct id_index *zwd_rt_index(struct zwd_rt *r)
{
	return r ? r->idx : NULL;
}

bool zwd_rt_runtime(struct zwd_rt *r, struct rt_source *out)
{
	if (!r || !r->idx)
		return false;
	*out = rt_source_index(r->idx);
	return true;
}

bool zwd_rt_inventory(struct zwd_rt *r, struct rt_source *out)
{
	if (!r || !r->have_inv_file)
		return false;
	*out = rt_source_inventory(&r->inv);
	return true;
}

bool zwd_rt_ready(const struct zwd_rt *r)
{
	return !r || r->inventory_only || r->synced_once;
}

const struct id_rules *zwd_rt_rules(struct zwd_rt *r)
{
	return &r->inv.rules;
}

void zwd_rt_metrics(struct zwd_rt *r)
{
	struct rt_evlog_stats st = { 0 };
	struct rt_fast_stats fs = { .last_miss = "" };

	if (!r)
		return;
	if (r->mapper) {
		rt_mapper_event_log(r->mapper, &st);
		rt_mapper_fast_start(r->mapper, &fs);
	}
	met_set(met_scalar(r->d->m.event_log_followed), st.path ? 1 : 0);
	met_set(met_scalar(r->d->m.runtime_down), zwd_rt_ready(r) ? 0 : 1);
	met_set(met_series_get1(r->d->m.fast_starts, "applied"), (double)fs.starts);
	met_set(met_series_get1(r->d->m.fast_starts, "missed"), (double)fs.misses);
	met_set(met_series_get1(r->d->m.fast_starts, "mismatched"), (double)fs.mismatches);
}

void zwd_rt_status(struct zwd_rt *r, json_t *o)
{
	struct rt_evlog_stats ev = { 0 };
	struct rt_fast_stats fs = { .last_miss = "" };
	int64_t since = 0;
	bool stale = r->idx && id_index_stale(r->idx, &since);

	json_object_set_new(o, "runtime", r->mapper ? json_string(r->uri) : json_null());
	json_object_set_new(o, "runtime_connected",
			    json_boolean(r->mapper && rt_mapper_connected(r->mapper)));
	json_object_set_new(o, "runtime_stale", json_boolean(stale));
	json_object_set_new(o, "runtime_down", json_boolean(!zwd_rt_ready(r)));
	json_object_set_new(o, "workloads", json_integer(r->idx ? id_index_count(r->idx) : 0));
	json_object_set_new(o, "runtime_events", json_integer(r->events));
	json_object_set_new(o, "runtime_resyncs", json_integer(r->syncs));
	json_object_set_new(o, "runtime_losses", json_integer(r->losses));
	json_object_set_new(o, "runtime_replayed_events",
			    json_integer(r->mapper ? (json_int_t)rt_mapper_replayed(r->mapper) : 0));
	if (r->mapper)
		rt_mapper_event_log(r->mapper, &ev);
	json_object_set_new(o, "runtime_event_log", ev.path ? json_string(ev.path) : json_null());
	json_object_set_new(o, "runtime_event_log_events", json_integer((json_int_t)ev.events));
	json_object_set_new(o, "runtime_event_log_dups", json_integer((json_int_t)ev.dups));
	json_object_set_new(o, "runtime_event_log_rotations", json_integer((json_int_t)ev.rotations));
	if (r->mapper)
		rt_mapper_fast_start(r->mapper, &fs);
	json_object_set_new(o, "runtime_fast_start", json_boolean(fs.on));
	json_object_set_new(o, "runtime_fast_starts", json_integer((json_int_t)fs.starts));
	json_object_set_new(o, "runtime_fast_misses", json_integer((json_int_t)fs.misses));
	json_object_set_new(o, "runtime_fast_mismatches", json_integer((json_int_t)fs.mismatches));
	json_object_set_new(o, "runtime_fast_last_miss", json_string(fs.last_miss));
}

bool zwd_bridge_wanted(const struct cfg *c, const char *name)
{
	size_t n = strlen(name);
	const char *p = c->bridges;

	if (!c->bridges[0])
		return true;
	while ((p = strstr(p, name))) {
		if ((p == c->bridges || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
		p += n;
	}
	return false;
}
