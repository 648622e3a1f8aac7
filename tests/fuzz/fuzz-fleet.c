// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: every parser of what etcd answers in fleet mode, an
 * untrusted input like any other: the gateway's range answer (base64 keys
 * and values), a policy epoch or proposal record, a host's report, an
 * endpoint record into a snapshot and into the learner's table, and base64
 * itself.  The first byte picks the parser.
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
	switch (data[0] % 5) {
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
