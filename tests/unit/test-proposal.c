// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for proposals: observe, merge, ids, load/save, damage. */

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "tap.h"
#include "zonewall/proposal.h"

#define DAY 86400
#define T0 1767225600	/* 2026-01-01T00:00:00Z */

static struct prop_obs obs(const char *from, const char *to, uint16_t port, uint64_t packets,
			   int64_t first, int64_t last, const char *sf, const char *st,
			   const char *run)
{
	struct prop_obs o = { from, to, "app", "data", IPPROTO_TCP, port, packets, first, last,
			      sf, st, run };

	return o;
}

static char *dump(struct prop_set *s)
{
	json_t *j = prop_to_json(s);
	char *t = j ? json_dumps(j, JSON_INDENT(2)) : NULL;

	json_decref(j);
	return t;
}

static void test_observe(void)
{
	struct prop_set *s = prop_new();
	struct prop_obs o;
	char id[16], a[32];
	int i;

	o = obs("api", "db", 5432, 10, T0 + 10, T0 + DAY + 5, "10.0.0.2", "10.0.0.3", "r1");
	tap_is_int(prop_observe(s, &o), 0, "observe");
	o = obs("api", "db", 5432, 5, T0 + 3 * DAY, T0 + 3 * DAY, "10.0.0.1", "10.0.0.3", "r2");
	tap_is_int(prop_observe(s, &o), 0, "observe the same edge again");
	tap_is_int(s->n, 1, "one edge");
	tap_is_int(s->edges[0].packets, 15, "packets add up");
	tap_is_int(s->edges[0].n_days, 3, "days of first and last seen, united");
	tap_is_int(s->edges[0].n_runs, 2, "runs united");
	tap_is_int(s->edges[0].first_seen, T0 + 10, "first seen is the minimum");
	tap_is_int(s->edges[0].last_seen, T0 + 3 * DAY, "last seen is the maximum");
	tap_is_str(s->edges[0].samples[0].from, "10.0.0.1", "samples sorted");
	for (i = 0; i < 8; i++) {
		snprintf(a, sizeof(a), "10.0.1.%d", 9 - i);
		o = obs("api", "db", 5432, 1, T0, T0, a, "10.0.0.3", "r1");
		prop_observe(s, &o);
	}
	tap_is_int(s->edges[0].n_samples, PROP_SAMPLES_MAX, "at most 5 samples");
	tap_is_str(s->edges[0].samples[4].from, "10.0.1.4", "the smallest 5, whatever the order");
	tap_is_int(s->edges[0].n_runs, 2, "a run seen twice counts once");

	o = obs("web", "api", 8080, 1, T0, T0, NULL, NULL, NULL);
	prop_observe(s, &o);
	prop_sort(s);
	prop_edge_id(&s->edges[1], id, sizeof(id));
	tap_is_str(id, "8eb3df768710", "edge id is a stable hash of from|to|proto|port");
	tap_ok(prop_find_id(s, "8eb3df768710") == &s->edges[1], "find by id");

	o = obs("api", "db", 0, 1, T0, T0, NULL, NULL, NULL);
	tap_is_int(prop_observe(s, &o), -EINVAL, "tcp needs a port");
	o = obs("a b", "db", 1, 1, T0, T0, NULL, NULL, NULL);
	tap_is_int(prop_observe(s, &o), -EINVAL, "invalid identity");
	o = obs("a", "db", 1, 1, T0 + 1, T0, NULL, NULL, NULL);
	tap_is_int(prop_observe(s, &o), -EINVAL, "last before first");
	o = obs("a", "unknown:10.9.9.9", 1, 1, T0, T0, NULL, NULL, NULL);
	o.proto = IPPROTO_ICMP;
	tap_is_int(prop_observe(s, &o), -EINVAL, "icmp has no port");
	o.port = 0;
	tap_is_int(prop_observe(s, &o), 0, "icmp to an unknown address");
	prop_free(s);
}

static void test_days_bounded(void)
{
	struct prop_set *s = prop_new();
	struct prop_obs o;
	int i;

	for (i = 0; i < 400; i++) {
		o = obs("a", "b", 1, 1, T0 + (int64_t)i * DAY, T0 + (int64_t)i * DAY, NULL, NULL, NULL);
		prop_observe(s, &o);
	}
	tap_is_int(s->edges[0].n_days, PROP_DAYS_MAX, "days are bounded");
	tap_is_int(s->edges[0].days[PROP_DAYS_MAX - 1], T0 / DAY + 399, "the most recent kept");
	prop_free(s);
}

