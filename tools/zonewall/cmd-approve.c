// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewall approve: learned edges become allow rules, recorded with who
 * and when.  Hard to do by mistake: an edge across a deny border, or in a
 * zone the policy does not know, makes the whole approval fail (exit 2,
 * the policy file byte-identical) unless --skip-denied says to leave such
 * edges out.  Edges already allowed are not added again; nothing changed
 * means nothing written.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli-policy.h"
#include "zonewall/fileio.h"
#include "zonewall/nameidx.h"

struct approve_opts {
	bool all, skip_denied;
	const char *from, *to, *by, *reason, *policy;
	char **ids;
	size_t n_ids;
};

static bool edge_selected(const struct approve_opts *o, const struct prop_edge *e,
			  const char *id)
{
	size_t i;

	if (o->all)
		return true;
	for (i = 0; i < o->n_ids; i++)
		if (!strcmp(o->ids[i], id))
			return true;
	if (!o->from && !o->to)
		return false;
	return (!o->from || !strcmp(o->from, e->from)) && (!o->to || !strcmp(o->to, e->to));
}

/* Why @e cannot become a rule of @p (judged by @j), or NULL when it can. */
static const char *edge_refusal(const struct pol_policy *p, const struct pol_judge *j,
				const struct prop_edge *e, char *buf, size_t size,
				enum pol_decision *dec)
{
	struct pol_reason why;
	struct pol_flow f = { e->from, e->to, e->from_zone, e->to_zone, e->proto, e->port };

	*dec = pol_judge_check(j, &f, &why);
	if (why.unknown_zone) {
		snprintf(buf, size, "zone '%s' is not in the policy (add the zone first)",
			 e->from_zone && pol_zone_find(p, e->from_zone) < 0 ? e->from_zone
									     : e->to_zone);
		return buf;
	}
	if (*dec == POL_REFUSED_BY_BORDER) {
		snprintf(buf, size, "crosses the deny border %s -> %s",
			 p->zones[why.from_zone].name, p->zones[why.to_zone].name);
		return buf;
	}
	return NULL;
}

static void edge_desc(const struct prop_edge *e, char *buf, size_t size)
{
	char id[PROP_ID_LEN + 1];

	prop_edge_id(e, id, sizeof(id));
	if (pol_proto_has_ports(e->proto))
		snprintf(buf, size, "%s %s -> %s %s/%u", id, e->from, e->to,
			 pol_proto_name(e->proto), e->port);
	else
		snprintf(buf, size, "%s %s -> %s %s", id, e->from, e->to, pol_proto_name(e->proto));
}

static int add_rule(struct pol_policy *p, const struct prop_edge *e, const struct approve_opts *o,
		    const char *now)
{
	char first[32], last[32], comment[256], id[PROP_ID_LEN + 1];
	struct pol_rule r = { 0 };

	prop_edge_id(e, id, sizeof(id));
	pol_time_format(e->first_seen, first, sizeof(first));
	pol_time_format(e->last_seen, last, sizeof(last));
	if (o->reason)
		snprintf(comment, sizeof(comment), "%s", o->reason);
	else
		snprintf(comment, sizeof(comment),
			 "learned (edge %s): %llu packets on %zu days in %zu runs, %.10s..%.10s", id,
			 (unsigned long long)e->packets, e->n_days, e->n_runs, first, last);
	r.from = e->from;
	r.to = e->to;
	r.from_zone = e->from_zone;
	r.to_zone = e->to_zone;
	r.proto = e->proto;
	r.port_lo = r.port_hi = e->port;
	r.comment = comment;
	r.approved_by = (char *)(o->by ? o->by : clip_user());
	r.approved_at = (char *)now;
	return pol_add_rule(p, &r);
}

/* Pass 1: what the selection holds, and whether it may go in at all. */
static int approve_check(const struct pol_policy *p, const struct pol_judge *j,
			 const struct prop_set *s, const struct approve_opts *o, size_t *selected)
{
	char id[PROP_ID_LEN + 1], desc[400], buf[200];
	enum pol_decision dec;
	size_t i, bad = 0;
	const char *why;

	for (i = 0; i < o->n_ids; i++)
		if (!prop_find_id(s, o->ids[i]))
			return cli_usage_error("approve", "no edge '%s' in the proposal", o->ids[i]);
	*selected = 0;
	for (i = 0; i < s->n; i++) {
		prop_edge_id(&s->edges[i], id, sizeof(id));
		if (!edge_selected(o, &s->edges[i], id))
			continue;
		(*selected)++;
		why = edge_refusal(p, j, &s->edges[i], buf, sizeof(buf), &dec);
		if (!why)
			continue;
		edge_desc(&s->edges[i], desc, sizeof(desc));
		if (o->skip_denied) {
			cli_warn("approve", "skipped edge %s: %s", desc, why);
		} else {
			fprintf(stderr, "zonewall approve: refused edge %s: %s\n", desc, why);
			bad++;
		}
	}
	if (!*selected)
		return cli_usage_error("approve", "the selection matches no edge of the proposal");
	if (bad) {
		fprintf(stderr, "zonewall approve: %zu selected edge%s cannot be approved; "
			"nothing was written to %s (narrow the selection, or --skip-denied)\n",
			bad, bad == 1 ? "" : "s", o->policy);
		return CLI_USAGE;
	}
	return CLI_OK;
}

