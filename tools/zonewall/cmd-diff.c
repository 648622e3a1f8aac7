// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewall diff: what going from one policy to another allows and forbids,
 * in zones and identities (not in file lines): zones added or removed, mode
 * changes, border verdicts, allow rules added or removed.  Comments and
 * approval records do not count as changes.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli-policy.h"
#include "zonewall/nameidx.h"
#include "zonewall/output.h"

/* The default table fits 120 columns: long identities cut, DETAIL in what
 * is left; --wide shows all. */
static const struct out_column diff_columns[] = {
	{ .key = "change", .title = "CHANGE" },
	{ .key = "effect", .title = "EFFECT" },
	{ .key = "from", .title = "FROM", .max = 20 },
	{ .key = "to", .title = "TO", .max = 20 },
	{ .key = "proto", .title = "PROTO" },
	{ .key = "port", .title = "PORT", .right = true },
	{ .key = "detail", .title = "DETAIL", .fill = true },
	{ .key = NULL },
};

static int diff_row(json_t *rows, const char *change, const char *effect, const char *from,
		    const char *to, const char *proto, json_t *port, const char *detail)
{
	json_t *o = json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:o, s:s?}", "change", change,
			      "effect", effect, "from", from, "to", to, "proto", proto,
			      "port", port ? port : json_null(), "detail", detail);

	return o && !json_array_append_new(rows, o) ? 0 : -ENOMEM;
}

static bool zone_members_equal(const struct pol_zone *a, const struct pol_zone *b)
{
	size_t i;

	if (a->n_labels != b->n_labels || a->n_networks != b->n_networks ||
	    a->n_cidrs != b->n_cidrs)
		return false;
	for (i = 0; i < a->n_labels; i++)
		if (strcmp(a->labels[i].key, b->labels[i].key) ||
		    strcmp(a->labels[i].value, b->labels[i].value))
			return false;
	for (i = 0; i < a->n_networks; i++)
		if (strcmp(a->networks[i], b->networks[i]))
			return false;
	for (i = 0; i < a->n_cidrs; i++)
		if (strcmp(a->cidrs[i].text, b->cidrs[i].text))
			return false;
	return true;
}

/* A stricter mode forbids what the looser one let through. */
static const char *mode_effect(enum pol_mode from, enum pol_mode to)
{
	if (to == POL_MODE_ENFORCE && from != POL_MODE_ENFORCE)
		return "forbids";
	if (from == POL_MODE_ENFORCE && to != POL_MODE_ENFORCE)
		return "allows";
	return NULL;
}

static int diff_zones(const struct pol_policy *a, const struct pol_policy *b, json_t *rows)
{
	char detail[64];
	size_t i;
	long j;
	int err = 0;

	for (i = 0; !err && i < a->n_zones; i++)
		if (pol_zone_find(b, a->zones[i].name) < 0)
			err = diff_row(rows, "-zone", NULL, a->zones[i].name, NULL, NULL, NULL,
				       "its workloads fall to the default zone");
	for (i = 0; !err && i < b->n_zones; i++) {
		const struct pol_zone *z = &b->zones[i];

		j = pol_zone_find(a, z->name);
		if (j < 0) {
			snprintf(detail, sizeof(detail), "mode %s", pol_mode_name(z->mode));
			err = diff_row(rows, "+zone", NULL, z->name, NULL, NULL, NULL, detail);
			continue;
		}
		if (a->zones[j].mode != z->mode) {
			snprintf(detail, sizeof(detail), "mode %s -> %s",
				 pol_mode_name(a->zones[j].mode), pol_mode_name(z->mode));
			err = diff_row(rows, "mode", mode_effect(a->zones[j].mode, z->mode), z->name,
				       NULL, NULL, NULL, detail);
		}
		if (!err && !zone_members_equal(&a->zones[j], z))
			err = diff_row(rows, "members", NULL, z->name, NULL, NULL, NULL,
				       "member selectors changed");
	}
	if (!err && strcmp(a->zones[a->default_zone].name, b->zones[b->default_zone].name)) {
		snprintf(detail, sizeof(detail), "default zone %s -> %s",
			 a->zones[a->default_zone].name, b->zones[b->default_zone].name);
		err = diff_row(rows, "default", NULL, NULL, NULL, NULL, NULL, detail);
	}
	return err;
}

