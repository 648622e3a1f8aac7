// SPDX-License-Identifier: GPL-2.0-or-later
/* The inventory file: the shipped default, longest-prefix lookup with
 * "except", identity settings, and errors naming their JSON path. */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	char path[512], err[512] = "";
	struct inv inv;

	snprintf(path, sizeof(path), "%s/rules/inventory.json", top ? top : ".");
	tap_is_int(inv_load(&inv, path, err, sizeof(err)), 0, "rules/inventory.json loads %s", err);
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
	static const char *const bad[][2] = {
		{ "{", "line 1" },
		{ "[]", "(top)" },
		{ "{\"entries\": [{\"name\": \"a\", \"zone\": \"z\", \"cidrs\": [\"10.0.0.1/8\"]}]}",
		  "entries[0].cidrs[0]" },
		{ "{\"entries\": [{\"name\": \"a\", \"zone\": \"z\", \"cidrs\": [\"1.2.3.0/24\"]},"
		  " {\"name\": \"b\", \"cidrs\": []}]}", "entries[1]: missing \"zone\"" },
		{ "{\"entries\": [{\"name\": \"a\", \"zone\": \"z\", \"cidrs\": [\"1.2.3.0/24\"], \"except\": [5]}]}",
		  "entries[0].except[0]" },
		{ "{\"entries\": [{\"name\": \"a\", \"zone\": \"z\", \"cidr\": []}]}", "unknown key \"cidr\"" },
		{ "{\"identity\": {\"rules\": [\"label:controller-revision-hash\"]}}", "identity.rules" },
		{ "{\"identity\": {\"network_zones\": {\"n\": 3}}}", "identity.network_zones.n" },
		{ "{\"version\": 2}", "version" },
		{ "{\"entries\": [{\"name\": \"a\", \"zone\": \"z\", \"cidrs\": [\"1.0.0.0/8\"]},"
		  " {\"name\": \"a\", \"zone\": \"z\", \"cidrs\": [\"2.0.0.0/8\"]}]}", "already names" },
	};
	char err[512];
	struct inv inv;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		tap_ok(inv_parse(&inv, bad[i][0], strlen(bad[i][0]), err, sizeof(err)) == -EINVAL &&
		       strstr(err, bad[i][1]), "bad inventory %zu: %s", i, err);
	}
	tap_ok(inv_load(&inv, "/nonexistent/inv.json", err, sizeof(err)) == -ENOENT &&
	       strstr(err, "/nonexistent/inv.json"), "missing file: %s", err);
}

int main(void)
{
	shipped();
	errors();
	return tap_done();
}
