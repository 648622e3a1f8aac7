// SPDX-License-Identifier: GPL-2.0-or-later
/* The inventory file: the shipped default, longest-prefix lookup with
 * "except", identity settings, and errors naming their JSON path. */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "tap.h"
#include "zonewall/inventory.h"

static const char *who(const struct inv *inv, const char *ip)
{
	const struct inv_entry *e;
	struct id_addr a;

	if (id_addr_parse(ip, &a))
		return "bad";
	e = inv_lookup(inv, &a, NULL);
	return e ? e->name : "none";
}

static void shipped(void)
{
	const char *top = getenv("top_srcdir");
	char path[512];
	struct diags d;
	struct inv inv;

	snprintf(path, sizeof(path), "%s/rules/inventory.json", top ? top : ".");
	tap_is_int(inv_load(&inv, path, &d), 0, "rules/inventory.json loads %s", d.n ? d.v[0].msg : "");
	tap_is_str(who(&inv, "8.8.8.8"), "internet", "public v4 -> internet");
	tap_is_str(who(&inv, "2a00:1450::1"), "internet", "public v6 -> internet");
	tap_is_str(who(&inv, "10.89.0.4"), "none", "private v4 is not the internet");
	tap_is_str(who(&inv, "fe80::1"), "none", "link-local v6 is not the internet");
	tap_is_str(who(&inv, "127.0.0.1"), "host-loopback", "loopback -> host");
	tap_is_str(who(&inv, "192.0.2.7"), "corporate", "longest prefix wins over 0.0.0.0/0");
	tap_is_int(inv.rules.n, 5, "identity rules read");
	inv_free(&inv);
}

