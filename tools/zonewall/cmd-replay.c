// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewall replay: the what-if.  The flows of capture files, resolved to
 * identities and zones as learn resolves them (zones from the policy's
 * selectors), each judged with pol_check(): refused by a deny border,
 * refused for want of a rule on an allowlist border, or allowed by a rule
 * or an allow border.  Refusals first.  A refusal is a finding, not an
 * error: the exit status is 0.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli-capture.h"
#include "cli-learn.h"
#include "cli-policy.h"

/* The default table fits 120 columns: the verdict, the ends, WHY in what is left;
 * --wide adds the addresses and the time. */
static const struct out_column replay_columns[] = {
	{ .key = "verdict", .title = "VERDICT" },
	{ .key = "from", .title = "FROM", .max = 20 },
	{ .key = "to", .title = "TO", .max = 20 },
	{ .key = "proto", .title = "PROTO" },
	{ .key = "port", .title = "PORT", .right = true },
	{ .key = "zones", .title = "ZONES", .max = 14 },
	{ .key = "src", .title = "SRC", .wide_only = true },
	{ .key = "dst", .title = "DST", .wide_only = true },
	{ .key = "packets", .title = "PKTS", .right = true },
	{ .key = "first_seen", .title = "FIRST SEEN", .wide_only = true },
	{ .key = "why", .title = "WHY", .fill = true },
	{ .key = NULL },
};

/* Row order: refused by a border, refused for want of a rule, allowed. */
static const char *const reason_names[] = {
	[POL_REFUSED_BY_BORDER] = "border-deny",
	[POL_REFUSED_NO_RULE] = "no-rule",
	[POL_ALLOWED_BY_RULE] = "rule",
	[POL_ALLOWED_BY_BORDER] = "border-allow",
};

static int reason_rank(enum pol_decision d)
{
	switch (d) {
	case POL_REFUSED_BY_BORDER:
		return 0;
	case POL_REFUSED_NO_RULE:
		return 1;
	case POL_ALLOWED_BY_RULE:
		return 2;
	case POL_ALLOWED_BY_BORDER:
		break;
	}
	return 3;
}

static bool refused(enum pol_decision d)
{
	return d == POL_REFUSED_BY_BORDER || d == POL_REFUSED_NO_RULE;
}

/* A flow and its verdict: all that is kept per flow until it is printed. */
struct replay_row {
	const struct flow_row *flow;
	enum pol_decision dec;
};

/* One row judged in full, when it is printed: the ends and why. */
struct replay_view {
	const struct flow_row *flow;
	enum pol_decision dec;
	struct learn_end from, to;
	char why[200];
};

static void replay_why(const struct pol_policy *p, struct replay_view *r,
		       const struct pol_reason *why)
{
	const char *fz = p->zones[why->from_zone].name, *tz = p->zones[why->to_zone].name;

	switch (r->dec) {
	case POL_REFUSED_BY_BORDER:
		snprintf(r->why, sizeof(r->why), "border %s -> %s: deny", fz, tz);
		break;
	case POL_REFUSED_NO_RULE:
		snprintf(r->why, sizeof(r->why), "no rule (border %s -> %s: allowlist)", fz, tz);
		break;
	case POL_ALLOWED_BY_RULE:
		snprintf(r->why, sizeof(r->why), "rule $.allow[%zu] %s -> %s",
			 (size_t)(why->rule - p->rules), why->rule->from, why->rule->to);
		break;
	case POL_ALLOWED_BY_BORDER:
		snprintf(r->why, sizeof(r->why), "border %s -> %s: allow", fz, tz);
		break;
	}
}

/* Judge @f again, in full (the same verdict: resolution and policy are fixed). */
static void replay_view(const struct clearn *l, const struct flow_row *f, struct replay_view *v)
{
	struct pol_reason why;

	v->flow = f;
	v->dec = learn_check(&l->env, f, &v->from, &v->to, &why);
	replay_why(l->pol, v, &why);
}

static int row_cmp(const void *a, const void *b)
{
	const struct replay_row *x = a, *y = b;
	int r = reason_rank(x->dec) - reason_rank(y->dec);

	/* Within a verdict, the flow table's order (proto, client, server, port). */
	return r ? r : flow_key_cmp(&x->flow->key, &y->flow->key);
}

