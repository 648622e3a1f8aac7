// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: every parser of what etcd answers in fleet mode, an
 * untrusted input like any other: the gateway's range answer (base64 keys
 * and values), a policy epoch or proposal record, a host's report, an
 * endpoint record into a snapshot and into the learner's table, a watch's
 * stream (cut in pieces, its messages into a view of the endpoints), and
 * base64 itself.  The first byte picks the parser (and a watch's pieces).
 */

#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/base64.h"
#include "zonewall/compile.h"
#include "zonewall/etcd.h"
#include "zonewall/fleet.h"
#include "zonewall/linebuf.h"
#include "zonewall/learn-remote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_endpoint(const char *text)
{
	struct cmp_snapshot *s = cmp_snap_new();
	json_t *list = json_pack("[{s:s, s:s, s:s}]", "key", "/zw/endpoints/h/k", "value", text,
				 "host", "h");
	struct learn_remote *r = NULL;
	struct diags d;

	diags_init(&d);
	if (s)
		fleet_endpoint_add(s, "/zw/endpoints/h/k", text, "h", &d);
	if (list && !fleet_endpoints_remote(list, &r, &d))
		learn_remote_free(r);
	json_decref(list);
	cmp_snap_free(s);
}

/* A watch stream in pieces of @cut bytes, each message into a view. */
static void fuzz_watch(const char *text, size_t len, uint8_t cut)
{
	struct fleet_view *v = fleet_view_new("/zw", "self");
	struct etcd_watch_msg m;
	struct linebuf b;
	struct diags d;
	size_t step = cut / 6 + 1, n;
	char *line;

	linebuf_init(&b, 1u << 16);
	diags_init(&d);
	for (size_t off = 0; v && off <= len; off += step) {
		bool final = off + step > len;

		if (linebuf_push(&b, text + off, final ? len - off : step))
			break;
		while ((line = linebuf_next(&b, final, &n)))
			if (!etcd_watch_parse(line, n, "fuzz", &m, &d)) {
				fleet_view_apply(v, m.ev, m.n);
				etcd_watch_msg_free(&m);
			}
	}
	json_decref(v ? fleet_view_json(v) : NULL);
	linebuf_free(&b);
	fleet_view_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	struct diags d;

	if (!size)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	diags_init(&d);
	switch (data[0] % 6) {
	case 0: {
		struct etcd_kvs kvs;

		if (!etcd_range_parse(text, size - 1, "fuzz", &kvs, &d))
			etcd_kvs_free(&kvs);
		break;
	}
	case 1: {
		struct fleet_epoch ep;

		fleet_epoch_parse(text, size - 1, "fuzz", &ep, data[0] & 0x80, &d);
		break;
	}
	case 2: {
		struct etcd_kv kv = { .key = (char *)"fuzz", .value = text, .value_len = size - 1 };
		struct fleet_host h;

		fleet_host_parse(&kv, &h, &d);
		break;
	}
	case 3:
		fuzz_endpoint(text);
		break;
	case 4:
		fuzz_watch(text, size - 1, data[0]);
		break;
	default: {
		unsigned char *out = malloc(size / 4 * 3 + 4);
		size_t n;

		if (out)
			b64_decode(text, strlen(text), out, &n);
		free(out);
		break;
	}
	}
	free(text);
	return 0;
}
