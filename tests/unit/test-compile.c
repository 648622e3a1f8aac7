// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests of the compiler (src/compile/compile.c): no kernel, no files. */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zonewall/compile.h"

static const char policy_text[] =
	"{ \"version\": 1, \"default_zone\": \"default\","
	"  \"zones\": [ { \"name\": \"default\", \"mode\": \"enforce\" },"
	"             { \"name\": \"web\", \"mode\": \"monitor\" },"
	"             { \"name\": \"db\", \"mode\": \"learn\" },"
	"             { \"name\": \"net\", \"mode\": \"monitor\", \"match\": { \"cidrs\": [\"0.0.0.0/0\"] } } ],"
	"  \"borders\": [ { \"from\": \"web\", \"to\": \"net\", \"verdict\": \"deny\" } ],"
	"  \"allow\": [ { \"from\": \"a\", \"to\": \"b\", \"proto\": \"tcp\", \"port\": 80 },"
	"             { \"from\": \"a\", \"to\": \"b\", \"proto\": \"tcp\", \"port\": 81 },"
	"             { \"from\": \"a\", \"to\": \"b\", \"proto\": \"udp\", \"port\": \"100-200\" },"
	"             { \"from\": \"a\", \"to\": \"b\", \"proto\": \"udp\", \"port\": \"150-300\" } ] }";

static const struct rs_set *set_of(const struct rs_ruleset *rs, const char *name)
{
	const struct rs_table *t = rs_table_find(rs, RS_INET, CMP_TABLE);

	return t ? rs_set_find(t, name) : NULL;
}

static void elems(const struct rs_set *s, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; s && i < s->n_elems && off < len; i++) {
		char e[256];

		rs_elem_text(s, i, e, sizeof(e));
		off += snprintf(buf + off, len - off, "%s%s", i ? " | " : "", e);
	}
}

static void test_prefix(void)
{
	struct cmp_prefix p;
	char b[64];

	tap_ok(cmp_prefix_parse("10.1.0.0/16", &p) == 0 && p.family == 4 && p.len == 16, "CIDR parses");
	tap_ok(cmp_prefix_parse("10.1.0.1/16", &p) < 0, "host bits set refused");
	tap_ok(cmp_prefix_parse("fd00::1", &p) == 0 && p.len == 128, "IPv6 address is /128");
	tap_is_str(cmp_prefix_format(&p, b, sizeof(b)), "fd00::1", "formats without /128");
	tap_ok(cmp_prefix_parse("10.0.0.0/33", &p) < 0, "prefix 33 refused");
}

static void test_compile(const struct pol_policy *p)
{
	struct cmp_snapshot *s = cmp_snap_new();
	struct cmp_workload *a = cmp_snap_add(s, "a", "web", "test a");
	struct cmp_workload *b = cmp_snap_add(s, "b", "db", "test b");
	struct rs_ruleset *rs;
	struct diags warn, errs;
	char buf[2048];

	cmp_workload_add_addr(a, "10.0.0.2");
	cmp_workload_add_addr(b, "10.0.0.3");
	cmp_workload_set_port(a, "veth-a", "02:00:00:00:00:02");
	cmp_snap_add_bridge(s, "br0");
	diags_init(&warn);
	rs = cmp_compile(p, s, NULL, &warn, &errs);
	tap_ok(rs != NULL && !diags_any(&errs), "compiles: %s", errs.n ? errs.v[0].msg : "");
	if (!rs)
		goto out;
	elems(set_of(rs, "allow4"), buf, sizeof(buf));
	tap_is_str(buf, "10.0.0.2 . 10.0.0.3 . tcp . 80 | 10.0.0.2 . 10.0.0.3 . tcp . 81",
		   "single ports stay single elements of the hash set");
	elems(set_of(rs, "allow4_range"), buf, sizeof(buf));
	tap_is_str(buf, "10.0.0.2 . 10.0.0.3 . udp . 100-300", "overlapping port ranges merge");
	elems(set_of(rs, "src4"), buf, sizeof(buf));
	tap_is_str(buf, "0.0.0.0-10.0.0.1 | 10.0.0.2 | 10.0.0.3 | 10.0.0.4-255.255.255.255",
		   "the longest prefix wins: 0.0.0.0/0 split around the hosts");
	tap_ok(rs_table_find(rs, RS_BRIDGE, CMP_TABLE) &&
	       rs_set_find(rs_table_find(rs, RS_BRIDGE, CMP_TABLE), "bound4")->n_elems == 1,
	       "the port with a MAC is bound, the one without is not");
	rs_ruleset_free(rs);

	/* the same address in two zones: refused, naming both */
	cmp_workload_add_addr(cmp_snap_add(s, "x", "db", "test x"), "10.0.0.2");
	rs = cmp_compile(p, s, NULL, NULL, &errs);
	tap_ok(!rs && errno == EINVAL && errs.n == 1, "one address in two zones is refused");
	tap_is_str(errs.v[0].where, "test x", "the refusal is placed at the later claimant");
	tap_is_str(errs.v[0].msg, "address 10.0.0.2 is also claimed by test a, in another zone",
		   "and names the other");
	rs_ruleset_free(rs);
out:
	cmp_snap_free(s);
}