/* What approve_apply() did, printed once the policy is written. */
struct approve_result {
	size_t *added;		/* indices of the edges that became rules */
	size_t n_added, already, skipped;
};

/*
 * The rules this run added, by (from, to, proto, port): @j judges by the
 * policy as read, and with this set each edge gets the answer pol_check()
 * of the policy grown so far would give (a proposal holds each key once,
 * so it only matters should that change).  @keys own the names @ix borrows.
 */
struct approve_added {
	struct nix ix;
	char **keys;
	size_t n;
};

static int added_key(const struct prop_edge *e, char **out)
{
	return asprintf(out, "%s\n%s\n%u\n%u", e->from, e->to, (unsigned)e->proto,
			(unsigned)e->port) < 0 ? -ENOMEM : 0;
}

static bool added_has(const struct approve_added *a, const struct prop_edge *e)
{
	char *k;
	bool r;

	if (!a->n || added_key(e, &k))
		return false;
	r = nix_find(&a->ix, k) >= 0;
	free(k);
	return r;
}

static int added_put(struct approve_added *a, const struct prop_edge *e)
{
	int err = added_key(e, &a->keys[a->n]);

	if (!err)
		err = nix_add(&a->ix, a->keys[a->n], a->n);
	if (!err)
		a->n++;
	return err;
}

static void added_free(struct approve_added *a)
{
	nix_free(&a->ix);
	for (size_t i = 0; i <= a->n && a->keys; i++)
		free(a->keys[i]);
	free(a->keys);
}

static int approve_apply(struct pol_policy *p, const struct pol_judge *j,
			 const struct prop_set *s, const struct approve_opts *o,
			 struct approve_result *res)
{
	char id[PROP_ID_LEN + 1], now[32], buf[200];
	struct approve_added added = { .n = 0 };
	enum pol_decision dec;
	size_t i;
	int err = 0;

	res->added = calloc(s->n ? s->n : 1, sizeof(*res->added));
	added.keys = calloc(s->n + 1, sizeof(*added.keys));
	if (!res->added || !added.keys) {
		added_free(&added);
		return cli_fail("approve", "out of memory");
	}
	pol_time_format(clip_now(), now, sizeof(now));
	for (i = 0; i < s->n && !err; i++) {
		prop_edge_id(&s->edges[i], id, sizeof(id));
		if (!edge_selected(o, &s->edges[i], id))
			continue;
		if (edge_refusal(p, j, &s->edges[i], buf, sizeof(buf), &dec)) {
			res->skipped++;
			continue;
		}
		if (dec != POL_REFUSED_NO_RULE || added_has(&added, &s->edges[i])) {
			res->already++;
			continue;
		}
		err = add_rule(p, &s->edges[i], o, now);
		if (!err)
			err = added_put(&added, &s->edges[i]);
		if (!err)
			res->added[res->n_added++] = i;
	}
	added_free(&added);
	if (err)
		return cli_fail("approve", "out of memory");
	if (res->n_added) {
		err = pol_save(p, o->policy);
		if (err)
			return clip_write_failed("approve", o->policy, err, POL_FILE_MAX);
	}
	return CLI_OK;
}

/* Only after the write: a reader of "added" (or a closed pipe killing us
 * with SIGPIPE half-way) sees what the file holds. */
static void approve_print(const struct prop_set *s, const struct approve_opts *o,
			  const struct approve_result *res)
{
	char desc[400];
	size_t i;

	for (i = 0; i < res->n_added; i++) {
		edge_desc(&s->edges[res->added[i]], desc, sizeof(desc));
		printf("added %s\n", desc);
	}
	printf("%zu rule%s added to %s, %zu already allowed, %zu skipped\n", res->n_added,
	       res->n_added == 1 ? "" : "s", o->policy, res->already, res->skipped);
}

