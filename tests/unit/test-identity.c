// SPDX-License-Identifier: GPL-2.0-or-later
/* Identity rules on records parsed from recorded runtime answers, and the
 * address index: history under address reuse, change notifications, bounds. */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rt-oneline.h"
#include "tap.h"
#include "zonewall/diag.h"
#include "zonewall/identity.h"
#include "zonewall/runtime.h"

static struct id_workload *load(const char *kind, const char *file)
{
	char path[512], err[256], *buf;
	const char *top = getenv("top_srcdir");
	struct id_workload *w;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/tests/fixtures/runtime/%s/%s", top ? top : ".", kind, file);
	f = fopen(path, "r");
	if (!f) {
		printf("Bail out! cannot read %s\n", path);
		exit(1);
	}
	buf = malloc(1 << 20);
	n = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	w = t_parse_inspect(buf, n, kind, err, sizeof(err));
	free(buf);
	return w;
}

static void rules_on_recordings(const char *kind)
{
	struct id_rules r;
	struct id_workload *w;
	const char *order[] = { "name" };
	struct diags d;

	id_rules_init(&r);
	w = load(kind, "inspect-web.json");
	id_resolve(&r, w);
	tap_is_str(w->identity, "frontend", "%s web: label zonewall.identity", kind);
	tap_is_str(w->zone, "web", "%s web: zone label", kind);
	id_workload_put(w);
	w = load(kind, "inspect-app.json");
	id_resolve(&r, w);
	tap_is_str(w->identity, "shop/api", "%s app: compose project/service", kind);
	tap_ok(!strstr(w->identity, "5d9f8c7b6"), "%s app: churn label value not in the identity", kind);
	id_workload_put(w);
	w = load(kind, "inspect-db-1.json");
	id_resolve(&r, w);
	tap_is_str(w->identity, "localhost/zwbb", "%s db: image without tag", kind);
	tap_is_str(w->identity_rule, "image", "%s db: by the image rule", kind);
	diags_init(&d);
	id_rules_set_order(&r, order, 1, "$", &d);
	id_rules_add_network_zone(&r, "zwrecnet", "lab");
	free(r.zone_label);
	r.zone_label = NULL;
	id_resolve(&r, w);
	tap_is_str(w->identity, "zwrec-db", "%s db: name without replica number", kind);
	tap_is_str(w->zone, "lab", "%s db: zone from the network map", kind);
	id_workload_put(w);
	id_rules_free(&r);
}

static void rules_pure(void)
{
	static const char *const img[][2] = {
		{ "nginx:1.25", "nginx" }, { "docker.io/library/nginx:1.25", "nginx" },
		{ "docker.io/bitnami/redis", "bitnami/redis" },
		{ "localhost:5000/shop/api:2@sha256:abcd", "localhost:5000/shop/api" },
		{ "ghcr.io/org/app@sha256:00ff", "ghcr.io/org/app" }, { "localhost:5000/x", "localhost:5000/x" },
	};
	static const char *const names[][2] = {
		{ "/web-1", "web" }, { "web_2", "web" }, { "shop-api-3", "shop-api" }, { "web1", "web1" },
		{ "db.12", "db" }, { "7", "7" }, { "-1", "-1" },
	};
	const char *bad1[] = { "label:pod-template-hash" }, *bad2[] = { "magic" };
	const char *bad3[] = { "name", "label:", "image", "magic" };
	struct id_rules r;
	struct diags d;
	char *s;
	size_t i;

	for (i = 0; i < sizeof(img) / sizeof(img[0]); i++) {
		s = id_image_repository(img[i][0]);
		tap_is_str(s, img[i][1], "image %s", img[i][0]);
		free(s);
	}
	tap_ok(!id_image_repository("sha256:0123") &&
	       !id_image_repository("de185671b727d7cd8378eb45daac09697532af29ee7272fd10fd986b4331abc1"),
	       "an image id is not a repository");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		s = id_name_base(names[i][0]);
		tap_is_str(s, names[i][1], "name %s", names[i][0]);
		free(s);
	}
	id_rules_init(&r);
	diags_init(&d);
	tap_is_int(id_rules_set_order(&r, bad1, 1, "$.r", &d), -EINVAL, "churn label refused");
	tap_ok(d.n == 1 && !strcmp(d.v[0].where, "$.r[0]") && strstr(d.v[0].msg, "every rollout"),
	       "at its place: %s: %s", d.n ? d.v[0].where : "", d.n ? d.v[0].msg : "");
	diags_init(&d);
	tap_is_int(id_rules_set_order(&r, bad2, 1, "$.r", &d), -EINVAL, "unknown rule refused");
	tap_ok(d.n == 1 && !strcmp(d.v[0].where, "$.r[0]"), "at its place");
	diags_init(&d);
	tap_is_int(id_rules_set_order(&r, bad3, 4, "$.r", &d), -EINVAL, "two bad rules refused");
	tap_ok(d.n == 2 && !strcmp(d.v[0].where, "$.r[1]") && !strcmp(d.v[1].where, "$.r[3]") &&
	       !strcmp(d.v[0].msg, "'label:' needs a label key"),
	       "each named at its place");
	diags_init(&d);
	tap_is_int(id_rules_set_order(&r, bad3, 0, "$.r", &d), -EINVAL, "an empty list refused");
	tap_ok(d.n == 1 && !strcmp(d.v[0].where, "$.r"), "at the list");
	tap_is_int(r.n, 5, "a refused order leaves the rules as they were");
	id_rules_free(&r);
}