/*
 * zone -> zone rules walk their zones' endpoints, grouped by zone, and
 * pair host-only endpoints with the other zone's wide ones only:
 * the same sets as walking every endpoint pair, with the endpoints of
 * the zones interleaved in the snapshot.
 */
static void test_zone_rules(void)
{
	static const char text[] =
		"{ \"version\": 1, \"default_zone\": \"default\","
		"  \"zones\": [ { \"name\": \"default\", \"mode\": \"enforce\" },"
		"             { \"name\": \"web\", \"mode\": \"enforce\" },"
		"             { \"name\": \"db\", \"mode\": \"enforce\" },"
		"             { \"name\": \"x\", \"mode\": \"enforce\" } ],"
		"  \"borders\": [ { \"from\": \"db\", \"to\": \"x\", \"verdict\": \"deny\" },"
		"               { \"from\": \"x\", \"to\": \"db\", \"verdict\": \"allow\" } ],"
		"  \"allow\": [ { \"from\": \"zone:web\", \"to\": \"zone:db\", \"proto\": \"tcp\", \"port\": 80 },"
		"             { \"from\": \"zone:db\", \"to\": \"zone:web\", \"proto\": \"icmp\" },"
		"             { \"from\": \"zone:x\", \"to\": \"zone:web\", \"proto\": \"tcp\", \"port\": 22 },"
		"             { \"from\": \"zone:web\", \"to\": \"zone:db\", \"proto\": \"udp\", \"port\": 53 } ] }";
	static const char *const ws[][4] = {	/* identity, zone, addresses */
		{ "w1", "web", "10.0.0.1", NULL }, { "d1", "db", "10.0.1.1", NULL },
		{ "wn", "web", "10.9.0.0/24", NULL }, { "w2", "web", "10.0.0.2", "fd00::2" },
		{ "dn", "db", "10.8.0.0/24", NULL }, { "d2", "db", "fd00::1:1", NULL },
	};
	struct cmp_snapshot *s = cmp_snap_new();
	struct pol_policy *p;
	struct rs_ruleset *rs;
	struct diags d, errs;
	char buf[2048];

	p = pol_parse(text, strlen(text), &d);
	tap_ok(p != NULL, "zone rule policy parses");
	if (!p)
		goto out;
	for (size_t i = 0; i < sizeof(ws) / sizeof(ws[0]); i++) {
		struct cmp_workload *w = cmp_snap_add(s, ws[i][0], ws[i][1], ws[i][0]);

		for (int j = 2; j < 4 && ws[i][j]; j++)
			cmp_workload_add_addr(w, ws[i][j]);
	}
	cmp_snap_add_bridge(s, "br0");
	diags_init(&d);
	rs = cmp_compile(p, s, NULL, &d, &errs);
	tap_ok(rs != NULL, "compiles: %s", errs.n ? errs.v[0].msg : "");
	if (!rs)
		goto out;
	elems(set_of(rs, "zm4_web"), buf, sizeof(buf));
	tap_is_str(buf, "10.0.0.1 | 10.0.0.2", "zone members: the zone's IPv4 hosts");
	elems(set_of(rs, "zm6_db"), buf, sizeof(buf));
	tap_is_str(buf, "fd00::1:1", "zone members: the zone's IPv6 hosts");
	elems(set_of(rs, "zp4_web.db"), buf, sizeof(buf));
	tap_is_str(buf, "tcp . 80 | udp . 53", "the pair's ports, from its rules only");
	elems(set_of(rs, "zp4_db.web"), buf, sizeof(buf));
	tap_is_str(buf, "icmp . 0-65535", "the reverse pair has its own");
	elems(set_of(rs, "allow4_range"), buf, sizeof(buf));
	/* sorted by the prefixes' bytes: length before address */
	tap_is_str(buf, "10.9.0.0/24 . 10.8.0.0/24 . tcp . 80 | 10.9.0.0/24 . 10.0.1.1 . tcp . 80 | "
		   "10.0.0.1 . 10.8.0.0/24 . tcp . 80 | 10.0.0.2 . 10.8.0.0/24 . tcp . 80 | "
		   "10.8.0.0/24 . 10.9.0.0/24 . icmp . 0-65535 | 10.8.0.0/24 . 10.0.0.1 . icmp . 0-65535 | "
		   "10.8.0.0/24 . 10.0.0.2 . icmp . 0-65535 | 10.0.1.1 . 10.9.0.0/24 . icmp . 0-65535 | "
		   "10.9.0.0/24 . 10.8.0.0/24 . udp . 53 | 10.9.0.0/24 . 10.0.1.1 . udp . 53 | "
		   "10.0.0.1 . 10.8.0.0/24 . udp . 53 | 10.0.0.2 . 10.8.0.0/24 . udp . 53",
		   "a pair with a wide end gets tuples, two hosts do not");
	tap_is_int(d.n, 1, "one warning");
	tap_is_str(d.n ? d.v[0].where : "", "$.allow[2]", "for the zone without endpoints");
	rs_ruleset_free(rs);
out:
	pol_free(p);
	cmp_snap_free(s);
}

