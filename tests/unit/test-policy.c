// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the policy model: parse, validate, query, save. */

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "zonewall/fileio.h"
#include "zonewall/policy.h"

static const char policy_text[] =
	"{\n"
	"  \"version\": 1,\n"
	"  \"default_zone\": \"outside\",\n"
	"  \"zones\": [\n"
	"    {\n"
	"      \"name\": \"web\",\n"
	"      \"mode\": \"enforce\",\n"
	"      \"match\": {\n"
	"        \"labels\": {\n"
	"          \"tier\": \"web\",\n"
	"          \"env\": \"prod\"\n"
	"        },\n"
	"        \"networks\": [\n"
	"          \"front\"\n"
	"        ]\n"
	"      }\n"
	"    },\n"
	"    {\n"
	"      \"name\": \"data\",\n"
	"      \"mode\": \"monitor\",\n"
	"      \"match\": {\n"
	"        \"cidrs\": [\n"
	"          \"10.3.0.0/16\",\n"
	"          \"fd00:3::/48\"\n"
	"        ]\n"
	"      }\n"
	"    },\n"
	"    {\n"
	"      \"name\": \"outside\",\n"
	"      \"mode\": \"learn\"\n"
	"    }\n"
	"  ],\n"
	"  \"borders\": [\n"
	"    {\n"
	"      \"from\": \"outside\",\n"
	"      \"to\": \"data\",\n"
	"      \"verdict\": \"deny\"\n"
	"    },\n"
	"    {\n"
	"      \"from\": \"data\",\n"
	"      \"to\": \"data\",\n"
	"      \"verdict\": \"allow\"\n"
	"    }\n"
	"  ],\n"
	"  \"allow\": [\n"
	"    {\n"
	"      \"from\": \"web\",\n"
	"      \"to\": \"db\",\n"
	"      \"from_zone\": \"web\",\n"
	"      \"to_zone\": \"data\",\n"
	"      \"proto\": \"tcp\",\n"
	"      \"port\": \"5432-5433\"\n"
	"    },\n"
	"    {\n"
	"      \"from\": \"zone:web\",\n"
	"      \"to\": \"dns\",\n"
	"      \"proto\": \"udp\",\n"
	"      \"port\": 53\n"
	"    },\n"
	"    {\n"
	"      \"from\": \"web\",\n"
	"      \"to\": \"db\",\n"
	"      \"proto\": \"icmp\"\n"
	"    }\n"
	"  ]\n"
	"}\n";

static enum pol_decision check(const struct pol_policy *p, const char *from, const char *fz,
			       const char *to, const char *tz, uint8_t proto, uint16_t port)
{
	struct pol_flow f = { from, to, fz, tz, proto, port };

	return pol_check(p, &f, NULL);
}

static void test_parse_and_query(void)
{
	const struct pol_border *b;
	struct pol_reason why;
	struct pol_policy *p;
	struct diags d;
	char *text;

	p = pol_parse(policy_text, strlen(policy_text), &d);
	if (!tap_ok(p != NULL, "a valid policy parses (%zu problems)", d.n)) {
		if (d.n)
			printf("# %s: %s\n", d.v[0].where, d.v[0].msg);
		return;
	}
	tap_is_int(p->n_zones, 3, "three zones");
	tap_is_int(p->default_zone, 2, "default zone index");
	tap_is_int(p->rules[0].port_lo, 5432, "range low");
	tap_is_int(p->rules[0].port_hi, 5433, "range high");
	tap_is_int(pol_border_verdict(p, 2, 1, &b), POL_BORDER_DENY, "outside -> data is deny");
	tap_ok(b == &p->borders[0], "and names its border");
	tap_is_int(pol_border_verdict(p, 0, 1, &b), POL_BORDER_ALLOWLIST, "web -> data defaults to allowlist");
	tap_ok(b == NULL, "the default has no border entry");

	tap_is_int(check(p, "web", "web", "db", "data", IPPROTO_TCP, 5433), POL_ALLOWED_BY_RULE,
		   "port inside the range is allowed");
	tap_is_int(check(p, "web", "web", "db", "data", IPPROTO_TCP, 5434), POL_REFUSED_NO_RULE,
		   "port outside the range is refused");
	tap_is_int(check(p, "web", "web", "db", "data", IPPROTO_UDP, 5432), POL_REFUSED_NO_RULE,
		   "another protocol is refused");
	tap_is_int(check(p, "web", "web", "db", "data", IPPROTO_ICMP, 0), POL_ALLOWED_BY_RULE,
		   "icmp rule");
	tap_is_int(check(p, "anything", "web", "dns", NULL, IPPROTO_UDP, 53), POL_ALLOWED_BY_RULE,
		   "zone:web matches any identity of zone web");
	tap_is_int(check(p, "anything", "data", "dns", NULL, IPPROTO_UDP, 53), POL_REFUSED_NO_RULE,
		   "but not one of another zone");
	tap_is_int(check(p, "x", "outside", "db", "data", IPPROTO_TCP, 5432), POL_REFUSED_BY_BORDER,
		   "deny border refuses");
	tap_is_int(check(p, "x", NULL, "db", "data", IPPROTO_TCP, 5432), POL_REFUSED_BY_BORDER,
		   "no zone means the default zone");
	tap_is_int(check(p, "a", "data", "b", "data", IPPROTO_TCP, 1), POL_ALLOWED_BY_BORDER,
		   "allow border accepts");
	pol_check(p, &(struct pol_flow){ "a", "b", "mars", "data", IPPROTO_TCP, 1 }, &why);
	tap_ok(why.unknown_zone && why.from_zone == 2, "an unknown zone falls to the default and is flagged");

	text = pol_format(p);
	tap_is_str(text, policy_text, "canonical text round-trips byte for byte");
	free(text);
	pol_free(p);
}

