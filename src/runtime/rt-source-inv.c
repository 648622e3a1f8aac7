// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The static inventory as a source (rt-source.h): its entries are address
 * entries, named by their place in the file, looked up by longest prefix
 * (inv_lookup(), or the index for callers that look up every flow's ends).
 */

#include "config.h"

#include <stdio.h>

#include "zonewall/rt-source.h"

static size_t rt_inv_count_of(const struct inv *inv)
{
	return inv ? inv->n : 0;
}

static void rt_inv_origin_of(const struct inv *inv, size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "inventory $.entries[%zu] %s", i, inv->v[i].name);
}

static bool rt_inv_hit(const struct inv_entry *e, struct rt_hit *hit)
{
	if (!e)
		return false;
	hit->identity = e->name;
	hit->zone = e->zone;
	hit->zone_source = "inventory";
	return true;
}

/* --- by the inventory itself --------------------------------------------------------- */

static size_t rt_inv_count(const void *impl)
{
	return rt_inv_count_of(impl);
}

static void rt_inv_at(const void *impl, size_t i, struct rt_record *r)
{
	const struct inv *inv = impl;

	r->e = &inv->v[i];
}

static void rt_inv_origin(const void *impl, size_t i, char *buf, size_t len)
{
	rt_inv_origin_of(impl, i, buf, len);
}

static bool rt_inv_lookup(const void *impl, const struct id_addr *a, int64_t t_ns,
			  struct rt_hit *hit)
{
	return impl && rt_inv_hit(inv_lookup(impl, a, NULL), hit);
}

static const struct rt_source_ops rt_inv_ops = {
	.name = "inventory",
	.count = rt_inv_count,
	.at = rt_inv_at,
	.origin = rt_inv_origin,
	.lookup = rt_inv_lookup,
};

struct rt_source rt_source_inventory(const struct inv *inv)
{
	return (struct rt_source){ .ops = &rt_inv_ops, .impl = inv };
}

/* --- by its index ---------------------------------------------------------------------- */

static size_t rt_invix_count(const void *impl)
{
	return rt_inv_count_of(inv_index_inventory(impl));
}

static void rt_invix_at(const void *impl, size_t i, struct rt_record *r)
{
	rt_inv_at(inv_index_inventory(impl), i, r);
}

static void rt_invix_origin(const void *impl, size_t i, char *buf, size_t len)
{
	rt_inv_origin_of(inv_index_inventory(impl), i, buf, len);
}

static bool rt_invix_lookup(const void *impl, const struct id_addr *a, int64_t t_ns,
			    struct rt_hit *hit)
{
	return rt_inv_hit(inv_index_lookup(impl, a, NULL), hit);
}

static const struct rt_source_ops rt_invix_ops = {
	.name = "inventory",
	.count = rt_invix_count,
	.at = rt_invix_at,
	.origin = rt_invix_origin,
	.lookup = rt_invix_lookup,
};

struct rt_source rt_source_inventory_index(const struct inv_index *ix)
{
	return (struct rt_source){ .ops = &rt_invix_ops, .impl = ix };
}
