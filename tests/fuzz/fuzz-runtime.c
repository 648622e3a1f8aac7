// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer: the runtime API parsers (version, list, inspect, event lines of
 * the stream and of Podman's event log, through the bounded line buffer)
 * and the inventory parser, on any bytes. */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/inventory.h"
#include "zonewall/netns-id.h"
#include "zonewall/runtime.h"

/* Every entry's "except" carving: pieces lie inside the entry (inv_lookup
 * finds it for each piece's first address) and rank no longer than they are. */
static void fuzz_inventory(const struct inv *inv)
{
	struct inv_piece *v;
	size_t n;

	for (size_t i = 0; i < inv->n; i++) {
		if (inv_entry_pieces(&inv->v[i], &v, &n))
			continue;
		for (size_t j = 0; j < n; j++) {
			bool in_except = false;

			if (v[j].rank > v[j].p.len)
				abort();
			for (size_t k = 0; k < inv->v[i].n_except; k++)
				in_except |= inv_prefix_contains(&inv->v[i].except[k], &v[j].p.addr);
			if (in_except)
				abort();
		}
		free(v);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input read as the ports the kernel showed, for a container that had
 * two networks (rt_fast_build() may trust nothing in them but the ends of
 * their strings, which the kernel's answers are copied into with a bound). */
static void fuzz_fast(const uint8_t *data, size_t size)
{
	static const char *const bridges[] = { "podman1", "podman2" };
	struct id_workload *prev = id_workload_new(), *w;
	struct nsid_port p[4];
	size_t n = size / sizeof(p[0]);
	struct diags d;

	if (!prev)
		return;
	id_workload_set(&prev->id, "abc");
	id_workload_set(&prev->pidfile, "/run/x/pidfile");
	for (size_t i = 0; i < 2; i++) {
		struct id_net *net = id_workload_add_net(prev, bridges[i]);

		if (!net)
			goto out_put;
		strcpy(net->bridge, bridges[i]);
		strcpy(net->ipv4, "10.0.0.2");
		if (i)
			strcpy(net->ipv6, "fd00::2");
	}
	if (n > 4)
		n = 4;
	memcpy(p, data, n * sizeof(p[0]));
	for (size_t i = 0; i < n; i++) {
		p[i].mac[sizeof(p[i].mac) - 1] = '\0';
		p[i].veth[sizeof(p[i].veth) - 1] = '\0';
		p[i].bridge[sizeof(p[i].bridge) - 1] = '\0';
	}
	diags_init(&d);
	w = rt_fast_build(prev, 2, 0, p, n, &d);
	if (w)
		rt_fast_agrees(w, prev);
	id_workload_put(w);
out_put:
	id_workload_put(prev);
}

static void fuzz_line(void *ctx, const char *line, size_t len)
{
	struct rt_event ev;
	struct diags d;

	diags_init(&d);
	rt_parse_event(line, len, &ev, &d);
	diags_init(&d);
	rt_parse_podman_log_event(line, len, &ev, &d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct id_workload *w;
	struct rt_linebuf lb;
	struct rt_version v;
	struct inv inv;
	struct diags d;
	struct id_rules rules;
	char **ids;
	size_t n;

	fuzz_fast(data, size);
	diags_init(&d);
	rt_parse_version(text, size, &v, &d);
	diags_init(&d);
	if (rt_parse_list(text, size, &ids, &n, &d) == 0)
		rt_ids_free(ids, n);
	diags_init(&d);
	w = rt_parse_inspect(text, size, "podman", &d);
	if (w && id_rules_init(&rules) == 0) {
		id_resolve(&rules, w);
		json_decref(id_workload_json(w));
		id_rules_free(&rules);
	}
	id_workload_put(w);
	rt_linebuf_init(&lb, 4096);
	rt_linebuf_feed(&lb, text, size, fuzz_line, NULL);
	rt_linebuf_free(&lb);
	if (inv_parse(&inv, text, size, &d) == 0) {
		fuzz_inventory(&inv);
		inv_free(&inv);
	}
	return 0;
}
