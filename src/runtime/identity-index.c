// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The identity index: workloads by id, and addresses with the last holders
 * of each, so a lookup by address and time finds who held it then.  Pure:
 * no I/O, no logging.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <sys/types.h>

#include "zonewall/identity.h"
#include "runtime-int.h"

/* --- the index ------------------------------------------------------------------------ */

struct id_hold {
	struct id_workload *w;	/* a reference */
	int64_t from, until;	/* [from, until); until 0 while held */
};

struct id_slot {
	struct id_slot *next;
	struct id_addr addr;
	struct id_hold h[ID_ADDR_HISTORY];	/* newest first */
	unsigned int n;
};

struct id_index {
	const struct id_rules *rules;
	struct id_workload **wl;	/* references, sorted by name then id */
	size_t n_wl, cap_wl, max_wl;
	struct id_slot **buckets;
	size_t n_buckets, n_addrs, max_addrs;
	id_notify_fn notify;
	void *notify_ctx;
	int64_t stale_since;
};

struct id_index *id_index_new(const struct id_rules *rules, size_t max_addrs,
			      size_t max_workloads)
{
	struct id_index *idx = calloc(1, sizeof(*idx));

	if (!idx)
		return NULL;
	idx->rules = rules;
	idx->max_addrs = max_addrs ? max_addrs : 1;
	idx->max_wl = max_workloads ? max_workloads : 1;
	idx->n_buckets = 64;
	while (idx->n_buckets < idx->max_addrs / 2 && idx->n_buckets < (1u << 20))
		idx->n_buckets <<= 1;
	idx->buckets = calloc(idx->n_buckets, sizeof(*idx->buckets));
	if (!idx->buckets) {
		free(idx);
		return NULL;
	}
	return idx;
}

static void id_slot_free(struct id_slot *s)
{
	unsigned int i;

	for (i = 0; i < s->n; i++)
		id_workload_put(s->h[i].w);
	free(s);
}

void id_index_free(struct id_index *idx)
{
	struct id_slot *s, *next;
	size_t i;

	if (!idx)
		return;
	for (i = 0; i < idx->n_buckets; i++)
		for (s = idx->buckets[i]; s; s = next) {
			next = s->next;
			id_slot_free(s);
		}
	for (i = 0; i < idx->n_wl; i++)
		id_workload_put(idx->wl[i]);
	free(idx->wl);
	free(idx->buckets);
	free(idx);
}

void id_index_set_notify(struct id_index *idx, id_notify_fn fn, void *ctx)
{
	idx->notify = fn;
	idx->notify_ctx = ctx;
}

static struct id_slot *id_slot_find(const struct id_index *idx, const struct id_addr *a)
{
	struct id_slot *s = idx->buckets[id_addr_hash(a) & (idx->n_buckets - 1)];

	while (s && !id_addr_eq(&s->addr, a))
		s = s->next;
	return s;
}

/* Forget the address whose last holder left longest ago.  Return: 0 or -ENOSPC. */
static int id_slot_evict(struct id_index *idx)
{
	struct id_slot **best = NULL, **pp, *s;
	size_t i;

	for (i = 0; i < idx->n_buckets; i++)
		for (pp = &idx->buckets[i]; *pp; pp = &(*pp)->next) {
			s = *pp;
			if (s->n && s->h[0].until == 0)
				continue;	/* still held */
			if (!best || s->n == 0 || s->h[0].until < (*best)->h[0].until)
				best = pp;
		}
	if (!best)
		return -ENOSPC;
	s = *best;
	*best = s->next;
	id_slot_free(s);
	idx->n_addrs--;
	return 0;
}

static struct id_slot *id_slot_get(struct id_index *idx, const struct id_addr *a, int *err)
{
	struct id_slot *s = id_slot_find(idx, a);
	size_t b;

	*err = 0;
	if (s)
		return s;
	if (idx->n_addrs >= idx->max_addrs && (*err = id_slot_evict(idx)))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	s->addr = *a;
	b = id_addr_hash(a) & (idx->n_buckets - 1);
	s->next = idx->buckets[b];
	idx->buckets[b] = s;
	idx->n_addrs++;
	return s;
}

/* The addresses of @w, parsed (at most 2 per network). */
static size_t id_workload_addrs(const struct id_workload *w, struct id_addr *out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < w->n_nets && n + 2 <= max; i++) {
		if (*w->nets[i].ipv4 && !id_addr_parse(w->nets[i].ipv4, &out[n]))
			n++;
		if (*w->nets[i].ipv6 && !id_addr_parse(w->nets[i].ipv6, &out[n]))
			n++;
	}
	return n;
}

static bool id_addr_in(const struct id_addr *a, const struct id_addr *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (id_addr_eq(a, &v[i]))
			return true;
	return false;
}

