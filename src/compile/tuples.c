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


int cmp_tuples_push(struct tuples *t, const struct tuple *x)
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
int cmp_tuple_key_cmp(const struct tuple *x, const struct tuple *y)
{
	int c = cmp_tuple_group_cmp(x, y);

	if (c)
		return c;
	if (x->plo != y->plo)
		return x->plo - y->plo;
	if (x->phi != y->phi)
		return x->phi - y->phi;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

int cmp_tuple_group_cmp(const struct tuple *x, const struct tuple *y)
{
	int c;

	if (x->family != y->family)
		return x->family - y->family;
	if ((c = memcmp(&x->src, &y->src, sizeof(x->src))) || (c = memcmp(&x->dst, &y->dst, sizeof(x->dst))))
		return c;
	return x->proto - y->proto;
}

static int tuple_key_qcmp(const void *a, const void *b)
{
	return cmp_tuple_key_cmp(a, b);
}

static int tuple_rule_cmp(const void *a, const void *b)
{
	const struct tuple *x = a, *y = b;

	if (x->rule != y->rule)
		return x->rule < y->rule ? -1 : 1;
	return cmp_tuple_key_cmp(x, y);
}

void cmp_tuples_sort_key(struct tuples *t)
{
	if (t->n)
		qsort(t->v, t->n, sizeof(*t->v), tuple_key_qcmp);
}

/*
 * Duplicates go (two rules naming the same tuple), and port ranges of the
 * same endpoints and protocol are merged where they overlap or touch: the
 * interval set refuses overlapping elements.  Single ports stay single, in
 * the hash set.
 */
size_t cmp_tuples_merge(struct tuple *v, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		struct tuple *x = &v[i], *last = k ? &v[k - 1] : NULL;

		if (last && !cmp_tuple_group_cmp(last, x) &&
		    cmp_tuple_exact(last) == cmp_tuple_exact(x) &&
		    (cmp_tuple_exact(x) ? last->plo == x->plo : (uint32_t)last->phi + 1 >= x->plo)) {
			if (x->phi > last->phi)
				last->phi = x->phi;
			continue;
		}
		v[k++] = *x;
	}
	return k;
}

void cmp_tuples_normalize(struct tuples *t)
{
	if (!t->n)
		return;
	cmp_tuples_sort_key(t);
	t->n = cmp_tuples_merge(t->v, t->n);
	qsort(t->v, t->n, sizeof(*t->v), tuple_rule_cmp);
}

static int ident_cmp(const void *a, const void *b, void *arg)
{
	const struct cmp_snapshot *s = arg;
	const size_t *x = a, *y = b;

	return strcmp(s->w[*x]->identity, s->w[*y]->identity);
}

/* qsort_r(): the daemon compiles on its loop and on the reload worker at once. */
void cmp_identities_sort(struct ctx *c)
{
	qsort_r(c->by_identity, c->s->n, sizeof(*c->by_identity), ident_cmp, (void *)c->s);
}

bool cmp_prefix_is_host(const struct cmp_prefix *p)
{
	return p->len == (p->family == 4 ? 32 : 128);
}

static bool workload_is_wide(const struct cmp_workload *w)
{
	for (size_t j = 0; j < w->n_addrs; j++)
		if (!cmp_prefix_is_host(&w->addrs[j]))
			return true;
	return false;
}

