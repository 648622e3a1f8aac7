// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The allowlist: allow rules expanded to address tuples (source, destination,
 * protocol, port range), normalized: duplicates dropped, overlapping port
 * ranges of the same endpoints merged.  Pure.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile-int.h"


static int tuples_push(struct tuples *t, const struct tuple *x)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct tuple *nv = realloc(t->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		t->v = nv;
		t->cap = cap;
	}
	t->v[t->n++] = *x;
	return 0;
}

bool cmp_tuple_exact(const struct tuple *t)
{
	unsigned int full = t->family == 4 ? 32 : 128;

	return t->src.len == full && t->dst.len == full && t->plo == t->phi &&
	       pol_proto_has_ports(t->proto);
}

/* Order by key, port range last, so equal keys with touching ranges are adjacent. */
static int tuple_key_cmp(const void *a, const void *b)
{
	const struct tuple *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family - y->family;
	if ((c = memcmp(&x->src, &y->src, sizeof(x->src))) || (c = memcmp(&x->dst, &y->dst, sizeof(x->dst))))
		return c;
	if (x->proto != y->proto)
		return x->proto - y->proto;
	if (x->plo != y->plo)
		return x->plo - y->plo;
	if (x->phi != y->phi)
		return x->phi - y->phi;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

static int tuple_rule_cmp(const void *a, const void *b)
{
	const struct tuple *x = a, *y = b;

	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return tuple_key_cmp(a, b);
}

/*
 * Duplicates go (two rules naming the same tuple), and port ranges of the
 * same endpoints and protocol are merged where they overlap or touch: the
 * interval set refuses overlapping elements.  Single ports stay single, in
 * the hash set.
 */
void cmp_tuples_normalize(struct tuples *t)
{
	size_t k = 0;

	if (!t->n)
		return;
	qsort(t->v, t->n, sizeof(*t->v), tuple_key_cmp);
	for (size_t i = 0; i < t->n; i++) {
		struct tuple *x = &t->v[i], *last = k ? &t->v[k - 1] : NULL;

		if (last && last->family == x->family && !memcmp(&last->src, &x->src, sizeof(x->src)) &&
		    !memcmp(&last->dst, &x->dst, sizeof(x->dst)) && last->proto == x->proto &&
		    cmp_tuple_exact(last) == cmp_tuple_exact(x) &&
		    (cmp_tuple_exact(x) ? last->plo == x->plo : (uint32_t)last->phi + 1 >= x->plo)) {
			if (x->phi > last->phi)
				last->phi = x->phi;
			continue;
		}
		t->v[k++] = *x;
	}
	t->n = k;
	qsort(t->v, t->n, sizeof(*t->v), tuple_rule_cmp);
}

/* Every statement builder returns 0 or -errno; chain them with this. */


static const struct cmp_snapshot *sort_snap;

static int ident_cmp(const void *a, const void *b)
{
	const size_t *x = a, *y = b;

	return strcmp(sort_snap->w[*x]->identity, sort_snap->w[*y]->identity);
}

void cmp_identities_sort(struct ctx *c)
{
	/* qsort has no context argument: the snapshot goes through a static */
	sort_snap = c->s;
	qsort(c->by_identity, c->s->n, sizeof(*c->by_identity), ident_cmp);
}

/* The endpoints a rule side names: [*first, *last) of by_identity, or a zone. */
void cmp_side_range(const struct ctx *c, const char *who, long *zone, size_t *first, size_t *last)
{
	size_t lo = 0, hi = c->s->n;

	*zone = -1;
	if (!strncmp(who, "zone:", 5)) {
		*zone = pol_zone_find(c->p, who + 5);
		*first = 0;
		*last = *zone >= 0 ? c->s->n : 0;
		return;
	}
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(c->s->w[c->by_identity[mid]]->identity, who) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (hi < c->s->n && !strcmp(c->s->w[c->by_identity[hi]]->identity, who))
		hi++;
	*last = hi;
}

static size_t side_at(const struct ctx *c, long zone, size_t i)
{
	return zone >= 0 ? i : c->by_identity[i];
}

bool cmp_prefix_is_host(const struct cmp_prefix *p)
{
	return p->len == (p->family == 4 ? 32 : 128);
}

/* @hosts_in_zone_sets: a zone -> zone rule, whose host-to-host pairs the
 * member and port sets cover (add_zone_rule_sets()); CIDRs still expand. */
static int expand_pair(struct tuples *t, const struct pol_rule *r, size_t ri,
		       const struct cmp_workload *a, const struct cmp_workload *b,
		       bool hosts_in_zone_sets, size_t *in_sets)
{
	for (size_t i = 0; i < a->n_addrs; i++)
		for (size_t j = 0; j < b->n_addrs; j++) {
			struct tuple x = { .family = a->addrs[i].family, .proto = r->proto,
					   .src = a->addrs[i], .dst = b->addrs[j], .rule = ri };
			int rc;

			if (a->addrs[i].family != b->addrs[j].family)
				continue;
			if (hosts_in_zone_sets && cmp_prefix_is_host(&a->addrs[i]) &&
			    cmp_prefix_is_host(&b->addrs[j])) {
				(*in_sets)++;
				continue;
			}
			/* ICMPv4 rules hold for IPv4 only, ICMPv6 for IPv6 only. */
			if ((r->proto == IPPROTO_ICMP && x.family != 4) ||
			    (r->proto == IPPROTO_ICMPV6 && x.family != 6))
				continue;
			x.plo = r->port_lo;
			x.phi = r->port_hi;
			if (!pol_proto_has_ports(r->proto) || (!x.plo && !x.phi)) {
				x.plo = 0;
				x.phi = 65535;
			}
			if ((rc = tuples_push(t, &x)) < 0)
				return rc;
		}
	return 0;
}

int cmp_rule_expand(struct ctx *c, struct tuples *t, size_t ri)
{
	const struct pol_rule *r = &c->p->rules[ri];
	size_t f0, f1, t0, t1, before = t->n, in_sets = 0;
	long fz, tz;
	int rc;

	cmp_side_range(c, r->from, &fz, &f0, &f1);
	cmp_side_range(c, r->to, &tz, &t0, &t1);
	if (fz >= 0 && tz >= 0) {
		c->zone_member[fz] = c->zone_member[tz] = true;
		c->pair_rules[(size_t)fz * c->p->n_zones + (size_t)tz] = true;
	}
	for (size_t i = f0; i < f1; i++) {
		size_t a = side_at(c, fz, i);

		if (fz >= 0 && c->zone_of[a] != (size_t)fz)
			continue;
		for (size_t j = t0; j < t1; j++) {
			size_t b = side_at(c, tz, j);

			if (tz >= 0 && c->zone_of[b] != (size_t)tz)
				continue;
			if ((rc = expand_pair(t, r, ri, c->s->w[a], c->s->w[b], fz >= 0 && tz >= 0,
					       &in_sets)) < 0)
				return rc;
		}
	}
	if (t->n == before && !in_sets && c->warn) {
		char where[32];

		snprintf(where, sizeof(where), "$.allow[%zu]", ri);
		diag_add(c->warn, where, "%s -> %s: no addresses on this host (no elements)",
			 r->from, r->to);
	}
	return 0;
}

