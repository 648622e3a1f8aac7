// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The sources of endpoints (rt-source.h): the static inventory answers the
 * same operations as a fake runtime source defined here (one file, one
 * ops table, as a new runtime would be), and the learner, the host
 * snapshot and the containers rows take either without asking which.
 * Hermetic: no socket, no links.
 */

#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "zonewall/host.h"
#include "zonewall/learn.h"
#include "zonewall/rt-source.h"

#define S(x) ((int64_t)(x) * 1000000000)

/* --- a fake runtime: one container, every address of 10.0.0.0/24 its --------------- */

static size_t fake_count(const void *impl)
{
	return 1;
}

static void fake_at(const void *impl, size_t i, struct rt_record *r)
{
	r->w = impl;
}

static void fake_origin(const void *impl, size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "fake %zu", i);
}

static bool fake_lookup(const void *impl, const struct id_addr *a, int64_t t_ns,
			struct rt_hit *hit)
{
	const struct id_workload *w = impl;

	if (a->family != AF_INET || a->a[0] != 10 || a->a[1] || a->a[2])
		return false;
	rt_hit_workload(hit, w);
	return true;
}

static const struct rt_source_ops fake_ops = {
	.name = "runtime",
	.count = fake_count,
	.at = fake_at,
	.origin = fake_origin,
	.lookup = fake_lookup,
};

static struct id_workload *fake_workload(void)
{
	struct id_workload *w = id_workload_new();
	struct id_net *n;

	id_workload_set(&w->id, "0123456789abcdef");
	id_workload_set(&w->name, "web-1");
	id_workload_set(&w->state, "running");
	id_workload_set(&w->identity, "web");
	id_workload_set(&w->zone, "front");
	w->zone_source = "label";
	n = id_workload_add_net(w, "net1");
	snprintf(n->ipv4, sizeof(n->ipv4), "10.0.0.2");
	return w;
}

static const char inventory[] =
	"{\"version\": 1, \"entries\": ["
	" {\"name\": \"corp\", \"zone\": \"corp\", \"cidrs\": [\"192.0.2.0/24\"]},"
	" {\"name\": \"internet\", \"zone\": \"internet\", \"cidrs\": [\"0.0.0.0/0\"],"
	"  \"except\": [\"10.0.0.0/8\"]}]}";

static struct id_addr addr(const char *text)
{
	struct id_addr a;

	id_addr_parse(text, &a);
	return a;
}

/* The same operations, asked of any source. */
static void test_operations(const struct rt_source *fake, const struct rt_source *inv,
			    const struct rt_source *inv_ix)
{
	struct id_addr a = addr("192.0.2.9");
	struct rt_record r;
	struct rt_hit hit;
	char origin[RT_ORIGIN_MAX];

	tap_is_str(rt_source_name(fake), "runtime", "a fake runtime names itself");
	tap_is_str(rt_source_name(inv), "inventory", "the inventory names itself \"inventory\"");
	tap_is_int((long long)rt_source_count(inv), 2, "the inventory: two records");
	rt_source_at(inv, 1, &r);
	tap_ok(r.e && !r.w && !strcmp(r.e->name, "internet"), "record 1 is the internet entry");
	rt_source_origin(inv, 1, origin, sizeof(origin));
	tap_is_str(origin, "inventory $.entries[1] internet", "its origin, by its place in the file");
	rt_source_at(fake, 0, &r);
	tap_ok(r.w && !r.e, "the fake's record is a workload");
	tap_ok(rt_source_lookup(inv, &a, S(1), &hit) && !strcmp(hit.identity, "corp") &&
	       !strcmp(hit.zone, "corp") && !strcmp(hit.zone_source, "inventory") && !hit.w,
	       "the inventory looks up by longest prefix: an address entry, no workload");
	tap_ok(rt_source_lookup(inv_ix, &a, S(1), &hit) && !strcmp(hit.identity, "corp"),
	       "so does its index");
	a = addr("10.0.0.2");
	tap_ok(!rt_source_lookup(inv, &a, S(1), &hit) && !rt_source_lookup(inv_ix, &a, S(1), &hit),
	       "an excepted address is unknown to both");
	tap_ok(rt_source_lookup(fake, &a, S(1), &hit) && hit.w && !strcmp(hit.identity, "web"),
	       "and known to the fake runtime, with its workload");
}

