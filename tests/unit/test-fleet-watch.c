// SPDX-License-Identifier: GPL-2.0-or-later
/* How a daemon follows the fleet between two lists: lines out of a stream
 * cut anywhere (linebuf), etcd's watch messages as the JSON gateway writes
 * them (taken from etcd 3.4's own answers), and the view of the other
 * hosts' endpoints that a list and then a watch's changes keep. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zonewall/base64.h"
#include "zonewall/etcd.h"
#include "zonewall/fleet.h"
#include "zonewall/linebuf.h"

static const char *const stream[] = {
	"{\"result\":{\"header\":{\"cluster_id\":\"15118495548433857066\",\"member_id\":\"13668033151171901709\","
	"\"revision\":\"1\",\"raft_term\":\"2\"},\"created\":true}}",
	"{\"result\":{\"header\":{\"revision\":\"2\",\"raft_term\":\"2\"},\"events\":[{\"kv\":{\"key\":\"L3p3L2E=\","
	"\"create_revision\":\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"MQ==\"}}]}}",
	"{\"result\":{\"header\":{\"revision\":\"4\",\"raft_term\":\"2\"},\"events\":[{\"type\":\"DELETE\","
	"\"kv\":{\"key\":\"L3p3L2E=\",\"mod_revision\":\"4\"}}]}}",
};

/* The three messages, cut into two pieces at @cut (and a \r\n between the
 * first two, and a blank line): the same three lines come out. */
static bool lines_at_cut(size_t cut)
{
	char all[2048];
	struct linebuf b;
	const char *want[3] = { stream[0], stream[1], stream[2] };
	size_t n = 0, len, got = 0;
	bool ok = true;
	char *l;

	n = (size_t)snprintf(all, sizeof(all), "%s\r\n\n%s\n%s\n", stream[0], stream[1], stream[2]);
	linebuf_init(&b, 4096);
	ok &= linebuf_push(&b, all, cut) == 0;
	while ((l = linebuf_next(&b, false, &len)))
		ok &= got < 3 && len == strlen(want[got]) && !strcmp(l, want[got++]);
	ok &= linebuf_push(&b, all + cut, n - cut) == 0;
	while ((l = linebuf_next(&b, false, &len)))
		ok &= got < 3 && len == strlen(want[got]) && !strcmp(l, want[got++]);
	linebuf_free(&b);
	return ok && got == 3;
}

static void test_linebuf(void)
{
	struct linebuf b;
	size_t len, bad = 0, total = strlen(stream[0]) + strlen(stream[1]) + strlen(stream[2]) + 5;
	char *l;

	for (size_t cut = 0; cut <= total; cut++)
		bad += !lines_at_cut(cut);
	tap_is_int((long)bad, 0L, "three messages cut at each of %zu places: the same three lines", total + 1);
	linebuf_init(&b, 8);
	tap_ok(linebuf_push(&b, "abc", 3) == 0 && !linebuf_next(&b, false, &len),
	       "an unterminated line waits");
	l = linebuf_next(&b, true, &len);
	tap_ok(l && len == 3 && !strcmp(l, "abc"), "and is a line when the stream ended");
	tap_ok(linebuf_push(&b, "12345678", 8) == 0 && linebuf_push(&b, "9", 1) == -EMSGSIZE,
	       "more than the max waiting for a newline: -EMSGSIZE");
	l = linebuf_next(&b, true, &len);
	tap_ok(l && !strcmp(l, "12345678"), "nothing of the refused piece appended");
	linebuf_free(&b);
}