static void errors(void)
{
	/* text, the first problem's path, its message (a part of it) */
	static const char *const bad[][3] = {
		{ "{", "$ (line 1, column 1)", "" },
		{ "[]", "$", "expected an object" },
		{ "{\"entries\": [{\"name\": \"a\", \"zone\": \"z\", \"cidrs\": [\"10.0.0.1/8\"]}]}",
		  "$.entries[0].cidrs[0]", "zero host bits" },
		{ "{\"entries\": [{\"name\": \"a\", \"zone\": \"z\", \"cidrs\": [\"1.2.3.0/24\"]},"
		  " {\"name\": \"b\", \"cidrs\": [\"1.2.4.0/24\"]}]}", "$.entries[1]", "missing key 'zone'" },
		{ "{\"entries\": [{\"name\": \"a\", \"zone\": \"z\", \"cidrs\": [\"1.2.3.0/24\"], \"except\": [5]}]}",
		  "$.entries[0].except[0]", "expected a string" },
		{ "{\"entries\": [{\"name\": \"a\", \"zone\": \"z\", \"cidr\": []}]}", "$.entries[0].cidr",
		  "unknown key" },
		{ "{\"identity\": {\"rules\": [\"label:controller-revision-hash\"]}}", "$.identity.rules[0]", "every rollout" },
		{ "{\"identity\": {\"network_zones\": {\"n\": 3}}}", "$.identity.network_zones.n",
		  "expected a zone name" },
		{ "{\"version\": 2}", "$.version", "expected 1" },
		{ "{\"entries\": [{\"name\": \"a\", \"zone\": \"z\", \"cidrs\": [\"1.0.0.0/8\"]},"
		  " {\"name\": \"a\", \"zone\": \"z\", \"cidrs\": [\"2.0.0.0/8\"]}]}", "$.entries[1].name",
		  "already names $.entries[0]" },
		{ "{\"entries\": [{\"name\": \"a\", \"zone\": \"z\", \"cidrs\": []}]}", "$.entries[0].cidrs",
		  "empty" },
		/* names as the policy's rules have them, shown escaped */
		{ "{\"entries\": [{\"name\": \"a\", \"zone\": \"web\\nzonewall: forged\", \"cidrs\": [\"1.0.0.0/8\"]}]}",
		  "$.entries[0].zone", "invalid zone name \"web\\nzonewall: forged\" (1-32 letters" },
		{ "{\"entries\": [{\"name\": \"a\", \"zone\": \"web.1\", \"cidrs\": [\"1.0.0.0/8\"]}]}",
		  "$.entries[0].zone", "invalid zone name \"web.1\"" },
		{ "{\"entries\": [{\"name\": \"a\\nb\", \"zone\": \"z\", \"cidrs\": [\"1.0.0.0/8\"]}]}",
		  "$.entries[0].name", "invalid name \"a\\nb\" (1-255 printable ASCII" },
		{ "{\"entries\": [{\"name\": \"a \\\"b\\\"\", \"zone\": \"z\", \"cidrs\": [\"1.0.0.0/8\"]}]}",
		  "$.entries[0].name", "invalid name \"a \\\"b\\\"\"" },
		{ "{\"identity\": {\"default_zone\": \"a b\"}}", "$.identity.default_zone",
		  "invalid zone name \"a b\"" },
		{ "{\"identity\": {\"network_zones\": {\"n\": \"z\\r\"}}}", "$.identity.network_zones.n",
		  "invalid zone name \"z\\r\"" },
		{ "{\"identity\": {\"network_zones\": {\"n\\nx\": \"z\"}}}", "$.identity.network_zones",
		  "invalid network name \"n\\nx\"" },
		{ "{\"entries\": [{\"name\": \"a\", \"zone\": \"z\", \"cidrs\": [\"1.0.0.0/8\\n\"]}]}",
		  "$.entries[0].cidrs[0]", "\"1.0.0.0/8\\n\" is not an address" },
	};
	/* every problem, not only the first */
	static const char several[] =
		"{\"version\": 3, \"colour\": 1, \"entries\": ["
		"{\"name\": \"a\", \"zone\": \"z\", \"cidrs\": [\"10.0.0.1/8\", 7, \"10.1.0.0/16\"]},"
		"{\"name\": \"\", \"cidrs\": \"10.0.0.0/8\"},"
		"{\"name\": \"c\", \"zone\": \"z\", \"cidrs\": [\"10.2.0.0/16\"]}]}";
	static const char *const want[][2] = {
		{ "$.colour", "unknown key" }, { "$.version", "expected 1" },
		{ "$.entries[0].cidrs[0]", "zero host bits" }, { "$.entries[0].cidrs[1]", "expected a string" },
		{ "$.entries[1].name", "non-empty" }, { "$.entries[1]", "missing key 'zone'" },
		{ "$.entries[1].cidrs", "expected an array" },
	};
	struct diags d;
	struct inv inv;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = inv_parse(&inv, bad[i][0], strlen(bad[i][0]), &d);

		tap_ok(rc == -EINVAL && d.n >= 1 && !strcmp(d.v[0].where, bad[i][1]) &&
		       strstr(d.v[0].msg, bad[i][2]), "bad inventory %zu: %s: %s", i,
		       d.n ? d.v[0].where : "", d.n ? d.v[0].msg : "");
		tap_ok(inv.n == 0 && inv.v == NULL, "bad inventory %zu: nothing kept", i);
	}
	tap_is_int(inv_parse(&inv, several, strlen(several), &d), -EINVAL, "several problems: refused");
	tap_is_int((int)d.n, (int)(sizeof(want) / sizeof(want[0])), "every problem reported");
	for (i = 0; i < d.n && i < sizeof(want) / sizeof(want[0]); i++)
		tap_ok(!strcmp(d.v[i].where, want[i][0]) && strstr(d.v[i].msg, want[i][1]),
		       "problem %zu: %s: %s", i, d.v[i].where, d.v[i].msg);
	tap_is_int(inv_load(&inv, "/nonexistent/inv.json", &d), -ENOENT, "missing file: -ENOENT");
	tap_is_int((int)d.n, 0, "... and no diagnostics (the caller names the file)");
}

static bool in_pieces(const struct inv_piece *v, size_t n, const struct id_addr *a, size_t *hits)
{
	*hits = 0;
	for (size_t i = 0; i < n; i++)
		if (inv_prefix_contains(&v[i].p, a))
			(*hits)++;
	return *hits > 0;
}