/* A counting sort on (zone, not wide): stable, so index order within each part. */
int cmp_zones_group(struct ctx *c)
{
	size_t nz = c->p->n_zones, n = c->s->n;
	size_t *key, *at;
	int rc = -ENOMEM;

	c->by_zone = calloc(n + 1, sizeof(*c->by_zone));
	c->zone_start = calloc(nz + 1, sizeof(*c->zone_start));
	c->zone_wide_end = calloc(nz + 1, sizeof(*c->zone_wide_end));
	c->zone_hosts = calloc(2 * nz + 1, sizeof(*c->zone_hosts));
	key = calloc(n + 1, sizeof(*key));	/* 2 * zone + 1 for a host-only endpoint */
	at = calloc(2 * nz + 1, sizeof(*at));
	if (!c->by_zone || !c->zone_start || !c->zone_wide_end || !c->zone_hosts || !key || !at)
		goto out_free;
	for (size_t i = 0; i < n; i++) {
		const struct cmp_workload *w = c->s->w[i];

		key[i] = 2 * c->zone_of[i] + !workload_is_wide(w);
		at[key[i]]++;
		for (size_t j = 0; j < w->n_addrs; j++)
			if (cmp_prefix_is_host(&w->addrs[j]))
				c->zone_hosts[2 * c->zone_of[i] + (w->addrs[j].family == 6)] = true;
	}
	for (size_t k = 0, sum = 0; k < 2 * nz; k++) {
		size_t cnt = at[k];

		if (k % 2 == 0)
			c->zone_start[k / 2] = sum;
		else
			c->zone_wide_end[k / 2] = sum;
		at[k] = sum;
		sum += cnt;
	}
	c->zone_start[nz] = n;
	for (size_t i = 0; i < n; i++)
		c->by_zone[at[key[i]]++] = i;
	rc = 0;
out_free:
	free(key);
	free(at);
	return rc;
}

/* The endpoints a rule side names: [*first, *last) of by_identity, or of by_zone for a zone. */
void cmp_side_range(const struct ctx *c, const char *who, long *zone, size_t *first, size_t *last)
{
	size_t lo = 0, hi = c->s->n;

	*zone = -1;
	if (!strncmp(who, "zone:", 5)) {
		*zone = pol_zone_find(c->p, who + 5);
		*first = *zone >= 0 ? c->zone_start[*zone] : 0;
		*last = *zone >= 0 ? c->zone_start[*zone + 1] : 0;
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
	return zone >= 0 ? c->by_zone[i] : c->by_identity[i];
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
			if ((rc = cmp_tuples_push(t, &x)) < 0)
				return rc;
		}
	return 0;
}

static long side_zone(const struct ctx *c, const char *who)
{
	return strncmp(who, "zone:", 5) ? -1 : pol_zone_find(c->p, who + 5);
}

void cmp_rule_zones(struct ctx *c, size_t ri)
{
	const struct pol_rule *r = &c->p->rules[ri];
	long fz = side_zone(c, r->from), tz = side_zone(c, r->to);

	c->rule_zone[2 * ri] = fz;
	c->rule_zone[2 * ri + 1] = tz;
	if (fz >= 0 && tz >= 0) {
		c->zone_member[fz] = c->zone_member[tz] = true;
		c->pair_rules[(size_t)fz * c->p->n_zones + (size_t)tz] = true;
	}
}

int cmp_rule_expand(struct ctx *c, struct tuples *t, size_t ri)
{
	const struct pol_rule *r = &c->p->rules[ri];
	size_t f0, f1, t0, t1, before = t->n, in_sets = 0;
	bool zones;
	long fz, tz;
	int rc;

	cmp_side_range(c, r->from, &fz, &f0, &f1);
	cmp_side_range(c, r->to, &tz, &t0, &t1);
	cmp_rule_zones(c, ri);
	zones = fz >= 0 && tz >= 0;
	if (zones) {
		/* host pairs are the member sets' (counted, not walked: |F| x |T|) */
		in_sets = (c->zone_hosts[2 * fz] && c->zone_hosts[2 * tz]) ||
			  (c->zone_hosts[2 * fz + 1] && c->zone_hosts[2 * tz + 1]);
	}
	for (size_t i = f0; i < f1; i++) {
		size_t a = side_at(c, fz, i), end = t1;

		/* from a host-only endpoint, only the wide ones of the zone need tuples */
		if (zones && i >= c->zone_wide_end[fz])
			end = c->zone_wide_end[tz];
		for (size_t j = t0; j < end; j++) {
			size_t b = side_at(c, tz, j);

			if ((rc = expand_pair(t, r, ri, c->s->w[a], c->s->w[b], zones, &in_sets)) < 0)
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

