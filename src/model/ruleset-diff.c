// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Ruleset model differences: shape comparison and per-set element diffs
 * by sorting element indexes on their packed bytes (n log n, no hashing,
 * so the result does not depend on a seed).
 */

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/ruleset-diff.h"

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static bool verdict_eq(const struct rs_verdict *a, const struct rs_verdict *b)
{
	return a->code == b->code && str_eq(a->chain, b->chain);
}

static bool stmt_eq(const struct rs_stmt *a, const struct rs_stmt *b)
{
	if (a->kind != b->kind || a->neg != b->neg || a->n_f != b->n_f ||
	    memcmp(a->f, b->f, a->n_f * sizeof(a->f[0])) || !str_eq(a->set, b->set) ||
	    a->rate != b->rate || a->burst != b->burst || a->group != b->group ||
	    !str_eq(a->prefix, b->prefix) || !verdict_eq(&a->v, &b->v) || !str_eq(a->obj, b->obj))
		return false;
	/* the value is a union with padding: compare it only where it is used */
	return a->kind != RS_S_MATCH || !memcmp(&a->val, &b->val, sizeof(a->val));
}

static bool rule_eq(const struct rs_rule *a, const struct rs_rule *b)
{
	if (!str_eq(a->comment, b->comment) || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!stmt_eq(&a->s[i], &b->s[i]))
			return false;
	return true;
}

static bool chain_eq(const struct rs_chain *a, const struct rs_chain *b)
{
	if (strcmp(a->name, b->name) || a->hook != b->hook || a->prio != b->prio ||
	    a->policy_drop != b->policy_drop || a->n_rules != b->n_rules)
		return false;
	for (size_t i = 0; i < a->n_rules; i++)
		if (!rule_eq(a->rules[i], b->rules[i]))
			return false;
	return true;
}

static bool set_decl_eq(const struct rs_set *a, const struct rs_set *b)
{
	return !strcmp(a->name, b->name) && a->key.n == b->key.n &&
	       !memcmp(a->key.t, b->key.t, a->key.n * sizeof(a->key.t[0])) &&
	       a->keylen == b->keylen && a->interval == b->interval && a->vmap == b->vmap &&
	       a->has_typeof == b->has_typeof &&
	       (!a->has_typeof || !memcmp(a->typeof_f, b->typeof_f, a->key.n * sizeof(a->typeof_f[0])));
}

static bool table_eq(const struct rs_table *a, const struct rs_table *b)
{
	if (a->family != b->family || strcmp(a->name, b->name) || a->n_sets != b->n_sets ||
	    a->n_chains != b->n_chains || a->n_counters != b->n_counters)
		return false;
	for (size_t i = 0; i < a->n_counters; i++)
		if (strcmp(a->counters[i], b->counters[i]))
			return false;
	for (size_t i = 0; i < a->n_sets; i++)
		if (!set_decl_eq(a->sets[i], b->sets[i]))
			return false;
	for (size_t i = 0; i < a->n_chains; i++)
		if (!chain_eq(a->chains[i], b->chains[i]))
			return false;
	return true;
}

bool rsd_same_shape(const struct rs_ruleset *a, const struct rs_ruleset *b)
{
	if (a->n_tables != b->n_tables)
		return false;
	for (size_t i = 0; i < a->n_tables; i++)
		if (!table_eq(a->tables[i], b->tables[i]))
			return false;
	return true;
}

/* --- element diff ------------------------------------------------------------ */

/* qsort has no context argument: the set being sorted, one sort at a time
 * per thread (the daemon is single-threaded; thread-local keeps it safe). */
static _Thread_local const struct rs_set *sort_set;

static int elem_cmp_in(const struct rs_set *s, size_t i, const struct rs_set *t, size_t j)
{
	int c = memcmp(s->lo + i * s->keylen, t->lo + j * t->keylen, s->keylen);

	if (!c && s->interval)
		c = memcmp(s->hi + i * s->keylen, t->hi + j * t->keylen, s->keylen);
	if (!c && s->vmap) {
		const struct rs_verdict *a = &s->verdicts[i], *b = &t->verdicts[j];

		c = (int)a->code - (int)b->code;
		if (!c)
			c = strcmp(a->chain ? a->chain : "", b->chain ? b->chain : "");
	}
	return c;
}

static int idx_cmp(const void *a, const void *b)
{
	return elem_cmp_in(sort_set, *(const size_t *)a, sort_set, *(const size_t *)b);
}

bool rsd_set_sorted(const struct rs_set *s)
{
	for (size_t i = 1; i < s->n_elems; i++)
		if (elem_cmp_in(s, i - 1, s, i) > 0)
			return false;
	return true;
}

/* A set kept in order (rsd_set_sort(), rsd_set_patch()) is not sorted
 * again: the daemon's allowlist of 100,000 elements, diffed per event. */
static size_t *sorted_index(const struct rs_set *s)
{
	size_t *v = malloc((s->n_elems ? s->n_elems : 1) * sizeof(*v));

	if (!v)
		return NULL;
	for (size_t i = 0; i < s->n_elems; i++)
		v[i] = i;
	if (rsd_set_sorted(s))
		return v;
	sort_set = s;
	qsort(v, s->n_elems, sizeof(*v), idx_cmp);
	return v;
}

