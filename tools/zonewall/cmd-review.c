// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewall review: a proposal judged against a policy, one row per edge
 * (and per stale rule), what needs a decision first, and a coverage
 * summary.  The table and --json come from the same rows.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli-policy.h"
#include "zonewall/output.h"

/* Order of the rows: what needs a decision first. */
enum review_status {
	REV_NEW,		/* not allowed yet: approve or leave out */
	REV_REFUSED,		/* crosses a deny border: a violation, never approvable */
	REV_STALE,		/* allowed by a rule nothing in the proposal used */
	REV_ALLOWED,		/* already allowed */
};

static const char *const status_names[] = { "new", "refused-by-border", "stale", "allowed" };

struct review_row {
	enum review_status status;
	const struct prop_edge *edge;	/* NULL for a stale rule */
	const struct pol_rule *rule;	/* the stale rule, or the rule that allows */
	char why[160];
};

static const struct out_column review_columns[] = {
	{ "id", "ID", false },
	{ "status", "STATUS", false },
	{ "from", "FROM", false },
	{ "to", "TO", false },
	{ "proto", "PROTO", false },
	{ "port", "PORT", true },
	{ "zones", "ZONES", false },
	{ "packets", "PACKETS", true },
	{ "days", "DAYS", true },
	{ "runs", "RUNS", true },
	{ "first_seen", "FIRST SEEN", false },
	{ "last_seen", "LAST SEEN", false },
	{ "confidence", "CONF", false },
	{ "why", "WHY", false },
	{ NULL, NULL, false },
};

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