static void test_judge(const struct pol_policy *p)
{
	struct cmp_snapshot *s = cmp_snap_new();
	struct cmp_judgement j;
	uint8_t a[16] = { 10, 0, 0, 2 }, b[16] = { 10, 0, 0, 3 }, out[16] = { 8, 8, 8, 8 };

	cmp_workload_add_addr(cmp_snap_add(s, "a", "web", NULL), "10.0.0.2");
	cmp_workload_add_addr(cmp_snap_add(s, "b", "db", NULL), "10.0.0.3");
	cmp_judge(p, s, 4, a, b, IPPROTO_TCP, 80, &j);
	tap_is_int(j.kind, CMP_COUNT_ACCEPTED, "a->b tcp/80 accepted");
	cmp_judge(p, s, 4, b, a, IPPROTO_TCP, 80, &j);
	tap_is_int(j.kind, CMP_COUNT_WOULD_DENY, "b->a: db learns, web monitors: would-deny");
	cmp_judge(p, s, 4, a, out, IPPROTO_TCP, 443, &j);
	tap_ok(j.kind == CMP_COUNT_WOULD_DENY && j.border && !j.to, "web->net: a border violation");
	cmp_snap_free(s);
}

static void test_parse(void)
{
	char f[40], t[40], z[40];
	struct cmp_logtag tag;
	enum pol_mode m;
	bool border;

	tap_is_int(cmp_count_parse("web>app: denied", f, t, &border), CMP_COUNT_DENIED, "denied comment");
	tap_ok(!strcmp(f, "web") && !strcmp(t, "app") && !border, "its zones");
	tap_is_int(cmp_count_parse("a-b>c_d: would-deny (border)", f, t, &border), CMP_COUNT_WOULD_DENY,
		   "border comment");
	tap_ok(border && !strcmp(t, "c_d"), "border flag and zones");
	tap_is_int(cmp_count_parse("web>app: log", f, t, &border), CMP_COUNT_NONE, "log rule is no counter");
	tap_is_int(cmp_count_parse("spoofed MAC", f, t, &border), CMP_COUNT_SPOOFED, "spoofed");
	tap_ok(cmp_logtag_parse("zw enforce web>app ", &tag) && tag.mode == POL_MODE_ENFORCE &&
	       !tag.border && !strcmp(tag.to, "app"), "log prefix");
	tap_ok(cmp_logtag_parse("zw monitor border web>net ", &tag) && tag.border &&
	       !strcmp(tag.from, "web"), "border log prefix");
	tap_ok(!cmp_logtag_parse("other 1>2 ", &tag), "not our prefix");
	tap_ok(cmp_zone_mode_parse("zone web: monitor", z, sizeof(z), &m) && m == POL_MODE_MONITOR &&
	       !strcmp(z, "web"), "zone mode comment");
}

