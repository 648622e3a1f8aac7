// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Monitor and enforce modes.  At start the policy is compiled against a
 * snapshot built from the identity index (running containers), the static
 * inventory and this namespace's bridges, and applied in one transaction.
 * After that every runtime change (an event applied to the index, a
 * resync) recompiles the model, which is pure and fast, and compares it
 * with the one in the kernel: when only set elements differ (the usual
 * case: addresses came or went) the differences go out as element updates,
 * one transaction per set, rules untouched.  Only a change of shape (a new
 * bridge) or a failed update replaces the tables, still atomically.
 *
 * While the runtime is unreachable the index keeps its last mapping, so the
 * elements stay as they were until a resync says otherwise; an address the
 * index does not know is in no map and gets the default zone's treatment
 * (fail closed).  Monitor mode turns every enforcing zone into a monitoring
 * one: the kernel logs and counts what enforce would drop, and accepts it.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#include "zonewall/bridge-learning.h"
#include "zonewall/brnf.h"
#include "zonewall/compile.h"
#include "zonewall/host.h"
#include "zonewall/identity.h"
#include "zonewall/inventory.h"
#include "zonewall/link.h"
#include "zonewall/monotonic.h"
#include "zonewall/nflog.h"
#include "zonewall/nsid.h"
#include "zonewall/nft.h"
#include "zonewall/policy.h"
#include "zonewall/rsdiff.h"
#include "zonewall/runtime.h"
#include "zonewall/safety.h"
#include "zwd.h"

#define ZWD_LAT_KEEP 4096	/* latency samples kept for status */
#define ZWD_DENIED_FILE "denied.jsonl"

struct zwd_lat {
	int64_t v[ZWD_LAT_KEEP];
	size_t n, next;
};

#define ZWD_STARTS_MAX 64	/* start samples per step; more go unmeasured */

struct zwd_start {
	int64_t recv_ns, inspect_ns, time_ns;
	char id[13];
	bool from_log;
};

/* The start that waited longest from its stamp to the kernel, to tell
 * where the time went: before our read (delivery) or after. */
struct zwd_slowest {
	char id[13];
	bool from_log;
	int64_t stamp_ns, event_ns, read_ns;	/* its stamp; stamp->kernel; stamp->read */
};

/* A container attachment's host-side veth found by zwd_port_find(). */
struct zwd_port {
	char key[192];			/* "ID PID NETWORK" */
	char veth[IF_NAMESIZE], bridge[IF_NAMESIZE];
	bool used;			/* in the snapshot being built */
};

struct zwd_enforce {
	struct zwd *d;
	struct zwd_rt *rt;
	struct pol_policy *pol;		/* in effect */
	struct pol_policy *prev;	/* before an apply waiting for confirm */
	char pol_path[PATH_MAX];
	struct cmp_snapshot *snap;	/* what rs was compiled from */
	struct rs_ruleset *rs;		/* what the kernel holds */
	struct nft_conn *nc;
	struct nft_features kernel;	/* probed at start and reload */
	bool kernel_probed;
	struct nflog_conn *nfl;
	struct loop_source *nfl_src, *lm_src, *link_timer;
	bool link_armed;		/* link_timer runs: a burst of link changes settles */
	struct link_monitor *lm;
	char **bridges;
	size_t n_bridges;
	int denied_fd;
	uint64_t denied_size, denied_rotations;	/* bytes in denied.jsonl now */
	json_t *unsanctioned;		/* array of {identity, name, id, zone} */
	uint64_t elem_updates, full_applies, update_failures, denied, nflog_overruns;
	uint64_t unsanctioned_seen;
	struct zwd_lat lat_total, lat_inspect, lat_ours;
	struct zwd_lat lat_event;	/* from the runtime's own event time (its clock) */
	struct zwd_slowest slowest;	/* of lat_event's samples */
	struct zwd_start starts[ZWD_STARTS_MAX];	/* start events awaiting their follow */
	size_t n_starts;
	bool follow_due;		/* runtime reports came in this step */
	/* where zwd_sync()'s time goes, summed over its runs (status follow_cost) */
	uint64_t cost_runs, cost_skipped;
	int64_t cost_snap_ns, cost_compile_ns, cost_diff_ns, cost_kernel_ns;
	struct mono_set verdicts;	/* zone-pair counters, monotonic across resets */
	struct zwd_port *ports;		/* veths found without the runtime mapper's help */
	size_t n_ports;
	struct nsid_links port_links;	/* dumped once per snapshot, when needed */
	uint64_t ports_found, ports_missing;
	char snap_problems[512];	/* what the last snapshot left out, as logged */
	char last_error[512];
};

/* --- latency samples ------------------------------------------------------------ */

static void zwd_lat_add(struct zwd_lat *l, int64_t ns)
{
	l->v[l->next] = ns;
	l->next = (l->next + 1) % ZWD_LAT_KEEP;
	if (l->n < ZWD_LAT_KEEP)
		l->n++;
}

static int zwd_i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static json_t *zwd_lat_json(const struct zwd_lat *l)
{
	int64_t *v;
	json_t *o;

	if (!l->n)
		return json_null();
	v = malloc(l->n * sizeof(*v));
	if (!v)
		return json_null();
	memcpy(v, l->v, l->n * sizeof(*v));
	qsort(v, l->n, sizeof(*v), zwd_i64_cmp);
	o = json_pack("{s:I, s:f, s:f, s:f}", "samples", (json_int_t)l->n,
		      "median_ms", v[l->n / 2] / 1e6,
		      "p99_ms", v[(l->n * 99) / 100 < l->n ? (l->n * 99) / 100 : l->n - 1] / 1e6,
		      "max_ms", v[l->n - 1] / 1e6);
	free(v);
	return o;
}

