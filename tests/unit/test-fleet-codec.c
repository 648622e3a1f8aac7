// SPDX-License-Identifier: GPL-2.0-or-later
/* The pure parts of fleet mode: base64 (RFC 4648's vectors), SHA-256
 * (FIPS 180-4's), the etcd:// endpoint list and fleet names. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zonewall/base64.h"
#include "zonewall/compile.h"
#include "zonewall/etcd.h"
#include "zonewall/fleet.h"
#include "zonewall/learn-remote.h"
#include "zonewall/sha256.h"

static void test_base64(void)
{
	static const char *const v[][2] = {	/* RFC 4648 section 10 */
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	static const char *const bad[] = { "Zg=", "Zm9", "Z===", "Zg==Zg==", "Zm9v!A==", "=Zm9" };
	unsigned char out[64];
	char enc[64];
	size_t n;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		b64_encode(v[i][0], strlen(v[i][0]), enc);
		tap_is_str(enc, v[i][1], "base64 of '%s'", v[i][0]);
		tap_ok(b64_decode(v[i][1], strlen(v[i][1]), out, &n) == 0 && n == strlen(v[i][0]) &&
		   !memcmp(out, v[i][0], n), "decode of '%s'", v[i][1]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		tap_ok(b64_decode(bad[i], strlen(bad[i]), out, &n) == -EINVAL, "'%s' refused", bad[i]);
	/* every byte value round trips */
	{
		unsigned char all[256], back[256 + 4];
		char *e = malloc(b64_encoded_len(256));

		for (int i = 0; i < 256; i++)
			all[i] = (unsigned char)i;
		b64_encode(all, 256, e);
		tap_ok(b64_decode(e, strlen(e), back, &n) == 0 && n == 256 && !memcmp(all, back, 256),
		   "all 256 byte values round trip");
		free(e);
	}
}

static void test_sha256(void)
{
	char hex[SHA256_HEX_LEN];
	struct sha256 s;
	unsigned char d[32];
	char *a = malloc(1000000);

	sha256_hex("abc", 3, hex);
	tap_is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "SHA-256 of abc");
	sha256_hex("", 0, hex);
	tap_is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "of nothing");
	sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
	tap_is_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	       "of the 56-byte vector (padding into a second block)");
	memset(a, 'a', 1000000);
	sha256_hex(a, 1000000, hex);
	tap_is_str(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	       "of a million 'a'");
	/* fed in odd pieces: the same */
	sha256_init(&s);
	for (size_t off = 0, step = 1; off < 1000000; off += step, step = step * 3 % 997 + 1)
		sha256_update(&s, a + off, off + step > 1000000 ? 1000000 - off : step);
	sha256_final(&s, d);
	tap_ok(d[0] == 0xcd && d[1] == 0xc7 && d[31] == 0xd0, "a million 'a' in odd pieces");
	free(a);
}

static void test_url(void)
{
	struct etcd_conf c;
	struct diags d;

	diags_init(&d);
	tap_ok(etcd_url_parse(&c, "etcd://127.0.0.1:2379", &d) == 0 && c.n == 1 &&
	   !strcmp(c.endpoints[0], "127.0.0.1:2379"), "one endpoint");
	tap_ok(etcd_url_parse(&c, "etcd://a:1,b.example:2379,[::1]:2379", &d) == 0 && c.n == 3 &&
	   !strcmp(c.endpoints[2], "[::1]:2379"), "three, an IPv6 one among them");
	tap_ok(etcd_url_parse(&c, "http://a:1", &d) == -EINVAL, "http:// refused");
	tap_ok(etcd_url_parse(&c, "etcd://a", &d) == -EINVAL, "no port refused");
	tap_ok(etcd_url_parse(&c, "etcd://a:99999", &d) == -EINVAL, "port out of range refused");
	tap_ok(etcd_url_parse(&c, "etcd://a:1,,b:2", &d) == -EINVAL, "an empty endpoint refused");
	tap_ok(etcd_url_parse(&c, "etcd://", &d) == -EINVAL, "no endpoint refused");
	tap_ok(etcd_url_parse(&c, "etcd://a:1,a:2,a:3,a:4,a:5,a:6,a:7,a:8,a:9", &d) == -EINVAL,
	   "more than 8 refused");
	tap_ok(d.n == 6 && strstr(d.v[0].msg, "etcd://HOST:PORT"), "each with a message (%s)", d.v[0].msg);
	tap_ok(fleet_name_ok("web-1.example") && !fleet_name_ok("") && !fleet_name_ok("a/b") &&
	   !fleet_name_ok(".hidden") && !fleet_name_ok("a b"), "fleet names");
}

static void test_endpoint(void)
{
	struct cmp_snapshot *a = cmp_snap_new(), *b = cmp_snap_new();
	struct cmp_workload *w = cmp_snap_add(a, "web", NULL, "container web-1 (0123456789ab)");
	char *key = NULL, *value = NULL, buf[64];
	struct diags d;

	diags_init(&d);
	cmp_workload_add_label(w, "zonewall.zone", "web");
	cmp_workload_add_network(w, "frontend");
	cmp_workload_add_addr(w, "10.88.0.5");
	cmp_workload_add_addr(w, "fd00::5");
	tap_ok(fleet_endpoint_record("/zw", "h1", w, &key, &value) == 0, "a container as a record");
	tap_is_str(key, "/zw/endpoints/h1/10.88.0.5", "keyed by host and first address");
	tap_ok(fleet_endpoint_add(b, key, value, "h1", &d) == 0 && b->n == 1, "read back into a snapshot");
	w = b->n ? b->w[0] : NULL;
	tap_ok(w && !strcmp(w->identity, "web") && !w->zone && w->n_labels == 1 &&
	       !strcmp(w->labels[0].value, "web") && w->n_networks == 1 && w->n_addrs == 2 &&
	       !strcmp(cmp_prefix_format(&w->addrs[1], buf, sizeof(buf)), "fd00::5") &&
	       !strcmp(w->origin, "fleet h1"), "identity, labels, networks and addresses as published; origin fleet h1");
	tap_ok(fleet_endpoint_add(b, "k1", "{\"identity\":\"x\"}", "h2", &d) == -EINVAL &&
	       fleet_endpoint_add(b, "k2", "not json", "h2", &d) == -EINVAL &&
	       fleet_endpoint_add(b, "k3", "{\"identity\":\"x\",\"addrs\":[\"10.0.0.300\"]}", "h2", &d) == -EINVAL,
	       "records without an address, not JSON, or with a bad address: refused");
	tap_ok(d.n == 3 && !strcmp(d.v[0].where, "k1") && !strcmp(d.v[2].where, "k3"),
	       "each named by its key (%s: %s)", d.n ? d.v[0].where : "", d.n ? d.v[0].msg : "");
	free(key);
	free(value);
	cmp_snap_free(a);
	cmp_snap_free(b);
	{	/* no other host yet: an empty table that finds nothing */
		json_t *none = json_array();
		struct learn_remote *r = NULL;
		struct id_addr ad = { .family = AF_INET, .a = { 10, 0, 0, 1 } };

		tap_ok(fleet_endpoints_remote(none, &r, &d) == 0 && learn_remote_count(r) == 0 &&
		       !learn_remote_lookup(r, &ad), "no endpoints: an empty table");
		learn_remote_free(r);
		json_decref(none);
	}
}

int main(void)
{
	test_endpoint();
	test_base64();
	test_sha256();
	test_url();
	return tap_done();
}
