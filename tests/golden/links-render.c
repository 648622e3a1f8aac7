// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Golden driver: read rows in the `zonewall links --json` schema, rebuild
 * the struct link_list they describe, and print it through the same
 * link_list_json() + out_rows_print() path the CLI uses.
 * Usage: links-render table|wide|json FILE
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "zonewall/link.h"

static int index_of(json_t *rows, const char *name)
{
	size_t i;
	json_t *r;

	json_array_foreach(rows, i, r)
		if (!strcmp(json_string_value(json_object_get(r, "name")), name))
			return json_integer_value(json_object_get(r, "ifindex"));
	return 0;
}

static void fill(struct link_info *li, json_t *rows, json_t *r)
{
	json_t *a, *v;
	size_t i;

	memset(li, 0, sizeof(*li));
	li->ifindex = json_integer_value(json_object_get(r, "ifindex"));
	snprintf(li->name, sizeof(li->name), "%s", json_string_value(json_object_get(r, "name")));
	snprintf(li->kind, sizeof(li->kind), "%s", json_string_value(json_object_get(r, "kind")));
	if (!strcmp(li->kind, "-"))
		li->kind[0] = '\0';
	v = json_object_get(r, "bridge");
	li->master = json_is_string(v) ? index_of(rows, json_string_value(v)) : 0;
	v = json_object_get(r, "peer_ifindex");
	li->peer_ifindex = json_is_integer(v) ? json_integer_value(v) : 0;
	v = json_object_get(r, "peer_netnsid");
	li->peer_netnsid = json_is_integer(v) ? json_integer_value(v) : -1;
	snprintf(li->mac, sizeof(li->mac), "%s", json_string_value(json_object_get(r, "mac")));
	if (!strcmp(li->mac, "-"))
		li->mac[0] = '\0';
	li->mtu = json_integer_value(json_object_get(r, "mtu"));
	li->up = json_is_true(json_object_get(r, "up"));
	snprintf(li->operstate, sizeof(li->operstate), "%s",
		 json_string_value(json_object_get(r, "state")));
	a = json_object_get(r, "addresses");
	li->addrs = calloc(json_array_size(a) + 1, sizeof(*li->addrs));
	json_array_foreach(a, i, v) {
		char buf[64], *slash;

		snprintf(buf, sizeof(buf), "%s", json_string_value(v));
		slash = strchr(buf, '/');
		*slash = '\0';
		snprintf(li->addrs[i].text, sizeof(li->addrs[i].text), "%.45s", buf);
		li->addrs[i].prefixlen = atoi(slash + 1);
		li->addrs[i].family = strchr(buf, ':') ? AF_INET6 : AF_INET;
		li->n_addrs++;
	}
}

int main(int argc, char **argv)
{
	enum out_format fmt;
	struct link_list l;
	json_error_t je;
	json_t *in, *r, *rows;
	size_t i;
	int err;

	if (argc == 3 && !strcmp(argv[1], "wide"))
		fmt = OUT_WIDE;
	else if (argc != 3 || out_format_parse(argv[1], &fmt)) {
		fprintf(stderr, "usage: links-render table|wide|json FILE\n");
		return 2;
	}
	in = json_load_file(argv[2], 0, &je);
	if (!json_is_array(in)) {
		fprintf(stderr, "%s:%d: %s\n", argv[2], je.line, je.text);
		return 1;
	}
	l.n = json_array_size(in);
	l.v = calloc(l.n + 1, sizeof(*l.v));
	json_array_foreach(in, i, r)
		fill(&l.v[i], in, r);
	rows = link_list_json(&l);
	err = out_rows_print(stdout, fmt, rows, link_columns);
	json_decref(rows);
	json_decref(in);
	link_list_free(&l);
	return err ? 1 : 0;
}