static struct id_workload *mk(const char *id, const char *name, const char *ip)
{
	struct id_workload *w = id_workload_new();
	struct id_net *n;

	id_workload_set(&w->id, id);
	id_workload_set(&w->name, name);
	id_workload_set(&w->state, "running");
	n = id_workload_add_net(w, "net");
	snprintf(n->ipv4, sizeof(n->ipv4), "%s", ip);
	return w;
}

static int changes[3];

static void on_change(void *ctx, enum id_change what, int64_t t, const struct id_workload *o,
		      const struct id_workload *n)
{
	changes[what]++;
}

static void index_history(void)
{
	struct id_rules r;
	struct id_index *idx;
	struct id_addr a, b;
	const struct id_workload *w;
	struct id_workload *v[2];
	struct id_sync_stats st;
	char ip[32];
	int i, rc = 0;

	id_rules_init(&r);
	idx = id_index_new(&r, 8, 100);
	id_index_set_notify(idx, on_change, NULL);
	id_addr_parse("10.0.0.2", &a);
	id_index_upsert(idx, mk("aaa", "web-1", "10.0.0.2"), 100);
	id_index_remove(idx, "aaa", 200);
	id_index_upsert(idx, mk("bbb", "db-1", "10.0.0.2"), 300);
	w = id_index_lookup(idx, &a, 150);
	tap_is_str(w ? w->name : NULL, "web-1", "address reuse: t=150 -> the first holder");
	tap_ok(!id_index_lookup(idx, &a, 250), "t=250: nobody held it");
	w = id_index_lookup(idx, &a, 0);
	tap_is_str(w ? w->identity : NULL, "db", "now -> the second holder, identity resolved");
	tap_ok(!id_index_lookup(idx, &a, 50), "before anyone: unknown");
	/* restart with a new address */
	id_index_upsert(idx, mk("bbb", "db-1", "10.0.0.3"), 400);
	id_addr_parse("10.0.0.3", &b);
	tap_ok(!id_index_lookup(idx, &a, 0) && id_index_lookup(idx, &b, 0), "moved address: old released, new held");
	w = id_index_lookup(idx, &a, 350);
	tap_is_str(w ? w->name : NULL, "db-1", "history still answers for t=350");
	tap_ok(changes[ID_ADDED] == 2 && changes[ID_CHANGED] == 1 && changes[ID_REMOVED] == 1,
	       "notifications: 2 added, 1 changed, 1 removed");
	/* bounded: 8 addresses at most, released ones forgotten first */
	for (i = 0; i < 20; i++) {
		char id[8];

		snprintf(id, sizeof(id), "c%d", i);
		snprintf(ip, sizeof(ip), "10.1.0.%d", i);
		rc |= id_index_upsert(idx, mk(id, id, ip), 500 + i);
		id_index_remove(idx, id, 501 + i);
	}
	tap_ok(rc == 0 && id_index_addr_count(idx) <= 8, "history bounded (%zu addresses)", id_index_addr_count(idx));
	v[0] = mk("bbb", "db-1", "10.0.0.3");
	v[1] = mk("ccc", "api-1", "10.0.0.9");
	id_index_sync(idx, v, 2, 1000, &st);
	tap_ok(st.added == 1 && st.unchanged == 1 && id_index_count(idx) == 2, "sync: +1 =1");
	tap_ok(id_index_find(idx, "ccc") != NULL, "find by id");
	id_index_set_stale(idx, 1234);
	tap_ok(id_index_stale(idx, NULL), "stale flag");
	id_index_free(idx);
	id_rules_free(&r);
}

int main(void)
{
	rules_on_recordings("podman");
	rules_on_recordings("docker");
	rules_pure();
	index_history();
	return tap_done();
}