static bool id_same_workload(const struct id_workload *a, const struct id_workload *b)
{
	return a && b && a->id && b->id && !strcmp(a->id, b->id);
}

static void id_release(struct id_index *idx, const struct id_addr *a,
		       const struct id_workload *w, int64_t t)
{
	struct id_slot *s = id_slot_find(idx, a);

	if (s && s->n && s->h[0].until == 0 && id_same_workload(s->h[0].w, w))
		s->h[0].until = t > s->h[0].from ? t : s->h[0].from + 1;
}

static int id_hold(struct id_index *idx, const struct id_addr *a, struct id_workload *w,
		   int64_t from, int64_t t)
{
	struct id_slot *s;
	int err;

	s = id_slot_get(idx, a, &err);
	if (!s)
		return err;
	if (s->n && s->h[0].until == 0) {
		if (id_same_workload(s->h[0].w, w)) {	/* still ours: newer record */
			id_workload_put(s->h[0].w);
			s->h[0].w = id_workload_get(w);
			return 0;
		}
		/* taken over without a release we saw (missed events): the old
		 * holder's time ends now */
		s->h[0].until = t > s->h[0].from ? t : s->h[0].from + 1;
	}
	if (s->n && from < s->h[0].until)
		from = s->h[0].until;
	if (s->n == ID_ADDR_HISTORY)
		id_workload_put(s->h[--s->n].w);
	memmove(&s->h[1], &s->h[0], s->n * sizeof(s->h[0]));
	s->h[0].w = id_workload_get(w);
	s->h[0].from = from;
	s->h[0].until = 0;
	s->n++;
	return 0;
}