static void test_zone_of(void)
{
	struct pol_label web[] = { { (char *)"env", (char *)"prod" }, { (char *)"tier", (char *)"web" } };
	struct pol_label half[] = { { (char *)"tier", (char *)"web" } };
	const char *nets[] = { "other", "front" };
	uint8_t a4[16] = { 10, 3, 9, 9 }, b4[16] = { 10, 4, 0, 1 };
	uint8_t a6[16] = { 0xfd, 0x00, 0x00, 0x03, 0x00, 0x00, 0x12 };
	struct pol_policy *p;
	struct diags d;

	p = pol_parse(policy_text, strlen(policy_text), &d);
	if (!p)
		return;
	tap_is_int(pol_zone_of(p, web, 2, NULL, 0, 0, NULL), 0, "all labels match: web");
	tap_is_int(pol_zone_of(p, half, 1, NULL, 0, 0, NULL), 2, "some labels only: default zone");
	tap_is_int(pol_zone_of(p, NULL, 0, nets, 2, 0, NULL), 0, "a listed network: web");
	tap_is_int(pol_zone_of(p, NULL, 0, NULL, 0, 4, a4), 1, "IPv4 inside a CIDR: data");
	tap_is_int(pol_zone_of(p, NULL, 0, NULL, 0, 4, b4), 2, "IPv4 outside: default");
	tap_is_int(pol_zone_of(p, NULL, 0, NULL, 0, 6, a6), 1, "IPv6 inside a /48: data");
	tap_is_int(pol_zone_of(p, NULL, 0, NULL, 0, 6, a4), 2, "family must match");
	pol_free(p);
}

/* Each bad document gives exactly @want problems, the first at @where. */
static void bad(const char *text, size_t want, const char *where, const char *msg)
{
	struct pol_policy *p;
	struct diags d;

	p = pol_parse(text, strlen(text), &d);
	tap_ok(!p && errno == EINVAL, "refused: %s", msg);
	tap_is_int(d.n, want, "one problem each: %s", msg);
	tap_is_str(d.n ? d.v[0].where : "", where, "path: %s", msg);
	pol_free(p);
}

#define Z "\"version\":1,\"default_zone\":\"a\",\"zones\":[{\"name\":\"a\",\"mode\":\"learn\"}]"

static void test_bad(void)
{
	bad("{" Z ",\"allow\":[{\"from\":\"x\",\"to\":\"y\",\"proto\":\"tcp\",\"port\":70000}]}", 1,
	    "$.allow[0].port", "port out of range");
	bad("{" Z ",\"borders\":[{\"from\":\"a\",\"to\":\"b\",\"verdict\":\"deny\"},"
	    "{\"from\":\"c\",\"to\":\"a\",\"verdict\":\"x\"}]}", 3, "$.borders[0].to", "borders naming nothing");
	bad("{" Z "} []", 1, "$ (line 1, column 72)", "trailing garbage");
	bad("{" Z ",\"zones\":[]}", 1, "$ (line 1, column 77)", "duplicate key");
	bad("{\"version\":1,\"default_zone\":\"a\",\"zones\":[{\"name\":\"a\",\"mode\":\"learn\","
	    "\"match\":{\"cidrs\":[\"1.2.3.4/33\",\"::g/64\"]}}]}", 2, "$.zones[0].match.cidrs[0]",
	    "two bad CIDRs, two problems");
	bad("", 1, "$ (line 1, column 0)", "empty input");
}