static json_t *row_json(const struct replay_view *r)
{
	char first[32], last[32], zones[2 * LEARN_ZONE_MAX + 4];
	const struct flow_row *f = r->flow;

	clcap_time(first, sizeof(first), f->first_seen);
	clcap_time(last, sizeof(last), f->last_seen);
	snprintf(zones, sizeof(zones), "%s->%s", r->from.zone, r->to.zone);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s,"
			 " s:s, s:s, s:s}",
			 "verdict", refused(r->dec) ? "refused" : "allowed",
			 "reason", reason_names[r->dec],
			 "from", r->from.identity, "to", r->to.identity,
			 "proto", flow_proto_name(f->key.proto),
			 "port", pol_proto_has_ports(f->key.proto) ? json_integer(f->key.port)
								   : json_null(),
			 "from_zone", r->from.zone, "to_zone", r->to.zone, "zones", zones,
			 "src", r->from.addr, "dst", r->to.addr,
			 "packets", (json_int_t)f->packets, "first_seen", first, "last_seen", last,
			 "from_source", learn_source_name(r->from.source),
			 "to_source", learn_source_name(r->to.source), "why", r->why);
}

struct replay_summary {
	size_t flows, count[4];
	size_t unknown_ends;	/* ends no source knew (unknown:ADDRESS) */
	uint64_t first, last;
};

static json_t *summary_json(const struct replay_summary *s)
{
	char first[32] = "-", last[32] = "-";

	if (s->flows) {
		clcap_time(first, sizeof(first), s->first);
		clcap_time(last, sizeof(last), s->last);
	}
	return json_pack("{s:s?, s:s?, s:I, s:I, s:I, s:I, s:I, s:I}",
			 "first_seen", s->flows ? first : NULL, "last_seen", s->flows ? last : NULL,
			 "flows", (json_int_t)s->flows,
			 "refused", (json_int_t)(s->count[POL_REFUSED_BY_BORDER] +
						 s->count[POL_REFUSED_NO_RULE]),
			 "refused_by_border", (json_int_t)s->count[POL_REFUSED_BY_BORDER],
			 "refused_no_rule", (json_int_t)s->count[POL_REFUSED_NO_RULE],
			 "allowed_by_rule", (json_int_t)s->count[POL_ALLOWED_BY_RULE],
			 "allowed_by_border", (json_int_t)s->count[POL_ALLOWED_BY_BORDER]);
}

static void summary_print(const struct replay_summary *s)
{
	char first[32], last[32];

	if (s->flows) {
		clcap_time(first, sizeof(first), s->first);
		clcap_time(last, sizeof(last), s->last);
		printf("\ncapture window: %s .. %s\n", first, last);
	} else {
		printf("\ncapture window: none (no flows)\n");
	}
	printf("flows: %zu; refused %zu (%zu by a deny border, %zu without a rule); "
	       "allowed %zu (%zu by a rule, %zu by an allow border)\n", s->flows,
	       s->count[POL_REFUSED_BY_BORDER] + s->count[POL_REFUSED_NO_RULE],
	       s->count[POL_REFUSED_BY_BORDER], s->count[POL_REFUSED_NO_RULE],
	       s->count[POL_ALLOWED_BY_RULE] + s->count[POL_ALLOWED_BY_BORDER],
	       s->count[POL_ALLOWED_BY_RULE], s->count[POL_ALLOWED_BY_BORDER]);
}

static struct replay_row *replay_judge(const struct clearn *l, const struct flow_row *flows,
				       size_t n, struct replay_summary *sum)
{
	struct replay_row *rows = calloc(n + 1, sizeof(*rows));
	struct replay_view v;
	size_t i;

	if (!rows)
		return NULL;
	memset(sum, 0, sizeof(*sum));
	sum->first = UINT64_MAX;
	for (i = 0; i < n; i++) {
		replay_view(l, &flows[i], &v);
		sum->unknown_ends += (v.from.source == LEARN_SRC_UNKNOWN) +
				     (v.to.source == LEARN_SRC_UNKNOWN);
		rows[i].flow = &flows[i];
		rows[i].dec = v.dec;
		sum->count[rows[i].dec]++;
		if (flows[i].first_seen < sum->first)
			sum->first = flows[i].first_seen;
		if (flows[i].last_seen > sum->last)
			sum->last = flows[i].last_seen;
	}
	sum->flows = n;
	qsort(rows, n, sizeof(*rows), row_cmp);
	return rows;
}

/* @o as JSON_INDENT(2) writes it @depth levels down, its first line too if @first. */
static int json_print_at(const json_t *o, int depth, bool first)
{
	char *text = json_dumps(o, JSON_INDENT(2));
	const char *p, *nl;
	int err = 0;

	if (!text)
		return -ENOMEM;
	if (first)
		printf("%*s", 2 * depth, "");
	for (p = text; (nl = strchr(p, '\n')); p = nl + 1)
		printf("%.*s\n%*s", (int)(nl - p), p, 2 * depth, "");
	if (fputs(p, stdout) == EOF)
		err = -EIO;
	free(text);
	return err;
}