static struct cmp_snapshot *snap_two(const char *addr_b, const char *port_b)
{
	struct cmp_snapshot *s = cmp_snap_new();
	struct cmp_workload *w = cmp_snap_add(s, "a", "web", "container a");

	cmp_workload_add_addr(w, "10.0.0.2");
	cmp_workload_add_label(w, "app", "a");
	w = cmp_snap_add(s, "b", NULL, "container b");
	cmp_workload_add_addr(w, addr_b);
	cmp_workload_add_network(w, "n1");
	if (port_b)
		cmp_workload_set_port(w, port_b, "02:00:00:00:00:01");
	cmp_snap_add_bridge(s, "br0");
	return s;
}

static void test_snap_equal(void)
{
	struct cmp_snapshot *a = snap_two("10.0.0.3", "veth1"), *b = snap_two("10.0.0.3", "veth1");
	struct cmp_snapshot *c = snap_two("10.0.0.4", "veth1"), *d = snap_two("10.0.0.3", NULL);

	tap_ok(cmp_snap_equal(a, b), "same endpoints: equal");
	tap_ok(!cmp_snap_equal(a, c), "another address: not equal");
	tap_ok(!cmp_snap_equal(a, d), "port unbound: not equal");
	cmp_snap_add_bridge(b, "br1");
	tap_ok(!cmp_snap_equal(a, b), "another bridge: not equal");
	tap_ok(!cmp_snap_equal(a, NULL), "NULL: not equal");
	cmp_snap_free(a);
	cmp_snap_free(b);
	cmp_snap_free(c);
	cmp_snap_free(d);
}

/* copies and moves between snapshots: every field kept */
static void test_snap_copy_take(void)
{
	struct cmp_snapshot *a = snap_two("10.0.0.3", "veth1"), *b = cmp_snap_new();
	struct cmp_snapshot *c = cmp_snap_new(), *want = snap_two("10.0.0.3", "veth1");

	tap_ok(cmp_snap_add_copy(b, a->w[0]) == 0 && cmp_snap_add_copy(b, a->w[1]) == 0 &&
	       cmp_snap_add_bridge(b, "br0") == 0 && cmp_snap_equal(a, b),
	       "copies of every endpoint: an equal snapshot (labels, networks, port, MAC)");
	tap_ok(cmp_snap_take(c, a, 1) == 0 && cmp_snap_take(c, a, 0) == 0 && c->n == 2 &&
	       !a->w[0] && !a->w[1] && !strcmp(c->w[0]->identity, "b"),
	       "moved in the order taken, holes left behind");
	tap_ok(cmp_snap_take(c, a, 0) == -ENOENT && cmp_snap_take(c, a, 9) == -ENOENT,
	       "a hole or past the end: -ENOENT");
	tap_ok(cmp_snap_equal(b, want), "the copies outlive their source");
	cmp_snap_free(a);	/* holes passed over */
	cmp_snap_free(b);
	cmp_snap_free(c);
	cmp_snap_free(want);
}

