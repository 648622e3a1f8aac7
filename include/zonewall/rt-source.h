/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_RT_SOURCE_H
#define ZONEWALL_RT_SOURCE_H

/*
 * A source of endpoints: something that knows which workload an address
 * belongs to.  The container engines (docker, podman; their dialects are
 * rt-backend.h) keep an identity index current through the mapper, or
 * answer one list (rt_list()); the static inventory is a file of address
 * entries; a fleet's other hosts are a table (learn-remote.h).  Each
 * answers the same few operations, one struct rt_source_ops per kind of
 * source, so the learner, the host snapshot and `zonewall containers`
 * walk a list of sources and never ask which one they hold:
 *
 *  - name: what a match of it is called ("runtime", "inventory", "fleet":
 *    the learner's source names, the place of a problem in the snapshot);
 *  - count, at: its records in order, each a workload (one endpoint per
 *    network attachment) or an address entry (one endpoint, its CIDRs);
 *  - origin: a record's place in messages and in the snapshot
 *    ("container NAME (ID)", "inventory $.entries[I] NAME");
 *  - lookup: what holds an address at a time.
 *
 * A new source is one file defining its ops and a constructor.  Sources
 * borrow what they show, which must outlive them unchanged.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "zonewall/identity.h"
#include "zonewall/inventory.h"

/* One record of a source: exactly one of the two is set. */
struct rt_record {
	const struct id_workload *w;	/* a workload (labels, networks, attachments) */
	const struct inv_entry *e;	/* an address entry (CIDRs, except lists) */
};

/* What a lookup found. */
struct rt_hit {
	const char *identity;		/* NULL or unusable in a policy: the caller checks */
	const char *zone;		/* the source's own zone for it, NULL: none */
	const char *zone_source;	/* "label", "network", "default", "inventory" */
	const struct id_workload *w;	/* its labels and networks, NULL for an entry */
};

/** rt_hit_workload() - @hit for workload @w: its identity, zone and why. */
void rt_hit_workload(struct rt_hit *hit, const struct id_workload *w);

struct rt_source_ops {
	const char *name;
	/* count() - how many records; NULL: none (a lookup-only source) */
	size_t (*count)(const void *impl);
	/* at() - record @i (< count()) into @r */
	void (*at)(const void *impl, size_t i, struct rt_record *r);
	/* origin() - record @i's place, into @buf */
	void (*origin)(const void *impl, size_t i, char *buf, size_t len);
	/* lookup() - what held @a at @t_ns (> 0); false: unknown here.  NULL: never */
	bool (*lookup)(const void *impl, const struct id_addr *a, int64_t t_ns,
		       struct rt_hit *hit);
};

struct rt_source {
	const struct rt_source_ops *ops;
	const void *impl;		/* borrowed */
};

#define RT_ORIGIN_MAX 300

/** rt_source_name() - @s's name ("runtime", "inventory", ...). */
const char *rt_source_name(const struct rt_source *s);

/** rt_source_count() - how many records @s shows. */
size_t rt_source_count(const struct rt_source *s);

/** rt_source_at() - record @i of @s (@i < rt_source_count()). */
void rt_source_at(const struct rt_source *s, size_t i, struct rt_record *r);

/** rt_source_origin() - record @i's place in messages, into @buf (RT_ORIGIN_MAX). */
void rt_source_origin(const struct rt_source *s, size_t i, char *buf, size_t len);

/**
 * rt_source_lookup() - what @s says holds @a at @t_ns (ns since the epoch,
 * > 0; an index keeps the history, so a reused address names the workload
 * that held it then).
 * Return: true with @hit filled, false when @s does not know @a.
 */
bool rt_source_lookup(const struct rt_source *s, const struct id_addr *a, int64_t t_ns,
		      struct rt_hit *hit);

/**
 * rt_record_json() - @r as a row of `zonewall containers` (id_workload_json()
 * or inv_entry_json()).
 * Return: a new object, or NULL on allocation failure.
 */
json_t *rt_record_json(const struct rt_record *r);

/* --- the sources ------------------------------------------------------------ */

/** rt_source_index() - the workloads of an identity index (the mapper's), with their history. */
struct rt_source rt_source_index(const struct id_index *idx);

/* The workloads of one answer (rt_list()): no history, no lookup. */
struct rt_workloads {
	struct id_workload *const *v;
	size_t n;
};

/** rt_source_workloads() - the workloads of @list, in its order. */
struct rt_source rt_source_workloads(const struct rt_workloads *list);

/** rt_source_inventory() - the entries of @inv; lookups by inv_lookup(). */
struct rt_source rt_source_inventory(const struct inv *inv);

/** rt_source_inventory_index() - the entries of @ix's inventory; lookups by the index. */
struct rt_source rt_source_inventory_index(const struct inv_index *ix);

#endif