/* --- the snapshot --------------------------------------------------------------- */

/* --- host-side veths ------------------------------------------------------------------ */

/* Remember @key's port (@veth "" for a miss: the network is set up before
 * the start event, so asking again would not help; a container on another
 * namespace's bridge stays unknown). */
static const struct zwd_port *zwd_port_add(struct zwd_enforce *e, const char *key,
					   const char *veth, const char *bridge)
{
	struct zwd_port *p, *nv;

	nv = realloc(e->ports, (e->n_ports + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	e->ports = nv;
	p = &e->ports[e->n_ports++];
	memset(p, 0, sizeof(*p));
	snprintf(p->key, sizeof(p->key), "%s", key);
	p->used = true;
	if (!veth[0]) {
		e->ports_missing++;
		return NULL;
	}
	snprintf(p->veth, sizeof(p->veth), "%s", veth);
	snprintf(p->bridge, sizeof(p->bridge), "%s", bridge);
	e->ports_found++;
	return p;
}

/*
 * What the runtime mapper left unknown when it inspected the container is
 * asked again once, at its first snapshot, the same way (nsid.h: namespace
 * id and MAC, which need no access to the container's process), and
 * remembered per container process: without the veth a container's port
 * is not bound and anti-spoofing does not cover it.
 */
static const struct zwd_port *zwd_port_find(struct zwd_enforce *e, const struct id_workload *iw,
					    const struct id_net *n)
{
	char key[sizeof(e->ports->key)], veth[IF_NAMESIZE], bridge[IF_NAMESIZE];

	snprintf(key, sizeof(key), "%s %d %s", iw->id, iw->pid, n->name);
	for (size_t i = 0; i < e->n_ports; i++)
		if (!strcmp(e->ports[i].key, key)) {
			e->ports[i].used = true;
			return e->ports[i].veth[0] ? &e->ports[i] : NULL;
		}
	nsid_port_resolve(iw->pid, n->mac, n->gateway, iw->n_nets, &e->port_links, veth,
			  sizeof(veth), bridge, sizeof(bridge));
	return zwd_port_add(e, key, veth, bridge);
}

/* After a snapshot: forget the containers that are gone, and the dump. */
static void zwd_ports_sweep(struct zwd_enforce *e)
{
	size_t j = 0;

	for (size_t i = 0; i < e->n_ports; i++)
		if (e->ports[i].used) {
			e->ports[i].used = false;
			e->ports[j++] = e->ports[i];
		}
	e->n_ports = j;
	nsid_links_free(&e->port_links);
}

/* --- the snapshot, continued -------------------------------------------------------------- */

static bool zwd_snap_bridge_wanted(const char *bridge, void *ctx)
{
	struct zwd_enforce *e = ctx;

	return zwd_bridge_wanted(&e->d->cfg, bridge);
}

static int zwd_snap_port_find(const struct id_workload *iw, const struct id_net *n, char *veth,
			      size_t vlen, char *bridge, size_t blen, void *ctx)
{
	const struct zwd_port *p = zwd_port_find(ctx, iw, n);

	if (!p)
		return -ENOENT;
	snprintf(veth, vlen, "%s", p->veth);
	snprintf(bridge, blen, "%s", p->bridge);
	return 0;
}

/* Log what the snapshot left out when that changes, not at every sync. */
static void zwd_snap_report(struct zwd_enforce *e, const struct diags *d)
{
	char line[sizeof(e->snap_problems)] = "";

	if (d->n)
		diags_summary(d, line, sizeof(line));
	if (strcmp(line, e->snap_problems) && line[0])
		zwd_log(LOG_WARNING, "snapshot: left out: %s", line);
	snprintf(e->snap_problems, sizeof(e->snap_problems), "%s", line);
}

/* The snapshot now (host_snap_build(), as `zonewall apply` builds it);
 * NULL with errno and @why set. */
static struct cmp_snapshot *zwd_snap_build(struct zwd_enforce *e, char *why, size_t whylen)
{
	const struct inv *inv = zwd_rt_inventory(e->rt);
	struct host_src src = {
		.inv = inv,
		.at = host_index_at, .set = zwd_rt_index(e->rt),
		.bridges = (const char *const *)e->bridges, .n_bridges = e->n_bridges,
		.bridge_wanted = zwd_snap_bridge_wanted, .port_find = zwd_snap_port_find,
		.ctx = e,
	};
	struct cmp_snapshot *s = NULL;
	struct diags d;
	int rc;

	if (!src.set)
		src.at = NULL;
	/* inventory entries' ports are found behind the bridges' veths */
	if (inv && inv->n && !e->port_links.valid && link_list_dump(&e->port_links.l) == 0)
		e->port_links.valid = true;
	if (e->port_links.valid)
		src.links = &e->port_links.l;
	diags_init(&d);
	rc = host_snap_build(&src, &s, &d);
	zwd_ports_sweep(e);
	if (rc) {
		diags_summary(&d, why, whylen);
		errno = -rc;
		return NULL;
	}
	zwd_snap_report(e, &d);
	return s;
}

static void zwd_bridges_drop(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Re-read the bridges; *@changed (optional) says whether the list differs. */
static int zwd_bridges_read(struct zwd_enforce *e, bool *changed)
{
	struct link_list l;
	char **nv;
	size_t n = 0, bad = 0;
	int rc = link_list_dump(&l);

	if (rc)
		return rc;
	nv = calloc(l.n ? l.n : 1, sizeof(*nv));
	for (size_t i = 0; nv && i < l.n; i++)
		if (link_is_bridge(&l.v[i]) && zwd_bridge_wanted(&e->d->cfg, l.v[i].name) &&
		    (nv[n] = strdup(l.v[i].name)))
			n++;
	link_list_free(&l);
	if (!nv)
		return -ENOMEM;
	if (changed) {
		*changed = n != e->n_bridges;
		for (size_t i = 0; !*changed && i < n; i++)
			*changed = strcmp(nv[i], e->bridges[i]) != 0;
	}
	zwd_bridges_drop(e->bridges, e->n_bridges);
	e->bridges = nv;
	e->n_bridges = n;
	if ((!changed || *changed) && (rc = brlearn_linklocal_off(nv, n, &bad)) < 0)
		zwd_log(LOG_WARNING, "bridge %s: cannot turn off learning from link-local frames "
			"(no_linklocal_learn): %s", nv[bad], strerror(-rc));
	return 0;
}

/* --- unsanctioned workloads ------------------------------------------------------- */

static bool zwd_rule_names(const struct pol_policy *p, const char *identity)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (!strcmp(p->rules[i].from, identity) || !strcmp(p->rules[i].to, identity))
			return true;
	return false;
}

/* A container no allow rule names and no zone claims (it lands in the
 * default zone) is unsanctioned: reported, and treated as the default zone. */
static void zwd_unsanctioned_update(struct zwd_enforce *e)
{
	json_t *now, *o;
	size_t i, j;

	if (!e->snap)
		return;
	now = json_array();
	for (i = 0; now && i < e->snap->n; i++) {
		const struct cmp_workload *w = e->snap->w[i];
		bool known = false;

		if (strncmp(w->origin, "container ", 10) || zwd_rule_names(e->pol, w->identity) ||
		    cmp_zone_index(e->pol, w, NULL) != e->pol->default_zone)
			continue;
		json_array_foreach(now, j, o)
			known = known || !strcmp(json_string_value(json_object_get(o, "origin")),
						 w->origin);
		if (!known)
			json_array_append_new(now, json_pack("{s:s, s:s, s:s}", "identity",
				w->identity, "origin", w->origin, "zone",
				e->pol->zones[e->pol->default_zone].name));
	}
	if (!now)
		return;
	json_array_foreach(now, i, o) {
		bool seen = false;

		for (j = 0; e->unsanctioned && j < json_array_size(e->unsanctioned); j++)
			seen = seen || json_equal(json_array_get(e->unsanctioned, j), o);
		if (seen)
			continue;
		e->unsanctioned_seen++;
		zwd_log(LOG_WARNING, "unsanctioned workload: %s, identity %s: no policy rule or "
			"zone knows it; it gets the default zone's (%s) treatment",
			json_string_value(json_object_get(o, "origin")),
			json_string_value(json_object_get(o, "identity")),
			json_string_value(json_object_get(o, "zone")));
	}
	json_decref(e->unsanctioned);
	e->unsanctioned = now;
	met_set(met_scalar(e->d->m.unsanctioned), (double)json_array_size(now));
}

/* --- compile and apply ---------------------------------------------------------------- */

static void zwd_apply_timed(struct zwd_enforce *e, int64_t t0)
{
	met_add(met_scalar(e->d->m.apply_seconds), (double)(rt_now_ns() - t0) / 1e9);
	met_inc(met_scalar(e->d->m.apply_total));
}

static struct rs_ruleset *zwd_compile(struct zwd_enforce *e, const struct pol_policy *p,
				      const struct cmp_snapshot *s, char *why, size_t whylen)
{
	struct cmp_options co = { .log_group = (uint16_t)e->d->cfg.nflog_group,
				  .log_rate = e->d->cfg.deny_log_rate };
	struct rs_ruleset *rs = cmp_compile(p, s, &co, NULL, why, whylen);

	if (!rs && errno != EINVAL)
		snprintf(why, whylen, "compile: %s", strerror(errno));
	return rs;
}

/*
 * The zone-pair counters in the kernel now, summed per label set, as an
 * object "FROM\tTO\tKIND" -> packets (a new reference; NULL when the table
 * cannot be read).
 */
static json_t *zwd_verdict_counts(struct zwd_enforce *e)
{
	char from[POL_ZONE_NAME_MAX + 1], to[POL_ZONE_NAME_MAX + 1], key[2 * POL_ZONE_NAME_MAX + 32];
	struct nft_status st;
	json_t *o;
	bool border;

	/* the counters only: a scrape must not dump every set element */
	if (!e->nc || nft_rules_read(e->nc, RS_INET, CMP_TABLE, &st))
		return NULL;
	o = json_object();
	for (size_t i = 0; o && i < st.n_rules; i++) {
		enum cmp_count_kind k = cmp_count_parse(st.rules[i].comment, from, to, &border);
		json_t *v;

		if (k == CMP_COUNT_NONE || !st.rules[i].has_counter || !from[0])
			continue;
		snprintf(key, sizeof(key), "%s\t%s\t%s", from, to, cmp_count_name(k));
		v = json_object_get(o, key);
		json_object_set_new(o, key, json_integer((v ? json_integer_value(v) : 0) +
							 (json_int_t)st.rules[i].packets));
	}
	nft_status_free(&st);
	return o;
}

/* Replace our tables by @rs in one transaction.  The zone-pair counters
 * are named objects that the replacement keeps: they go on counting. */
static int zwd_apply_full(struct zwd_enforce *e, const struct rs_ruleset *rs, char *why,
			  size_t whylen)
{
	struct nft_error ne = { 0 };
	int64_t t0 = rt_now_ns();
	int rc = nft_apply(e->nc, rs, &ne);

	zwd_apply_timed(e, t0);
	if (rc)
		snprintf(why, whylen, "%s", ne.text[0] ? ne.text : strerror(-rc));
	else
		e->full_applies++;
	return rc;
}

/* Every set's changes in one transaction: one round trip to the kernel per
 * event however many sets (zones, ports, families) it touches. */
static int zwd_elems_send(struct zwd_enforce *e, const struct rsd_diff *df, struct nft_error *ne)
{
	struct nft_elems_change *v;
	int rc;

	if (!df->n)
		return 0;
	v = calloc(df->n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < df->n; i++)
		v[i] = (struct nft_elems_change){ .family = df->v[i].family,
			.table = df->v[i].table, .add = df->v[i].add, .del = df->v[i].del };
	rc = nft_elems_update_many(e->nc, v, df->n, ne);
	free(v);
	return rc;
}

/* Element updates for a model of the same shape; -EAGAIN when a full apply is needed. */
static int zwd_apply_elems(struct zwd_enforce *e, const struct rs_ruleset *rs, char *why,
			   size_t whylen)
{
	struct nft_error ne = { 0 };
	struct rsd_diff df;
	int64_t t0;
	int64_t td = rt_now_ns();
	int rc = rsd_diff(e->rs, rs, &df);

	e->cost_diff_ns += rt_now_ns() - td;
	if (rc == -EINVAL)
		return -EAGAIN;
	if (rc)
		return rc;
	t0 = rt_now_ns();
	rc = zwd_elems_send(e, &df, &ne);
	e->cost_kernel_ns += rt_now_ns() - t0;
	if (df.n)
		zwd_apply_timed(e, t0);
	if (rc) {
		snprintf(why, whylen, "element update: %s", ne.text[0] ? ne.text : strerror(-rc));
		e->update_failures++;
		rc = -EAGAIN;
	} else if (df.n) {
		e->elem_updates++;
	}
	rsd_diff_free(&df);
	return rc;
}

/*
 * Bring the kernel in line with @p on the current snapshot.  @full forces a
 * table replacement (start, reload, apply).  On success the model and
 * snapshot are kept; on failure the kernel keeps what it had.
 */
static int zwd_sync(struct zwd_enforce *e, const struct pol_policy *p, bool full, char *why,
		    size_t whylen)
{
	int64_t t0 = rt_now_ns(), t1;
	struct cmp_snapshot *s;
	struct rs_ruleset *rs;
	int rc;

	why[0] = '\0';
	if (!zwd_rt_ready(e->rt)) {
		snprintf(why, whylen, "the container runtime has not answered since the start: "
			 "the tables in the kernel are left as they are");
		return -EAGAIN;
	}
	s = zwd_snap_build(e, why, whylen);
	t1 = rt_now_ns();
	e->cost_runs++;
	e->cost_snap_ns += t1 - t0;
	if (!s) {
		rc = -errno;
		if (!why[0])
			snprintf(why, whylen, "snapshot: %s", strerror(-rc));
		return rc;
	}
	/* most runtime events (kill, die, a superseded inspect, another
	 * namespace's container) leave the snapshot as it was: nothing to do */
	if (!full && e->rs && p == e->pol && cmp_snap_equal(s, e->snap)) {
		e->cost_skipped++;
		cmp_snap_free(s);
		return 0;
	}
	rs = zwd_compile(e, p, s, why, whylen);
	e->cost_compile_ns += rt_now_ns() - t1;
	if (!rs) {
		cmp_snap_free(s);
		return -EINVAL;
	}
	rc = full || !e->rs ? -EAGAIN : zwd_apply_elems(e, rs, why, whylen);
	if (rc == -EAGAIN) {
		if (!full && e->rs)
			zwd_log(LOG_NOTICE, "replacing the tables (%s)",
				why[0] ? why : "the ruleset's shape changed");
		rc = zwd_apply_full(e, rs, why, whylen);
	}
	if (rc) {
		rs_ruleset_free(rs);
		cmp_snap_free(s);
		return rc;
	}
	rs_ruleset_free(e->rs);
	cmp_snap_free(e->snap);
	e->rs = rs;
	e->snap = s;
	return 0;
}

static void zwd_follow(struct zwd_enforce *e)
{
	char why[512] = "";

	if (zwd_sync(e, e->pol, false, why, sizeof(why))) {
		snprintf(e->last_error, sizeof(e->last_error), "%s", why);
		zwd_log(LOG_ERR, "cannot follow the runtime: %s (the kernel keeps the last "
			"elements)", why);
		return;
	}
	zwd_unsanctioned_update(e);
}

/* A start event's times, kept until the follow that covers it is acked. */
static void zwd_start_note(struct zwd_enforce *e, const struct rt_report *r)
{
	struct zwd_start *st;

	/* a superseded start was not inspected: the later event's sample counts;
	 * a start applied provisionally was sampled then, not at its confirmation */
	if (r->kind != RT_REP_EVENT || strcmp(r->ev->action, "start") || r->superseded ||
	    r->confirms || e->n_starts == ZWD_STARTS_MAX)
		return;
	st = &e->starts[e->n_starts++];
	st->recv_ns = r->ev->recv_ns;
	st->time_ns = r->ev->time_ns;
	snprintf(st->id, sizeof(st->id), "%.12s", r->ev->id);
	st->from_log = r->ev->from_log;
	/* the engine's part: waiting for the inspect's answer when the mapper
	 * measured it, else everything up to the index update */
	st->inspect_ns = r->inspect_ns > 0 ? r->inspect_ns : r->applied_ns - r->ev->recv_ns;
}

static void zwd_starts_acked(struct zwd_enforce *e)
{
	int64_t acked = rt_now_ns(), wall;
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	wall = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	for (size_t i = 0; i < e->n_starts; i++) {
		const struct zwd_start *st = &e->starts[i];

		zwd_lat_add(&e->lat_total, acked - st->recv_ns);
		zwd_lat_add(&e->lat_inspect, st->inspect_ns);
		zwd_lat_add(&e->lat_ours, acked - st->recv_ns - st->inspect_ns);
		/* the runtime stamps events with the wall clock: this includes
		 * its delivery and our reading of the stream, recv_ns does not */
		if (st->time_ns > 0)
			zwd_lat_add(&e->lat_event, wall - st->time_ns);
		if (st->time_ns > 0 && wall - st->time_ns > e->slowest.event_ns) {
			e->slowest = (struct zwd_slowest){ .from_log = st->from_log,
				.stamp_ns = st->time_ns, .event_ns = wall - st->time_ns,
				.read_ns = st->recv_ns - st->time_ns };
			memcpy(e->slowest.id, st->id, sizeof(st->id));
		}
	}
	e->n_starts = 0;
}

/*
 * The mapper reports every event of a step (a container's stop brings
 * die, disconnect and stop at once), then NULL: one follow covers them
 * all.  Following per event recompiled for each, and a start's answer
 * waited behind the recompiles of the events before it.
 */
static void zwd_enforce_on_runtime(void *ctx, const struct rt_report *r)
{
	struct zwd_enforce *e = ctx;

	if (r) {
		if (r->kind == RT_REP_EVENT || r->kind == RT_REP_SYNCED)
			e->follow_due = true;
		zwd_start_note(e, r);
		return;
	}
	if (!e->follow_due)
		return;
	e->follow_due = false;
	zwd_follow(e);
	zwd_starts_acked(e);
}

/*
 * Link changes come in bursts (every container start or stop adds or
 * removes a veth, and its peer, and changes the bridge's state): they are
 * coalesced for ZWD_LINK_SETTLE_MS, and the tables are recompiled only when
 * the set of bridges changed.  A container's own bridge already reaches the
 * snapshot through its start event; this catches bridges nobody uses yet.
 * Re-dumping and recompiling per link message kept the loop busy while
 * start events waited behind it.
 */
#define ZWD_LINK_SETTLE_MS 20

static void zwd_enforce_on_link_timer(struct loop *lp, void *arg)
{
	struct zwd_enforce *e = arg;
	bool changed = false;

	loop_timer_set(e->link_timer, 0, 0);
	e->link_armed = false;
	if (zwd_bridges_read(e, &changed) == 0 && changed)
		zwd_follow(e);	/* a new bridge changes the shape: the tables are replaced */
}

static void zwd_enforce_on_links(struct loop *lp, int fd, uint32_t events, void *arg)
{
	struct zwd_enforce *e = arg;

	/* only bridges change the tables' shape; ports come with start events */
	if (link_monitor_drain(e->lm) <= 0 || !link_monitor_bridge_news(e->lm) || e->link_armed)
		return;
	if (e->link_timer && loop_timer_set(e->link_timer, ZWD_LINK_SETTLE_MS, 0) == 0)
		e->link_armed = true;
	else
		zwd_enforce_on_link_timer(lp, e);
}

/* --- refused flows (NFLOG) --------------------------------------------------------------- */

/* (Re)open STATE_DIR/denied.jsonl for appending; it may hold lines already. */
static void zwd_denied_open(struct zwd_enforce *e)
{
	char path[PATH_MAX + 32];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", e->d->cfg.state_dir, ZWD_DENIED_FILE);
	e->denied_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (e->denied_fd < 0)
		zwd_log(LOG_ERR, "denied log %s: %s", path, strerror(errno));
	e->denied_size = e->denied_fd >= 0 && fstat(e->denied_fd, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* Bounded on disk: past denied_log_max bytes the file becomes denied.jsonl.1
 * (replacing the previous one) and a new one starts.  Lines stay whole. */
static void zwd_denied_rotate(struct zwd_enforce *e)
{
	char from[PATH_MAX + 32], to[PATH_MAX + 32];

	snprintf(from, sizeof(from), "%s/%s", e->d->cfg.state_dir, ZWD_DENIED_FILE);
	snprintf(to, sizeof(to), "%s/%s.1", e->d->cfg.state_dir, ZWD_DENIED_FILE);
	if (rename(from, to) < 0) {
		snprintf(e->last_error, sizeof(e->last_error), "denied log: rotate: %s",
			 strerror(errno));
		return;		/* keep appending rather than lose lines */
	}
	close(e->denied_fd);
	e->denied_rotations++;
	zwd_denied_open(e);
}

static void zwd_denied_write(struct zwd_enforce *e, json_t *row)
{
	char *line = json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t len;

	if (!line || e->denied_fd < 0) {
		free(line);
		return;
	}
	len = strlen(line);
	line[len] = '\n';	/* json_dumps' NUL becomes the newline: one write, one line */
	if (e->denied_size && e->denied_size + len + 1 > e->d->cfg.denied_log_max)
		zwd_denied_rotate(e);
	if (e->denied_fd >= 0 && write(e->denied_fd, line, len + 1) < 0)
		snprintf(e->last_error, sizeof(e->last_error), "denied log: %s", strerror(errno));
	else
		e->denied_size += len + 1;
	free(line);
}

static void zwd_on_nflog_event(void *ctx, const struct nflog_event *ev)
{
	struct zwd_enforce *e = ctx;
	char port[IF_NAMESIZE] = "";
	struct cmp_logtag tag;
	json_t *row;

	if (!e->snap || !cmp_logtag_parse(ev->prefix, &tag))
		return;
	/* the bridge table's are named by the port they came in by */
	if (tag.spoofed)
		nflog_in_port(ev, port);
	row = cmp_log_row(e->snap, e->pol, &tag, port, ev->hw_proto, ev->payload, ev->len,
			  ev->time_ns);
	if (!row)
		return;
	e->denied++;
	zwd_denied_write(e, row);
	zwd_denied_publish(e->d, row);
	json_decref(row);
}

static void zwd_on_nflog(struct loop *lp, int fd, uint32_t events, void *arg)
{
	struct zwd_enforce *e = arg;
	int rc = nflog_read(e->nfl, 0, zwd_on_nflog_event, e);

	if (rc == -ENOBUFS)
		e->nflog_overruns++;
}

/* --- lifecycle -------------------------------------------------------------------------- */

/* The policy at @path, with enforcing zones turned to monitoring in monitor mode. */
static int zwd_policy_read(struct zwd_enforce *e, const char *path, struct pol_policy **out,
			   char *why, size_t whylen)
{
	struct pol_policy *p;
	struct diags dg;
	int rc = safe_file_check("policy", path, why, whylen);

	if (rc)
		return rc;
	diags_init(&dg);
	p = pol_load(path, &dg);
	if (!p) {
		snprintf(why, whylen, "policy %s: %s: %s%s", path, dg.n ? dg.v[0].where : "$",
			 dg.n ? dg.v[0].msg : strerror(errno),
			 dg.n > 1 ? " (and more; see zonewall validate)" : "");
		return -EINVAL;
	}
	for (size_t i = 0; e->d->cfg.mode == CFG_MODE_MONITOR && i < p->n_zones; i++)
		if (p->zones[i].mode == POL_MODE_ENFORCE)
			p->zones[i].mode = POL_MODE_MONITOR;
	*out = p;
	return 0;
}

static int zwd_enforce_open(struct zwd_enforce *e, char *why, size_t whylen)
{
	int rc;

	e->nc = nft_open();
	if (!e->nc) {
		snprintf(why, whylen, "cannot open nf_tables netlink: %s", strerror(errno));
		return -errno;
	}
	e->nfl = nflog_open((uint16_t)e->d->cfg.nflog_group, 128);
	if (!e->nfl) {
		snprintf(why, whylen, "NFLOG group %u: %s%s", e->d->cfg.nflog_group, strerror(errno),
			 errno == EBUSY ? " (another listener has it)" : "");
		return -errno;
	}
	e->nfl_src = loop_fd_add(e->d->loop, nflog_fd(e->nfl), EPOLLIN, zwd_on_nflog, e);
	rc = link_monitor_open(&e->lm);
	if (rc || !e->nfl_src) {
		snprintf(why, whylen, "watching links and NFLOG: %s", strerror(rc ? -rc : errno));
		return rc ? rc : -errno;
	}
	e->lm_src = loop_fd_add(e->d->loop, link_monitor_fd(e->lm), EPOLLIN,
				zwd_enforce_on_links, e);
	e->link_timer = loop_timer_add(e->d->loop, 0, 0, zwd_enforce_on_link_timer, e);
	zwd_denied_open(e);
	return zwd_bridges_read(e, NULL);
}

/*
 * Which traffic the kernel lets the tables judge: said once at start and at
 * each reload (br_netfilter's switches are sysctls anyone may flip), loudly
 * when containers on one bridge are not held to the policy.
 */
static void zwd_kernel_probe(struct zwd_enforce *e)
{
	bool same_bridge;
	const char *path;
	int rc = nft_probe(e->nc, &e->kernel);

	e->kernel_probed = rc == 0;
	if (rc) {
		zwd_log(LOG_WARNING, "cannot probe the kernel's paths: %s", strerror(-rc));
		return;
	}
	brnf_features_for(&e->kernel, e->bridges, e->n_bridges);
	path = nft_kernel_path(&e->kernel, &same_bridge);
	zwd_log(same_bridge ? LOG_INFO : LOG_WARNING, "kernel path: %s", path);
}

int zwd_enforce_start(struct zwd *d, struct zwd_enforce **out, char *why, size_t whylen)
{
	struct zwd_enforce *e = calloc(1, sizeof(*e));
	int rc;

	if (!e)
		return -ENOMEM;
	*out = e;
	e->d = d;
	e->denied_fd = -1;
	snprintf(e->pol_path, sizeof(e->pol_path), "%s", d->cfg.policy);
	rc = zwd_policy_read(e, d->cfg.policy, &e->pol, why, whylen);
	if (!rc)
		rc = zwd_enforce_open(e, why, whylen);
	/* the runtime's first sync runs inside zwd_rt_open(), before the first
	 * apply: its report finds e->rs NULL and does the full apply itself */
	if (!rc)
		rc = zwd_rt_open(d, zwd_enforce_on_runtime, e, &e->rt, why, whylen);
	if (!rc && !e->rs && zwd_rt_ready(e->rt))
		rc = zwd_sync(e, e->pol, true, why, whylen);
	if (rc)
		return rc;
	zwd_kernel_probe(e);
	if (!e->rs) {
		/* the first answer of the runtime applies it (zwd_follow) */
		zwd_log(LOG_WARNING, "%s: policy %s not applied yet: the container runtime has not "
			"answered; the tables in the kernel stay as they are", cfg_mode_name(d->cfg.mode),
			d->cfg.policy);
		return 0;
	}
	zwd_unsanctioned_update(e);
	zwd_log(LOG_NOTICE, "%s: policy %s applied: %zu endpoints, %zu zones; NFLOG group %u",
		cfg_mode_name(d->cfg.mode), d->cfg.policy, e->snap->n, e->pol->n_zones,
		d->cfg.nflog_group);
	return 0;
}

int zwd_enforce_reload(struct zwd_enforce *e, const struct cfg *next, char *why, size_t whylen)
{
	struct pol_policy *p;
	int rc;

	if (e->d->pending.armed) {
		snprintf(why, whylen, "a change waits for confirm (%s): confirm it or let it roll "
			 "back first", e->d->pending.what);
		return -EBUSY;
	}
	rc = zwd_policy_read(e, next->policy, &p, why, whylen);
	if (rc)
		return rc;
	rc = zwd_sync(e, p, true, why, whylen);
	if (rc) {
		pol_free(p);	/* the kernel keeps the tables of the old policy */
		return rc;
	}
	pol_free(e->pol);
	e->pol = p;
	snprintf(e->pol_path, sizeof(e->pol_path), "%s", next->policy);
	zwd_unsanctioned_update(e);
	zwd_kernel_probe(e);
	return 0;
}

/* --- apply with a safety net ----------------------------------------------------------- */

static void zwd_apply_rollback(void *arg)
{
	struct zwd_enforce *e = arg;
	struct pol_policy *p = e->prev;
	char why[512] = "";

	e->prev = NULL;
	if (!p)
		return;
	if (zwd_sync(e, p, true, why, sizeof(why))) {
		zwd_log(LOG_CRIT, "rollback failed: %s (the unconfirmed policy stays)", why);
		pol_free(p);
		return;
	}
	pol_free(e->pol);
	e->pol = p;
	zwd_unsanctioned_update(e);
	zwd_log(LOG_WARNING, "rolled back to the previous policy");
}

static void zwd_apply_confirmed(void *arg)
{
	struct zwd_enforce *e = arg;

	pol_free(e->prev);
	e->prev = NULL;
}

int zwd_enforce_apply_cmd(struct zwd_enforce *e, struct ctl_call *call)
{
	json_t *jp = json_object_get(call->req, "policy"), *jc = json_object_get(call->req,
										  "confirm_within");
	const char *path = jp ? json_string_value(jp) : e->d->cfg.policy;
	unsigned int within = jc ? (unsigned int)json_integer_value(jc) : 0;

	/* a safety net asked for without a time: the configured one */
	if (!within && json_is_true(json_object_get(call->req, "confirm")))
		within = e->d->cfg.confirm_timeout;
	struct pol_policy *p;
	char why[512] = "", what[128];
	int rc;

	if (e->d->pending.armed)
		return ctl_call_fail(call, -EBUSY, "a change already waits for confirm: %s",
				     e->d->pending.what);
	rc = zwd_policy_read(e, path, &p, why, sizeof(why));
	if (rc)
		return ctl_call_fail(call, rc, "%s (nothing changed)", why);
	rc = zwd_sync(e, p, true, why, sizeof(why));
	if (rc) {
		pol_free(p);
		return ctl_call_fail(call, rc, "%s (nothing changed)", why);
	}
	e->prev = e->pol;
	e->pol = p;
	zwd_unsanctioned_update(e);
	snprintf(what, sizeof(what), "apply %.100s", path);
	if (within) {
		rc = zwd_pending_arm(e->d, within, what, call->peer, zwd_apply_rollback,
				     zwd_apply_confirmed, e);
		if (rc) {
			zwd_apply_rollback(e);
			return ctl_call_fail(call, rc, "cannot arm the confirm timer: %s",
					     strerror(-rc));
		}
	} else {
		zwd_apply_confirmed(e);
	}
	snprintf(call->detail, sizeof(call->detail), "%s%s", what,
		 within ? " (waiting for confirm)" : "");
	zwd_log(LOG_NOTICE, "%s by %s (uid %u pid %d)%s", what, call->peer->user,
		(unsigned int)call->peer->uid, (int)call->peer->pid,
		within ? ": confirm or it rolls back" : "");
	json_object_set_new(call->reply, "applied", json_string(path));
	json_object_set_new(call->reply, "confirm_within", json_integer(within));
	return 0;
}

/* --- status and metrics ------------------------------------------------------------------- */

/* Mean microseconds per sync of each step (snapshot: every sync; compile and
 * diff: the syncs that were not skipped; kernel: per element update). */
static json_t *zwd_cost_json(const struct zwd_enforce *e)
{
	double runs = e->cost_runs ? (double)e->cost_runs : 1;
	double upd = e->elem_updates ? (double)e->elem_updates : 1;
	double built = e->cost_runs > e->cost_skipped ? (double)(e->cost_runs - e->cost_skipped) : 1;

	return json_pack("{s:I, s:I, s:f, s:f, s:f, s:f}", "syncs", (json_int_t)e->cost_runs,
			 "unchanged", (json_int_t)e->cost_skipped,
			 "snapshot_us", (double)e->cost_snap_ns / runs / 1e3,
			 "compile_us", (double)e->cost_compile_ns / built / 1e3,
			 "diff_us", (double)e->cost_diff_ns / built / 1e3,
			 "kernel_us_per_update", (double)e->cost_kernel_ns / upd / 1e3);
}

void zwd_enforce_status(struct zwd_enforce *e, json_t *o)
{
	bool same_bridge = false;
	const char *path = e->kernel_probed ? nft_kernel_path(&e->kernel, &same_bridge) :
			   "unknown (probe failed)";

	json_object_set_new(o, "kernel_path", json_string(path));
	json_object_set_new(o, "same_bridge_enforced", json_boolean(same_bridge));
	json_object_set_new(o, "policy", json_string(e->pol_path));
	json_object_set_new(o, "policy_loaded", json_boolean(e->pol != NULL));
	json_object_set_new(o, "endpoints", json_integer(e->snap ? (json_int_t)e->snap->n : 0));
	json_object_set_new(o, "unsanctioned", e->unsanctioned ? json_incref(e->unsanctioned) :
			    json_array());
	json_object_set_new(o, "element_updates", json_integer((json_int_t)e->elem_updates));
	json_object_set_new(o, "full_applies", json_integer((json_int_t)e->full_applies));
	json_object_set_new(o, "update_failures", json_integer((json_int_t)e->update_failures));
	json_object_set_new(o, "denied", json_integer((json_int_t)e->denied));
	json_object_set_new(o, "nflog_overruns", json_integer((json_int_t)e->nflog_overruns));
	json_object_set_new(o, "ports_found_by_nsid", json_integer((json_int_t)e->ports_found));
	json_object_set_new(o, "ports_unresolved", json_integer((json_int_t)e->ports_missing));
	json_object_set_new(o, "denied_log_bytes", json_integer((json_int_t)e->denied_size));
	json_object_set_new(o, "denied_log_rotations",
			    json_integer((json_int_t)e->denied_rotations));
	json_object_set_new(o, "start_to_kernel", zwd_lat_json(&e->lat_total));
	json_object_set_new(o, "event_to_kernel", zwd_lat_json(&e->lat_event));
	json_object_set_new(o, "event_to_kernel_slowest", e->slowest.stamp_ns ?
		json_pack("{s:s, s:s, s:f, s:f, s:f}", "id", e->slowest.id,
			  "via", e->slowest.from_log ? "event log" : "stream",
			  "stamp", (double)e->slowest.stamp_ns / 1e9,
			  "ms", (double)e->slowest.event_ns / 1e6,
			  "read_after_ms", (double)e->slowest.read_ns / 1e6) : json_null());
	json_object_set_new(o, "start_inspect", zwd_lat_json(&e->lat_inspect));
	json_object_set_new(o, "start_ours", zwd_lat_json(&e->lat_ours));
	json_object_set_new(o, "follow_cost", zwd_cost_json(e));
	json_object_set_new(o, "last_error", e->last_error[0] ? json_string(e->last_error) :
			    json_null());
	zwd_rt_status(e->rt, o);
}

void zwd_enforce_metrics(struct zwd_enforce *e)
{
	json_t *counts = zwd_verdict_counts(e), *v;
	char labels[2 * POL_ZONE_NAME_MAX + 32];
	const char *key;

	json_object_foreach(counts, key, v) {
		uint64_t total = mono_observe(&e->verdicts, key, (uint64_t)json_integer_value(v));
		char *to, *kind;

		snprintf(labels, sizeof(labels), "%s", key);
		to = strchr(labels, '\t');
		kind = to ? strchr(to + 1, '\t') : NULL;
		if (!kind)
			continue;
		*to++ = '\0';
		*kind++ = '\0';
		const char *lv[] = { labels, to, kind };

		met_set(met_series_get(e->d->m.verdicts, lv), (double)total);
	}
	json_decref(counts);
	zwd_rt_metrics(e->rt);
}

void zwd_enforce_free(struct zwd_enforce *e)
{
	if (!e)
		return;
	zwd_rt_free(e->rt);
	loop_source_del(e->nfl_src);
	loop_source_del(e->lm_src);
	loop_source_del(e->link_timer);
	nflog_close(e->nfl);
	link_monitor_free(e->lm);
	nft_close(e->nc);
	rs_ruleset_free(e->rs);
	cmp_snap_free(e->snap);
	pol_free(e->pol);
	pol_free(e->prev);
	zwd_bridges_drop(e->bridges, e->n_bridges);
	json_decref(e->unsanctioned);
	mono_free(&e->verdicts);
	free(e->ports);
	if (e->denied_fd >= 0)
		close(e->denied_fd);
	free(e);
}