/* Permute @s's per-element arrays by @ix. */
static int set_permute(struct rs_set *s, const size_t *ix)
{
	size_t n = s->n_elems ? s->n_elems : 1, kl = s->keylen;
	uint8_t *lo = malloc(n * kl), *hi = s->interval ? malloc(n * kl) : NULL;
	struct rs_verdict *vd = s->vmap ? malloc(n * sizeof(*vd)) : NULL;
	uint32_t *eo = malloc(n * sizeof(*eo));

	if (!lo || !eo || (s->interval && !hi) || (s->vmap && !vd)) {
		free(lo);
		free(hi);
		free(vd);
		free(eo);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->n_elems; i++) {
		memcpy(lo + i * kl, s->lo + ix[i] * kl, kl);
		if (hi)
			memcpy(hi + i * kl, s->hi + ix[i] * kl, kl);
		if (vd)
			vd[i] = s->verdicts[ix[i]];
		eo[i] = s->elem_origin[ix[i]];
	}
	free(s->lo);
	free(s->hi);
	free(s->verdicts);
	free(s->elem_origin);
	s->lo = lo;
	s->hi = hi;
	s->verdicts = vd;
	s->elem_origin = eo;
	s->cap = n;
	return 0;
}

int rsd_set_sort(struct rs_set *s)
{
	size_t *ix;
	int rc;

	if (rsd_set_sorted(s))
		return 0;
	ix = sorted_index(s);
	if (!ix)
		return -ENOMEM;
	rc = set_permute(s, ix);
	free(ix);
	return rc;
}

/* Copy @src's elements [*i, @end) to @dst, advancing *@i. */
static int copy_run(struct rs_set *dst, const struct rs_set *src, size_t *i, size_t end)
{
	int rc = 0;

	while (rc == 0 && *i < end)
		rc = rs_set_copy_elem(dst, src, (*i)++);
	return rc;
}

/* The first element of @s at or after @i not below element @j of @t. */
static size_t first_not_below(const struct rs_set *s, size_t i, const struct rs_set *t, size_t j)
{
	size_t lo = i, hi = s->n_elems;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (elem_cmp_in(s, mid, t, j) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int rsd_set_patch(struct rs_set *dst, const struct rs_set *old, const struct rs_set *add,
		  const struct rs_set *del)
{
	size_t i = 0, a = 0, d = 0, na = add ? add->n_elems : 0, nd = del ? del->n_elems : 0;
	int rc = 0;

	while (rc == 0 && (a < na || d < nd)) {
		/* the next change, in order; the old elements before it unchanged */
		bool is_add = d == nd || (a < na && elem_cmp_in(add, a, del, d) < 0);
		const struct rs_set *ch = is_add ? add : del;
		size_t at = is_add ? a : d;
		size_t end = first_not_below(old, i, ch, at);

		if ((rc = copy_run(dst, old, &i, end)) < 0)
			break;
		if (is_add && i < old->n_elems && !elem_cmp_in(old, i, add, a))
			return -EEXIST;
		if (!is_add && (i == old->n_elems || elem_cmp_in(old, i, del, d)))
			return -ENOENT;
		if (is_add)
			rc = rs_set_copy_elem(dst, add, a++);
		else
			i++, d++;
	}
	return rc ? rc : copy_run(dst, old, &i, old->n_elems);
}

static int take(struct rs_set **dst, const struct rs_set *src, size_t i, size_t *count)
{
	if (!*dst) {
		*dst = rs_set_new(src->name, &src->key, src->interval, src->vmap, src->origin);
		if (!*dst)
			return -ENOMEM;
	}
	(*count)++;
	return rs_set_copy_elem(*dst, src, i);
}

/* Merge the two sorted index lists: what only @o has is deleted, what only
 * @n has is added. */
static int set_diff(const struct rs_set *o, const struct rs_set *n, struct rsd_change *ch,
		    struct rsd_diff *d)
{
	size_t *io = sorted_index(o), *in = sorted_index(n), i = 0, j = 0;
	int rc = io && in ? 0 : -ENOMEM;

	while (rc == 0 && (i < o->n_elems || j < n->n_elems)) {
		int c = i == o->n_elems ? 1 : j == n->n_elems ? -1 : elem_cmp_in(o, io[i], n, in[j]);

		if (c < 0)
			rc = take(&ch->del, o, io[i++], &d->dels);
		else if (c > 0)
			rc = take(&ch->add, n, in[j++], &d->adds);
		else
			i++, j++;
	}
	free(io);
	free(in);
	return rc;
}

int rsd_diff(const struct rs_ruleset *old, const struct rs_ruleset *new, struct rsd_diff *out)
{
	struct rsd_change ch, *nv;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!rsd_same_shape(old, new))
		return -EINVAL;
	for (size_t t = 0; rc == 0 && t < new->n_tables; t++) {
		const struct rs_table *ot = old->tables[t], *nt = new->tables[t];

		for (size_t s = 0; rc == 0 && s < nt->n_sets; s++) {
			memset(&ch, 0, sizeof(ch));
			ch.family = nt->family;
			ch.table = nt->name;
			rc = set_diff(ot->sets[s], nt->sets[s], &ch, out);
			if (rc == 0 && (ch.add || ch.del)) {
				nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
				if (nv) {
					out->v = nv;
					out->v[out->n++] = ch;
					continue;
				}
				rc = -ENOMEM;
			}
			rs_set_free(ch.add);	/* not handed to @out */
			rs_set_free(ch.del);
		}
	}
	if (rc)
		rsd_diff_free(out);
	return rc;
}

void rsd_diff_free(struct rsd_diff *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		rs_set_free(d->v[i].add);
		rs_set_free(d->v[i].del);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}
