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
#include "cli-report.h"
#include "zonewall/output.h"
#include "zonewall/review.h"

/* The default table fits 120 columns: what decides (status, ends, service,
 * zones, packets, confidence, WHY in what is left); --wide adds the evidence. */
static const struct out_column review_columns[] = {
	{ .key = "id", .title = "ID" },
	{ .key = "status", .title = "STATUS" },
	{ .key = "from", .title = "FROM", .max = 20 },
	{ .key = "to", .title = "TO", .max = 20 },
	{ .key = "proto", .title = "PROTO" },
	{ .key = "port", .title = "PORT", .right = true },
	{ .key = "zones", .title = "ZONES", .max = 14 },
	{ .key = "packets", .title = "PKTS", .right = true },
	{ .key = "days", .title = "DAYS", .right = true, .wide_only = true },
	{ .key = "runs", .title = "RUNS", .right = true, .wide_only = true },
	{ .key = "first_seen", .title = "FIRST SEEN", .wide_only = true },
	{ .key = "last_seen", .title = "LAST SEEN", .wide_only = true },
	{ .key = "confidence", .title = "CONF" },
	{ .key = "why", .title = "WHY", .fill = true },
	{ .key = NULL },
};

static void summary_print(const struct rev_summary *s, size_t edges, bool have_policy)
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

static json_t *review_row_json(void *user, size_t i)
{
	const struct rev_review *r = user;

	return rev_row_json(&r->rows[i]);
}

static int review_print(const struct prop_set *s, const struct pol_policy *p, bool json,
			bool wide)
{
	struct rev_review *r = rev_build(s, p);
	json_t *arr, *o;
	int err;

	if (!r)
		return -ENOMEM;
	if (json) {
		arr = rev_rows_json(r);
		o = arr ? json_pack("{s:o, s:o}", "edges", arr, "summary", rev_summary_json(r)) : NULL;
		rev_free(r);
		if (!o)
			return -ENOMEM;
		err = clip_json_print(o);
		json_decref(o);
		return err;
	}
	/* the table is built a row at a time: a million edges are not a tree */
	err = out_objects_print(stdout, wide ? OUT_WIDE : OUT_TABLE, review_columns, r->n_rows,
				review_row_json, r);
	if (!err)
		summary_print(&r->sum, s->n, p != NULL);
	rev_free(r);
	return err;
}

static const char usage[] =
	"Usage: zonewall review PROPOSAL [--policy POLICY] [--wide | --json | --html FILE]\n"
	"\n"
	"One row per learned edge (from identity -> to identity, proto, port) with\n"
	"its status and evidence, what needs a decision first:\n"
	"  new                not allowed yet: approve it or leave it out\n"
	"  refused-by-border  crosses a deny border (a violation; never approvable)\n"
	"  stale              a policy rule that nothing in the proposal used\n"
	"  allowed            already allowed (WHY, with --wide, names the rule or border)\n"
	"PKTS counts packets, not connections: TCP SYN and SYN+ACK, every UDP\n"
	"datagram, ICMP echo requests.\n"
	"Then a coverage summary: the learning window, counts, and the edges of low\n"
	"confidence (seen on one day only, or only once).  Without --policy every\n"
	"edge is new.\n"
	"\n"
	"  -p, --policy FILE  the policy to judge against\n"
	"  -W, --wide         every column (days, runs, first and last seen, WHY),\n"
	"                     nothing cut; the default table fits 120 columns\n"
	"  -j, --json         print {\"edges\": [...], \"summary\": {...}} instead\n"
	"      --html FILE    write a self-contained HTML report instead (\"-\": stdout):\n"
	"                     summary, graph, zone matrix, the rows with approve commands\n"
	"  -h, --help         show this help\n";

int cmd_review_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "html", required_argument, NULL, 'H' },
		{ "wide", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *policy_path = NULL, *html = NULL;
	struct pol_policy *p = NULL;
	struct prop_set *s = NULL;
	int c, err, status = CLI_OK;
	bool json = false, wide = false;

	while ((c = cli_getopt("review", usage, argc, argv, ":p:jH:Wh", opts, &status)) != -1) {
		if (c == CLI_DONE)
			return status;
		if (c == 'p')
			policy_path = optarg;
		else if (c == 'j')
			json = true;
		else if (c == 'H')
			html = optarg;
		else if (c == 'W')
			wide = true;
	}
	if ((json || wide) && html)
		return cli_usage_error("review", "--html excludes --json and --wide");
	if (optind != argc - 1)
		return cli_usage_error("review", optind < argc ? "expected one proposal file"
					       : "missing the proposal file");
	status = clip_load_proposal("review", argv[optind], &s);
	if (status)
		return status;
	if (policy_path)
		status = clip_load_policy("review", policy_path, &p);
	if (!status && html) {
		status = clir_review_html(s, p, argv[optind], policy_path, html);
	} else if (!status) {
		err = review_print(s, p, json, wide);
		if (err)
			status = cli_fail("review", "cannot write output: %s", strerror(-err));
	}
	pol_free(p);
	prop_free(s);
	return status;
}
