// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The next compile of the same policy (cmp_compile_next()).  zonewalld
 * compiles again at every container event; with 100,000 allow rules a full
 * compile expands every rule, sorts 100,000 tuples and fills the allowlist
 * sets anew, for an event that moved one address.  Here the allowlist is
 * carried from one compile to the next:
 *
 * - A rule's tuples depend on the addresses its two sides name and on
 *   nothing else of the snapshot: an identity's addresses, or a zone's.  So
 *   the state keeps, per side a rule names, the addresses it had (sorted
 *   records), and a changed side's rules are the only ones expanded again.
 * - Two rules may give the same tuple, and port ranges of one source,
 *   destination and protocol (a group) are merged into one element.  So the
 *   state keeps every rule's tuples before that merge, sorted by key: for a
 *   group the changed rules touched, the elements before and after are the
 *   merge of its run in the old and the new list, and what differs is the
 *   allowlist's change.
 * - The allowlist sets are the last model's, patched (rsd_set_patch()),
 *   kept sorted so that neither the patch nor the daemon's diff sorts them.
 *
 * Everything else of the model (zone maps, member sets, the bridge table)
 * grows with the endpoints, not the rules, and is compiled as usual.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/ruleset-diff.h"

#include "compile-int.h"

/* Past this share of the rules changed, a full compile is cheaper. */
#define INCR_MAX_SHARE 4

/* A rule side: an identity or "zone:NAME" (the policy's string) and its rules. */
struct incr_side {
	const char *name;
	size_t first, n;	/* its rules: sides->rules[first .. first + n) */
};

/* The policy's sides, built once per policy and shared by its states. */
struct incr_sides {
	unsigned int refs;
	struct incr_side *v;	/* sorted by name */
	size_t n;
	size_t *rules;
	long *zone_side;	/* per zone: the side "zone:NAME", -1 when no rule names it */
};

/* An address of a side in the snapshot. */
struct incr_rec {
	size_t side;
	struct cmp_prefix a;
};

struct cmp_incr {
	const struct pol_policy *p;
	size_t n_rules;
	bool full;
	struct incr_sides *sides;
	struct incr_rec *recs;	/* sorted by side, then address */
	size_t n_recs;
	struct tuple *raw;	/* every rule's tuples, not merged, sorted by key */
	size_t n_raw;
};

/* One cmp_compile_next(): its inputs and what it builds. */
struct cmp_incr_run {
	const struct cmp_incr *prev;	/* NULL: a full compile */
	const struct rs_ruleset *prev_rs;
	struct cmp_incr *next;
	struct rs_set *add[2][2], *del[2][2];	/* [IPv6][range] */
};

/* --- the sides ----------------------------------------------------------------------- */

struct side_ref {
	const char *name;
	size_t rule;
};

static int side_ref_cmp(const void *a, const void *b)
{
	const struct side_ref *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->rule > y->rule) - (x->rule < y->rule);
}

static void sides_put(struct incr_sides *sd)
{
	if (!sd || --sd->refs)
		return;
	free(sd->v);
	free(sd->rules);
	free(sd->zone_side);
	free(sd);
}

/* Group the sorted references into sides (a rule naming a side twice once). */
static void sides_group(struct incr_sides *sd, const struct side_ref *r, size_t n)
{
	for (size_t i = 0, k = 0; i < n; i++) {
		if (!i || strcmp(r[i - 1].name, r[i].name)) {
			sd->v[sd->n++] = (struct incr_side){ .name = r[i].name, .first = k };
		} else if (r[i - 1].rule == r[i].rule) {
			continue;
		}
		sd->rules[k++] = r[i].rule;
		sd->v[sd->n - 1].n++;
	}
}

static struct incr_sides *sides_build(const struct pol_policy *p)
{
	size_t n = 2 * p->n_rules;
	struct side_ref *r = calloc(n + 1, sizeof(*r));
	struct incr_sides *sd = calloc(1, sizeof(*sd));