/*
 * The allow array is read straight from the text where a rule is plain and
 * through jansson elsewhere: rules written either way come out the same,
 * and the problems (paths, the first rule of a key, syntax errors with
 * the whole document's line and column) are those of one tree.
 */
static void test_allow_forms(void)
{
	static const char ok[] = "{" Z ",\"allow\":[{\"to\":\"s\",\"from\":\"c\\u0031\","
		"\"proto\":\"tcp\",\"port\":\"80-81\",\"comment\":\"x\"},\n"
		" {\"from\":\"c2\" , \"to\":\"zone:a\",\"proto\":\"udp\",\"port\":53}]}";
	struct pol_policy *p;
	struct diags d;

	p = pol_parse(ok, strlen(ok), &d);
	if (!tap_ok(p != NULL, "plain and escaped rules parse (%zu problems)", d.n))
		return;
	tap_is_int(p->n_rules, 2, "two rules");
	tap_is_str(p->rules[0].from, "c1", "an escaped identity, unescaped");
	tap_ok(p->rules[0].port_lo == 80 && p->rules[0].port_hi == 81 &&
	       !strcmp(p->rules[0].comment, "x"), "its port range and comment");
	tap_ok(p->rules[1].proto == IPPROTO_UDP && p->rules[1].port_lo == 53 &&
	       !strcmp(p->rules[1].to, "zone:a") && !p->rules[1].comment, "a plain rule's fields");
	pol_free(p);
	bad("{" Z ",\"allow\":[{\"from\":\"c\\u0031\",\"to\":\"s\",\"proto\":\"tcp\"},"
	    "{\"from\":\"c1\",\"to\":\"s\",\"proto\":\"tcp\"}]}", 1, "$.allow[1]",
	    "a plain rule duplicating an escaped one");
	bad("{" Z ",\"allow\":[5,{\"from\":\"c1\",\"to\":\"s\",\"proto\":\"tcp\",\"port\":0}]}",
	    2, "$.allow[0]", "a rule that is no object, then a bad port");
	bad("{" Z ",\"allow\":[{\"from\":\"c1\",}]}", 1, "$ (line 1, column 93)",
	    "a syntax error inside a rule: the whole document's place");
	bad("{" Z ",\"allow\":[{\"from\":\"c1\",\"to\":\"s\",\"proto\":\"tcp\"},"
	    "{\"from\":\"c1\",\"to\":\"s\",\"proto\":\"tcp\",\"proto\":\"udp\"}]}", 1,
	    "$ (line 1, column 159)", "a key given twice in a rule");
}

/* Every problem of @d as "WHERE: MSG\n", in order, into @buf. */
static void diags_text(const struct diags *d, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < d->n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s: %s\n", d->v[i].where, d->v[i].msg);
}

/*
 * The duplicate checks look rules, zones and borders up in an index, not
 * by a scan of all before them: the same problems, naming the
 * first earlier rule of the same key, in the same order, at any size.
 */
