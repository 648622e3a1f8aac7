// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The source operations' callers' side (rt-source.h), and the container
 * engines' two sources: the mapper's identity index and one list answer.
 * Both are workloads; docker and podman differ below them (rt-backend.h).
 */

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "zonewall/rt-source.h"

const char *rt_source_name(const struct rt_source *s)
{
	return s->ops->name;
}

size_t rt_source_count(const struct rt_source *s)
{
	return s->ops->count ? s->ops->count(s->impl) : 0;
}

void rt_source_at(const struct rt_source *s, size_t i, struct rt_record *r)
{
	memset(r, 0, sizeof(*r));
	s->ops->at(s->impl, i, r);
}

void rt_source_origin(const struct rt_source *s, size_t i, char *buf, size_t len)
{
	s->ops->origin(s->impl, i, buf, len);
}

bool rt_source_lookup(const struct rt_source *s, const struct id_addr *a, int64_t t_ns,
		      struct rt_hit *hit)
{
	memset(hit, 0, sizeof(*hit));
	return s->ops->lookup && s->ops->lookup(s->impl, a, t_ns, hit);
}

json_t *rt_record_json(const struct rt_record *r)
{
	return r->w ? id_workload_json(r->w) : inv_entry_json(r->e);
}

/* A workload's place: its name and short id. */
static void rt_workload_origin(const struct id_workload *w, char *buf, size_t len)
{
	snprintf(buf, len, "container %s (%.12s)", w->name, w->id);
}

void rt_hit_workload(struct rt_hit *hit, const struct id_workload *w)
{
	hit->identity = w->identity;
	hit->zone = w->zone;
	hit->zone_source = w->zone_source;
	hit->w = w;
}

/* --- the identity index ---------------------------------------------------------- */

static size_t rt_index_count(const void *impl)
{
	return id_index_count(impl);
}

static void rt_index_at(const void *impl, size_t i, struct rt_record *r)
{
	r->w = id_index_at(impl, i);
}

static void rt_index_origin(const void *impl, size_t i, char *buf, size_t len)
{
	rt_workload_origin(id_index_at(impl, i), buf, len);
}

static bool rt_index_lookup(const void *impl, const struct id_addr *a, int64_t t_ns,
			    struct rt_hit *hit)
{
	const struct id_workload *w = id_index_lookup(impl, a, t_ns);

	if (w)
		rt_hit_workload(hit, w);
	return w != NULL;
}

static const struct rt_source_ops rt_index_ops = {
	.name = "runtime",
	.count = rt_index_count,
	.at = rt_index_at,
	.origin = rt_index_origin,
	.lookup = rt_index_lookup,
};

struct rt_source rt_source_index(const struct id_index *idx)
{
	return (struct rt_source){ .ops = &rt_index_ops, .impl = idx };
}

/* --- one list answer ----------------------------------------------------------------- */

static size_t rt_list_count(const void *impl)
{
	const struct rt_workloads *l = impl;

	return l->n;
}

static void rt_list_at(const void *impl, size_t i, struct rt_record *r)
{
	const struct rt_workloads *l = impl;

	r->w = l->v[i];
}

static void rt_list_origin(const void *impl, size_t i, char *buf, size_t len)
{
	const struct rt_workloads *l = impl;

	rt_workload_origin(l->v[i], buf, len);
}

static const struct rt_source_ops rt_list_ops = {
	.name = "runtime",
	.count = rt_list_count,
	.at = rt_list_at,
	.origin = rt_list_origin,
	.lookup = NULL,		/* one answer has no history to look an address up in */
};

struct rt_source rt_source_workloads(const struct rt_workloads *list)
{
	return (struct rt_source){ .ops = &rt_list_ops, .impl = list };
}
