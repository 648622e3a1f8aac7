// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The review model (include/zonewall/review.h): rows judged once, zones
 * and their pairs counted once, for every rendering.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/review.h"

static const char *const status_names[REV_N_STATUS] = {
	"new", "refused-by-border", "stale", "allowed",
};

const char *rev_status_name(enum rev_status s)
{
	return s < REV_N_STATUS ? status_names[s] : "?";
}

/* Seen on only one day, or only once: too little to trust on its own. */
static bool edge_low_confidence(const struct prop_edge *e)
{
	return e->n_days <= 1 || e->packets <= 1;
}

static void edge_flow(const struct prop_edge *e, struct pol_flow *f)
{
	f->from = e->from;
	f->to = e->to;
	f->from_zone = e->from_zone;
	f->to_zone = e->to_zone;
	f->proto = e->proto;
	f->port = e->port;
}

static void judge_edge(const struct pol_policy *p, struct rev_row *r)
{
	struct pol_reason why;
	struct pol_flow f;

	edge_flow(r->edge, &f);
	switch (pol_check(p, &f, &why)) {
	case POL_ALLOWED_BY_RULE:
		r->status = REV_ALLOWED;
		r->rule = why.rule;
		r->rule_index = (size_t)(why.rule - p->rules);
		snprintf(r->why, sizeof(r->why), "rule $.allow[%zu]", r->rule_index);
		break;
	case POL_ALLOWED_BY_BORDER:
		r->status = REV_ALLOWED;
		snprintf(r->why, sizeof(r->why), "border %s -> %s: allow",
			 p->zones[why.from_zone].name, p->zones[why.to_zone].name);
		break;
	case POL_REFUSED_BY_BORDER:
		r->status = REV_REFUSED;
		snprintf(r->why, sizeof(r->why), "border %s -> %s: deny",
			 p->zones[why.from_zone].name, p->zones[why.to_zone].name);
		break;
	case POL_REFUSED_NO_RULE:
		r->status = REV_NEW;
		break;
	}
	if (why.unknown_zone)
		snprintf(r->why + strlen(r->why), sizeof(r->why) - strlen(r->why),
			 "%szone not in policy, default '%s' used", r->why[0] ? "; " : "",
			 p->zones[p->default_zone].name);
}

static bool rule_used(const struct pol_rule *rule, const struct prop_set *s)
{
	struct pol_flow f;
	size_t i;

	for (i = 0; i < s->n; i++) {
		edge_flow(&s->edges[i], &f);
		if (pol_rule_matches(rule, &f))
			return true;
	}
	return false;
}

static uint8_t row_proto(const struct rev_row *r)
{
	return r->edge ? r->edge->proto : r->rule->proto;
}

static int row_port(const struct rev_row *r)
{
	return r->edge ? r->edge->port : r->rule->port_lo;
}

static int row_cmp(const void *a, const void *b)
{
	const struct rev_row *x = a, *y = b;
	int r = (int)x->status - (int)y->status;

	if (!r)
		r = strcmp(x->from, y->from);
	if (!r)
		r = strcmp(x->to, y->to);
	if (!r)
		r = row_proto(x) - row_proto(y);
	if (!r)
		r = row_port(x) - row_port(y);
	return r;
}

/* A rule end's zone: the recorded one, or Z of "zone:Z". */
static const char *rule_zone(const char *id, const char *zone)
{
	if (zone)
		return zone;
	return strncmp(id, "zone:", 5) ? NULL : id + 5;
}

/* --- zones ---------------------------------------------------------------- */

/* Zone names only the rows name, beyond the policy's, sorted and unique. */
static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const char *row_end_zone(const struct rev_row *r, bool to)
{
	if (r->edge)
		return to ? r->edge->to_zone : r->edge->from_zone;
	return to ? rule_zone(r->rule->to, r->rule->to_zone)
		  : rule_zone(r->rule->from, r->rule->from_zone);
}

static bool zone_in_policy(const struct pol_policy *p, const char *name)
{
	return p && pol_zone_find(p, name) >= 0;
}

static size_t zone_find(const struct rev_review *r, const char *name)
{
	size_t lo, hi, mid;
	long k;

	if (!name || !*name)
		return r->policy ? (size_t)r->policy->default_zone : r->n_zones - 1;
	k = r->policy ? pol_zone_find(r->policy, name) : -1;
	if (k >= 0)
		return (size_t)k;
	/* the extra zones are sorted after the policy's (and before "none") */
	lo = r->policy ? r->policy->n_zones : 0;
	hi = r->n_zones - (r->n_zones && !r->zones[r->n_zones - 1].name);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		int c = strcmp(r->zones[mid].name, name);

		if (!c)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return REV_NO_ZONE;
}