/* The verdict @p gives the zone pair named @from -> @to (allowlist, the
 * default, when either zone is missing). */
static enum pol_verdict verdict_by_name(const struct pol_policy *p, const char *from,
					const char *to)
{
	long f = pol_zone_find(p, from), t = pol_zone_find(p, to);

	if (f < 0 || t < 0)
		return POL_BORDER_ALLOWLIST;
	return pol_border_verdict(p, (size_t)f, (size_t)t, NULL);
}

static int border_change(json_t *rows, const char *from, const char *to, enum pol_verdict old,
			 enum pol_verdict new)
{
	char detail[64];

	if (old == new)
		return 0;
	snprintf(detail, sizeof(detail), "%s -> %s", pol_verdict_name(old), pol_verdict_name(new));
	return diff_row(rows, "border", new > old ? "allows" : "forbids", from, to, NULL, NULL,
			detail);
}

static int diff_borders(const struct pol_policy *a, const struct pol_policy *b, json_t *rows)
{
	const char *f, *t;
	size_t i;
	int err = 0;

	/* Pairs named in the new policy, then pairs only the old one named. */
	for (i = 0; !err && i < b->n_borders; i++) {
		f = b->zones[b->borders[i].from].name;
		t = b->zones[b->borders[i].to].name;
		err = border_change(rows, f, t, verdict_by_name(a, f, t), b->borders[i].verdict);
	}
	for (i = 0; !err && i < a->n_borders; i++) {
		long bf, bt;

		f = a->zones[a->borders[i].from].name;
		t = a->zones[a->borders[i].to].name;
		bf = pol_zone_find(b, f);
		bt = pol_zone_find(b, t);
		if (bf >= 0 && bt >= 0) {
			const struct pol_border *nb;

			pol_border_verdict(b, (size_t)bf, (size_t)bt, &nb);
			if (nb)
				continue;
		}
		err = border_change(rows, f, t, a->borders[i].verdict, verdict_by_name(b, f, t));
	}
	return err;
}

/*
 * A policy's rules by (from, to, proto, port range), so that each rule of
 * the other policy is one probe, not a scan: diff is linear in the rules.
 * @keys own the names @ix borrows.
 */
struct rule_set {
	struct nix ix;
	char **keys;
	size_t n;
};

static char *rule_key(const struct pol_rule *r)
{
	char *k;

	if (asprintf(&k, "%s\n%s\n%u\n%u\n%u", r->from, r->to, (unsigned)r->proto,
		     (unsigned)r->port_lo, (unsigned)r->port_hi) < 0)
		return NULL;
	return k;
}

static void rule_set_free(struct rule_set *rs)
{
	nix_free(&rs->ix);
	for (size_t i = 0; rs->keys && i < rs->n; i++)
		free(rs->keys[i]);
	free(rs->keys);
}

static int rule_set_build(struct rule_set *rs, const struct pol_policy *p)
{
	memset(rs, 0, sizeof(*rs));
	rs->keys = calloc(p->n_rules + 1, sizeof(*rs->keys));
	if (!rs->keys)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_rules; i++) {
		rs->keys[i] = rule_key(&p->rules[i]);
		if (!rs->keys[i])
			return -ENOMEM;
		rs->n++;
		if (nix_add(&rs->ix, rs->keys[i], i))
			return -ENOMEM;
	}
	return 0;
}

