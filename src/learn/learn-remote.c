// SPDX-License-Identifier: GPL-2.0-or-later
/* Other hosts' workloads by address (see learn-remote.h): a sorted array. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/learn-remote.h"

struct learn_remote_ent {
	struct id_addr a;
	struct id_workload *w;
};

struct learn_remote {
	struct learn_remote_ent *v;
	size_t n, cap;
};

struct learn_remote *learn_remote_new(void)
{
	return calloc(1, sizeof(struct learn_remote));
}

int learn_remote_add(struct learn_remote *r, const struct id_addr *a, struct id_workload *w)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct learn_remote_ent *v = realloc(r->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n].a = *a;
	r->v[r->n++].w = id_workload_get(w);
	return 0;
}

static int learn_remote_cmp(const void *x, const void *y)
{
	const struct id_addr *a = x, *b = y;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a, b->a, sizeof(a->a));
}

void learn_remote_seal(struct learn_remote *r)
{
	/* a stable order is not needed: two hosts claiming one address is a
	 * fleet misconfigured, and either answer is as good */
	if (r->n > 1)	/* (qsort() of no array at all is undefined) */
		qsort(r->v, r->n, sizeof(*r->v), learn_remote_cmp);
}

const struct id_workload *learn_remote_lookup(const struct learn_remote *r,
					      const struct id_addr *a)
{
	size_t lo = 0, hi = r ? r->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = learn_remote_cmp(&r->v[mid].a, a);

		if (!c)
			return r->v[mid].w;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

size_t learn_remote_count(const struct learn_remote *r)
{
	return r ? r->n : 0;
}

void learn_remote_free(struct learn_remote *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		id_workload_put(r->v[i].w);
	free(r->v);
	free(r);
}

/* As a source: lookups only (its workloads are endpoints of other hosts'
 * snapshots, not of this one's). */
static bool learn_remote_src_lookup(const void *impl, const struct id_addr *a, int64_t t_ns,
				    struct rt_hit *hit)
{
	const struct id_workload *w = learn_remote_lookup(impl, a);

	if (!w)
		return false;
	rt_hit_workload(hit, w);
	return true;
}

static const struct rt_source_ops learn_remote_ops = {
	.name = "fleet",
	.count = NULL,
	.at = NULL,
	.origin = NULL,
	.lookup = learn_remote_src_lookup,
};

struct rt_source learn_remote_source(const struct learn_remote *r)
{
	return (struct rt_source){ .ops = &learn_remote_ops, .impl = r };
}