static int zones_collect(struct rev_review *r)
{
	const struct pol_policy *p = r->policy;
	size_t np = p ? p->n_zones : 0, n = 0, i, k;
	const char **extra = calloc(2 * r->n_rows + 1, sizeof(*extra));
	bool none = false;
	const char *z;

	if (!extra)
		return -ENOMEM;
	for (i = 0; i < r->n_rows; i++)
		for (k = 0; k < 2; k++) {
			z = row_end_zone(&r->rows[i], k);
			if (!z || !*z)
				none = none || !p;
			else if (!zone_in_policy(p, z))
				extra[n++] = z;
		}
	qsort(extra, n, sizeof(*extra), name_cmp);
	r->zones = calloc(np + n + 1, sizeof(*r->zones));
	if (!r->zones) {
		free(extra);
		return -ENOMEM;
	}
	for (i = 0; i < np; i++)
		r->zones[r->n_zones++] = (struct rev_zone){ p->zones[i].name, (long)i, 0 };
	for (i = 0; i < n; i++)
		if (!i || strcmp(extra[i], extra[i - 1]))
			r->zones[r->n_zones++] = (struct rev_zone){ extra[i], -1, 0 };
	if (none)
		r->zones[r->n_zones++] = (struct rev_zone){ NULL, -1, 0 };
	free(extra);
	return 0;
}

/* The border the policy applies to zone pair @from -> @to: an unknown zone is
 * the default zone, as pol_check() has it. */
static void cell_border(const struct rev_review *r, size_t from, size_t to, struct rev_cell *c)
{
	const struct pol_policy *p = r->policy;
	const struct pol_border *b = NULL;
	size_t f, t;

	c->verdict = POL_BORDER_ALLOWLIST;
	if (!p)
		return;
	f = r->zones[from].policy_index >= 0 ? (size_t)r->zones[from].policy_index : p->default_zone;
	t = r->zones[to].policy_index >= 0 ? (size_t)r->zones[to].policy_index : p->default_zone;
	c->verdict = pol_border_verdict(p, f, t, &b);
	c->explicit_border = b != NULL;
	c->comment = b ? b->comment : NULL;
}

static int cells_count(struct rev_review *r)
{
	size_t i, j, nz = r->n_zones;
	struct rev_row *row;
	struct rev_cell *c;

	r->cells = calloc(nz * nz + 1, sizeof(*r->cells));
	if (!r->cells)
		return -ENOMEM;
	for (i = 0; i < nz; i++)
		for (j = 0; j < nz; j++)
			cell_border(r, i, j, &r->cells[i * nz + j]);
	for (i = 0; i < r->n_rows; i++) {
		row = &r->rows[i];
		row->from_zone = zone_find(r, row_end_zone(row, false));
		row->to_zone = zone_find(r, row_end_zone(row, true));
		if (row->from_zone != REV_NO_ZONE)
			r->zones[row->from_zone].n_rows++;
		if (row->to_zone != REV_NO_ZONE && row->to_zone != row->from_zone)
			r->zones[row->to_zone].n_rows++;
		if (row->from_zone == REV_NO_ZONE || row->to_zone == REV_NO_ZONE)
			continue;
		c = &r->cells[row->from_zone * nz + row->to_zone];
		c->count[row->status]++;
		c->packets += row->edge ? row->edge->packets : 0;
	}
	return 0;
}

const char *rev_zone_name(const struct rev_review *r, size_t z)
{
	return z < r->n_zones && r->zones[z].name ? r->zones[z].name : "-";
}

const struct rev_cell *rev_cell(const struct rev_review *r, size_t from, size_t to)
{
	return &r->cells[from * r->n_zones + to];
}

/* --- building ------------------------------------------------------------- */

static void summary_add_edge(struct rev_summary *sum, const struct prop_edge *e)
{
	sum->low += edge_low_confidence(e);
	if (e->first_seen < sum->first)
		sum->first = e->first_seen;
	if (e->last_seen > sum->last)
		sum->last = e->last_seen;
}

static void rows_edges(struct rev_review *r, const struct prop_set *s)
{
	struct rev_row *row;
	size_t i;

	for (i = 0; i < s->n; i++) {
		row = &r->rows[r->n_rows++];
		row->edge = &s->edges[i];
		row->from = row->edge->from;
		row->to = row->edge->to;
		row->status = REV_NEW;
		row->low = edge_low_confidence(row->edge);
		prop_edge_id(row->edge, row->id, sizeof(row->id));
		if (r->policy)
			judge_edge(r->policy, row);
		summary_add_edge(&r->sum, row->edge);
	}
}

static void rows_rules(struct rev_review *r, const struct prop_set *s)
{
	const struct pol_policy *p = r->policy;
	struct rev_row *row;
	size_t i;

	for (i = 0; p && i < p->n_rules; i++) {
		if (s && rule_used(&p->rules[i], s))
			continue;
		row = &r->rows[r->n_rows++];
		row->rule = &p->rules[i];
		row->rule_index = i;
		row->from = row->rule->from;
		row->to = row->rule->to;
		row->status = s ? REV_STALE : REV_ALLOWED;
		snprintf(row->why, sizeof(row->why), s ? "rule $.allow[%zu] not seen"
						       : "rule $.allow[%zu]", i);
	}
}