/* "except" carved into disjoint prefixes: the list, then a differential
 * check against inv_lookup() over random addresses. */
static void pieces(void)
{
	static const char text[] =
		"{\"entries\": [{\"name\": \"net\", \"zone\": \"z\", "
		"\"cidrs\": [\"0.0.0.0/0\", \"2001:db8::/32\"], "
		"\"except\": [\"10.0.0.0/8\", \"172.16.0.0/12\", \"198.51.100.128/25\", "
		"\"255.255.255.255\", \"fc00::/7\"]}]}";
	static const char simple[] = "{\"entries\": [{\"name\": \"i\", \"zone\": \"z\", "
		"\"cidrs\": [\"0.0.0.0/0\"], \"except\": [\"10.0.0.0/8\"]}]}";
	static const char *const want[] = { "128.0.0.0/1", "64.0.0.0/2", "32.0.0.0/3", "16.0.0.0/4",
					    "0.0.0.0/5", "12.0.0.0/6", "8.0.0.0/7", "11.0.0.0/8" };
	struct inv inv;
	struct inv_piece *v;
	size_t n, hits, bad = 0, overlaps = 0;
	char buf[96], a[64];
	struct diags d;
	int rc;

	rc = inv_parse(&inv, simple, strlen(simple), &d);
	tap_is_int(rc, 0, "inventory with one except parses");
	if (rc)
		return;
	tap_is_int(inv_entry_pieces(&inv.v[0], &v, &n), 0, "pieces computed");
	tap_is_int((int)n, 8, "0.0.0.0/0 minus 10.0.0.0/8: 8 pieces");
	for (size_t i = 0; i < 8 && i < n; i++) {
		id_addr_format(&v[i].p.addr, a, sizeof(a));
		snprintf(buf, sizeof(buf), "%s/%u", a, v[i].p.len);
		tap_is_str(buf, want[i], "0.0.0.0/0 minus 10.0.0.0/8, piece");
		tap_is_int((int)v[i].rank, 0, "... ranks as the /0 it came from");
	}
	free(v);
	inv_free(&inv);
	rc = inv_parse(&inv, text, strlen(text), &d);
	tap_is_int(rc, 0, "inventory with five excepts parses");
	if (rc)
		return;
	tap_is_int(inv_entry_pieces(&inv.v[0], &v, &n), 0, "pieces computed");
	srand(7);
	for (int i = 0; i < 200000; i++) {
		struct id_addr x = { .family = AF_INET };
		uint32_t r = (uint32_t)rand() << 16 ^ (uint32_t)rand();

		if (i % 4 == 0)		/* aim at the edges of the excepts too */
			r = (i % 8 ? 0x0a000000u : 0xac100000u) + (uint32_t)(rand() % 512) - 256;
		if (i == 0)
			r = 0xffffffffu;
		memcpy(x.a, &(uint32_t){ htonl(r) }, 4);
		if (in_pieces(v, n, &x, &hits) != (inv_lookup(&inv, &x, NULL) != NULL))
			bad++;
		overlaps += hits > 1;
	}
	tap_is_int((int)bad, 0, "200,000 addresses: in a piece exactly when inv_lookup matches");
	tap_is_int((int)overlaps, 0, "... and in one piece at most");
	for (size_t i = 0; i < n; i++)
		if (v[i].p.addr.family == AF_INET6)
			bad += v[i].rank != 32;
	tap_is_int((int)bad, 0, "IPv6 pieces rank as the /32 (fc00::/7 is outside it: untouched)");
	free(v);
	inv_free(&inv);
}

static void pieces_too_many(void)
{
	char *text = malloc(64 * 1024);
	size_t len = 0, n;
	struct inv_piece *v = NULL;
	struct inv inv;
	struct diags d;

	len += (size_t)sprintf(text, "{\"entries\": [{\"name\": \"n\", \"zone\": \"z\", "
			       "\"cidrs\": [\"::/0\"], \"except\": [");
	for (int i = 0; i < 1000; i++)	/* far apart: each splits a short prefix */
		len += (size_t)sprintf(text + len, "%s\"%x::1\"", i ? "," : "", i + 1);
	len += (size_t)sprintf(text + len, "]}]}");
	tap_is_int(inv_parse(&inv, text, len, &d), 0, "1000 excepts parse");
	tap_is_int(inv_entry_pieces(&inv.v[0], &v, &n), -E2BIG, "::/0 minus 1000 scattered hosts: too many pieces, refused");
	inv_free(&inv);
	free(text);
}

