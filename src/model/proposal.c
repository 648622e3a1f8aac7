// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Proposals: learned edges with evidence.  A hash index keyed by
 * from|to|proto|port keeps observing and merging linear in the number of
 * edges; evidence is combined by rules that do not depend on arrival order.
 */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/policy.h"

#include "proposal-int.h"

/* --- identity of an edge ------------------------------------------------- */

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t prop_edge_hash(const char *from, const char *to, uint8_t proto, uint16_t port)
{
	unsigned char tail[3] = { proto, (unsigned char)(port >> 8), (unsigned char)port };
	uint64_t h = 0xcbf29ce484222325ULL;

	h = fnv1a(h, from, strlen(from) + 1);
	h = fnv1a(h, to, strlen(to) + 1);
	return fnv1a(h, tail, sizeof(tail));
}

void prop_edge_id(const struct prop_edge *e, char *buf, size_t size)
{
	snprintf(buf, size, "%012" PRIx64, e->hash >> 16);
}

static bool edge_is(const struct prop_edge *e, const char *from, const char *to,
		    uint8_t proto, uint16_t port)
{
	return e->proto == proto && e->port == port && !strcmp(e->from, from) &&
	       !strcmp(e->to, to);
}

/* --- the set and its index ----------------------------------------------- */

struct prop_set *prop_new(void)
{
	return calloc(1, sizeof(struct prop_set));
}

static int strs_grow(struct prop_set *s)
{
	size_t cap = s->strs_cap ? s->strs_cap * 2 : 64, i, j;
	char **v = calloc(cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (i = 0; i < s->strs_cap; i++) {
		if (!s->strs[i])
			continue;
		for (j = fnv1a(0xcbf29ce484222325ULL, s->strs[i], strlen(s->strs[i])) & (cap - 1);
		     v[j]; j = (j + 1) & (cap - 1))
			;
		v[j] = s->strs[i];
	}
	free(s->strs);
	s->strs = v;
	s->strs_cap = cap;
	return 0;
}

/* The set's one copy of @str (identities, zones and run ids repeat over
 * many edges: a million edges must not hold a million copies of "web").
 * Return: the interned string, or NULL (ENOMEM). */
static char *str_intern(struct prop_set *s, const char *str)
{
	size_t j;

	if ((s->n_strs + 1) * 2 > s->strs_cap && strs_grow(s))
		return NULL;
	for (j = fnv1a(0xcbf29ce484222325ULL, str, strlen(str)) & (s->strs_cap - 1); s->strs[j];
	     j = (j + 1) & (s->strs_cap - 1))
		if (!strcmp(s->strs[j], str))
			return s->strs[j];
	s->strs[j] = strdup(str);
	if (!s->strs[j])
		return NULL;
	s->n_strs++;
	return s->strs[j];
}

void prop_free(struct prop_set *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		edge_clear(&s->edges[i]);
	for (i = 0; i < s->strs_cap; i++)
		free(s->strs[i]);
	free(s->strs);
	free(s->edges);
	free(s->index);
	free(s);
}

static int index_rebuild(struct prop_set *s, size_t cap)
{
	size_t *idx = calloc(cap, sizeof(*idx)), i, j;

	if (!idx)
		return -ENOMEM;
	for (i = 0; i < s->n; i++) {
		for (j = s->edges[i].hash & (cap - 1); idx[j]; j = (j + 1) & (cap - 1))
			;
		idx[j] = i + 1;
	}
	free(s->index);
	s->index = idx;
	s->index_cap = cap;
	return 0;
}

struct prop_edge *prop_edge_find(const struct prop_set *s, uint64_t h, const char *from,
				   const char *to, uint8_t proto, uint16_t port)
{
	size_t j;

	if (!s->index_cap)
		return NULL;
	for (j = h & (s->index_cap - 1); s->index[j]; j = (j + 1) & (s->index_cap - 1)) {
		struct prop_edge *e = &s->edges[s->index[j] - 1];

		if (e->hash == h && edge_is(e, from, to, proto, port))
			return e;
	}
	return NULL;
}

/* A new, empty edge at the end of @s (its key strings copied). */
static struct prop_edge *edge_add(struct prop_set *s, uint64_t h, const char *from,
				  const char *to, uint8_t proto, uint16_t port)
{
	struct prop_edge *e;
	size_t j;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;

		e = realloc(s->edges, cap * sizeof(*e));
		if (!e)
			return NULL;
		s->edges = e;
		s->cap = cap;
	}
	if ((s->n + 1) * 2 > s->index_cap &&
	    index_rebuild(s, s->index_cap ? s->index_cap * 2 : 32))
		return NULL;
	e = &s->edges[s->n];
	memset(e, 0, sizeof(*e));
	e->from = str_intern(s, from);
	e->to = str_intern(s, to);
	if (!e->from || !e->to)
		return NULL;
	e->proto = proto;
	e->port = port;
	e->hash = h;
	e->first_seen = INT64_MAX;
	e->last_seen = INT64_MIN;
	for (j = h & (s->index_cap - 1); s->index[j]; j = (j + 1) & (s->index_cap - 1))
		;
	s->index[j] = ++s->n;
	return e;
}