static struct rev_review *review_make(const struct prop_set *s, const struct pol_policy *p)
{
	struct rev_review *r = calloc(1, sizeof(*r));
	size_t i;

	if (!r)
		return NULL;
	r->set = s;
	r->policy = p;
	r->rows = calloc((s ? s->n : 0) + (p ? p->n_rules : 0) + 1, sizeof(*r->rows));
	if (!r->rows)
		goto out_free;
	r->sum.first = INT64_MAX;
	r->sum.last = INT64_MIN;
	r->sum.edges = s ? s->n : 0;
	if (s)
		rows_edges(r, s);
	rows_rules(r, s);
	for (i = 0; i < r->n_rows; i++)
		r->sum.count[r->rows[i].status]++;
	qsort(r->rows, r->n_rows, sizeof(*r->rows), row_cmp);
	if (zones_collect(r) || cells_count(r))
		goto out_free;
	return r;
out_free:
	rev_free(r);
	errno = ENOMEM;
	return NULL;
}

struct rev_review *rev_build(const struct prop_set *s, const struct pol_policy *p)
{
	return review_make(s, p);
}

struct rev_review *rev_build_policy(const struct pol_policy *p)
{
	return review_make(NULL, p);
}

void rev_free(struct rev_review *r)
{
	if (!r)
		return;
	free(r->rows);
	free(r->zones);
	free(r->cells);
	free(r);
}

/* --- JSON ----------------------------------------------------------------- */

static char *zones_text(const char *from, const char *to)
{
	char *s;

	if (!from && !to)
		return NULL;
	if (asprintf(&s, "%s->%s", from ? from : "?", to ? to : "?") < 0)
		return NULL;
	return s;
}

static json_t *edge_row(const struct rev_row *r)
{
	const struct prop_edge *e = r->edge;
	json_t *o = prop_edge_json(e), *samples, *s;
	char *zones = zones_text(e->from_zone, e->to_zone);
	size_t i;

	if (!o)
		goto out;
	json_object_set_new(o, "status", json_string(status_names[r->status]));
	if (!json_object_get(o, "port"))
		json_object_set_new(o, "port", json_null());
	json_object_set_new(o, "zones", zones ? json_string(zones) : json_null());
	json_object_set_new(o, "days", json_integer((json_int_t)e->n_days));
	json_object_set_new(o, "runs", json_integer((json_int_t)e->n_runs));
	json_object_set_new(o, "confidence", json_string(r->low ? "low" : "ok"));
	json_object_set_new(o, "why", r->why[0] ? json_string(r->why) : json_null());
	samples = json_array();
	for (i = 0; samples && i < e->n_samples; i++) {
		s = json_sprintf("%s>%s", e->samples[i].from, e->samples[i].to);
		json_array_append_new(samples, s);
	}
	json_object_set_new(o, "samples", samples);
out:
	free(zones);
	return o;
}

static json_t *rule_row(const struct rev_row *r)
{
	const struct pol_rule *u = r->rule;
	char *zones = zones_text(rule_zone(u->from, u->from_zone), rule_zone(u->to, u->to_zone));
	json_t *o;

	o = json_pack("{s:n, s:s, s:s, s:s, s:s, s:o, s:o, s:n, s:n, s:n, s:n, s:n, s:n, s:s}",
		      "id", "status", status_names[r->status], "from", u->from, "to", u->to,
		      "proto", pol_proto_name(u->proto),
		      "port", pol_port_json(u->port_lo, u->port_hi),
		      "zones", zones ? json_string(zones) : json_null(),
		      "packets", "days", "runs", "first_seen", "last_seen", "confidence",
		      "why", r->why);
	free(zones);
	return o;
}

json_t *rev_row_json(const struct rev_row *row)
{
	return row->edge ? edge_row(row) : rule_row(row);
}

json_t *rev_rows_json(const struct rev_review *r)
{
	json_t *arr = json_array(), *o;
	size_t i;

	for (i = 0; arr && i < r->n_rows; i++) {
		o = rev_row_json(&r->rows[i]);
		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

json_t *rev_summary_json(const struct rev_review *r)
{
	const struct rev_summary *s = &r->sum;
	char first[32] = "", last[32] = "";

	if (s->edges) {
		pol_time_format(s->first, first, sizeof(first));
		pol_time_format(s->last, last, sizeof(last));
	}
	return json_pack("{s:s?, s:s?, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "first_seen", s->edges ? first : NULL, "last_seen", s->edges ? last : NULL,
			 "edges", (json_int_t)s->edges,
			 "new", (json_int_t)s->count[REV_NEW],
			 "refused_by_border", (json_int_t)s->count[REV_REFUSED],
			 "stale", (json_int_t)s->count[REV_STALE],
			 "allowed", (json_int_t)s->count[REV_ALLOWED],
			 "low_confidence", (json_int_t)s->low);
}