static void test_duplicates(void)
{
	enum { N = 5000 };
	size_t cap = N * 96 + 4096, off = 0;
	char *text = malloc(cap), got[4096];
	struct pol_policy *p;
	struct diags d;

	off += (size_t)snprintf(text + off, cap - off,
		"{\"version\":1,\"default_zone\":\"a\",\"zones\":["
		"{\"name\":\"a\",\"mode\":\"learn\"},{\"name\":\"b\",\"mode\":\"learn\"},"
		"{\"name\":\"a\",\"mode\":\"learn\"}],"
		"\"borders\":[{\"from\":\"a\",\"to\":\"b\",\"verdict\":\"deny\"},"
		"{\"from\":\"b\",\"to\":\"a\",\"verdict\":\"allow\"},"
		"{\"from\":\"a\",\"to\":\"b\",\"verdict\":\"allow\"}],\"allow\":[");
	for (int i = 0; i < N; i++)
		off += (size_t)snprintf(text + off, cap - off,
			"{\"from\":\"c%d\",\"to\":\"s%d\",\"proto\":\"tcp\",\"port\":%d},",
			i / 100, i % 100, 1000 + i % 7);
	/* N: icmp with a port (refused, but kept with its key); N + 1 repeats it */
	off += (size_t)snprintf(text + off, cap - off,
		"{\"from\":\"p\",\"to\":\"q\",\"proto\":\"icmp\",\"port\":5},"
		"{\"from\":\"p\",\"to\":\"q\",\"proto\":\"icmp\"},"
		/* N + 2, N + 3: rule 7 twice; N + 4: rule 7 with a bad field, not reported */
		"{\"from\":\"c0\",\"to\":\"s7\",\"proto\":\"tcp\",\"port\":1000},"
		"{\"from\":\"c0\",\"to\":\"s7\",\"proto\":\"tcp\",\"port\":1000,\"comment\":\"x\"},"
		"{\"from\":\"c0\",\"to\":\"s7\",\"proto\":\"tcp\",\"port\":1000,\"approved_at\":\"x\"},"
		/* N + 5: another port: no duplicate; N + 6: a range of it; N + 7 again */
		"{\"from\":\"c0\",\"to\":\"s7\",\"proto\":\"tcp\",\"port\":1001},"
		"{\"from\":\"c0\",\"to\":\"s7\",\"proto\":\"tcp\",\"port\":\"1000-1001\"},"
		"{\"from\":\"c0\",\"to\":\"s7\",\"proto\":\"tcp\",\"port\":\"1000-1001\"},"
		/* N + 8: the last of the generated ones, both ends swapped: no duplicate */
		"{\"from\":\"s99\",\"to\":\"c49\",\"proto\":\"tcp\",\"port\":1001},"
		/* N + 9: across the deny border a -> b (the later allow is a duplicate border) */
		"{\"from\":\"zone:a\",\"to\":\"zone:b\",\"proto\":\"udp\"},"
		/* N + 10: the last generated rule again */
		"{\"from\":\"c49\",\"to\":\"s99\",\"proto\":\"tcp\",\"port\":%d}]}",
		1000 + (N - 1) % 7);
	p = pol_parse(text, off, &d);
	tap_ok(!p && errno == EINVAL, "%d rules with duplicates: refused", N);
	diags_text(&d, got, sizeof(got));
	snprintf(text, cap,
		 "$.zones[2].name: duplicate zone 'a'\n"
		 "$.borders[2]: duplicate border a -> b\n"
		 "$.allow[%d].port: icmp has no ports\n"
		 "$.allow[%d]: duplicate of $.allow[%d]\n"
		 "$.allow[%d]: duplicate of $.allow[7]\n"
		 "$.allow[%d]: duplicate of $.allow[7]\n"
		 "$.allow[%d].approved_at: expected an RFC 3339 time (2026-01-31T12:00:00Z), got 'x'\n"
		 "$.allow[%d]: duplicate of $.allow[%d]\n"
		 "$.allow[%d]: crosses the deny border a -> b\n"
		 "$.allow[%d]: duplicate of $.allow[%d]\n",
		 N, N + 1, N, N + 2, N + 3, N + 4, N + 7, N + 6, N + 9, N + 10, N - 1);
	tap_is_str(got, text, "each duplicate names the first rule of its key, in file order");
	free(text);
}

static void test_time(void)
{
	char buf[32];
	int64_t t;

	tap_ok(!pol_time_parse("2026-01-01T00:00:00Z", &t) && t == 1767225600, "RFC 3339 UTC");
	tap_ok(!pol_time_parse("2026-01-01T01:30:00+01:30", &t) && t == 1767225600, "with an offset");
	tap_ok(!pol_time_parse("2026-01-01T00:00:00.123Z", &t) && t == 1767225600, "with a fraction");
	tap_ok(pol_time_parse("2026-02-29T00:00:00Z", &t) == -EINVAL, "no Feb 29 in 2026");
	tap_ok(pol_time_parse("2026-01-01 00:00:00Z", &t) == -EINVAL, "a space is not 'T'");
	tap_ok(pol_time_parse("2026-01-01T00:00:00", &t) == -EINVAL, "a zone is required");
	pol_time_format(1767225600, buf, sizeof(buf));
	tap_is_str(buf, "2026-01-01T00:00:00Z", "format");
}

