// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rsd_same_shape() and rsd_diff() on models the compiler makes: what
 * zonewalld sends after a container event must be exactly the elements
 * that moved, and a change of shape must never pass as element updates.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zonewall/compile.h"
#include "zonewall/ruleset-diff.h"

static const char policy_text[] =
	"{ \"version\": 1, \"default_zone\": \"default\","
	"  \"zones\": [ { \"name\": \"default\", \"mode\": \"enforce\" },"
	"             { \"name\": \"web\", \"mode\": \"enforce\" },"
	"             { \"name\": \"db\", \"mode\": \"enforce\" } ],"
	"  \"allow\": [ { \"from\": \"a\", \"to\": \"b\", \"proto\": \"tcp\", \"port\": 5432 } ] }";

/* The same with a deny border: new chains and counters, another shape. */
static const char policy_border[] =
	"{ \"version\": 1, \"default_zone\": \"default\","
	"  \"zones\": [ { \"name\": \"default\", \"mode\": \"enforce\" },"
	"             { \"name\": \"web\", \"mode\": \"enforce\" },"
	"             { \"name\": \"db\", \"mode\": \"enforce\" } ],"
	"  \"borders\": [ { \"from\": \"db\", \"to\": \"web\", \"verdict\": \"deny\" } ],"
	"  \"allow\": [ { \"from\": \"a\", \"to\": \"b\", \"proto\": \"tcp\", \"port\": 5432 } ] }";

/* A snapshot of a (web) and b (db) at the given addresses, on @bridges. */
static struct cmp_snapshot *snap(const char *addr_a, const char *addr_b, const char *bridges)
{
	struct cmp_snapshot *s = cmp_snap_new();
	struct cmp_workload *a = cmp_snap_add(s, "a", "web", "test a");
	struct cmp_workload *b = cmp_snap_add(s, "b", "db", "test b");
	char list[64], *save = NULL;

	cmp_workload_add_addr(a, addr_a);
	cmp_workload_add_addr(b, addr_b);
	snprintf(list, sizeof(list), "%s", bridges);
	for (char *t = strtok_r(list, " ", &save); t; t = strtok_r(NULL, " ", &save))
		cmp_snap_add_bridge(s, t);
	return s;
}

static struct rs_ruleset *model(const struct pol_policy *p, struct cmp_snapshot *s)
{
	struct diags errs;
	struct rs_ruleset *rs = cmp_compile(p, s, NULL, NULL, &errs);

	cmp_snap_free(s);
	return rs;
}

/* The elements of the changes to set @name (adds or dels) as text. */
static void changes(const struct rsd_diff *d, const char *name, bool add, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < d->n; i++) {
		const struct rs_set *s = add ? d->v[i].add : d->v[i].del;

		for (size_t j = 0; s && !strcmp(s->name, name) && j < s->n_elems && off < len; j++) {
			char e[256];

			rs_elem_text(s, j, e, sizeof(e));
			off += snprintf(buf + off, len - off, "%s%s", off ? " | " : "", e);
		}
	}
}

int main(void)
{
	struct rs_ruleset *r1, *r2, *r3, *r4;
	struct rsd_diff d = { 0 };
	struct pol_policy *p, *pb;
	struct diags dg;
	char buf[1024];

	diags_init(&dg);
	p = pol_parse(policy_text, strlen(policy_text), &dg);
	pb = pol_parse(policy_border, strlen(policy_border), &dg);
	tap_ok(p && pb, "the policies parse");
	if (!p || !pb)
		return tap_done();
	r1 = model(p, snap("10.0.0.2", "10.0.0.3", "br0"));
	r2 = model(p, snap("10.0.0.2", "10.0.0.9", "br0"));
	r3 = model(pb, snap("10.0.0.2", "10.0.0.3", "br0"));
	r4 = model(p, snap("10.0.0.2", "10.0.0.3", "br0"));
	tap_ok(r1 && r2 && r3 && r4, "four models compile");
	if (!r1 || !r2 || !r3 || !r4)
		goto out;

	tap_ok(rsd_same_shape(r1, r4), "the same inputs: the same shape");
	tap_ok(rsd_diff(r1, r4, &d) == 0 && d.n == 0 && d.adds == 0 && d.dels == 0,
	       "and nothing to send");
	rsd_diff_free(&d);

	tap_ok(rsd_same_shape(r1, r2), "an address moved: still the same shape");
	tap_ok(rsd_diff(r1, r2, &d) == 0 && d.adds > 0 && d.adds == d.dels,
	       "element updates only, as many deletions as additions (%zu/%zu)", d.adds, d.dels);
	changes(&d, "allow4", true, buf, sizeof(buf));
	tap_is_str(buf, "10.0.0.2 . 10.0.0.9 . tcp . 5432", "the allow tuple to the new address is added");
	changes(&d, "allow4", false, buf, sizeof(buf));
	tap_is_str(buf, "10.0.0.2 . 10.0.0.3 . tcp . 5432", "the one to the old address is deleted");
	rsd_diff_free(&d);

	tap_ok(rsd_diff(r2, r1, &d) == 0 && d.adds == d.dels && d.adds > 0,
	       "and back again, the mirror image");
	changes(&d, "allow4", true, buf, sizeof(buf));
	tap_is_str(buf, "10.0.0.2 . 10.0.0.3 . tcp . 5432", "the old tuple comes back");
	rsd_diff_free(&d);

	tap_ok(!rsd_same_shape(r1, r3), "a new border changes the shape");
	tap_ok(rsd_diff(r1, r3, &d) == -EINVAL, "and rsd_diff() refuses it (the tables are replaced)");
	rsd_diff_free(&d);
	rsd_diff_free(NULL);
	tap_ok(1, "rsd_diff_free() accepts NULL and an emptied diff");
out:
	rs_ruleset_free(r1);
	rs_ruleset_free(r2);
	rs_ruleset_free(r3);
	rs_ruleset_free(r4);
	pol_free(p);
	pol_free(pb);
	return tap_done();
}