/* `zonewall denied` rows for packets without ports, and for invalid ones */
static void test_log_rows(const struct pol_policy *p)
{
	/* IPv4 GRE 10.0.0.2 -> 10.0.0.3, and protocol 253; an IPv4 later fragment of UDP */
	static const uint8_t gre[24] = { 0x45, 0, 0, 24, 0, 1, 0, 0, 64, 47, 0, 0,
					 10, 0, 0, 2, 10, 0, 0, 3 };
	uint8_t p253[24], frag[28];
	struct cmp_snapshot *s = snap_two("10.0.0.3", "veth1");
	struct cmp_logtag tag;
	json_t *row;

	memcpy(p253, gre, sizeof(gre));
	p253[9] = 253;
	memset(frag, 0, sizeof(frag));
	memcpy(frag, gre, 20);
	frag[9] = 17;
	frag[6] = 0x00;
	frag[7] = 0x10;		/* offset 128 bytes */
	tap_ok(cmp_logtag_parse("zw enforce web>db ", &tag), "a refusal's prefix");
	row = cmp_log_row(s, p, &tag, NULL, 0x0800, gre, sizeof(gre), 0);
	tap_ok(row && !strcmp(json_string_value(json_object_get(row, "proto")), "47") &&
	       !strcmp(json_string_value(json_object_get(row, "from")), "a") &&
	       !strcmp(json_string_value(json_object_get(row, "to")), "b") &&
	       json_is_null(json_object_get(row, "dport")),
	       "a refused GRE packet is reported: its ends, its protocol, no ports");
	json_decref(row);
	row = cmp_log_row(s, p, &tag, NULL, 0x0800, p253, sizeof(p253), 0);
	tap_ok(row && !strcmp(json_string_value(json_object_get(row, "proto")), "253"),
	       "a protocol without a name by its number");
	json_decref(row);
	row = cmp_log_row(s, p, &tag, NULL, 0x0800, frag, sizeof(frag), 0);
	tap_ok(row && !strcmp(json_string_value(json_object_get(row, "proto")), "udp") &&
	       json_is_null(json_object_get(row, "sport")), "a later fragment: protocol, no ports");
	json_decref(row);
	tap_ok(cmp_logtag_parse("zw enforce invalid ", &tag) && tag.invalid && !tag.spoofed,
	       "the invalid prefix");
	row = cmp_log_row(s, p, &tag, NULL, 0x0800, gre, sizeof(gre), 0);
	tap_ok(row && !strcmp(json_string_value(json_object_get(row, "verdict")), "invalid") &&
	       !strcmp(json_string_value(json_object_get(row, "from_zone")), "web") &&
	       !strcmp(json_string_value(json_object_get(row, "to_zone")), "net"),
	       "an invalid packet: verdict invalid, zones by address (b's by the policy's match)");
	json_decref(row);
	tap_ok(cmp_log_row(s, p, &tag, NULL, 0x0800, gre, 19, 0) == NULL, "19 bytes are no IP packet");
	cmp_snap_free(s);
}

int main(void)
{
	struct diags d;
	struct pol_policy *p;

	diags_init(&d);
	p = pol_parse(policy_text, strlen(policy_text), &d);
	tap_ok(p != NULL, "test policy parses%s%s", d.n ? ": " : "", d.n ? d.v[0].msg : "");
	if (!p)
		return tap_done();
	test_prefix();
	test_compile(p);
	test_judge(p);
	test_zone_rules();
	test_parse();
	test_snap_equal();
	test_snap_copy_take();
	test_log_rows(p);
	pol_free(p);
	return tap_done();
}
