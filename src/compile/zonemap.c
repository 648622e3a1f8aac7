// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The zone map: every endpoint address to its zone, longest prefix first,
 * flattened to the disjoint ranges an nf_tables interval map takes.  Pure.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile-int.h"


/* --- address arithmetic (big-endian byte strings of 4 or 16 bytes) -------------- */

static unsigned int fam_bytes(uint8_t family)
{
	return family == 4 ? 4 : 16;
}

static void prefix_range(const struct cmp_prefix *p, uint8_t lo[16], uint8_t hi[16])
{
	unsigned int bits = fam_bytes(p->family) * 8;

	memset(lo, 0, 16);
	memset(hi, 0, 16);
	memcpy(lo, p->a, fam_bytes(p->family));
	memcpy(hi, p->a, fam_bytes(p->family));
	for (unsigned int bit = p->len; bit < bits; bit++)
		hi[bit / 8] |= 0x80 >> (bit % 8);
}

static bool addr_all_ones(const uint8_t *a, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (a[i] != 0xff)
			return false;
	return true;
}

static void addr_inc(uint8_t *a, unsigned int n)
{
	for (unsigned int i = n; i-- > 0;)
		if (++a[i])
			return;
}

static void addr_dec(uint8_t *a, unsigned int n)
{
	for (unsigned int i = n; i-- > 0;)
		if (a[i]--)
			return;
}



static int zmap_push(struct zmap *m, const struct zseg *s)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct zseg *nv = realloc(m->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		m->v = nv;
		m->cap = cap;
	}
	m->v[m->n++] = *s;
	return 0;
}

/* qsort_r(): the daemon compiles on its loop and on the reload worker at once. */
static int zseg_cmp(const void *a, const void *b, void *bytes)
{
	const struct zseg *x = a, *y = b;
	int c = memcmp(x->lo, y->lo, *(const unsigned int *)bytes);

	if (c)
		return c;
	return (int)x->len - (int)y->len;
}

/* Emit [lo, hi] for @zone, merged with the previous segment when contiguous. */
static int flat_emit(struct zmap *out, const uint8_t *lo, const uint8_t *hi, const struct zseg *of,
		     unsigned int n)
{
	struct zseg s = *of;

	if (out->n) {
		struct zseg *last = &out->v[out->n - 1];
		uint8_t next[16];

		memcpy(next, last->hi, 16);
		addr_inc(next, n);
		if (last->zone == of->zone && !memcmp(next, lo, n)) {
			memcpy(last->hi, hi, 16);
			return 0;
		}
	}
	memcpy(s.lo, lo, 16);
	memcpy(s.hi, hi, 16);
	return zmap_push(out, &s);
}

/*
 * Prefixes nest or are disjoint, so the ones containing a position form
 * the stack, and the winner there is the highest rank on it (the
 * innermost on a tie): own[] holds that winner for each depth.
 */
static int flatten(struct zmap *in, unsigned int n, struct zmap *out)
{
	const struct zseg *stack[130], *own[130];
	uint8_t pos[16] = { 0 }, end[16];
	size_t depth = 0;
	bool done = false;
	int rc;

	for (size_t i = 0; i < in->n; i++) {
		const struct zseg *e = &in->v[i];

		while (depth && memcmp(stack[depth - 1]->hi, e->lo, n) < 0) {
			const struct zseg *top = stack[--depth];

			if (!done && memcmp(pos, top->hi, n) <= 0 &&
			    (rc = flat_emit(out, pos, top->hi, own[depth], n)) < 0)
				return rc;
			memcpy(pos, top->hi, 16);
			addr_inc(pos, n);
		}
		if (depth && memcmp(pos, e->lo, n) < 0) {
			memcpy(end, e->lo, 16);
			addr_dec(end, n);
			if ((rc = flat_emit(out, pos, end, own[depth - 1], n)) < 0)
				return rc;
		}
		memcpy(pos, e->lo, 16);
		own[depth] = depth && own[depth - 1]->rank > e->rank ? own[depth - 1] : e;
		stack[depth++] = e;
	}
	while (depth) {
		const struct zseg *top = stack[--depth];

		if (!done && memcmp(pos, top->hi, n) <= 0 &&
		    (rc = flat_emit(out, pos, top->hi, own[depth], n)) < 0)
			return rc;
		done = done || addr_all_ones(top->hi, n);
		memcpy(pos, top->hi, 16);
		addr_inc(pos, n);
	}
	return 0;
}

