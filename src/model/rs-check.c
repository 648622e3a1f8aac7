// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ruleset model checked as a whole (rs_validate(), see ruleset.h).  Pure.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "zonewall/ruleset.h"
#include "ruleset-int.h"

int rs_fail(struct diags *d, const char *origin, const char *fmt, ...)
{
	va_list ap;
	char msg[256];

	if (!d)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_add(d, origin && *origin ? origin : "ruleset", "%s", msg);
	return -EINVAL;
}

static bool needs_icmpv6(const struct rs_stmt *st)
{
	for (unsigned int i = 0; i < st->n_f; i++)
		if (rs_field_desc(st->f[i])->icmpv6)
			return true;
	return false;
}

/* Does a match on meta l4proto ipv6-icmp come before statement @k of @r? A
 * transport header field read without it is some other protocol's byte. */
static bool icmpv6_guarded(const struct rs_rule *r, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		const struct rs_stmt *st = &r->s[i];

		if (st->kind == RS_S_MATCH && !st->neg && st->f[0] == RS_F_L4PROTO &&
		    st->val.u.proto == 58)
			return true;
	}
	return false;
}

static int check_stmt(const struct rs_table *t, const struct rs_rule *r,
		      const struct rs_stmt *st, struct diags *d)
{
	const struct rs_set *s;

	for (unsigned int i = 0; i < st->n_f; i++)
		if (!rs_field_fits(st->f[i], t->family))
			return rs_fail(d, r->origin, "%s is not available in %s tables",
				    rs_field_name(st->f[i]), rs_family_name(t->family));
	if (st->kind == RS_S_COUNTER && st->obj && !rs_counter_find(t, st->obj))
		return rs_fail(d, r->origin, "no counter %s in table %s %s", st->obj,
			    rs_family_name(t->family), t->name);
	if (st->kind == RS_S_VERDICT && st->v.chain && !rs_chain_find(t, st->v.chain))
		return rs_fail(d, r->origin, "no chain %s in table %s %s", st->v.chain,
			    rs_family_name(t->family), t->name);
	if (st->kind != RS_S_LOOKUP && st->kind != RS_S_VMAP)
		return 0;
	s = rs_set_find(t, st->set);
	if (!s)
		return rs_fail(d, r->origin, "no set @%s in table %s %s", st->set,
			    rs_family_name(t->family), t->name);
	if (s->vmap != (st->kind == RS_S_VMAP))
		return rs_fail(d, r->origin, "@%s is %s", st->set,
			    s->vmap ? "a verdict map, not a set" : "a set, not a verdict map");
	if (s->key.n != st->n_f)
		return rs_fail(d, r->origin, "@%s has %u key fields, the rule gives %u",
			    st->set, s->key.n, st->n_f);
	for (unsigned int i = 0; i < st->n_f; i++)
		if (rs_field_type(st->f[i]) != s->key.t[i])
			return rs_fail(d, r->origin, "@%s field %u is %s, %s is %s", st->set,
				    i + 1, rs_type_name(s->key.t[i]), rs_field_name(st->f[i]),
				    rs_type_name(rs_field_type(st->f[i])));
	return 0;
}

static int check_table(const struct rs_table *t, struct diags *d)
{
	for (size_t i = 0; i < t->n_sets; i++) {
		const struct rs_set *s = t->sets[i];

		for (size_t e = 0; s->vmap && e < s->n_elems; e++)
			if (s->verdicts[e].chain && !rs_chain_find(t, s->verdicts[e].chain))
				return rs_fail(d, rs_elem_origin(s, e),
					    "map @%s jumps to chain %s, which does not exist",
					    s->name, s->verdicts[e].chain);
	}
	for (size_t i = 0; i < t->n_chains; i++) {
		const struct rs_chain *c = t->chains[i];

		for (size_t j = 0; j < c->n_rules; j++) {
			const struct rs_rule *r = c->rules[j];

			if (r->n == 0)
				return rs_fail(d, r->origin, "empty rule in chain %s",
					    c->name);
			for (size_t k = 0; k < r->n; k++) {
				if (check_stmt(t, r, &r->s[k], d) < 0)
					return -EINVAL;
				if (needs_icmpv6(&r->s[k]) && !icmpv6_guarded(r, k))
					return rs_fail(d, r->origin, "icmpv6 fields need "
						    "meta l4proto ipv6-icmp before them");
			}
		}
	}
	return 0;
}

int rs_validate(const struct rs_ruleset *rs, struct diags *d)
{
	diags_init(d);
	for (size_t i = 0; i < rs->n_tables; i++)
		if (check_table(rs->tables[i], d) < 0)
			return -EINVAL;
	return 0;
}