static const char usage[] =
	"Usage: zonewall approve PROPOSAL --policy POLICY\n"
	"                        (--all | --edge ID... | --from X [--to Y] | --to Y)\n"
	"                        [--by NAME] [--reason TEXT] [--skip-denied]\n"
	"\n"
	"Add an allow rule for every selected edge that the policy does not allow\n"
	"yet, recording who (--by, default the invoking user or SUDO_USER) and when.\n"
	"If a selected edge crosses a deny border, or names a zone the policy lacks,\n"
	"nothing is written and the exit status is 2; --skip-denied leaves such\n"
	"edges out instead (with a warning).  The policy is rewritten atomically\n"
	"in its canonical form, only when a rule was added, under a lock that a\n"
	"concurrent approve waits for (up to 10 s); \"added\" lines are printed\n"
	"once it is written.  A symbolic link is written through; owner, group\n"
	"and mode are kept; a policy with several hard links is refused.\n"
	"\n"
	"  -p, --policy FILE   the policy to add rules to (required)\n"
	"  -a, --all           every edge of the proposal\n"
	"  -e, --edge ID       the edge with this id (from review); repeatable\n"
	"  -f, --from X        edges from identity X\n"
	"  -t, --to Y          edges to identity Y\n"
	"  -b, --by NAME       who approves\n"
	"  -r, --reason TEXT   the rule comment (default: the edge's evidence)\n"
	"  -S, --skip-denied   leave out edges a border refuses instead of failing\n"
	"  -h, --help          show this help\n";

static int approve_parse(int argc, char **argv, struct approve_opts *o, int *status)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, 'a' },
		{ "edge", required_argument, NULL, 'e' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "by", required_argument, NULL, 'b' },
		{ "reason", required_argument, NULL, 'r' },
		{ "skip-denied", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char **ids;
	int c;

	while ((c = cli_getopt("approve", usage, argc, argv, ":p:ae:f:t:b:r:Sh", opts,
			       status)) != -1) {
		switch (c) {
		case CLI_DONE: return -1;
		case 'p': o->policy = optarg; break;
		case 'a': o->all = true; break;
		case 'f': o->from = optarg; break;
		case 't': o->to = optarg; break;
		case 'b': o->by = optarg; break;
		case 'r': o->reason = optarg; break;
		case 'S': o->skip_denied = true; break;
		case 'e':
			ids = realloc(o->ids, (o->n_ids + 1) * sizeof(*ids));
			if (!ids) {
				*status = cli_fail("approve", "out of memory");
				return -1;
			}
			o->ids = ids;
			o->ids[o->n_ids++] = optarg;
			break;
		}
	}
	return 0;
}

static int approve_validate(int argc, const struct approve_opts *o)
{
	if (optind != argc - 1)
		return cli_usage_error("approve", "expected one proposal file");
	if (!o->policy)
		return cli_usage_error("approve", "--policy FILE is required");
	if (o->all + (o->n_ids > 0) + (o->from || o->to) != 1)
		return cli_usage_error("approve",
				       "choose one of --all, --edge ID..., --from X/--to Y");
	if (o->by && !pol_identity_valid(o->by))
		return cli_usage_error("approve", "--by: invalid name '%s'", o->by);
	if (o->reason && strlen(o->reason) > 200)
		return cli_usage_error("approve", "--reason: at most 200 characters");
	return CLI_OK;
}

int cmd_approve_main(int argc, char **argv)
{
	struct approve_result res = { 0 };
	struct approve_opts o = { 0 };
	struct pol_policy *p = NULL;
	struct pol_judge *j = NULL;
	struct prop_set *s = NULL;
	struct fio_lock *lock = NULL;
	int status = CLI_OK;
	size_t selected;

	if (approve_parse(argc, argv, &o, &status))
		goto out_free_ids;
	status = approve_validate(argc, &o);
	if (status)
		goto out_free_ids;
	status = clip_load_proposal("approve", argv[optind], &s);
	if (status)
		goto out_free_ids;
	/* From reading the policy to its rename: a concurrent approve must
	 * not write a policy without our rules, nor we one without its. */
	status = clip_lock("approve", o.policy, &lock);
	if (!status)
		status = clip_load_policy("approve", o.policy, &p);
	if (!status && !(j = pol_judge_new(p)))
		status = cli_fail("approve", "out of memory");
	if (!status)
		status = approve_check(p, j, s, &o, &selected);
	if (!status)
		status = approve_apply(p, j, s, &o, &res);
	fio_unlock(lock);
	pol_judge_free(j);
	if (!status)
		approve_print(s, &o, &res);
	free(res.added);
	pol_free(p);
	prop_free(s);
out_free_ids:
	free(o.ids);
	return status;
}