static struct prop_set *sample_set(int which)
{
	struct prop_set *s = prop_new();
	struct prop_obs o;

	if (which == 0) {
		o = obs("api", "db", 5432, 10, T0, T0 + 10, "10.0.0.2", "10.0.0.3", "h1");
		prop_observe(s, &o);
		o = obs("web", "api", 80, 3, T0 + DAY, T0 + DAY, "10.0.0.9", "10.0.0.2", "h1");
		prop_observe(s, &o);
	} else {
		o = obs("api", "db", 5432, 7, T0 - DAY, T0, "10.1.0.2", "10.1.0.3", "h2");
		o.to_zone = "db-zone";
		prop_observe(s, &o);
		o = obs("cron", "db", 5432, 1, T0, T0, "10.1.0.8", "10.1.0.3", "h2");
		prop_observe(s, &o);
	}
	return s;
}

static void test_merge(void)
{
	struct prop_set *a = sample_set(0), *b = sample_set(1), *ab = prop_new(), *ba = prop_new();
	char *x, *y;

	prop_merge(ab, a);
	prop_merge(ab, b);
	prop_merge(ba, b);
	prop_merge(ba, a);
	x = dump(ab);
	y = dump(ba);
	tap_ok(x && y && !strcmp(x, y), "merge is order-independent (A+B == B+A)");
	tap_is_int(ab->n, 3, "three distinct edges");
	tap_is_int(ab->edges[0].packets, 17, "api->db packets add up");
	tap_is_int(ab->edges[0].n_runs, 2, "api->db runs from both hosts");
	tap_is_str(ab->edges[0].to_zone, "data", "conflicting zones settle on the smaller name");
	free(x);
	free(y);
	prop_free(a);
	prop_free(b);
	prop_free(ab);
	prop_free(ba);
}

static void test_load_save(void)
{
	char dir[] = "/tmp/zw-test-prop-XXXXXX", path[64], *x, *y;
	struct prop_set *a = sample_set(0), *b;
	struct diags d;
	static const char damaged[] =
		"{\"version\":1,\"edges\":[{\"id\":\"000000000000\",\"from\":\"a\",\"to\":\"b\","
		"\"proto\":\"tcp\",\"port\":1,\"packets\":1,\"first_seen\":\"2026-01-01T00:00:00Z\","
		"\"last_seen\":\"2026-01-01T00:00:00Z\",\"days\":[\"2026-01-01\"],\"runs\":[],"
		"\"samples\":[]}]}";

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/p.json", dir);
	tap_is_int(prop_save(a, path), 0, "save");
	b = prop_load(path, &d);
	tap_ok(b != NULL, "load what was saved (%zu problems)", d.n);
	x = dump(a);
	y = b ? dump(b) : NULL;
	tap_ok(x && y && !strcmp(x, y), "save + load round-trips");
	free(x);
	free(y);
	prop_free(b);
	b = prop_parse(damaged, strlen(damaged), &d);
	tap_ok(!b && errno == EINVAL, "an id that does not match its edge: damaged");
	tap_is_str(d.n ? d.v[0].where : "", "$.edges[0].id", "and the path says where");
	b = prop_parse("{\"version\":1,\"edges\":[]} x", 26, &d);
	tap_ok(!b && d.n == 1, "trailing garbage refused");
	b = prop_parse("{\"version\":1,\"edges\":[{}]}", 26, &d);
	tap_ok(!b && d.n >= 5, "an empty edge: every missing key reported (%zu)", d.n);
	prop_free(a);
	unlink(path);
	rmdir(dir);
}

/* prop_save() streams one edge per line: each line is jansson's compact
 * dump of prop_edge_json(), inside the version and edges keys. */
static char *dump_lines(struct prop_set *s)
{
	size_t i, len = 0, cap = 1 << 20;
	char *out = malloc(cap), *e;

	prop_sort(s);
	if (!out)
		return NULL;
	len += (size_t)snprintf(out, cap, "{\n  \"version\": 1,\n  \"edges\": %s",
				s->n ? "[\n" : "[]");
	for (i = 0; i < s->n; i++) {
		json_t *j = prop_edge_json(&s->edges[i]);

		e = j ? json_dumps(j, 0) : NULL;
		json_decref(j);
		if (e)
			len += (size_t)snprintf(out + len, cap - len, "    %s%s", e,
						i + 1 < s->n ? ",\n" : "\n");
		free(e);
	}
	snprintf(out + len, cap - len, "%s", s->n ? "  ]\n}\n" : "\n}\n");
	return out;
}

