// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests of the next compile (src/compile/incr.c): after every change
 * of a snapshot, cmp_compile_next() from the last state must give the model
 * a full cmp_compile() gives: same shape, same elements in every set.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zonewall/compile.h"
#include "zonewall/ruleset-diff.h"

#define IDS 8
#define EPS_MAX 40

/* An endpoint of the test's host: identity, zone, addresses. */
struct ep {
	int id, zone;	/* zone: 0 web, 1 db */
	char addr[2][48];
	int n_addrs;
	bool used;
};

static const char *const zones[] = { "web", "db" };

static unsigned int seed = 12345;

static unsigned int rnd(unsigned int n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 16) % n;
}

/* Rules of every kind the allowlist expands: identities, zones, a CIDR,
 * duplicates, overlapping and touching ranges, ICMP, IPv6. */
static struct pol_policy *policy_make(void)
{
	static char text[16384];
	size_t off = 0;
	struct diags d;
	struct pol_policy *p;

	off += snprintf(text + off, sizeof(text) - off,
		"{ \"version\": 1, \"default_zone\": \"default\", \"zones\": ["
		" { \"name\": \"default\", \"mode\": \"enforce\" },"
		" { \"name\": \"web\", \"mode\": \"enforce\" }, { \"name\": \"db\", \"mode\": \"enforce\" },"
		" { \"name\": \"ext\", \"mode\": \"enforce\" } ], \"allow\": ["
		" { \"from\": \"zone:web\", \"to\": \"zone:db\", \"proto\": \"tcp\", \"port\": 5432 },"
		" { \"from\": \"zone:web\", \"to\": \"zone:web\", \"proto\": \"tcp\", \"port\": 80 },"
		" { \"from\": \"zone:db\", \"to\": \"ext\", \"proto\": \"tcp\", \"port\": 443 },"
		" { \"from\": \"zone:web\", \"to\": \"zone:ext\", \"proto\": \"udp\", \"port\": 53 },"
		" { \"from\": \"id0\", \"to\": \"zone:db\", \"proto\": \"icmp\" },"
		" { \"from\": \"id1\", \"to\": \"id2\", \"proto\": \"icmpv6\" },"
		" { \"from\": \"id1\", \"to\": \"ext\", \"proto\": \"tcp\" }");
	for (int i = 0; i < IDS; i++)
		for (int j = 0; j < IDS; j++) {
			if ((i + j) % 3)
				continue;
			off += snprintf(text + off, sizeof(text) - off,
				",{ \"from\": \"id%d\", \"to\": \"id%d\", \"proto\": \"tcp\", \"port\": %d },"
				" { \"from\": \"id%d\", \"to\": \"id%d\", \"proto\": \"udp\", \"port\": \"%d-%d\" }",
				i, j, 8000 + (i + j) % 4, i, j, 100 + 10 * (i % 3), 150 + 10 * j);
			if (i < j)	/* overlaps the range above: merged */
				off += snprintf(text + off, sizeof(text) - off,
					",{ \"from\": \"id%d\", \"to\": \"id%d\", \"proto\": \"udp\","
					" \"port\": \"140-400\" }", i, j);
		}
	snprintf(text + off, sizeof(text) - off, "] }");
	p = pol_parse(text, strlen(text), &d);
	if (!p)
		tap_ok(0, "policy parses: %s %s", d.n ? d.v[0].where : "", d.n ? d.v[0].msg : "");
	return p;
}

static struct cmp_snapshot *snap_make(const struct ep *v, size_t n)
{
	struct cmp_snapshot *s = cmp_snap_new();
	struct cmp_workload *w;
	char id[16];

	cmp_snap_add_bridge(s, "br0");
	/* a wide endpoint: tuples, not member sets */
	w = cmp_snap_add(s, "ext", "ext", "inventory ext");
	cmp_workload_add_addr(w, "192.168.0.0/24");
	cmp_workload_add_addr(w, "fd99::/64");
	for (size_t i = 0; i < n; i++) {
		if (!v[i].used)
			continue;
		snprintf(id, sizeof(id), "id%d", v[i].id);
		w = cmp_snap_add(s, id, zones[v[i].zone], "container");
		for (int k = 0; k < v[i].n_addrs; k++)
			cmp_workload_add_addr(w, v[i].addr[k]);
	}
	return s;
}

static unsigned int next_addr;

static void ep_addrs(struct ep *e)
{
	unsigned int a = ++next_addr;

	e->n_addrs = 1 + (int)rnd(2);
	snprintf(e->addr[0], sizeof(e->addr[0]), "10.%u.%u.%u", a / 65536, a / 256 % 256, a % 256 + 1);
	snprintf(e->addr[1], sizeof(e->addr[1]), "fd00::%x", a);
}

/* One change: an endpoint comes, goes, moves address or zone, or a second
 * endpoint of an identity takes an address another has (a duplicate). */