/* 1: @r is in @rs; 0: not; -ENOMEM */
static int rule_in(const struct pol_rule *r, const struct rule_set *rs)
{
	char *k = rule_key(r);
	int in;

	if (!k)
		return -ENOMEM;
	in = nix_find(&rs->ix, k) >= 0;
	free(k);
	return in;
}

static int diff_added_rule(json_t *rows, const struct pol_rule *r)
{
	char detail[300];

	if (r->approved_by)
		snprintf(detail, sizeof(detail), "approved by %s%s%s", r->approved_by,
			 r->approved_at ? " at " : "", r->approved_at ? r->approved_at : "");
	else
		snprintf(detail, sizeof(detail), "%s", r->comment ? r->comment : "");
	return diff_row(rows, "+allow", "allows", r->from, r->to, pol_proto_name(r->proto),
			pol_port_json(r->port_lo, r->port_hi), detail[0] ? detail : NULL);
}

static int diff_rules(const struct pol_policy *a, const struct pol_policy *b, json_t *rows)
{
	struct rule_set in_a, in_b;
	size_t i;
	int err = rule_set_build(&in_a, a), in;

	if (!err)
		err = rule_set_build(&in_b, b);
	else
		memset(&in_b, 0, sizeof(in_b));
	for (i = 0; !err && i < a->n_rules; i++) {
		const struct pol_rule *r = &a->rules[i];

		in = rule_in(r, &in_b);
		if (in < 0)
			err = in;
		else if (!in)
			err = diff_row(rows, "-allow", "forbids", r->from, r->to,
				       pol_proto_name(r->proto), pol_port_json(r->port_lo, r->port_hi),
				       r->comment);
	}
	for (i = 0; !err && i < b->n_rules; i++) {
		const struct pol_rule *r = &b->rules[i];

		in = rule_in(r, &in_a);
		if (in < 0)
			err = in;
		else if (!in)
			err = diff_added_rule(rows, r);
	}
	rule_set_free(&in_a);
	rule_set_free(&in_b);
	return err;
}

static const char usage[] =
	"Usage: zonewall diff OLD NEW [--wide | --json]\n"
	"\n"
	"Compare two policies in zones and identities: zones added or removed,\n"
	"zone mode and member changes, border verdicts, allow rules added or\n"
	"removed; EFFECT says whether a change allows or forbids traffic.  The\n"
	"table fits 120 columns (long identities and DETAIL cut).\n"
	"\n"
	"  -W, --wide   the table with nothing cut\n"
	"  -j, --json   print a JSON array instead of a table\n"
	"  -h, --help   show this help\n";

int cmd_diff_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "wide", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pol_policy *a = NULL, *b = NULL;
	int c, err, status = CLI_OK;
	bool json = false, wide = false;
	json_t *rows;

	while ((c = cli_getopt("diff", usage, argc, argv, ":jWh", opts, &status)) != -1) {
		if (c == CLI_DONE)
			return status;
		if (c == 'j')
			json = true;
		else if (c == 'W')
			wide = true;
	}
	if (argc - optind != 2)
		return cli_usage_error("diff", "expected two policy files: OLD NEW");
	status = clip_load_policy("diff", argv[optind], &a);
	if (!status)
		status = clip_load_policy("diff", argv[optind + 1], &b);
	if (status)
		goto out_free;
	rows = json_array();
	err = rows ? diff_zones(a, b, rows) : -ENOMEM;
	if (!err)
		err = diff_borders(a, b, rows);
	if (!err)
		err = diff_rules(a, b, rows);
	if (!err && !json && json_array_size(rows) == 0)
		printf("no change in what the policies allow\n");
	else if (!err)
		err = out_rows_print(stdout, json ? OUT_JSON : wide ? OUT_WIDE : OUT_TABLE, rows,
				     diff_columns);
	json_decref(rows);
	if (err)
		status = cli_fail("diff", "%s", err == -ENOMEM ? "out of memory" : "cannot write output");
out_free:
	pol_free(a);
	pol_free(b);
	return status;
}
