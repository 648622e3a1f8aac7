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

static const struct out_column replay_columns[] = {
	{ "verdict", "VERDICT", false },
	{ "from", "FROM", false },
	{ "to", "TO", false },
	{ "proto", "PROTO", false },
	{ "port", "PORT", true },
	{ "zones", "ZONES", false },
	{ "src", "SRC", false },
	{ "dst", "DST", false },
	{ "packets", "PACKETS", true },
	{ "first_seen", "FIRST SEEN", false },
	{ "why", "WHY", false },
	{ NULL, NULL, false },
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

struct replay_row {
	const struct flow_row *flow;
	enum pol_decision dec;
	struct learn_end from, to;
	char why[200];
};

static void replay_why(const struct pol_policy *p, struct replay_row *r,
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

static int row_cmp(const void *a, const void *b)
{
	const struct replay_row *x = a, *y = b;
	int r = reason_rank(x->dec) - reason_rank(y->dec);

	/* Within a verdict, the flow table's order (proto, client, server, port). */
	return r ? r : flow_key_cmp(&x->flow->key, &y->flow->key);
}

static json_t *row_json(const struct replay_row *r)
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
	struct pol_reason why;
	size_t i;

	if (!rows)
		return NULL;
	memset(sum, 0, sizeof(*sum));
	sum->first = UINT64_MAX;
	for (i = 0; i < n; i++) {
		rows[i].flow = &flows[i];
		rows[i].dec = learn_check(&l->env, &flows[i], &rows[i].from, &rows[i].to, &why);
		replay_why(l->pol, &rows[i], &why);
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

static int replay_print(const struct clearn *l, const struct flow_table *t, bool json)
{
	struct replay_summary sum;
	struct replay_row *rows = NULL;
	struct flow_row *flows;
	json_t *arr = NULL, *o;
	size_t n, i;
	int err = flow_table_sorted(t, &flows, &n);

	if (err)
		return err;
	rows = replay_judge(l, flows, n, &sum);
	arr = rows ? json_array() : NULL;
	for (i = 0; arr && i < n; i++) {
		o = row_json(&rows[i]);
		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			arr = NULL;
		}
	}
	free(rows);
	free(flows);
	if (!arr)
		return -ENOMEM;
	if (json) {
		o = json_pack("{s:o, s:o}", "flows", arr, "summary", summary_json(&sum));
		if (!o)
			return -ENOMEM;
		err = clip_json_print(o);
		json_decref(o);
		return err;
	}
	err = out_rows_print(stdout, OUT_TABLE, arr, replay_columns);
	json_decref(arr);
	if (!err)
		summary_print(&sum);
	return err;
}

struct replay_opts {
	struct clcap_opts cap;
	const char *policy, *runtime, *inventory;
	bool json;
};

static const char usage[] =
	"Usage: zonewall replay POLICY -r FILE [-r FILE...] [--inventory FILE]\n"
	"                       [--runtime URI] [--json]\n"
	"\n"
	"Read the flows of capture files, resolve each end to an identity and a zone\n"
	"as learn does (zones from the policy's selectors), and judge each flow:\n"
	"refused by a deny border, refused without a rule on an allowlist border,\n"
	"allowed by a rule ($.allow[N]) or by an allow border.  Refusals first, then\n"
	"a summary.  Refusals are findings, not errors: the exit status is 0.\n"
	"\n"
	"  -r, --read FILE        a pcap or pcapng file (repeatable)\n"
	"      --inventory FILE   static inventory\n"
	"      --runtime URI      resolve through a container runtime (default: none)\n"
	"  -j, --json             print {\"flows\": [...], \"summary\": {...}}\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: 0 ok; 1 a capture file unreadable or damaged (the flows read\n"
	"are judged); 2 usage error, invalid policy or inventory.\n";

static int replay_parse(struct replay_opts *o, int argc, char **argv, int *status)
{
	static const struct option opts[] = {
		CLCAP_LONGOPTS,
		{ "runtime", required_argument, NULL, 'R' },
		{ "inventory", required_argument, NULL, 'I' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = clcap_getopt("replay", usage, argc, argv, ":" CLCAP_SHORTOPTS "jh", opts,
				 &o->cap, status)) != -1) {
		if (c == CLI_DONE)
			return -1;
		if (c == 'R')
			o->runtime = optarg;
		else if (c == 'I')
			o->inventory = optarg;
		else if (c == 'j')
			o->json = true;
	}
	if (optind != argc - 1)
		*status = cli_usage_error("replay", optind < argc ? "expected one policy file"
							  : "missing the policy file");
	else
		*status = clcap_check("replay", &o->cap, false);
	o->policy = argv[optind];
	return *status ? -1 : 0;
}

int cmd_replay_main(int argc, char **argv)
{
	struct replay_opts o = { 0 };
	int status = CLI_OK, err;
	struct clearn l;
	struct clcap c;

	if (replay_parse(&o, argc, argv, &status))
		return status;
	status = clearn_open(&l, "replay", o.inventory, o.policy, o.runtime, false);
	if (status)
		goto out_close;
	if (clcap_init(&c, "replay", &o.cap)) {
		status = cli_fail("replay", "cannot make the flow table: %s", strerror(errno));
		goto out_close;
	}
	clcap_run(&c, &o.cap);
	err = replay_print(&l, c.table, o.json);
	if (err)
		status = cli_fail("replay", "cannot write output: %s", strerror(-err));
	else if (c.failed)
		status = CLI_FAIL;
	clcap_free(&c);
out_close:
	clearn_close(&l);
	return status;
}