static void check_stream(struct prop_set *s, const char *path, const char *what)
{
	char *want = dump_lines(s), *got = NULL;
	size_t len = 0;
	json_t *a = NULL, *b = prop_to_json(s);
	FILE *f;

	tap_is_int(prop_save(s, path), 0, "save %s", what);
	f = fopen(path, "r");
	if (f) {
		got = calloc(1, 1 << 20);
		len = got ? fread(got, 1, (1 << 20) - 1, f) : 0;
		fclose(f);
	}
	tap_ok(want && got && len == strlen(want) && !strcmp(got, want),
	       "streamed %s: one edge per line, each jansson's compact dump", what);
	a = got ? json_loads(got, 0, NULL) : NULL;
	tap_ok(a && b && json_equal(a, b), "and the same JSON as prop_to_json()");
	json_decref(a);
	json_decref(b);
	free(want);
	free(got);
}

static void test_stream(void)
{
	char dir[] = "/tmp/zw-test-prop-XXXXXX", path[64];
	struct prop_set *s = prop_new(), *m;
	struct prop_obs o;
	char a[32];
	int i;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/s.json", dir);
	check_stream(s, path, "an empty proposal");
	o = obs("api", "db", 5432, 10, T0, T0 + 3 * DAY, NULL, NULL, NULL);
	o.from_zone = "z\"\\\n\t\x01/\xc3\xa9\xe2\x80\xa8";
	o.to_zone = NULL;
	prop_observe(s, &o);
	check_stream(s, path, "no samples, no runs, odd zone");
	o = obs("web", "api", 0, 1, T0, T0, "fe80::1%eth0", "10.0.0.1", "r-1");
	o.proto = IPPROTO_ICMP;
	o.from_zone = o.to_zone = NULL;
	prop_observe(s, &o);
	for (i = 0; i < 40; i++) {
		snprintf(a, sizeof(a), "10.0.%d.%d", i / 7, i);
		o = obs("unknown:10.9.9.9", "db", (uint16_t)(1000 + i % 3), UINT64_MAX / 2, T0 - i * DAY,
			T0, a, "10.0.0.3", i % 2 ? "run-b" : "run-a");
		prop_observe(s, &o);
	}
	check_stream(s, path, "icmp, unknown identity, huge packets");
	m = sample_set(1);
	prop_merge(m, s);
	check_stream(m, path, "a merge");
	prop_free(m);
	prop_free(s);
	unlink(path);
	rmdir(dir);
}

/* Whatever prop_save_max() writes, prop_load_max() with the same limit
 * reads: a file of exactly the limit loads, one byte more is refused by the
 * writer (the old file kept) and by the reader. */
static void test_limit(void)
{
	char dir[] = "/tmp/zw-test-prop-XXXXXX", path[64];
	struct prop_set *s = sample_set(0), *b;
	struct diags d;
	struct stat st;
	size_t max;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/l.json", dir);
	tap_is_int(prop_save_max(s, path, SIZE_MAX), 0, "save without a limit");
	max = stat(path, &st) ? 0 : (size_t)st.st_size;
	unlink(path);
	tap_is_int(prop_save_max(s, path, max - 1), -EFBIG, "a writer refuses one byte past its limit");
	tap_ok(access(path, F_OK) && errno == ENOENT, "and writes nothing");
	tap_is_int(prop_save_max(s, path, max), 0, "a writer writes up to its limit exactly");
	b = prop_load_max(path, max, &d);
	tap_ok(b && b->n == s->n, "a reader reads the writer's maximum (%zu bytes)", max);
	prop_free(b);
	b = prop_load_max(path, max - 1, &d);
	tap_ok(!b && errno == EFBIG && d.n == 1, "and refuses a file past its own limit");
	tap_ok(PROP_FILE_MAX >= 1000000u * 512, "the limit holds a million edges of 512 bytes");
	prop_free(s);
	unlink(path);
	rmdir(dir);
}

/* Runs of days are written as ranges; a file of single dates (as older
 * writers wrote) reads the same. */