static void mutate(struct ep *v)
{
	struct ep *e = &v[rnd(EPS_MAX)];

	switch (rnd(5)) {
	case 0:
	case 1:
		e->used = !e->used;
		e->id = (int)rnd(IDS);
		e->zone = (int)rnd(2);
		ep_addrs(e);
		break;
	case 2:
		ep_addrs(e);
		break;
	case 3:
		e->zone = !e->zone;
		break;
	default: {
		const struct ep *o = &v[rnd(EPS_MAX)];

		if (o != e && o->used && e->used && o->zone == e->zone)
			memcpy(e->addr[0], o->addr[0], sizeof(e->addr[0]));
	}
	}
}

static bool models_same(const struct rs_ruleset *a, const struct rs_ruleset *b)
{
	struct rsd_diff df;
	bool same;

	if (!rsd_same_shape(a, b) || rsd_diff(a, b, &df) < 0)
		return false;
	same = df.n == 0;
	rsd_diff_free(&df);
	return same;
}

static void test_random_changes(void)
{
	struct pol_policy *p = policy_make();
	struct ep v[EPS_MAX] = { { 0 } };
	struct rs_ruleset *last = NULL;
	struct cmp_incr *st = NULL;
	int steps = 400, same = 0, incremental = 0, failed_same = 0;

	if (!p)
		return;
	for (int i = 0; i < EPS_MAX / 2; i++) {
		v[i].used = true;
		v[i].id = i % IDS;
		v[i].zone = i % 2;
		ep_addrs(&v[i]);
	}
	for (int k = 0; k < steps; k++) {
		struct cmp_snapshot *s = snap_make(v, EPS_MAX);
		struct diags e1, e2;
		struct rs_ruleset *full = cmp_compile(p, s, NULL, NULL, &e1);
		struct cmp_incr *nx = NULL;
		struct rs_ruleset *nxt = cmp_compile_next(p, s, NULL, last, st, &nx, &e2);

		if (!full || !nxt) {
			/* an address two zones claim: refused by both alike */
			failed_same += !full && !nxt;
		} else {
			same += models_same(full, nxt);
			incremental += !cmp_incr_was_full(nx);
		}
		if (nxt) {
			rs_ruleset_free(last);
			cmp_incr_free(st);
			last = nxt;
			st = nx;
		}
		rs_ruleset_free(full);
		cmp_snap_free(s);
		mutate(v);
	}
	tap_is_int(same + failed_same, steps, "after each of %d changes the next compile is the full one",
		   steps);
	tap_ok(incremental > steps / 2, "most changes compiled from the last state (%d of %d)",
	       incremental, steps);
	rs_ruleset_free(last);
	cmp_incr_free(st);
	pol_free(p);
}

/* A policy of @n rules, client-i -> backend-j, single-address identities. */
static struct pol_policy *policy_big(size_t n)
{
	size_t cap = 200 + n * 96, off = 0;
	char *text = malloc(cap);
	struct pol_policy *p;
	struct diags d;

	off += (size_t)snprintf(text, cap, "{ \"version\": 1, \"default_zone\": \"default\","
		" \"zones\": [ { \"name\": \"default\", \"mode\": \"enforce\" } ], \"allow\": [");
	for (size_t k = 0; k < n; k++)
		off += (size_t)snprintf(text + off, cap - off,
			"%s{\"from\":\"c%zu\",\"to\":\"b%zu\",\"proto\":\"tcp\",\"port\":%zu}",
			k ? "," : "", k / 200, k % 200, 8000 + k % 100);
	snprintf(text + off, cap - off, "] }");
	p = pol_parse(text, strlen(text), &d);
	free(text);
	return p;
}

static struct cmp_snapshot *snap_big(size_t n, size_t moved)
{
	struct cmp_snapshot *s = cmp_snap_new();
	char id[32], a[32];

	cmp_snap_add_bridge(s, "br0");
	for (size_t i = 0; i < n / 200; i++) {
		struct cmp_workload *w;

		snprintf(id, sizeof(id), "c%zu", i);
		w = cmp_snap_add(s, id, NULL, "inventory");
		snprintf(a, sizeof(a), "10.%d.%zu.%zu", i == moved ? 3 : 1, i / 250, i % 250 + 1);
		cmp_workload_add_addr(w, a);
	}
	for (size_t j = 0; j < 200; j++) {
		struct cmp_workload *w;

		snprintf(id, sizeof(id), "b%zu", j);
		w = cmp_snap_add(s, id, NULL, "inventory");
		snprintf(a, sizeof(a), "10.2.0.%zu", j + 1);
		cmp_workload_add_addr(w, a);
	}
	return s;
}