/* Collect every endpoint address of @family, refuse conflicts, flatten. */
int cmp_zmap_build(const struct pol_policy *pol, const struct cmp_snapshot *s,
		      const size_t *zone_of, uint8_t family, struct zmap *out, struct diags *errs)
{
	unsigned int n = fam_bytes(family);
	struct zmap in = { 0 };
	size_t k = 0;
	int rc = 0;

	/* The policy's own CIDR selectors place addresses no endpoint names. */
	for (size_t z = 0; z < pol->n_zones; z++)
		for (size_t j = 0; j < pol->zones[z].n_cidrs; j++) {
			const struct pol_cidr *pc = &pol->zones[z].cidrs[j];
			struct cmp_prefix p = { .family = pc->family, .len = pc->prefix };
			struct zseg zs = { .len = pc->prefix, .rank = pc->prefix, .zone = z,
					   .origin = pol->zones[z].name };

			if (pc->family != family)
				continue;
			memcpy(p.a, pc->addr, 16);
			prefix_range(&p, zs.lo, zs.hi);
			if ((rc = zmap_push(&in, &zs)) < 0)
				goto out_free_in;
		}

	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->w[i]->n_addrs; j++) {
			const struct cmp_prefix *p = &s->w[i]->addrs[j];
			struct zseg z = { .len = p->len, .rank = p->rank, .zone = zone_of[i],
					  .origin = s->w[i]->origin };

			if (p->family != family)
				continue;
			prefix_range(p, z.lo, z.hi);
			if ((rc = zmap_push(&in, &z)) < 0)
				goto out_free_in;
		}
	if (in.n)
		qsort_r(in.v, in.n, sizeof(*in.v), zseg_cmp, &n);
	/* The same prefix twice: fine for one zone, a conflict for two. */
	for (size_t i = 0; i < in.n; i++) {
		if (k && !zseg_cmp(&in.v[k - 1], &in.v[i], &n)) {
			if (in.v[k - 1].zone != in.v[i].zone) {
				struct cmp_prefix p = { .family = family, .len = in.v[i].len };
				char b[64];

				memcpy(p.a, in.v[i].lo, n);
				diag_add(errs, in.v[i].origin,
					 "address %s is also claimed by %s, in another zone",
					 cmp_prefix_format(&p, b, sizeof(b)), in.v[k - 1].origin);
				rc = -EINVAL;
				goto out_free_in;
			}
			continue;
		}
		in.v[k++] = in.v[i];
	}
	in.n = k;
	rc = flatten(&in, n, out);
out_free_in:
	free(in.v);
	return rc;
}

/* A segment as an nft value: a prefix when it is one, else a range. */
void cmp_zseg_value(const struct zseg *z, uint8_t family, struct rs_value *v)
{
	unsigned int n = fam_bytes(family), bits = n * 8, len = 0;
	bool aligned = true;

	memset(v, 0, sizeof(*v));
	v->type = family == 4 ? RS_T_IPV4 : RS_T_IPV6;
	while (len < bits && !((z->lo[len / 8] ^ z->hi[len / 8]) & (0x80 >> (len % 8))))
		len++;
	for (unsigned int bit = len; bit < bits; bit++)
		if ((z->lo[bit / 8] & (0x80 >> (bit % 8))) || !(z->hi[bit / 8] & (0x80 >> (bit % 8))))
			aligned = false;
	memcpy(&v->u, z->lo, n);
	if (aligned) {
		v->prefix = len;
		return;
	}
	v->prefix = bits;
	v->addr_range = true;
	memcpy(&v->addr_hi, z->hi, n);
}

