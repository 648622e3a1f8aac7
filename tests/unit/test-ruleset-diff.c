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

/* A free-standing IPv4 set with @n addresses "10.0.0.X" for X in @xs. */
static struct rs_set *addr_set(const int *xs, size_t n)
{
	struct rs_key k = { { RS_T_IPV4 }, 1 };
	struct rs_set *s = rs_set_new("a", &k, false, false, "test");
	char a[32], o[32];

	for (size_t i = 0; s && i < n; i++) {
		struct rs_value v;

		snprintf(a, sizeof(a), "10.0.%d.%d", xs[i] / 256, xs[i] % 256);
		snprintf(o, sizeof(o), "origin %d", xs[i]);
		if (rs_value_parse(RS_T_IPV4, a, &v) < 0 || rs_set_add_elem(s, &v, NULL, o) < 0)
			return NULL;
	}
	return s;
}

static void set_text(const struct rs_set *s, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->n_elems && off < len; i++) {
		char e[64];

		rs_elem_text(s, i, e, sizeof(e));
		off += (size_t)snprintf(buf + off, len - off, "%s%s(%s)", i ? " " : "", e,
					rs_elem_origin(s, i));
	}
}

/* rsd_set_sort() and rsd_set_patch(): the inverse of a set's diff. */
static void test_patch(void)
{
	static const int old_x[] = { 9, 3, 7, 1, 5 }, add_x[] = { 8, 2 }, del_x[] = { 7, 1 };
	static const int bad_add[] = { 3 }, bad_del[] = { 4 };
	struct rs_set *old = addr_set(old_x, 5), *add = addr_set(add_x, 2), *del = addr_set(del_x, 2);
	struct rs_set *out = addr_set(NULL, 0), *out2 = addr_set(NULL, 0), *out3 = addr_set(NULL, 0);
	struct rs_set *ba = addr_set(bad_add, 1), *bd = addr_set(bad_del, 1);
	char buf[512];

	tap_ok(!rsd_set_sorted(old) && rsd_set_sort(old) == 0 && rsd_set_sorted(old),
	       "rsd_set_sort() puts a set in order");
	set_text(old, buf, sizeof(buf));
	tap_is_str(buf, "10.0.0.1(origin 1) 10.0.0.3(origin 3) 10.0.0.5(origin 5) "
		   "10.0.0.7(origin 7) 10.0.0.9(origin 9)", "each element keeps its origin");
	rsd_set_sort(add);
	rsd_set_sort(del);
	tap_ok(rsd_set_patch(out, old, add, del) == 0, "rsd_set_patch() applies adds and deletes");
	set_text(out, buf, sizeof(buf));
	tap_is_str(buf, "10.0.0.2(origin 2) 10.0.0.3(origin 3) 10.0.0.5(origin 5) "
		   "10.0.0.8(origin 8) 10.0.0.9(origin 9)", "in order, origins kept");
	tap_is_int(rsd_set_patch(out2, old, ba, NULL), -EEXIST, "adding an element there: -EEXIST");
	tap_is_int(rsd_set_patch(out3, old, NULL, bd), -ENOENT, "deleting one not there: -ENOENT");
	rs_set_free(old);
	rs_set_free(add);
	rs_set_free(del);
	rs_set_free(out);
	rs_set_free(out2);
	rs_set_free(out3);
	rs_set_free(ba);
	rs_set_free(bd);
}

int main(void)
{
	struct rs_ruleset *r1, *r2, *r3, *r4;
	struct rsd_diff d = { 0 };
	struct pol_policy *p, *pb;
	struct diags dg;
	char buf[1024];

	test_patch();
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