/* inv_index_lookup() gives inv_lookup()'s entry and length. */
static void index_same(void)
{
	static const char *const ips[] = {
		"8.8.8.8", "2a00:1450::1", "10.89.0.4", "fe80::1", "127.0.0.1", "192.0.2.7",
		"0.0.0.0", "255.255.255.255", "::1", "::", "172.16.0.1", "100.64.0.1", "ff02::1",
	};
	const char *top = getenv("top_srcdir");
	unsigned int l1 = 0, l2 = 0;
	struct inv_index *ix;
	char path[512];
	struct id_addr a;
	size_t same = 0;
	struct diags d;
	struct inv inv;

	snprintf(path, sizeof(path), "%s/rules/inventory.json", top ? top : ".");
	if (inv_load(&inv, path, &d))
		return;
	ix = inv_index_new(&inv);
	for (size_t i = 0; ix && i < sizeof(ips) / sizeof(ips[0]); i++)
		same += !id_addr_parse(ips[i], &a) &&
			inv_index_lookup(ix, &a, &l1) == inv_lookup(&inv, &a, &l2) && l1 == l2;
	tap_is_int(same, sizeof(ips) / sizeof(ips[0]), "the shipped inventory: the same entries by the index");
	inv_index_free(ix);
	inv_free(&inv);
}

/*
 * The index at a size where a test of every entry per lookup (2N x N)
 * would take seconds: each host's own /32, the longest prefix; a /8 with a
 * hole, and a later /8 of the same network for the hole.
 */
static void index_large(void)
{
	enum { N = 30000 };
	size_t cap = (size_t)N * 80 + 4096, off = 0, ok = 0;
	char *text = malloc(cap), ip[32];
	const struct inv_entry *e;
	struct inv_index *ix = NULL;
	struct id_addr a;
	struct diags d;
	struct inv inv;

	if (!text)
		return;
	off += (size_t)snprintf(text + off, cap - off, "{\"entries\": ["
		"{\"name\": \"net\", \"zone\": \"z\", \"cidrs\": [\"10.0.0.0/8\"],"
		" \"except\": [\"10.200.0.0/16\"]},"
		"{\"name\": \"dup\", \"zone\": \"z\", \"cidrs\": [\"10.0.0.0/8\"]}");
	for (int i = 0; i < N; i++)
		off += (size_t)snprintf(text + off, cap - off,
			", {\"name\": \"h%d\", \"zone\": \"z\", \"cidrs\": [\"10.%d.%d.%d/32\"]}",
			i, i / 62500, i / 250 % 250, i % 250 + 1);
	snprintf(text + off, cap - off, "]}");
	if (!tap_ok(inv_parse(&inv, text, strlen(text), &d) == 0, "%d entries parse", N + 2))
		goto out_free;
	ix = inv_index_new(&inv);
	for (int i = 0; ix && i < N; i++) {
		unsigned int len = 0;

		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i / 62500, i / 250 % 250, i % 250 + 1);
		id_addr_parse(ip, &a);
		e = inv_index_lookup(ix, &a, &len);
		ok += e == &inv.v[i + 2] && len == 32;
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i % 2 ? 200 : 100, i / 250 % 250, i % 250 + 1);
		id_addr_parse(ip, &a);
		e = inv_index_lookup(ix, &a, &len);
		ok += e == &inv.v[i % 2 ? 1 : 0] && len == 8;
	}
	tap_is_int(ok, 2 * N, "%d lookups: the longest prefix, the first entry of it not excepted", 2 * N);
	inv_index_free(ix);
	inv_free(&inv);
out_free:
	free(text);
}

int main(void)
{
	shipped();
	index_same();
	index_large();
	errors();
	pieces();
	pieces_too_many();
	return tap_done();
}