const struct prop_edge *prop_find_id(const struct prop_set *s, const char *id)
{
	char buf[PROP_ID_LEN + 1];
	size_t i;

	for (i = 0; i < s->n; i++) {
		prop_edge_id(&s->edges[i], buf, sizeof(buf));
		if (!strcmp(buf, id))
			return &s->edges[i];
	}
	return NULL;
}

static int edge_cmp(const void *a, const void *b)
{
	const struct prop_edge *x = a, *y = b;
	int r = strcmp(x->from, y->from);

	if (!r)
		r = strcmp(x->to, y->to);
	if (!r)
		r = (int)x->proto - (int)y->proto;
	if (!r)
		r = (int)x->port - (int)y->port;
	return r;
}

void prop_sort(struct prop_set *s)
{
	if (s->n > 1)
		qsort(s->edges, s->n, sizeof(*s->edges), edge_cmp);
	/* The index holds positions: rebuild it in place of the old one.
	 * On ENOMEM keep it off (lookups then miss, prop_observe re-grows). */
	if (s->index_cap && index_rebuild(s, s->index_cap)) {
		free(s->index);
		s->index = NULL;
		s->index_cap = 0;
	}
}

/* --- combining evidence ---------------------------------------------------- */

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* Union of sorted day lists into e->days, keeping the most recent. */
static int days_union(struct prop_edge *e, const int32_t *days, size_t n)
{
	size_t total = e->n_days + n, i, k = 0;
	int32_t *u;

	for (i = 0; e->n_days && i < n; i++)
		if (!bsearch(&days[i], e->days, e->n_days, sizeof(*days), cmp_i32))
			break;
	if (!n || (e->n_days && i == n))
		return 0;	/* the common case: days already counted */
	u = malloc(total * sizeof(*u));
	if (!u)
		return -ENOMEM;
	if (e->n_days)
		memcpy(u, e->days, e->n_days * sizeof(*u));
	memcpy(u + e->n_days, days, n * sizeof(*u));
	qsort(u, total, sizeof(*u), cmp_i32);
	for (i = 0; i < total; i++)
		if (!k || u[k - 1] != u[i])
			u[k++] = u[i];
	if (k > PROP_DAYS_MAX) {
		memmove(u, u + (k - PROP_DAYS_MAX), PROP_DAYS_MAX * sizeof(*u));
		k = PROP_DAYS_MAX;
	}
	free(e->days);
	e->days = u;
	e->n_days = k;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool run_known(const struct prop_edge *e, const char *run)
{
	return e->n_runs && bsearch(&run, e->runs, e->n_runs, sizeof(*e->runs), cmp_str);
}

/* Add the run ids @runs (interned in @s) to e->runs, keeping the greatest. */
static int runs_union(struct prop_set *s, struct prop_edge *e, char *const *runs, size_t n)
{
	size_t total = e->n_runs + n, i, k = 0;
	char **u;

	if (!n || (n == 1 && run_known(e, runs[0])))
		return 0;	/* the common case: a run adding to its own edge */
	u = malloc(total * sizeof(*u));
	if (!u)
		return -ENOMEM;
	if (e->n_runs)
		memcpy(u, e->runs, e->n_runs * sizeof(*u));
	for (i = 0; i < n; i++) {
		u[e->n_runs + i] = str_intern(s, runs[i]);
		if (!u[e->n_runs + i]) {
			free(u);
			return -ENOMEM;
		}
	}
	qsort(u, total, sizeof(*u), cmp_str);
	for (i = 0; i < total; i++)
		if (!k || strcmp(u[k - 1], u[i]))
			u[k++] = u[i];
	if (k > PROP_RUNS_MAX) {
		memmove(u, u + (k - PROP_RUNS_MAX), PROP_RUNS_MAX * sizeof(*u));
		k = PROP_RUNS_MAX;
	}
	free(e->runs);
	e->runs = u;
	e->n_runs = k;
	return 0;
}

static int sample_cmp(const void *a, const void *b)
{
	const struct prop_sample *x = a, *y = b;
	int r = strcmp(x->from, y->from);

	return r ? r : strcmp(x->to, y->to);
}

/* The smallest PROP_SAMPLES_MAX of e's samples and @x's; only the kept
 * ones are interned in @s, so dropped addresses cost nothing. */
static int samples_union(struct prop_set *s, struct prop_edge *e,
			 const struct prop_sample *x, size_t n)
{
	struct prop_sample u[2 * PROP_SAMPLES_MAX];
	size_t total = e->n_samples + n, i, k = 0;

	if (!n)
		return 0;
	memcpy(u, e->samples, e->n_samples * sizeof(*u));
	memcpy(u + e->n_samples, x, n * sizeof(*u));
	qsort(u, total, sizeof(*u), sample_cmp);
	for (i = 0; i < total && k < PROP_SAMPLES_MAX; i++)
		if (!k || sample_cmp(&u[k - 1], &u[i]))
			u[k++] = u[i];
	for (i = 0; i < k; i++) {
		u[i].from = str_intern(s, u[i].from);
		u[i].to = str_intern(s, u[i].to);
		if (!u[i].from || !u[i].to)
			return -ENOMEM;
	}
	memcpy(e->samples, u, k * sizeof(*u));
	e->n_samples = k;
	return 0;
}

/* Zones: the first known one wins; two different ones settle on the
 * smaller name so the result does not depend on merge order. */
static int zone_union(struct prop_set *s, char **have, const char *other)
{
	char *c;

	if (!other || !*other || (*have && strcmp(*have, other) <= 0))
		return 0;
	c = str_intern(s, other);
	if (!c)
		return -ENOMEM;
	*have = c;
	return 0;
}

static int edge_combine(struct prop_set *s, struct prop_edge *e, const struct prop_edge *x)
{
	int err;

	e->packets = e->packets + x->packets < e->packets ? UINT64_MAX : e->packets + x->packets;
	if (x->first_seen < e->first_seen)
		e->first_seen = x->first_seen;
	if (x->last_seen > e->last_seen)
		e->last_seen = x->last_seen;
	err = samples_union(s, e, x->samples, x->n_samples);
	if (!err)
		err = days_union(e, x->days, x->n_days);
	if (!err)
		err = runs_union(s, e, x->runs, x->n_runs);
	if (!err)
		err = zone_union(s, &e->from_zone, x->from_zone);
	if (!err)
		err = zone_union(s, &e->to_zone, x->to_zone);
	return err;
}

int prop_edge_merge_into(struct prop_set *s, const struct prop_edge *x)
{
	struct prop_edge *e = prop_edge_find(s, x->hash, x->from, x->to, x->proto, x->port);

	if (!e)
		e = edge_add(s, x->hash, x->from, x->to, x->proto, x->port);
	if (!e)
		return -ENOMEM;
	return edge_combine(s, e, x);
}

int prop_merge(struct prop_set *dst, const struct prop_set *src)
{
	size_t i;
	int err;

	for (i = 0; i < src->n; i++) {
		err = prop_edge_merge_into(dst, &src->edges[i]);
		if (err)
			return err;
	}
	return 0;
}

int prop_observe(struct prop_set *s, const struct prop_obs *o)
{
	char sf[PROP_ADDR_MAX], st[PROP_ADDR_MAX];
	struct prop_edge x = { 0 };
	int32_t days[2];
	char *run;

	if (!o->from || !o->to || !pol_identity_valid(o->from) || !pol_identity_valid(o->to) ||
	    !pol_proto_name(o->proto) || o->first_seen > o->last_seen ||
	    (pol_proto_has_ports(o->proto) ? o->port == 0 : o->port != 0))
		return -EINVAL;
	x.from = (char *)o->from;
	x.to = (char *)o->to;
	x.from_zone = (char *)o->from_zone;
	x.to_zone = (char *)o->to_zone;
	x.proto = o->proto;
	x.port = o->port;
	x.hash = prop_edge_hash(o->from, o->to, o->proto, o->port);
	x.packets = o->packets;
	x.first_seen = o->first_seen;
	x.last_seen = o->last_seen;
	days[0] = day_of(o->first_seen);
	days[1] = day_of(o->last_seen);
	x.days = days;
	x.n_days = days[0] == days[1] ? 1 : 2;
	run = (char *)o->run_id;
	x.runs = &run;
	x.n_runs = o->run_id ? 1 : 0;
	if (o->sample_from && o->sample_to && *o->sample_from && *o->sample_to) {
		snprintf(sf, sizeof(sf), "%s", o->sample_from);
		snprintf(st, sizeof(st), "%s", o->sample_to);
		x.samples[0].from = sf;
		x.samples[0].to = st;
		x.n_samples = 1;
	}
	return prop_edge_merge_into(s, &x);
}