/* 100,000 rules, one identity's address moved: its 200 rules again, no more. */
static void test_big_policy(void)
{
	size_t n = 100000;
	struct pol_policy *p = policy_big(n);
	struct cmp_snapshot *s0 = snap_big(n, SIZE_MAX), *s1 = snap_big(n, 7);
	struct cmp_incr *st0 = NULL, *st1 = NULL;
	struct rs_ruleset *r0, *r1, *full;
	const struct rs_table *t;
	struct diags e;
	struct rsd_diff df = { 0 };

	r0 = p ? cmp_compile_next(p, s0, NULL, NULL, NULL, &st0, &e) : NULL;
	r1 = r0 ? cmp_compile_next(p, s1, NULL, r0, st0, &st1, &e) : NULL;
	full = p ? cmp_compile(p, s1, NULL, NULL, &e) : NULL;
	tap_ok(r0 && cmp_incr_was_full(st0), "100,000 rules: the first compile is full");
	tap_ok(r1 && !cmp_incr_was_full(st1), "one address moved: compiled from the last state");
	tap_ok(r1 && full && models_same(full, r1), "and equal to the full compile");
	t = r1 ? rs_table_find(r1, RS_INET, CMP_TABLE) : NULL;
	tap_ok(t && rs_set_find(t, "allow4")->n_elems == n && rsd_set_sorted(rs_set_find(t, "allow4")),
	       "the allowlist holds 100,000 elements, sorted");
	if (r0 && r1 && rsd_diff(r0, r1, &df) < 0)
		df.adds = 0;
	/* and the address in the workload addresses (same4) */
	tap_ok(df.adds == 201 && df.dels == 201,
	       "the change: 200 tuples and one address out, as many in (%zu/%zu)", df.dels, df.adds);
	rsd_diff_free(&df);
	rs_ruleset_free(r0);
	rs_ruleset_free(r1);
	rs_ruleset_free(full);
	cmp_incr_free(st0);
	cmp_incr_free(st1);
	cmp_snap_free(s0);
	cmp_snap_free(s1);
	pol_free(p);
}

/* A state from another policy, or without its model, is not used. */
static void test_state_guard(void)
{
	struct pol_policy *p = policy_make(), *q = policy_make();
	struct ep v[EPS_MAX] = { { 0 } };
	struct cmp_snapshot *s;
	struct cmp_incr *st = NULL, *st2 = NULL, *st3 = NULL;
	struct rs_ruleset *r, *r2, *r3;
	struct diags e;

	v[0] = (struct ep){ .used = true, .id = 1, .zone = 0, .n_addrs = 1, .addr = { "10.9.0.1" } };
	s = snap_make(v, EPS_MAX);
	r = cmp_compile_next(p, s, NULL, NULL, NULL, &st, &e);
	r2 = cmp_compile_next(q, s, NULL, r, st, &st2, &e);
	r3 = cmp_compile_next(p, s, NULL, NULL, st, &st3, &e);
	tap_ok(r2 && cmp_incr_was_full(st2), "another policy's state: a full compile");
	tap_ok(r3 && cmp_incr_was_full(st3), "a state without its model: a full compile");
	rs_ruleset_free(r);
	rs_ruleset_free(r2);
	rs_ruleset_free(r3);
	cmp_incr_free(st);
	cmp_incr_free(st2);
	cmp_incr_free(st3);
	cmp_snap_free(s);
	pol_free(p);
	pol_free(q);
}

/* No allow rules at all: nothing to expand or patch, twice. */
static void test_no_rules(void)
{
	static const char text[] = "{ \"version\": 1, \"default_zone\": \"default\", \"zones\": "
		"[ { \"name\": \"default\", \"mode\": \"enforce\" } ] }";
	struct diags d;
	struct pol_policy *p = pol_parse(text, strlen(text), &d);
	struct ep v[EPS_MAX] = { { .used = true, .id = 3, .n_addrs = 1, .addr = { "10.8.0.1" } } };
	struct cmp_snapshot *s0 = snap_make(v, EPS_MAX), *s1;
	struct cmp_incr *st0 = NULL, *st1 = NULL;
	struct rs_ruleset *r0, *r1;

	v[0].used = false;
	s1 = snap_make(v, EPS_MAX);
	r0 = p ? cmp_compile_next(p, s0, NULL, NULL, NULL, &st0, &d) : NULL;
	r1 = r0 ? cmp_compile_next(p, s1, NULL, r0, st0, &st1, &d) : NULL;
	tap_ok(r0 && r1 && !cmp_incr_was_full(st1), "a policy without allow rules follows too");
	rs_ruleset_free(r0);
	rs_ruleset_free(r1);
	cmp_incr_free(st0);
	cmp_incr_free(st1);
	cmp_snap_free(s0);
	cmp_snap_free(s1);
	pol_free(p);
}

int main(void)
{
	test_no_rules();
	test_random_changes();
	test_big_policy();
	test_state_guard();
	return tap_done();
}
