// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The identities of the time, from a proposal's samples (see learn-past.h):
 * one entry per (address, identity, zone), with the widest window of the
 * edges that show it, sorted by address for a binary search.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "zonewall/learn-past.h"

struct learn_past_entry {
	uint8_t family;
	uint8_t a[16];
	const char *identity, *zone;	/* into the strings below */
	int64_t first, last;
};

struct learn_past {
	struct learn_past_entry *v;
	size_t n, cap;
	char **strs;			/* owned copies of identities and zones */
	size_t n_strs;
};

static int past_addr_cmp(const struct learn_past_entry *x, const struct learn_past_entry *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->a, y->a, 16);
}

static int past_entry_cmp(const void *a, const void *b)
{
	const struct learn_past_entry *x = a, *y = b;
	int r = past_addr_cmp(x, y);

	if (r)
		return r;
	r = strcmp(x->identity, y->identity);
	if (r)
		return r;
	if (!x->zone || !y->zone)
		return !x->zone - !y->zone;
	return strcmp(x->zone, y->zone);
}

static const char *past_keep(struct learn_past *p, const char *s)
{
	char **nv, *c;

	if (!s)
		return NULL;
	nv = realloc(p->strs, (p->n_strs + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	p->strs = nv;
	c = strdup(s);
	if (c)
		p->strs[p->n_strs++] = c;
	return c;
}

/* One end of a sample: @text an address, @id its identity. */
static int past_add(struct learn_past *p, const char *text, const char *id, const char *zone,
		    const struct prop_edge *e)
{
	struct learn_past_entry *x;

	if (!strncmp(id, "unknown:", 8))
		return 0;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct learn_past_entry *nv = realloc(p->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		p->v = nv;
		p->cap = cap;
	}
	x = &p->v[p->n];
	memset(x, 0, sizeof(*x));
	if (inet_pton(AF_INET, text, x->a) == 1)
		x->family = 4;
	else if (inet_pton(AF_INET6, text, x->a) == 1)
		x->family = 6;
	else
		return 0;	/* not an address: nothing to learn from it */
	x->identity = past_keep(p, id);
	x->zone = zone ? past_keep(p, zone) : NULL;
	if (!x->identity || (zone && !x->zone))
		return -ENOMEM;
	x->first = e->first_seen;
	x->last = e->last_seen;
	p->n++;
	return 0;
}

/* Equal (address, identity, zone) entries become one with the widest window. */
static void past_fold(struct learn_past *p)
{
	size_t j = 0;

	qsort(p->v, p->n, sizeof(*p->v), past_entry_cmp);
	for (size_t i = 0; i < p->n; i++) {
		if (j && !past_entry_cmp(&p->v[j - 1], &p->v[i])) {
			if (p->v[i].first < p->v[j - 1].first)
				p->v[j - 1].first = p->v[i].first;
			if (p->v[i].last > p->v[j - 1].last)
				p->v[j - 1].last = p->v[i].last;
			continue;
		}
		p->v[j++] = p->v[i];
	}
	p->n = j;
}

struct learn_past *learn_past_new(const struct prop_set *s)
{
	struct learn_past *p = calloc(1, sizeof(*p));
	int err = p ? 0 : -ENOMEM;

	for (size_t i = 0; !err && s && i < s->n; i++) {
		const struct prop_edge *e = &s->edges[i];

		for (size_t k = 0; !err && k < e->n_samples; k++) {
			err = past_add(p, e->samples[k].from, e->from, e->from_zone, e);
			if (!err)
				err = past_add(p, e->samples[k].to, e->to, e->to_zone, e);
		}
	}
	if (err) {
		learn_past_free(p);
		errno = -err;
		return NULL;
	}
	past_fold(p);
	return p;
}

void learn_past_free(struct learn_past *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_strs; i++)
		free(p->strs[i]);
	free(p->strs);
	free(p->v);
	free(p);
}

size_t learn_past_count(const struct learn_past *p)
{
	return p ? p->n : 0;
}

/* How far @t lies outside [first, last]: 0 inside. */
static int64_t past_distance(const struct learn_past_entry *x, int64_t t)
{
	return t < x->first ? x->first - t : t > x->last ? t - x->last : 0;
}

const char *learn_past_lookup(const struct learn_past *p, int family, const uint8_t addr[16],
			      int64_t t_s, const char **zone)
{
	struct learn_past_entry key = { .family = (uint8_t)family };
	const struct learn_past_entry *best = NULL;
	size_t lo = 0, hi = p ? p->n : 0;

	memcpy(key.a, addr, family == 4 ? 4 : 16);
	while (lo < hi) {	/* the first entry of @addr */
		size_t mid = lo + (hi - lo) / 2;

		if (past_addr_cmp(&p->v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; p && i < p->n && !past_addr_cmp(&p->v[i], &key); i++)
		if (!best || past_distance(&p->v[i], t_s) < past_distance(best, t_s))
			best = &p->v[i];
	if (zone)
		*zone = best ? best->zone : NULL;
	return best ? best->identity : NULL;
}