static void judge_edge(const struct pol_policy *p, struct review_row *r)
{
	struct pol_reason why;
	struct pol_flow f;

	edge_flow(r->edge, &f);
	switch (pol_check(p, &f, &why)) {
	case POL_ALLOWED_BY_RULE:
		r->status = REV_ALLOWED;
		r->rule = why.rule;
		snprintf(r->why, sizeof(r->why), "rule $.allow[%zu]", (size_t)(why.rule - p->rules));
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

static int row_cmp(const void *a, const void *b)
{
	const struct review_row *x = a, *y = b;
	const char *xf = x->edge ? x->edge->from : x->rule->from;
	const char *yf = y->edge ? y->edge->from : y->rule->from;
	const char *xt = x->edge ? x->edge->to : x->rule->to;
	const char *yt = y->edge ? y->edge->to : y->rule->to;
	int r = (int)x->status - (int)y->status;

	if (!r)
		r = strcmp(xf, yf);
	if (!r)
		r = strcmp(xt, yt);
	if (!r)
		r = (x->edge ? x->edge->proto : x->rule->proto) -
		    (y->edge ? y->edge->proto : y->rule->proto);
	if (!r)
		r = (x->edge ? x->edge->port : x->rule->port_lo) -
		    (y->edge ? y->edge->port : y->rule->port_lo);
	return r;
}

static char *zones_text(const char *from, const char *to)
{
	char *s;

	if (!from && !to)
		return NULL;
	if (asprintf(&s, "%s->%s", from ? from : "?", to ? to : "?") < 0)
		return NULL;
	return s;
}

static json_t *edge_row(const struct review_row *r)
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
	json_object_set_new(o, "confidence", json_string(edge_low_confidence(e) ? "low" : "ok"));
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

/* A rule end's zone: the recorded one, or Z of "zone:Z". */
static const char *rule_zone(const char *id, const char *zone)
{
	if (zone)
		return zone;
	return strncmp(id, "zone:", 5) ? NULL : id + 5;
}

static json_t *stale_row(const struct review_row *r)
{
	const struct pol_rule *u = r->rule;
	char *zones = zones_text(rule_zone(u->from, u->from_zone), rule_zone(u->to, u->to_zone));
	json_t *o;

	o = json_pack("{s:n, s:s, s:s, s:s, s:s, s:o, s:o, s:n, s:n, s:n, s:n, s:n, s:n, s:s}",
		      "id", "status", status_names[r->status], "from", u->from, "to", u->to,
		      "proto", pol_proto_name(u->proto),
		      "port", clip_port_json(u->port_lo, u->port_hi),
		      "zones", zones ? json_string(zones) : json_null(),
		      "packets", "days", "runs", "first_seen", "last_seen", "confidence",
		      "why", r->why);
	free(zones);
	return o;
}

struct review_summary {
	size_t count[4];
	size_t low;
	int64_t first, last;
};

static json_t *summary_json(const struct review_summary *s, size_t edges)
{
	char first[32] = "", last[32] = "";

	if (edges) {
		pol_time_format(s->first, first, sizeof(first));
		pol_time_format(s->last, last, sizeof(last));
	}
	return json_pack("{s:s?, s:s?, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "first_seen", edges ? first : NULL, "last_seen", edges ? last : NULL,
			 "edges", (json_int_t)edges,
			 "new", (json_int_t)s->count[REV_NEW],
			 "refused_by_border", (json_int_t)s->count[REV_REFUSED],
			 "stale", (json_int_t)s->count[REV_STALE],
			 "allowed", (json_int_t)s->count[REV_ALLOWED],
			 "low_confidence", (json_int_t)s->low);
}

static void summary_print(const struct review_summary *s, size_t edges, bool have_policy)
{
	char first[32], last[32];

	if (edges) {
		pol_time_format(s->first, first, sizeof(first));
		pol_time_format(s->last, last, sizeof(last));
		printf("\nlearning window: %s .. %s\n", first, last);
	} else {
		printf("\nlearning window: none (no edges)\n");
	}
	printf("edges: %zu", edges);
	if (have_policy)
		printf(" (%zu new, %zu refused by border, %zu allowed); stale rules: %zu",
		       s->count[REV_NEW], s->count[REV_REFUSED], s->count[REV_ALLOWED],
		       s->count[REV_STALE]);
	printf("\nlow confidence (seen on one day only, or once): %zu\n", s->low);
}

/* Rows for every edge and every stale rule, sorted; NULL on ENOMEM. */
static struct review_row *review_rows(const struct prop_set *s, const struct pol_policy *p,
				      size_t *n, struct review_summary *sum)
{
	struct review_row *rows = calloc(s->n + (p ? p->n_rules : 0) + 1, sizeof(*rows));
	size_t i, k = 0;

	if (!rows)
		return NULL;
	memset(sum, 0, sizeof(*sum));
	sum->first = INT64_MAX;
	sum->last = INT64_MIN;
	for (i = 0; i < s->n; i++, k++) {
		rows[k].edge = &s->edges[i];
		rows[k].status = REV_NEW;
		if (p)
			judge_edge(p, &rows[k]);
		sum->low += edge_low_confidence(&s->edges[i]);
		if (s->edges[i].first_seen < sum->first)
			sum->first = s->edges[i].first_seen;
		if (s->edges[i].last_seen > sum->last)
			sum->last = s->edges[i].last_seen;
	}
	for (i = 0; p && i < p->n_rules; i++) {
		if (rule_used(&p->rules[i], s))
			continue;
		rows[k].rule = &p->rules[i];
		rows[k].status = REV_STALE;
		snprintf(rows[k].why, sizeof(rows[k].why), "rule $.allow[%zu] not seen", i);
		k++;
	}
	for (i = 0; i < k; i++)
		sum->count[rows[i].status]++;
	qsort(rows, k, sizeof(*rows), row_cmp);
	*n = k;
	return rows;
}

static json_t *review_row_json(void *user, size_t i)
{
	const struct review_row *r = (const struct review_row *)user + i;

	return r->edge ? edge_row(r) : stale_row(r);
}

/* --json: one document of every row and the summary (a tree of them all). */
static int review_print_json(struct review_row *rows, size_t n,
			     const struct review_summary *sum, size_t edges)
{
	json_t *arr = json_array(), *o;
	size_t i;
	int err;

	for (i = 0; arr && i < n; i++) {
		o = review_row_json(rows, i);
		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			arr = NULL;
		}
	}
	if (!arr)
		return -ENOMEM;
	o = json_pack("{s:o, s:o}", "edges", arr, "summary", summary_json(sum, edges));
	if (!o)
		return -ENOMEM;
	err = clip_json_print(o);
	json_decref(o);
	return err;
}

static int review_print(const struct prop_set *s, const struct pol_policy *p, bool json)
{
	struct review_summary sum;
	struct review_row *rows;
	size_t n;
	int err;

	rows = review_rows(s, p, &n, &sum);
	if (!rows)
		return -ENOMEM;
	if (json) {
		err = review_print_json(rows, n, &sum, s->n);
	} else {
		/* the table is built a row at a time: a million edges are not a tree */
		err = out_objects_print(stdout, OUT_TABLE, review_columns, n, review_row_json,
					rows);
		if (!err)
			summary_print(&sum, s->n, p != NULL);
	}
	free(rows);
	return err;
}

static const char usage[] =
	"Usage: zonewall review PROPOSAL [--policy POLICY] [--json]\n"
	"\n"
	"One row per learned edge (from identity -> to identity, proto, port) with\n"
	"its status and evidence, what needs a decision first:\n"
	"  new                not allowed yet: approve it or leave it out\n"
	"  refused-by-border  crosses a deny border (a violation; never approvable)\n"
	"  stale              a policy rule that nothing in the proposal used\n"
	"  allowed            already allowed (WHY names the rule or border)\n"
	"Then a coverage summary: the learning window, counts, and the edges of low\n"
	"confidence (seen on one day only, or only once).  Without --policy every\n"
	"edge is new.\n"
	"\n"
	"  -p, --policy FILE  the policy to judge against\n"
	"  -j, --json         print {\"edges\": [...], \"summary\": {...}} instead\n"
	"  -h, --help         show this help\n";

int cmd_review_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *policy_path = NULL;
	struct pol_policy *p = NULL;
	struct prop_set *s = NULL;
	int c, err, status = CLI_OK;
	bool json = false;

	while ((c = cli_getopt("review", usage, argc, argv, ":p:jh", opts, &status)) != -1) {
		if (c == CLI_DONE)
			return status;
		if (c == 'p')
			policy_path = optarg;
		else if (c == 'j')
			json = true;
	}
	if (optind != argc - 1)
		return cli_usage_error("review", optind < argc ? "expected one proposal file"
					       : "missing the proposal file");
	status = clip_load_proposal("review", argv[optind], &s);
	if (status)
		return status;
	if (policy_path)
		status = clip_load_policy("review", policy_path, &p);
	if (!status) {
		err = review_print(s, p, json);
		if (err)
			status = cli_fail("review", "cannot write output: %s", strerror(-err));
	}
	pol_free(p);
	prop_free(s);
	return status;
}