/* {"flows": [...], "summary": {...}} as clip_json_print() would write it,
 * one row object at a time. */
static int replay_json_print(const struct clearn *l, const struct replay_row *rows, size_t n,
			     const struct replay_summary *sum)
{
	struct replay_view v;
	json_t *o;
	int err = 0;

	fputs(n ? "{\n  \"flows\": [\n" : "{\n  \"flows\": [],\n", stdout);
	for (size_t i = 0; i < n && !err; i++) {
		replay_view(l, rows[i].flow, &v);
		o = row_json(&v);
		err = o ? json_print_at(o, 2, true) : -ENOMEM;
		json_decref(o);
		fputs(i + 1 < n ? ",\n" : "\n  ],\n", stdout);
	}
	o = err ? NULL : summary_json(sum);
	if (!err && !o)
		err = -ENOMEM;
	if (!err) {
		fputs("  \"summary\": ", stdout);
		err = json_print_at(o, 1, false);
	}
	json_decref(o);
	if (!err && (fputs("\n}\n", stdout) == EOF || fflush(stdout)))
		err = -EIO;
	return err;
}

/* The table's row source: row @i judged again, into the source's buffers. */
struct replay_src {
	const struct clearn *l;
	const struct replay_row *rows;
	struct replay_view v;
	char zones[2 * LEARN_ZONE_MAX + 4], first[32];
	struct out_cell cells[11];
};

static void cell_str(struct out_cell *c, const char *s)
{
	*c = (struct out_cell){ .key = NULL, .type = OUT_STR, .s = s, .len = strlen(s) };
}

static int replay_src_row(void *user, size_t i, const struct out_cell **cells)
{
	struct replay_src *src = user;
	const struct flow_row *f = src->rows[i].flow;
	struct out_cell *c = src->cells;

	replay_view(src->l, f, &src->v);
	snprintf(src->zones, sizeof(src->zones), "%s->%s", src->v.from.zone, src->v.to.zone);
	clcap_time(src->first, sizeof(src->first), f->first_seen);
	cell_str(&c[0], refused(src->v.dec) ? "refused" : "allowed");
	cell_str(&c[1], src->v.from.identity);
	cell_str(&c[2], src->v.to.identity);
	cell_str(&c[3], flow_proto_name(f->key.proto));
	c[4] = (struct out_cell){ .key = NULL, .type = OUT_NULL };
	if (pol_proto_has_ports(f->key.proto))
		c[4] = (struct out_cell){ .key = NULL, .type = OUT_INT, .i = f->key.port };
	cell_str(&c[5], src->zones);
	cell_str(&c[6], src->v.from.addr);
	cell_str(&c[7], src->v.to.addr);
	c[8] = (struct out_cell){ .key = NULL, .type = OUT_INT, .i = (int64_t)f->packets };
	cell_str(&c[9], src->first);
	cell_str(&c[10], src->v.why);
	*cells = c;
	return 11;
}

static int replay_print(const struct clearn *l, const struct flow_table *t,
			enum out_format fmt, struct replay_summary *out)
{
	struct replay_summary sum;
	struct replay_row *rows;
	struct flow_row *flows;
	size_t n;
	int err = flow_table_sorted(t, &flows, &n);

	if (err)
		return err;
	rows = replay_judge(l, flows, n, &sum);
	if (!rows) {
		free(flows);
		return -ENOMEM;
	}
	if (fmt == OUT_JSON) {
		err = replay_json_print(l, rows, n, &sum);
	} else {
		struct replay_src *src = calloc(1, sizeof(*src));

		err = -ENOMEM;
		if (src) {
			src->l = l;
			src->rows = rows;
			err = out_source_print(stdout, fmt, replay_columns, n, replay_src_row,
					       src);
		}
		free(src);
		if (!err)
			summary_print(&sum);
	}
	free(rows);
	free(flows);
	*out = sum;
	return err;
}

/*
 * Flows whose ends nobody knows are judged as addresses in zones, which
 * says little about workloads: say how many, and fail when that is every
 * end (a capture of containers gone since, replayed without the proposal
 * of its time).  Return: CLI_OK, or CLI_FAIL after saying why.
 */
static int replay_coverage(const struct replay_summary *s, bool have_past)
{
	if (!s->unknown_ends)
		return CLI_OK;
	if (s->unknown_ends == 2 * s->flows)
		return cli_fail("replay", "no end of any of the %zu flows resolved to an identity: "
				"the verdicts are about addresses only%s", s->flows, have_past ? "" :
				"; give --proposal FILE (what learn wrote at the time), --inventory or "
				"--runtime");
	cli_warn("replay", "%zu of %zu flow ends resolved to no identity (unknown:ADDRESS)%s",
		 s->unknown_ends, 2 * s->flows, have_past ? "" :
		 "; --proposal FILE resolves them as learn saw them then");
	return CLI_OK;
}