static void test_save(void)
{
	char dir[] = "/tmp/zw-test-policy-XXXXXX", path[64], *buf = NULL, *text;
	struct pol_rule r = { 0 };
	struct pol_policy *p, *q;
	struct diags d;
	size_t len;

	if (!mkdtemp(dir)) {
		tap_ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/policy.json", dir);
	p = pol_parse(policy_text, strlen(policy_text), &d);
	r.from = (char *)"api";
	r.to = (char *)"db";
	r.proto = IPPROTO_TCP;
	r.port_lo = r.port_hi = 5432;
	r.approved_by = (char *)"tester";
	tap_is_int(pol_add_rule(p, &r), 0, "add a rule");
	tap_is_int(pol_save(p, path), 0, "save");
	q = pol_load(path, &d);
	tap_ok(q && q->n_rules == 4 && !strcmp(q->rules[3].approved_by, "tester"),
	       "saved file loads back with the new rule");
	tap_ok(!fio_read_all(path, 1 << 20, &buf, &len) && len && buf[len - 1] == '\n',
	       "ends with a newline");
	text = pol_format(p);
	tap_ok(buf && text && !strcmp(buf, text), "pol_save() streams the bytes of pol_format()");
	free(text);
	free(buf);
	tap_ok(pol_save(p, "/nonexistent-dir/x.json") == -ENOENT, "unwritable path: -ENOENT");
	pol_free(p);
	pol_free(q);
	unlink(path);
	rmdir(dir);
}

/* pol_judge_check() and pol_judge_zone_of() answer as pol_check() and pol_zone_of(). */
static void test_judge_same(void)
{
	static const char *const ids[] = { "web", "db", "dns", "anything", "zone:web", "", NULL };
	static const char *const zones[] = { "web", "data", "outside", "mars", "", NULL };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP };
	static const uint16_t ports[] = { 0, 53, 5431, 5432, 5433, 5434 };
	struct pol_label web[] = { { (char *)"env", (char *)"prod" }, { (char *)"tier", (char *)"web" } };
	uint8_t a4[16] = { 10, 3, 9, 9 }, b4[16] = { 10, 4, 0, 1 };
	const char *nets[] = { "front" };
	struct pol_reason w1, w2;
	size_t n = 0, same = 0;
	struct pol_judge *j;
	struct pol_policy *p;
	struct diags d;

	p = pol_parse(policy_text, strlen(policy_text), &d);
	j = p ? pol_judge_new(p) : NULL;
	if (!tap_ok(j != NULL, "a judge of the sample policy"))
		goto out_free;
	for (size_t a = 0; a < 7; a++)
	for (size_t b = 0; b < 7; b++)
	for (size_t za = 0; za < 6; za++)
	for (size_t zb = 0; zb < 6; zb++)
	for (size_t x = 0; x < 3; x++)
	for (size_t y = 0; y < 6; y++) {
		struct pol_flow f = { ids[a], ids[b], zones[za], zones[zb], protos[x], ports[y] };

		n++;
		same += pol_judge_check(j, &f, &w1) == pol_check(p, &f, &w2) &&
			w1.rule == w2.rule && w1.border == w2.border &&
			w1.from_zone == w2.from_zone && w1.to_zone == w2.to_zone &&
			w1.unknown_zone == w2.unknown_zone;
	}
	tap_is_int(same, n, "%zu flows: the same decision and reason", n);
	tap_is_int(pol_judge_zone_of(j, web, 2, NULL, 0, 0, NULL), 0, "labels: web");
	tap_is_int(pol_judge_zone_of(j, NULL, 0, nets, 1, 4, a4), 0, "a network before a CIDR: web");
	tap_is_int(pol_judge_zone_of(j, NULL, 0, NULL, 0, 4, a4), 1, "a CIDR: data");
	tap_is_int(pol_judge_zone_of(j, NULL, 0, NULL, 0, 4, b4), 2, "no CIDR: the default");
	tap_is_int(pol_judge_zone_of(j, NULL, 0, NULL, 0, 6, a4), 2, "family must match");
out_free:
	pol_judge_free(j);
	pol_free(p);
}

/*
 * The judge at a size where a scan of every rule per flow (N x 2N) would
 * take seconds: each flow finds the first rule that names it, a single
 * port before a range and a zone rule, whichever comes first in the file.
 */