	if (!r || !sd)
		goto out_free;
	sd->refs = 1;
	sd->v = calloc(n + 1, sizeof(*sd->v));
	sd->rules = calloc(n + 1, sizeof(*sd->rules));
	sd->zone_side = calloc(p->n_zones + 1, sizeof(*sd->zone_side));
	if (!sd->v || !sd->rules || !sd->zone_side)
		goto out_free;
	for (size_t i = 0; i < p->n_rules; i++) {
		r[2 * i] = (struct side_ref){ p->rules[i].from, i };
		r[2 * i + 1] = (struct side_ref){ p->rules[i].to, i };
	}
	qsort(r, n, sizeof(*r), side_ref_cmp);
	sides_group(sd, r, n);
	for (size_t z = 0; z < p->n_zones; z++)
		sd->zone_side[z] = -1;
	for (size_t k = 0; k < sd->n; k++) {
		long z = strncmp(sd->v[k].name, "zone:", 5) ? -1 : pol_zone_find(p, sd->v[k].name + 5);

		if (z >= 0)
			sd->zone_side[z] = (long)k;
	}
	free(r);
	return sd;
out_free:
	free(r);
	if (sd)
		sides_put(sd);
	errno = ENOMEM;
	return NULL;
}

static long side_find(const struct incr_sides *sd, const char *name)
{
	size_t lo = 0, hi = sd->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(sd->v[mid].name, name);

		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* --- the sides' addresses -------------------------------------------------------------- */

static int rec_cmp(const void *a, const void *b)
{
	const struct incr_rec *x = a, *y = b;

	if (x->side != y->side)
		return x->side < y->side ? -1 : 1;
	return memcmp(&x->a, &y->a, sizeof(x->a));
}

static int recs_push(struct cmp_incr *st, size_t *cap, long side, const struct cmp_prefix *a)
{
	if (side < 0)
		return 0;
	if (st->n_recs == *cap) {
		size_t nc = *cap ? 2 * *cap : 256;
		struct incr_rec *nv = realloc(st->recs, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		st->recs = nv;
		*cap = nc;
	}
	st->recs[st->n_recs++] = (struct incr_rec){ .side = (size_t)side, .a = *a };
	return 0;
}

/* Every address of the snapshot under each side a rule names: its identity's, its zone's. */
static int recs_build(struct cmp_incr *st, const struct ctx *c)
{
	size_t cap = 1;

	st->recs = malloc(sizeof(*st->recs));	/* never NULL: runs are taken from it */
	if (!st->recs)
		return -ENOMEM;

	for (size_t i = 0; i < c->s->n; i++) {
		const struct cmp_workload *w = c->s->w[i];
		long si = side_find(st->sides, w->identity), zs = st->sides->zone_side[c->zone_of[i]];

		for (size_t j = 0; j < w->n_addrs; j++)
			if (recs_push(st, &cap, si, &w->addrs[j]) < 0 ||
			    recs_push(st, &cap, zs, &w->addrs[j]) < 0)
				return -ENOMEM;
	}
	if (st->n_recs)
		qsort(st->recs, st->n_recs, sizeof(*st->recs), rec_cmp);
	return 0;
}

/* The end of side @side's run of @v from @i. */
static size_t rec_run_end(const struct incr_rec *v, size_t n, size_t i, size_t side)
{
	while (i < n && v[i].side == side)
		i++;
	return i;
}

static bool runs_equal(const struct incr_rec *a, size_t na, const struct incr_rec *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (memcmp(&a[i].a, &b[i].a, sizeof(a[i].a)))
			return false;
	return true;
}

/* Mark the rules of every side whose addresses changed; *@n: how many rules. */
static void rules_mark(const struct cmp_incr *o, const struct cmp_incr *nw, bool *mark, size_t *n)
{
	const struct incr_sides *sd = nw->sides;
	size_t i = 0, j = 0;

	*n = 0;
	while (i < o->n_recs || j < nw->n_recs) {
		size_t side = j == nw->n_recs || (i < o->n_recs && o->recs[i].side < nw->recs[j].side)
				      ? o->recs[i].side : nw->recs[j].side;
		size_t ie = rec_run_end(o->recs, o->n_recs, i, side);
		size_t je = rec_run_end(nw->recs, nw->n_recs, j, side);

		if (!runs_equal(o->recs + i, ie - i, nw->recs + j, je - j))
			for (size_t k = 0; k < sd->v[side].n; k++) {
				size_t r = sd->rules[sd->v[side].first + k];

				*n += !mark[r];
				mark[r] = true;
			}
		i = ie;
		j = je;
	}
}

/* --- the tuples -------------------------------------------------------------------------- */

static int tuple_qcmp(const void *a, const void *b)
{
	return cmp_tuple_key_cmp(a, b);
}

/* The run of @v (sorted by key) in the group of @x. */
static void group_run(const struct tuple *v, size_t n, const struct tuple *x, size_t *first,
		      size_t *last)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_tuple_group_cmp(&v[mid], x) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	while (lo < n && !cmp_tuple_group_cmp(&v[lo], x))
		lo++;
	*last = lo;
}

/* Merged elements of a group's run, into @buf (room for @n). */
static size_t group_elems(const struct tuple *v, size_t n, struct tuple *buf)
{
	if (n)
		memcpy(buf, v, n * sizeof(*v));
	return cmp_tuples_merge(buf, n);
}

static bool elem_same(const struct tuple *x, const struct tuple *y)
{
	return !cmp_tuple_group_cmp(x, y) && x->plo == y->plo && x->phi == y->phi;
}

static int change_add(struct ctx *c, struct rs_set *(*sets)[2][2], const struct tuple *x)
{
	bool v6 = x->family == 6, range = !cmp_tuple_exact(x);
	struct rs_set **set = &(*sets)[v6][range];

	if (!*set) {
		struct rs_key k = allow_key(v6);

		*set = rs_set_new(cmp_allow_names[v6][range], &k, range, false, "allowlist");
		if (!*set)
			return -ENOMEM;
	}
	return cmp_tuple_elem_add(c, *set, x);
}

/* The elements of group @x before (in @o) and after (in @nw): what differs is a change. */
static int group_diff(struct ctx *c, const struct tuple *o, size_t no, const struct tuple *nw,
		      size_t nn, const struct tuple *x)
{
	size_t of, ol, nf, nl, i = 0, j = 0;
	struct tuple *bo, *bn;
	int rc = 0;

	group_run(o, no, x, &of, &ol);
	group_run(nw, nn, x, &nf, &nl);
	bo = malloc((ol - of + nl - nf + 1) * sizeof(*bo));
	if (!bo)
		return -ENOMEM;
	bn = bo + (ol - of);
	no = group_elems(o + of, ol - of, bo);
	nn = group_elems(nw + nf, nl - nf, bn);
	while (rc == 0 && (i < no || j < nn)) {
		if (i < no && j < nn && elem_same(&bo[i], &bn[j])) {
			i++, j++;
		} else if (j == nn || (i < no && cmp_tuple_key_cmp(&bo[i], &bn[j]) < 0)) {
			rc = change_add(c, &c->inc->del, &bo[i++]);
		} else {
			rc = change_add(c, &c->inc->add, &bn[j++]);
		}
	}
	free(bo);
	return rc;
}

/*
 * The new list: the old one without the changed rules' tuples, with their
 * new ones (@t, sorted); the tuples taken out into @gone, in key order.
 */
static int raw_merge(struct cmp_incr *st, const struct cmp_incr *o, const bool *mark,
		     const struct tuples *t, struct tuples *gone)
{
	size_t i = 0, j = 0;

	st->raw = malloc((o->n_raw + t->n + 1) * sizeof(*st->raw));
	if (!st->raw)
		return -ENOMEM;
	while (i < o->n_raw || j < t->n) {
		if (i < o->n_raw && mark[o->raw[i].rule]) {
			if (cmp_tuples_push(gone, &o->raw[i++]) < 0)
				return -ENOMEM;
		} else if (j == t->n || (i < o->n_raw && cmp_tuple_key_cmp(&o->raw[i], &t->v[j]) < 0)) {
			st->raw[st->n_raw++] = o->raw[i++];
		} else {
			st->raw[st->n_raw++] = t->v[j++];
		}
	}
	return 0;
}

/* Each group of @gone and @t once, in key order: its elements before and after. */
static int groups_diff(struct ctx *c, const struct tuples *gone, const struct tuples *t)
{
	const struct cmp_incr *o = c->inc->prev, *nw = c->inc->next;
	const struct tuple *last = NULL;
	size_t i = 0, j = 0;
	int rc = 0;

	while (rc == 0 && (i < gone->n || j < t->n)) {
		const struct tuple *x = j == t->n || (i < gone->n &&
			cmp_tuple_group_cmp(&gone->v[i], &t->v[j]) < 0) ? &gone->v[i++] : &t->v[j++];

		if (last && !cmp_tuple_group_cmp(last, x))
			continue;
		last = x;
		rc = group_diff(c, o->raw, o->n_raw, nw->raw, nw->n_raw, x);
	}
	return rc;
}

static void has_range_set(struct ctx *c, const struct cmp_incr *st)
{
	for (size_t i = 0; i < st->n_raw; i++)
		if (!cmp_tuple_exact(&st->raw[i]))
			c->has_range[st->raw[i].family == 6] = true;
}

int cmp_incr_tuples(struct ctx *c)
{
	const struct cmp_incr *o = c->inc->prev;
	struct cmp_incr *nw = c->inc->next;
	struct tuples t = { 0 }, gone = { 0 };
	bool *mark = calloc(c->p->n_rules + 1, sizeof(*mark));
	size_t n;
	int rc = -ENOMEM;

	if (!mark)
		return -ENOMEM;
	rules_mark(o, nw, mark, &n);
	if (n * INCR_MAX_SHARE > c->p->n_rules && n > 64) {
		rc = -EAGAIN;
		goto out_free;
	}
	for (size_t i = 0; i < c->p->n_rules; i++) {
		if (!mark[i])
			cmp_rule_zones(c, i);	/* what expanding records, for the chains */
		else if ((rc = cmp_rule_expand(c, &t, i)) < 0)
			goto out_free;
	}
	if (t.n)
		qsort(t.v, t.n, sizeof(*t.v), tuple_qcmp);
	if ((rc = raw_merge(nw, o, mark, &t, &gone)) < 0 || (rc = groups_diff(c, &gone, &t)) < 0)
		goto out_free;
	has_range_set(c, nw);
	rc = 0;
out_free:
	free(mark);
	free(t.v);
	free(gone.v);
	return rc;
}

int cmp_incr_keep_raw(struct ctx *c, const struct tuples *t)
{
	struct cmp_incr *st = c->inc->next;

	st->raw = malloc((t->n + 1) * sizeof(*st->raw));
	if (!st->raw)
		return -ENOMEM;
	if (t->n)
		memcpy(st->raw, t->v, t->n * sizeof(*t->v));
	st->n_raw = t->n;
	return 0;
}

/* --- the allowlist sets ---------------------------------------------------------------------- */

int cmp_incr_allow_fill(struct ctx *c)
{
	const struct rs_table *pt = rs_table_find(c->inc->prev_rs, RS_INET, CMP_TABLE);

	for (int f = 0; f < 2; f++)
		for (int r = 0; r < 2; r++) {
			struct rs_set *set = rs_set_find(c->inet, cmp_allow_names[f][r]);
			const struct rs_set *old = pt ? rs_set_find(pt, cmp_allow_names[f][r]) : NULL;
			struct rs_set *add = c->inc->add[f][r], *del = c->inc->del[f][r];
			int rc;

			if (!set)
				continue;
			if (!old || !rsd_set_sorted(old))
				return -EAGAIN;
			if ((add && (rc = rsd_set_sort(add)) < 0) || (del && (rc = rsd_set_sort(del)) < 0))
				return rc;
			rc = rsd_set_patch(set, old, add, del);
			if (rc == -EEXIST || rc == -ENOENT)
				return -EAGAIN;	/* not the model the state was left with */
			if (rc < 0)
				return rc;
		}
	return 0;
}

/* --- the state -------------------------------------------------------------------------------- */

void cmp_incr_free(struct cmp_incr *st)
{
	if (!st)
		return;
	sides_put(st->sides);
	free(st->recs);
	free(st->raw);
	free(st);
}

bool cmp_incr_was_full(const struct cmp_incr *st)
{
	return st && st->full;
}

static void run_free(struct cmp_incr_run *run)
{
	for (int f = 0; f < 2; f++)
		for (int r = 0; r < 2; r++) {
			rs_set_free(run->add[f][r]);
			rs_set_free(run->del[f][r]);
		}
	cmp_incr_free(run->next);
}

/* The state for @c's snapshot, sharing @prev's sides. */
static struct cmp_incr *state_new(const struct ctx *c, const struct cmp_incr *prev)
{
	struct cmp_incr *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->p = c->p;
	st->n_rules = c->p->n_rules;
	st->full = !prev;
	if (prev) {
		st->sides = prev->sides;
		st->sides->refs++;
	} else if (!(st->sides = sides_build(c->p))) {
		free(st);
		return NULL;
	}
	if (recs_build(st, c) < 0) {
		cmp_incr_free(st);
		errno = ENOMEM;
		return NULL;
	}
	return st;
}

/* The allowlist sets of a full compile, sorted for the next one's patch. */
static int allow_sort(struct rs_ruleset *rs)
{
	struct rs_table *t = rs_table_find(rs, RS_INET, CMP_TABLE);

	for (int f = 0; t && f < 2; f++)
		for (int r = 0; r < 2; r++) {
			struct rs_set *set = rs_set_find(t, cmp_allow_names[f][r]);
			int rc = set ? rsd_set_sort(set) : 0;

			if (rc < 0)
				return rc;
		}
	return 0;
}

int cmp_incr_begin(struct ctx *c)
{
	c->inc->next = state_new(c, c->inc->prev);
	return c->inc->next ? 0 : -ENOMEM;
}

bool cmp_incr_from_last(const struct ctx *c)
{
	return c->inc && c->inc->prev;
}

static struct rs_ruleset *compile_once(const struct pol_policy *p, const struct cmp_snapshot *s,
				       const struct cmp_options *o, struct cmp_incr_run *run,
				       struct diags *errs)
{
	struct ctx c = { .p = p, .s = s, .errs = errs, .inc = run };
	struct rs_ruleset *rs = cmp_compile_ctx(&c, o);

	if (rs && !run->prev && allow_sort(rs) < 0) {
		rs_ruleset_free(rs);
		errno = ENOMEM;
		return NULL;
	}
	return rs;
}

struct rs_ruleset *cmp_compile_next(const struct pol_policy *p, const struct cmp_snapshot *s,
				    const struct cmp_options *o, const struct rs_ruleset *prev_rs,
				    const struct cmp_incr *prev, struct cmp_incr **next,
				    struct diags *errs)
{
	struct cmp_incr_run run = { .prev = prev, .prev_rs = prev_rs };
	struct rs_ruleset *rs;

	*next = NULL;
	if (!prev_rs || !prev || prev->p != p || prev->n_rules != p->n_rules)
		run.prev = NULL;
	rs = compile_once(p, s, o, &run, errs);
	if (!rs && errno == EAGAIN && run.prev) {
		run_free(&run);
		run = (struct cmp_incr_run){ .prev = NULL };
		rs = compile_once(p, s, o, &run, errs);
	}
	if (rs) {
		*next = run.next;
		run.next = NULL;
	}
	run_free(&run);
	return rs;
}
