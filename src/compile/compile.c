// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The compiler: policy + snapshot -> ruleset model.  Pure: no I/O.
 *
 * Per packet the kernel does a constant amount of work whatever the size
 * of the policy: one source-address map lookup, one destination-address
 * map lookup, and at most four allowlist set lookups (hash and interval,
 * IPv4 and IPv6; only the first packet of a connection gets that far).
 * Everything that grows with the policy or the host is set elements.
 *
 * This file drives the whole; the room's other files: compile-sets.c and
 * compile-chains.c (the inet table's sets and chains), snapshot.c (the
 * input), zonemap.c (addresses to zones), tuples.c (the allowlist),
 * bridge.c (the bridge table), judge.c (reading back and judging flows in
 * user space), compile-inv.c (inventory endpoints), incr.c (the next
 * compile of the same policy: only what a snapshot's change touched).
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/compile.h"

#include "compile-int.h"

/* --- the whole --------------------------------------------------------------------- */

static int resolve_zones(struct ctx *c)
{
	c->zone_of = calloc(c->s->n + 1, sizeof(*c->zone_of));
	c->by_identity = calloc(c->s->n + 1, sizeof(*c->by_identity));
	if (!c->zone_of || !c->by_identity)
		return -ENOMEM;
	for (size_t i = 0; i < c->s->n; i++) {
		char q[POL_ZONE_NAME_MAX * 4 + 8];
		bool unknown;

		c->zone_of[i] = cmp_zone_index(c->p, c->s->w[i], &unknown);
		/* a label's value: escaped, so it cannot forge a line of its own */
		if (unknown && c->warn)
			diag_add(c->warn, c->s->w[i]->origin, "zone %s is not in the policy: zone %s",
				 rs_quote(c->s->w[i]->zone, q, sizeof(q)), zname(c, c->zone_of[i]));
		c->by_identity[i] = i;
	}
	cmp_identities_sort(c);
	return cmp_zones_group(c);
}

/* pol_border_verdict() for every zone pair, at one probe each. */
static int index_borders(struct ctx *c)
{
	size_t nz = c->p->n_zones;

	c->border_of = calloc(nz * nz, sizeof(*c->border_of));
	if (!c->border_of)
		return -ENOMEM;
	/* backwards: the first border of a pair wins, as in pol_border_verdict() */
	for (size_t i = c->p->n_borders; i-- > 0;) {
		const struct pol_border *b = &c->p->borders[i];

		if (b->from < nz && b->to < nz)
			c->border_of[b->from * nz + b->to] = b;
	}
	return 0;
}

/* The allowlist's tuples, normalized; for cmp_compile_next(), only its changes. */
static int expand_rules(struct ctx *c, struct tuples *t)
{
	int rc;

	if (cmp_incr_from_last(c))
		return cmp_incr_tuples(c);
	for (size_t i = 0; i < c->p->n_rules; i++)
		if ((rc = cmp_rule_expand(c, t, i)) < 0)
			return rc;
	if (c->inc) {
		cmp_tuples_sort_key(t);
		if ((rc = cmp_incr_keep_raw(c, t)) < 0)
			return rc;
	}
	cmp_tuples_normalize(t);
	return 0;
}

static int build_inet(struct ctx *c, struct rs_ruleset *rs)
{
	struct zmap z4 = { 0 }, z6 = { 0 };
	struct tuples t = { 0 };
	int rc;

	c->inet = rs_table_add(rs, RS_INET, CMP_TABLE, "compiler: enforcement");
	c->zone_member = calloc(c->p->n_zones, sizeof(*c->zone_member));
	c->pair_rules = calloc(c->p->n_zones * c->p->n_zones, sizeof(*c->pair_rules));
	c->rule_zone = calloc(2 * c->p->n_rules + 1, sizeof(*c->rule_zone));
	if (!c->inet || !c->zone_member || !c->pair_rules || !c->rule_zone)
		return -ENOMEM;
	if ((rc = index_borders(c)) < 0)
		return rc;
	if ((rc = cmp_zmap_build(c->p, c->s, c->zone_of, 4, &z4, c->errs)) < 0 ||
	    (rc = cmp_zmap_build(c->p, c->s, c->zone_of, 6, &z6, c->errs)) < 0)
		goto out_free;
	if ((rc = expand_rules(c, &t)) < 0)
		goto out_free;
	if ((rc = cmp_inet_sets_add(c, &t, &z4, &z6)) < 0)
		goto out_free;
	rc = cmp_inet_chains_add(c);
out_free:
	free(z4.v);
	free(z6.v);
	free(t.v);
	return rc;
}

struct rs_ruleset *cmp_compile_ctx(struct ctx *c, const struct cmp_options *o)
{
	struct rs_ruleset *rs;
	int rc;

	diags_init(c->errs);
	c->o.log_group = o && o->log_group ? o->log_group : CMP_LOG_GROUP;
	c->o.log_rate = o && o->log_rate ? o->log_rate : CMP_LOG_RATE;
	if (!c->p->n_zones || c->p->default_zone >= c->p->n_zones) {
		diag_add(c->errs, "policy", "no default zone");
		errno = EINVAL;
		return NULL;
	}
	rs = rs_ruleset_new();
	if (!rs)
		return NULL;
	rc = resolve_zones(c);
	if (rc == 0 && c->inc)
		rc = cmp_incr_begin(c);
	if (rc == 0)
		rc = build_inet(c, rs);
	if (rc == 0)
		rc = cmp_bridge_table_add(c, rs);
	if (rc == 0 && rs_validate(rs, c->errs) < 0)
		rc = -EINVAL;
	free(c->zone_of);
	free(c->by_identity);
	free(c->zone_member);
	free(c->pair_rules);
	free(c->by_zone);
	free(c->zone_start);
	free(c->zone_wide_end);
	free(c->zone_hosts);
	free(c->rule_zone);
	free(c->border_of);
	if (rc < 0) {
		if (rc == -EINVAL && !diags_any(c->errs))
			diag_add(c->errs, "compiler", "%s", strerror(-rc));
		rs_ruleset_free(rs);
		errno = -rc;
		return NULL;
	}
	return rs;
}

struct rs_ruleset *cmp_compile(const struct pol_policy *p, const struct cmp_snapshot *s,
			       const struct cmp_options *o, struct diags *warn,
			       struct diags *errs)
{
	struct ctx c = { .p = p, .s = s, .warn = warn, .errs = errs };

	return cmp_compile_ctx(&c, o);
}

struct rs_ruleset *cmp_empty_ruleset(void)
{
	struct rs_ruleset *rs = rs_ruleset_new();

	if (!rs)
		return NULL;
	if (!rs_table_add(rs, RS_INET, CMP_TABLE, "zonewall") ||
	    !rs_table_add(rs, RS_BRIDGE, CMP_TABLE, "zonewall")) {
		rs_ruleset_free(rs);
		errno = ENOMEM;
		return NULL;
	}
	return rs;
}