static void test_judge_large(void)
{
	enum { N = 40000, NZ = 250 };
	size_t cap = (size_t)N * 96 + (size_t)NZ * 64 + 4096, off = 0, ok = 0;
	char *text = malloc(cap), from[32], to[32];
	struct pol_judge *j = NULL;
	struct pol_policy *p = NULL;
	struct pol_reason why;
	struct diags d;

	if (!text)
		return;
	off += (size_t)snprintf(text + off, cap - off,
		"{\"version\":1,\"default_zone\":\"z0\",\"zones\":[");
	for (int z = 0; z < NZ; z++)
		off += (size_t)snprintf(text + off, cap - off,
			"{\"name\":\"z%d\",\"mode\":\"enforce\",\"match\":{\"cidrs\":"
			"[\"10.%d.0.0/16\",\"10.%d.7.0/24\"]}},", z, z, (z + 1) % NZ);
	off += (size_t)snprintf(text + off, cap - off,
		"{\"name\":\"zz\",\"mode\":\"enforce\"}],\"borders\":["
		"{\"from\":\"z1\",\"to\":\"z2\",\"verdict\":\"deny\"}],\"allow\":[");
	/* rule k: c(k / 200) -> s(k % 200), tcp 1000 + k % 7; rule N: a range of
	 * c0 -> s1 (after rule 1, which names port 1001); rule N + 1: zone:z5 -> s3 */
	for (int k = 0; k < N; k++)
		off += (size_t)snprintf(text + off, cap - off,
			"{\"from\":\"c%d\",\"to\":\"s%d\",\"proto\":\"tcp\",\"port\":%d},",
			k / 200, k % 200, 1000 + k % 7);
	off += (size_t)snprintf(text + off, cap - off,
		"{\"from\":\"c0\",\"to\":\"s1\",\"proto\":\"tcp\",\"port\":\"1000-1010\"},"
		"{\"from\":\"zone:z5\",\"to\":\"s3\",\"proto\":\"tcp\"}]}");
	p = pol_parse(text, off, &d);
	j = p ? pol_judge_new(p) : NULL;
	if (!tap_ok(j != NULL, "a judge of %d rules", N + 2))
		goto out_free;
	for (int k = 0; k < N; k++) {
		struct pol_flow f = { from, to, "z7", "z8", IPPROTO_TCP, (uint16_t)(1000 + k % 7) };
		size_t want_other = (k / 200 == 0 && k % 200 == 1) ? (size_t)N : SIZE_MAX;

		snprintf(from, sizeof(from), "c%d", k / 200);
		snprintf(to, sizeof(to), "s%d", k % 200);
		ok += pol_judge_check(j, &f, &why) == POL_ALLOWED_BY_RULE &&
		      why.rule == &p->rules[k];
		f.port = 1009;	/* no rule but the range */
		ok += want_other == SIZE_MAX ? pol_judge_check(j, &f, &why) == POL_REFUSED_NO_RULE
					     : pol_judge_check(j, &f, &why) == POL_ALLOWED_BY_RULE &&
					       why.rule == &p->rules[want_other];
		f.from_zone = "z5";	/* zone:z5 -> s3, any port, after the pair's own rules */
		ok += k % 200 != 3 || (pol_judge_check(j, &f, &why) == POL_ALLOWED_BY_RULE &&
				       why.rule == &p->rules[N + 1]);
		f.to_zone = "z2";
		f.from_zone = "z1";
		ok += pol_judge_check(j, &f, &why) == POL_REFUSED_BY_BORDER;
	}
	tap_is_int(ok, 4 * N, "%d flows: each by its first rule, or refused", 4 * N);
	ok = 0;
	for (int z = 0; z < NZ; z++) {
		uint8_t a[16] = { 10, (uint8_t)z, 7, 1 }, b[16] = { 10, (uint8_t)z, 8, 1 };
		/* 10.z.7.0/24 is zone z - 1's, listed before zone z (z0's is zone NZ - 1's) */
		size_t first = z == 0 ? 0 : (size_t)(z - 1);

		ok += pol_judge_zone_of(j, NULL, 0, NULL, 0, 4, a) == first &&
		      pol_judge_zone_of(j, NULL, 0, NULL, 0, 4, b) == (size_t)z &&
		      pol_zone_of(p, NULL, 0, NULL, 0, 4, a) == first;
	}
	tap_is_int(ok, NZ, "addresses: the first zone in file order that holds them");
out_free:
	pol_judge_free(j);
	pol_free(p);
	free(text);
}

int main(void)
{
	test_parse_and_query();
	test_zone_of();
	test_bad();
	test_allow_forms();
	test_duplicates();
	test_time();
	test_save();
	test_judge_same();
	test_judge_large();
	return tap_done();
}