static void test_day_ranges(void)
{
	static const char old[] =
		"{\n  \"version\": 1,\n  \"edges\": [\n    {\n      \"id\": \"%s\",\n"
		"      \"from\": \"a\",\n      \"to\": \"b\",\n      \"proto\": \"tcp\",\n"
		"      \"port\": 80,\n      \"packets\": 3,\n"
		"      \"first_seen\": \"2026-01-01T10:00:00Z\",\n"
		"      \"last_seen\": \"2026-01-05T10:00:00Z\",\n      \"days\": [\n"
		"        \"2026-01-01\",\n        \"2026-01-02\",\n        \"2026-01-03\",\n"
		"        \"2026-01-05\"\n      ],\n      \"runs\": [],\n      \"samples\": [\n"
		"        {\n          \"from\": \"10.0.0.1\",\n          \"to\": \"10.0.0.2\"\n"
		"        }\n      ]\n    }\n  ]\n}\n";
	struct prop_obs o = obs("a", "b", 80, 3, T0, T0, NULL, NULL, NULL);
	char text[1024], id[16], *line = NULL;
	struct prop_set *s = prop_new(), *b;
	json_t *j;
	struct diags d;

	o.from_zone = o.to_zone = NULL;
	prop_observe(s, &o);
	prop_edge_id(&s->edges[0], id, sizeof(id));
	snprintf(text, sizeof(text), old, id);
	b = prop_parse(text, strlen(text), &d);
	tap_ok(b && b->n == 1 && b->edges[0].n_days == 4, "an older writer's layout reads (%zu problems)",
	       d.n);
	j = b ? prop_edge_json(&b->edges[0]) : NULL;
	line = j ? json_dumps(json_object_get(j, "days"), 0) : NULL;
	tap_is_str(line ? line : "", "[\"2026-01-01/2026-01-03\", \"2026-01-05\"]",
		   "consecutive days written as one range");
	json_decref(j);
	free(line);
	prop_free(b);
	snprintf(text, sizeof(text), "%s", "{\"version\": 1, \"edges\": [{\"id\": \"x\", "
		 "\"from\": \"a\", \"to\": \"b\", \"proto\": \"tcp\", \"port\": 80, "
		 "\"packets\": 1, \"first_seen\": \"2026-01-01T00:00:00Z\", "
		 "\"last_seen\": \"2026-01-01T00:00:00Z\", "
		 "\"days\": [\"2026-01-03/2026-01-02\"], \"runs\": [], \"samples\": []}]}");
	b = prop_parse(text, strlen(text), &d);
	tap_ok(!b && d.n >= 1 && !strcmp(d.v[0].where, "$.edges[0].days[0]"),
	       "a range that ends before it starts is refused (%s)", d.n ? d.v[0].where : "");
	prop_free(s);
}

static bool diag_has(const struct diags *d, const char *where)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (!strcmp(d->v[i].where, where))
			return true;
	return false;
}

/* The edge-at-a-time reader and the whole-tree one report the same. */
static void test_stream_read(void)
{
	static const char bad_port[] =
		"{\"version\": 1, \"edges\": [{}, 5, {\"id\": \"x\", \"from\": \"a\", \"to\": \"b\", "
		"\"proto\": \"tcp\", \"port\": 0}]}";
	static const char bad_syntax[] =
		"{\"version\": 1, \"edges\": [\n{\"id\": \"x\"},\n{\"id\": \"x\" \"from\": 1}]}";
	static const char dup_key[] =
		"{\"version\": 1, \"edges\": [{\"id\": \"x\", \"id\": \"y\"}]}";
	static const char swapped[] = "{\"edges\": [], \"version\": 1}";
	static const char version2[] = "{\"version\": 2, \"edges\": []}";
	struct prop_set *b;
	struct diags d;

	b = prop_parse(bad_port, strlen(bad_port), &d);
	tap_ok(!b && d.n > 3 && !strcmp(d.v[0].where, "$.edges[0]"),
	       "problems of every edge, first to last");
	tap_ok(!b && d.n > 3 && diag_has(&d, "$.edges[1]") && diag_has(&d, "$.edges[2].port"),
	       "a non-object edge and a later edge's port reported with their paths");
	b = prop_parse(bad_syntax, strlen(bad_syntax), &d);
	tap_ok(!b && d.n == 1 && strstr(d.v[0].where, "line 3"),
	       "a syntax error in a later edge: one problem, with the document's line (%s)",
	       d.n ? d.v[0].msg : "");
	b = prop_parse(dup_key, strlen(dup_key), &d);
	tap_ok(!b && d.n == 1 && strstr(d.v[0].msg, "duplicate"), "a duplicate key refused (%s)",
	       d.n ? d.v[0].msg : "");
	b = prop_parse(swapped, strlen(swapped), &d);
	tap_ok(b && b->n == 0, "keys in another order read too");
	prop_free(b);
	b = prop_parse(version2, strlen(version2), &d);
	tap_ok(!b && d.n == 1 && !strcmp(d.v[0].where, "$.version"), "another version refused");
}

int main(void)
{
	test_observe();
	test_days_bounded();
	test_merge();
	test_load_save();
	test_stream();
	test_limit();
	test_day_ranges();
	test_stream_read();
	return tap_done();
}