static bool id_str_eq(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

static bool id_workload_same(const struct id_workload *a, const struct id_workload *b)
{
	size_t i;

	if (!id_str_eq(a->identity, b->identity) || !id_str_eq(a->zone, b->zone) ||
	    !id_str_eq(a->state, b->state) || !id_str_eq(a->name, b->name) ||
	    a->pid != b->pid || a->n_nets != b->n_nets)
		return false;
	for (i = 0; i < a->n_nets; i++) {
		const struct id_net *x = &a->nets[i], *y = &b->nets[i];

		if (!id_str_eq(x->name, y->name) || strcmp(x->ipv4, y->ipv4) ||
		    strcmp(x->ipv6, y->ipv6) || strcmp(x->mac, y->mac) ||
		    strcmp(x->veth, y->veth) || strcmp(x->bridge, y->bridge))
			return false;
	}
	return true;
}

static int id_wl_cmp(const struct id_workload *a, const struct id_workload *b)
{
	int c = strcmp(a->name ? a->name : "", b->name ? b->name : "");

	return c ? c : strcmp(a->id ? a->id : "", b->id ? b->id : "");
}

static ssize_t id_wl_index(const struct id_index *idx, const char *id)
{
	size_t i;

	for (i = 0; i < idx->n_wl; i++)
		if (id_str_eq(idx->wl[i]->id, id))
			return (ssize_t)i;
	return -1;
}

static void id_wl_unlink(struct id_index *idx, size_t i)
{
	memmove(&idx->wl[i], &idx->wl[i + 1], (idx->n_wl - i - 1) * sizeof(idx->wl[0]));
	idx->n_wl--;
}

/* Insert @w (taking the reference) at its sorted place.  Return: 0 or -errno. */
static int id_wl_insert(struct id_index *idx, struct id_workload *w)
{
	size_t i;

	if (idx->n_wl >= idx->max_wl)
		return -ENOSPC;
	if (idx->n_wl == idx->cap_wl) {
		size_t cap = idx->cap_wl ? idx->cap_wl * 2 : 16;
		struct id_workload **v = realloc(idx->wl, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		idx->wl = v;
		idx->cap_wl = cap;
	}
	for (i = idx->n_wl; i > 0 && id_wl_cmp(idx->wl[i - 1], w) > 0; i--)
		idx->wl[i] = idx->wl[i - 1];
	idx->wl[i] = w;
	idx->n_wl++;
	return 0;
}

#define ID_MAX_ADDRS_PER_WL 64

/* upsert; *what gets ID_ADDED/ID_CHANGED, or -1 when nothing changed */
static int id_index_upsert_what(struct id_index *idx, struct id_workload *w, int64_t t, int *what)
{
	struct id_addr olda[ID_MAX_ADDRS_PER_WL], newa[ID_MAX_ADDRS_PER_WL];
	struct id_workload *old = NULL;
	size_t n_old = 0, n_new, i;
	int64_t from = t;
	ssize_t pos;
	int err, first = 0;

	*what = -1;
	err = id_resolve(idx->rules, w);
	if (err)
		goto out_put;
	pos = id_wl_index(idx, w->id);
	if (pos >= 0) {
		old = idx->wl[pos];
		id_wl_unlink(idx, (size_t)pos);
		n_old = id_workload_addrs(old, olda, ID_MAX_ADDRS_PER_WL);
	} else if (w->started_ns > 0 && w->started_ns < t) {
		from = w->started_ns;
	}
	err = id_wl_insert(idx, w);
	if (err) {
		if (old && id_wl_insert(idx, old) == 0)
			old = NULL;
		goto out_put;
	}
	n_new = id_workload_addrs(w, newa, ID_MAX_ADDRS_PER_WL);
	for (i = 0; i < n_old; i++)
		if (!id_addr_in(&olda[i], newa, n_new))
			id_release(idx, &olda[i], old, t);
	for (i = 0; i < n_new; i++) {
		err = id_hold(idx, &newa[i], w, id_addr_in(&newa[i], olda, n_old) ? t : from, t);
		if (err && !first)
			first = err;
	}
	if (!old)
		*what = ID_ADDED;
	else if (!id_workload_same(old, w))
		*what = ID_CHANGED;
	if (*what >= 0 && idx->notify)
		idx->notify(idx->notify_ctx, (enum id_change)*what, t, old, w);
	id_workload_put(old);
	return first;

out_put:
	id_workload_put(old);
	id_workload_put(w);
	return err;
}

int id_index_upsert(struct id_index *idx, struct id_workload *w, int64_t t_ns)
{
	int what;

	return id_index_upsert_what(idx, w, t_ns, &what);
}

int id_index_remove(struct id_index *idx, const char *id, int64_t t_ns)
{
	struct id_addr a[ID_MAX_ADDRS_PER_WL];
	struct id_workload *w;
	ssize_t pos = id_wl_index(idx, id);
	size_t n, i;

	if (pos < 0)
		return -ENOENT;
	w = idx->wl[pos];
	id_wl_unlink(idx, (size_t)pos);
	n = id_workload_addrs(w, a, ID_MAX_ADDRS_PER_WL);
	for (i = 0; i < n; i++)
		id_release(idx, &a[i], w, t_ns);
	if (idx->notify)
		idx->notify(idx->notify_ctx, ID_REMOVED, t_ns, w, NULL);
	id_workload_put(w);
	return 0;
}

int id_index_sync(struct id_index *idx, struct id_workload **v, size_t n,
		  int64_t t_ns, struct id_sync_stats *st)
{
	struct id_sync_stats dummy;
	size_t i, j;
	int err, first = 0, what;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	for (i = idx->n_wl; i-- > 0;) {
		for (j = 0; j < n; j++)
			if (id_same_workload(idx->wl[i], v[j]))
				break;
		if (j == n && id_index_remove(idx, idx->wl[i]->id, t_ns) == 0)
			st->removed++;
	}
	for (i = 0; i < n; i++) {
		err = id_index_upsert_what(idx, v[i], t_ns, &what);
		if (err && !first)
			first = err;
		if (what == ID_ADDED)
			st->added++;
		else if (what == ID_CHANGED)
			st->changed++;
		else if (!err)
			st->unchanged++;
	}
	return first;
}

const struct id_workload *id_index_lookup(const struct id_index *idx,
					  const struct id_addr *a, int64_t t_ns)
{
	const struct id_slot *s = id_slot_find(idx, a);
	unsigned int i;

	if (!s || !s->n)
		return NULL;
	if (t_ns <= 0)
		return s->h[0].until == 0 ? s->h[0].w : NULL;
	for (i = 0; i < s->n; i++)
		if (s->h[i].from <= t_ns && (s->h[i].until == 0 || t_ns < s->h[i].until))
			return s->h[i].w;
	return NULL;
}

const struct id_workload *id_index_find(const struct id_index *idx, const char *id)
{
	const struct id_workload *hit = NULL;
	size_t i, len = strlen(id);

	for (i = 0; i < idx->n_wl; i++) {
		const char *wid = idx->wl[i]->id ? idx->wl[i]->id : "";

		if (!strcmp(wid, id))
			return idx->wl[i];
		if (len >= 12 && !strncmp(wid, id, len)) {
			if (hit)
				return NULL;	/* ambiguous prefix */
			hit = idx->wl[i];
		}
	}
	return hit;
}

size_t id_index_count(const struct id_index *idx)
{
	return idx->n_wl;
}

const struct id_workload *id_index_at(const struct id_index *idx, size_t i)
{
	return i < idx->n_wl ? idx->wl[i] : NULL;
}

size_t id_index_addr_count(const struct id_index *idx)
{
	return idx->n_addrs;
}

void id_index_set_stale(struct id_index *idx, int64_t since_ns)
{
	idx->stale_since = since_ns;
}

bool id_index_stale(const struct id_index *idx, int64_t *since_ns)
{
	if (since_ns)
		*since_ns = idx->stale_since;
	return idx->stale_since != 0;
}