/* The learner asks in order: the fake first, then the inventory. */
static void test_learn(const struct rt_source *fake, const struct rt_source *inv)
{
	struct rt_source v[2] = { *fake, *inv };
	struct learn_env env = { .sources = v, .n_sources = 2 };
	uint8_t a[16] = { 0 };
	struct learn_end e;

	inet_pton(AF_INET, "10.0.0.2", a);
	learn_resolve(&env, 4, a, S(1), &e);
	tap_ok(!strcmp(e.identity, "web") && e.source == LEARN_SRC_RUNTIME &&
	       !strcmp(e.zone, "front") && !strcmp(e.zone_source, "label"),
	       "learn: the fake's workload, counted as the runtime's, its zone");
	inet_pton(AF_INET, "198.51.100.1", a);
	learn_resolve(&env, 4, a, S(1), &e);
	tap_ok(!strcmp(e.identity, "internet") && e.source == LEARN_SRC_INVENTORY &&
	       !strcmp(e.zone_source, "inventory"), "learn: the inventory's entry after it");
	env.n_sources = 0;
	learn_resolve(&env, 4, a, S(1), &e);
	tap_is_str(e.identity, "unknown:198.51.100.1", "learn: no source, unknown");
}

/* The snapshot takes both kinds of record, in the sources' order. */
static void test_snapshot(const struct rt_source *fake, const struct rt_source *inv)
{
	struct rt_source v[2] = { *inv, *fake };
	struct host_src src = { .sources = v, .n_sources = 2 };
	struct cmp_snapshot *s = NULL;
	struct diags d;
	int rc;

	diags_init(&d);
	rc = host_snap_build(&src, &s, &d);
	tap_ok(rc == 0 && s && s->n == 3, "snapshot: two entries and one attachment (%zu)",
	       s ? s->n : 0);
	tap_ok(s && s->n == 3 && !strcmp(s->w[0]->origin, "inventory $.entries[0] corp") &&
	       !strcmp(s->w[2]->origin, "fake 0") && !strcmp(s->w[2]->identity, "web"),
	       "in order, each named by its source's origin");
	tap_ok(host_src_has_entries(&src), "the inventory has address entries");
	src.n_sources = 1;
	src.sources = fake;
	tap_ok(!host_src_has_entries(&src), "the fake runtime has none");
	cmp_snap_free(s);
}

static void test_rows(const struct rt_source *fake, const struct rt_source *inv)
{
	struct rt_record r;
	json_t *row;

	rt_source_at(inv, 0, &r);
	row = rt_record_json(&r);
	tap_ok(row && !strcmp(json_string_value(json_object_get(row, "runtime")), "inventory") &&
	       !strcmp(json_string_value(json_object_get(row, "state")), "static"),
	       "an entry's row: runtime inventory, state static");
	json_decref(row);
	rt_source_at(fake, 0, &r);
	row = rt_record_json(&r);
	tap_ok(row && !strcmp(json_string_value(json_object_get(row, "identity")), "web"),
	       "a workload's row: its identity");
	json_decref(row);
}

int main(void)
{
	struct id_workload *w = fake_workload();
	struct rt_source fake = { .ops = &fake_ops, .impl = w }, inv, inv_ix;
	struct inv_index *ix;
	struct inv entries;
	struct diags d;

	if (inv_parse(&entries, inventory, strlen(inventory), &d)) {
		printf("Bail out! inventory: %s\n", d.n ? d.v[0].msg : "");
		return 1;
	}
	ix = inv_index_new(&entries);
	inv = rt_source_inventory(&entries);
	inv_ix = rt_source_inventory_index(ix);
	test_operations(&fake, &inv, &inv_ix);
	test_learn(&fake, &inv_ix);
	test_snapshot(&fake, &inv);
	test_rows(&fake, &inv);
	inv_index_free(ix);
	inv_free(&entries);
	id_workload_put(w);
	return tap_done();
}