static void test_parse(void)
{
	struct etcd_watch_msg m;
	struct diags d;

	diags_init(&d);
	tap_ok(etcd_watch_parse(stream[0], strlen(stream[0]), "w", &m, &d) == 0 && m.created &&
	       m.revision == 1 && m.n == 0, "created, at revision 1");
	etcd_watch_msg_free(&m);
	tap_ok(etcd_watch_parse(stream[1], strlen(stream[1]), "w", &m, &d) == 0 && m.n == 1 &&
	       !m.ev[0].deleted && !strcmp(m.ev[0].kv.key, "/zw/a") && !strcmp(m.ev[0].kv.value, "1") &&
	       m.ev[0].kv.mod_rev == 2, "a put (no type: etcd leaves PUT out), key and value decoded");
	etcd_watch_msg_free(&m);
	tap_ok(etcd_watch_parse(stream[2], strlen(stream[2]), "w", &m, &d) == 0 && m.n == 1 &&
	       m.ev[0].deleted && !strcmp(m.ev[0].kv.key, "/zw/a") && !strcmp(m.ev[0].kv.value, "") &&
	       m.ev[0].kv.mod_rev == 4, "a delete");
	etcd_watch_msg_free(&m);
	{
		static const char c[] = "{\"result\":{\"header\":{\"raft_term\":\"2\"},\"canceled\":true,"
					"\"compact_revision\":\"5\"}}";

		tap_ok(etcd_watch_parse(c, strlen(c), "w", &m, &d) == 0 && m.canceled &&
		       m.compact_revision == 5, "canceled by a compaction, its revision");
		etcd_watch_msg_free(&m);
	}
	{
		static const char *const bad[] = {
			"{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"etcdserver: no leader\"}}",
			"not json", "[]", "{\"result\":{\"events\":{}}}",
			"{\"result\":{\"events\":[{\"type\":\"PATCH\",\"kv\":{\"key\":\"YQ==\"}}]}}",
			"{\"result\":{\"events\":[{\"kv\":{\"key\":\"!!!\"}}]}}",
			"{\"result\":{\"events\":[{\"kv\":{}}]}}",
		};
		int rc[7];

		diags_init(&d);
		for (size_t i = 0; i < 7; i++)
			rc[i] = etcd_watch_parse(bad[i], strlen(bad[i]), "w", &m, &d);
		tap_ok(rc[0] == -ECANCELED && strstr(d.v[0].msg, "no leader"),
		       "the gateway's error in the stream: -ECANCELED, etcd's words (%s)", d.v[0].msg);
		tap_ok(rc[1] == -EPROTO && rc[2] == -EPROTO && rc[3] == -EPROTO && rc[4] == -EPROTO &&
		       rc[5] == -EPROTO && rc[6] == -EPROTO && d.n == 7,
		       "not JSON, not an object, events not a list, an unknown type, a key not base64, "
		       "no key: -EPROTO, each said");
	}
}

/* An endpoint event: put (value) or delete (NULL) of @key at @rev. */
static struct etcd_event ev(const char *key, const char *value, int64_t rev)
{
	struct etcd_event e = { .deleted = !value };

	e.kv.key = (char *)key;
	e.kv.value = (char *)(value ? value : "");
	e.kv.mod_rev = rev;
	return e;
}

static char *view_keys(struct fleet_view *v)
{
	json_t *j = fleet_view_json(v), *e;
	char buf[512] = "";
	size_t i;

	json_array_foreach(j, i, e) {
		strcat(buf, json_string_value(json_object_get(e, "host")));
		strcat(buf, ":");
		strcat(buf, strrchr(json_string_value(json_object_get(e, "key")), '/') + 1);
		strcat(buf, " ");
	}
	json_decref(j);
	return strdup(buf);
}

static void test_view(void)
{
	struct fleet_endpoint le[] = {
		{ (char *)"/zw/endpoints/b/10.0.0.2", (char *)"{\"r\":2}", "b" },
		{ (char *)"/zw/endpoints/a/10.0.0.1", (char *)"{\"r\":1}", "a" },
	};
	struct fleet_endpoints l = { le, 2, 3, 10 };
	struct fleet_view *v = fleet_view_new("/zw", "self");
	struct etcd_event e[4];
	char *k;

	tap_ok(v && fleet_view_reset(v, &l) == 1 && fleet_view_revision(v) == 10, "a list: changed, at its revision");
	tap_is_str(k = view_keys(v), "a:10.0.0.1 b:10.0.0.2 ", "sorted by key");
	free(k);
	tap_ok(fleet_view_reset(v, &l) == 0, "the same list again: no change");
	e[0] = ev("/zw/endpoints/b/10.0.0.2", NULL, 9);
	e[1] = ev("/zw/endpoints/c/10.0.0.3", "{\"r\":3}", 10);
	tap_ok(fleet_view_apply(v, e, 2) == 0, "changes at or before the list's revision: already in it");
	e[0] = ev("/zw/endpoints/self/10.0.0.9", "{\"r\":9}", 11);
	e[1] = ev("/zw/hosts/c", "{}", 11);
	e[2] = ev("/zw/endpoints/c", "{}", 11);
	e[3] = ev("/zw/endpoints/a/10.0.0.1", "{\"r\":1}", 11);
	tap_ok(fleet_view_apply(v, e, 4) == 0, "this host's own, other keys, a key without an address, "
	       "a put of the same record: no change");
	e[0] = ev("/zw/endpoints/c/10.0.0.3", "{\"r\":3}", 12);
	e[1] = ev("/zw/endpoints/a/10.0.0.1", NULL, 12);
	e[2] = ev("/zw/endpoints/b/10.0.0.2", "{\"r\":22}", 13);
	tap_ok(fleet_view_apply(v, e, 3) == 1 && fleet_view_revision(v) == 13,
	       "a put, a delete and a change in one batch (two at one revision)");
	tap_is_str(k = view_keys(v), "b:10.0.0.2 c:10.0.0.3 ", "as etcd holds them");
	free(k);
	e[0] = ev("/zw/endpoints/b/10.0.0.2", NULL, 13);
	tap_ok(fleet_view_apply(v, e, 1) == 0, "a replay of the last revision: no change");
	fleet_view_free(v);
}

int main(void)
{
	test_linebuf();
	test_parse();
	test_view();
	return tap_done();
}
