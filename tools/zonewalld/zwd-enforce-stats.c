// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What monitor and enforce say about themselves: latency samples from a
 * container's start to the kernel, the cost of each sync step, the
 * zone-pair counters read back from the kernel, status and metrics.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zonewall/timefmt.h"
#include "zwd-enforce.h"

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

/* A start event's times, kept until the follow that covers it is acked. */
void zwd_start_note(struct zwd_enforce *e, const struct rt_report *r)
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

void zwd_starts_acked(struct zwd_enforce *e)
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

/* Mean microseconds per sync of each step (snapshot: every sync; compile and
 * diff: the syncs that were not skipped; kernel: per element update). */
static json_t *zwd_cost_json(const struct zwd_enforce *e)
{
	double runs = e->cost_runs ? (double)e->cost_runs : 1;
	double upd = e->elem_updates ? (double)e->elem_updates : 1;
	double built = e->cost_runs > e->cost_skipped ? (double)(e->cost_runs - e->cost_skipped) : 1;

	return json_pack("{s:I, s:I, s:I, s:f, s:f, s:f, s:f}", "syncs", (json_int_t)e->cost_runs,
			 "unchanged", (json_int_t)e->cost_skipped,
			 "full_compiles", (json_int_t)e->cost_full_compiles,
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