struct replay_opts {
	struct clcap_opts cap;
	const char *policy, *runtime, *inventory, *proposal;
	bool json, wide;
};

static const char usage[] =
	"Usage: zonewall replay POLICY -r FILE [-r FILE...] [--inventory FILE]\n"
	"                       [--runtime URI] [--proposal FILE] [--wide | --json]\n"
	"\n"
	"Read the flows of capture files, resolve each end to an identity and a zone\n"
	"as learn does (zones from the policy's selectors), and judge each flow:\n"
	"refused by a deny border, refused without a rule on an allowlist border,\n"
	"allowed by a rule ($.allow[N]) or by an allow border.  Refusals first, then\n"
	"a summary.  Refusals are findings, not errors: the exit status is 0.\n"
	"Addresses the runtime and inventory do not know are resolved, with\n"
	"--proposal, as the proposal learned from that time saw them (its samples),\n"
	"so last week's capture replays with last week's identities.  PKTS counts\n"
	"packets, not connections (TCP SYN and SYN+ACK, UDP datagrams, ICMP echo\n"
	"requests).\n"
	"\n"
	"  -r, --read FILE        a pcap or pcapng file (repeatable)\n"
	"      --inventory FILE   static inventory\n"
	"      --runtime URI      resolve through a container runtime (default: none)\n"
	"      --proposal FILE    the identities of the capture's time (learn's output)\n"
	"  -W, --wide             every column (addresses, first seen), nothing cut;\n"
	"                         the default table fits 120 columns\n"
	"  -j, --json             print {\"flows\": [...], \"summary\": {...}}\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 ok; 1 a capture file unreadable or damaged (the flows read\n"
	"are judged), or no end of any flow resolved to an identity; 2 usage error,\n"
	"invalid policy, inventory or proposal.\n";

static int replay_parse(struct replay_opts *o, int argc, char **argv, int *status)
{
	static const struct option opts[] = {
		CLCAP_LONGOPTS,
		{ "runtime", required_argument, NULL, 'R' },
		{ "inventory", required_argument, NULL, 'I' },
		{ "proposal", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "wide", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = clcap_getopt("replay", usage, argc, argv, ":" CLCAP_SHORTOPTS "jWh", opts,
				 &o->cap, status)) != -1) {
		if (c == CLI_DONE)
			return -1;
		if (c == 'R')
			o->runtime = optarg;
		else if (c == 'I')
			o->inventory = optarg;
		else if (c == 'P')
			o->proposal = optarg;
		else if (c == 'j')
			o->json = true;
		else if (c == 'W')
			o->wide = true;
	}
	if (optind != argc - 1)
		*status = cli_usage_error("replay", optind < argc ? "expected one policy file"
							  : "missing the policy file");
	else
		*status = clcap_check("replay", &o->cap, false);
	o->policy = argv[optind];
	return *status ? -1 : 0;
}

/* --proposal FILE: its samples as the identities of their time. */
static int replay_past(const char *path, struct learn_past **out)
{
	struct prop_set *s = NULL;
	int status = clip_load_proposal("replay", path, &s);

	if (status)
		return status;
	*out = learn_past_new(s);
	prop_free(s);
	return *out ? CLI_OK : cli_fail("replay", "out of memory");
}

int cmd_replay_main(int argc, char **argv)
{
	struct replay_opts o = { 0 };
	struct replay_summary sum;
	struct learn_past *past = NULL;
	int status = CLI_OK, err;
	struct clearn l;
	struct clcap c;

	if (replay_parse(&o, argc, argv, &status))
		return status;
	status = clearn_open(&l, "replay", o.inventory, o.policy, o.runtime, false);
	if (!status && o.proposal)
		status = replay_past(o.proposal, &past);
	if (status)
		goto out_close;
	l.env.past = past;
	if (clcap_init(&c, "replay", &o.cap)) {
		status = cli_fail("replay", "cannot make the flow table: %s", strerror(errno));
		goto out_close;
	}
	clcap_run(&c, &o.cap);
	err = replay_print(&l, c.table, o.json ? OUT_JSON : o.wide ? OUT_WIDE : OUT_TABLE, &sum);
	if (err)
		status = cli_fail("replay", "cannot write output: %s", strerror(-err));
	else if (c.failed)
		status = CLI_FAIL;
	if (!err && replay_coverage(&sum, past != NULL))
		status = CLI_FAIL;
	clcap_free(&c);
out_close:
	clearn_close(&l);
	learn_past_free(past);
	return status;
}
