// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The learning glue: resolution order (runtime index at the flow's time,
 * inventory longest prefix, unknown:ADDRESS), zones (policy selectors
 * authoritative, else identity module or inventory), observations into a
 * proposal, the what-if decision, run ids.  Hermetic: hand-built
 * workloads, inventory and policy.
 */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>

#include "tap.h"
#include "zonewall/learn.h"

#define S(x) ((int64_t)(x) * 1000000000)

static struct id_workload *mk(const char *id, const char *name, const char *net,
			      const char *ip, const char *label_key, const char *label_value)
{
	struct id_workload *w = id_workload_new();
	struct id_net *n;

	id_workload_set(&w->id, id);
	id_workload_set(&w->name, name);
	id_workload_set(&w->state, "running");
	id_workload_set(&w->image, "");
	n = id_workload_add_net(w, net);
	snprintf(n->ipv4, sizeof(n->ipv4), "%s", ip);
	if (label_key)
		id_workload_add_label(w, label_key, label_value);
	id_workload_sort(w);
	return w;
}

static void row(struct flow_row *r, uint8_t proto, const char *client, const char *server,
		uint16_t port, int64_t first_s, int64_t last_s, uint32_t packets)
{
	memset(r, 0, sizeof(*r));
	r->key.proto = proto;
	r->key.family = strchr(client, ':') ? 6 : 4;
	inet_pton(r->key.family == 6 ? AF_INET6 : AF_INET, client, r->key.client);
	inet_pton(r->key.family == 6 ? AF_INET6 : AF_INET, server, r->key.server);
	r->key.port = port;
	r->first_seen = (uint64_t)S(first_s);
	r->last_seen = (uint64_t)S(last_s);
	r->packets = packets;
}

static const char inventory[] =
	"{\"version\": 1, \"entries\": ["
	" {\"name\": \"corp\", \"zone\": \"corp\", \"cidrs\": [\"192.0.2.0/24\"]},"
	" {\"name\": \"corp-dns\", \"zone\": \"infra\", \"cidrs\": [\"192.0.2.53\"]},"
	" {\"name\": \"internet\", \"zone\": \"internet\", \"cidrs\": [\"0.0.0.0/0\"],"
	"  \"except\": [\"10.0.0.0/8\"]}]}";

static const char policy[] =
	"{\"version\": 1, \"default_zone\": \"app\", \"zones\": ["
	" {\"name\": \"web\", \"mode\": \"learn\", \"match\": {\"labels\": {\"tier\": \"front\"}}},"
	" {\"name\": \"data\", \"mode\": \"learn\", \"match\": {\"networks\": [\"dbnet\"]}},"
	" {\"name\": \"app\", \"mode\": \"learn\"},"
	" {\"name\": \"outside\", \"mode\": \"learn\", \"match\": {\"cidrs\": [\"192.0.2.0/24\"]}}],"
	" \"borders\": [{\"from\": \"web\", \"to\": \"data\", \"verdict\": \"deny\"},"
	"  {\"from\": \"app\", \"to\": \"outside\", \"verdict\": \"allow\"}],"
	" \"allow\": [{\"from\": \"web\", \"to\": \"api\", \"proto\": \"tcp\", \"port\": 8080}]}";

struct fixture {
	struct id_rules rules;
	struct id_index *idx;
	struct inv inv;
	struct pol_policy *pol;
	struct rt_source src[2];	/* the runtime's index, then the inventory */
};

static int fixture_init(struct fixture *f)
{
	struct diags d;

	memset(f, 0, sizeof(*f));
	if (id_rules_init(&f->rules) || id_rules_add_network_zone(&f->rules, "dbnet", "db-zone"))
		return -1;
	f->idx = id_index_new(&f->rules, 1024, 1024);
	if (!f->idx)
		return -1;
	/* 10.0.0.5: "old" from 100 s to 200 s, then "api" from 300 s (address reuse). */
	id_index_upsert(f->idx, mk("c1", "old-1", "net", "10.0.0.5", NULL, NULL), S(100));
	id_index_remove(f->idx, "c1", S(200));
	id_index_upsert(f->idx, mk("c2", "api-1", "net", "10.0.0.5", NULL, NULL), S(300));
	/* web: label tier=front and a zonewall.zone label the policy overrides. */
	id_index_upsert(f->idx, mk("c3", "web-1", "net", "10.0.0.2", "tier", "front"), S(100));
	id_index_upsert(f->idx, mk("c4", "db-1", "dbnet", "10.0.0.9", NULL, NULL), S(100));
	id_index_upsert(f->idx, mk("c5", "bad", "net", "10.0.0.7", "zonewall.identity",
				   "has space"), S(100));
	f->src[0] = rt_source_index(f->idx);
	f->src[1] = rt_source_inventory(&f->inv);
	if (inv_parse(&f->inv, inventory, strlen(inventory), &d)) {
		printf("# inventory: %s: %s\n", d.n ? d.v[0].where : "", d.n ? d.v[0].msg : "");
		return -1;
	}
	f->pol = pol_parse(policy, strlen(policy), &d);
	if (!f->pol) {
		printf("# policy: %s: %s\n", d.n ? d.v[0].where : "", d.n ? d.v[0].msg : "");
		return -1;
	}
	return 0;
}

static void fixture_free(struct fixture *f)
{
	id_index_free(f->idx);
	id_rules_free(&f->rules);
	inv_free(&f->inv);
	pol_free(f->pol);
}

static void resolve(const struct learn_env *env, const char *addr, int64_t t_s,
		    struct learn_end *e)
{
	uint8_t a[16] = { 0 };
	int fam = strchr(addr, ':') ? 6 : 4;

	inet_pton(fam == 6 ? AF_INET6 : AF_INET, addr, a);
	learn_resolve(env, fam, a, S(t_s), e);
}

static void test_order(struct fixture *f)
{
	struct learn_env env = { .sources = f->src, .n_sources = 2 };
	struct learn_end e;

	resolve(&env, "10.0.0.5", 150, &e);
	tap_is_str(e.identity, "old", "reused address at 150 s: the container that held it then");
	tap_ok(e.source == LEARN_SRC_RUNTIME, "source runtime");
	resolve(&env, "10.0.0.5", 400, &e);
	tap_is_str(e.identity, "api", "at 400 s: the new holder");
	resolve(&env, "10.0.0.5", 250, &e);
	tap_is_str(e.identity, "unknown:10.0.0.5",
		   "between holders, and private, so not the internet entry: unknown");
	tap_ok(e.zone[0] == '\0' && !e.zone_source, "unknown without a policy: no zone");
	resolve(&env, "10.0.0.2", 150, &e);
	tap_is_str(e.zone, "default", "no policy: the identity module's zone (default)");
	resolve(&env, "10.0.0.9", 150, &e);
	tap_is_str(e.zone, "db-zone", "no policy: the network map's zone");
	tap_is_str(e.zone_source, "network", "zone source network");
	resolve(&env, "192.0.2.53", 150, &e);
	tap_is_str(e.identity, "corp-dns", "inventory: the longest prefix wins");
	tap_is_str(e.zone, "infra", "and its zone");
	tap_ok(e.source == LEARN_SRC_INVENTORY, "source inventory");
	resolve(&env, "192.0.2.7", 150, &e);
	tap_is_str(e.identity, "corp", "inventory: the /24");
	resolve(&env, "198.51.100.1", 150, &e);
	tap_is_str(e.identity, "internet", "inventory: 0.0.0.0/0");
	resolve(&env, "10.0.0.7", 150, &e);
	tap_is_str(e.identity, "unknown:10.0.0.7", "an identity with a space: unknown:ADDRESS");
	tap_ok(e.bad_identity, "and flagged");
	resolve(&env, "2001:db8::1", 150, &e);
	tap_is_str(e.identity, "unknown:2001:db8::1", "IPv6 unknown");
}

static void test_policy_zones(struct fixture *f)
{
	struct learn_env env = { .sources = f->src, .n_sources = 2, .pol = f->pol };
	struct learn_end e;

	resolve(&env, "10.0.0.2", 150, &e);
	tap_is_str(e.zone, "web", "policy: label selector decides");
	tap_is_str(e.zone_source, "policy", "zone source policy");
	resolve(&env, "10.0.0.9", 150, &e);
	tap_is_str(e.zone, "data", "policy: network selector, over the network map's db-zone");
	resolve(&env, "10.0.0.5", 400, &e);
	tap_is_str(e.zone, "app", "policy: nothing matches, default zone");
	resolve(&env, "192.0.2.7", 150, &e);
	tap_is_str(e.zone, "outside", "policy: an inventory address by CIDR selector");
	resolve(&env, "10.9.9.9", 150, &e);
	tap_is_str(e.zone, "app", "policy: an unknown address gets the default zone");
}

static void test_observe(struct fixture *f)
{
	struct learn_env env = { .sources = f->src, .n_sources = 2 };
	struct prop_set *s = prop_new();
	struct learn_stats st = { 0 };
	struct flow_row r[4];
	const struct prop_edge *e;
	int rc;

	row(&r[0], IPPROTO_TCP, "10.0.0.2", "10.0.0.5", 8080, 350, 86400 + 10, 4);
	row(&r[1], IPPROTO_ICMP, "10.0.0.2", "192.0.2.53", 8, 350, 351, 2);
	row(&r[2], IPPROTO_UDP, "10.0.0.2", "10.3.3.3", 53, 350, 350, 1);
	row(&r[3], IPPROTO_TCP, "10.0.0.2", "10.0.0.5", 8080, 150, 160, 1);
	rc = learn_observe_rows(s, &env, r, 4, "run-1", &st);
	tap_is_int(rc, 0, "four rows observed");
	tap_is_int((long long)s->n, 4, "four edges (10.0.0.5 at 150 s is 'old', not 'api')");
	tap_is_int((long long)st.flows, 4, "stats: flows");
	tap_is_int((long long)st.runtime, 6, "stats: runtime ends");
	tap_is_int((long long)st.inventory, 1, "stats: inventory ends");
	tap_is_int((long long)st.unknown, 1, "stats: unknown ends");
	prop_sort(s);
	e = &s->edges[0];
	tap_is_str(e->to, "api", "edge web -> api");
	tap_is_int(e->port, 8080, "port");
	tap_is_int(e->n_days, 2, "two days seen");
	tap_is_str(e->runs[0], "run-1", "the run id");
	tap_is_str(e->samples[0].from, "10.0.0.2", "sample from");
	tap_is_str(e->from_zone, "default", "zone recorded");
	e = &s->edges[1];
	tap_ok(!strcmp(e->to, "corp-dns") && e->proto == IPPROTO_ICMP && e->port == 0,
	       "ICMP echo edge has no port");
	e = &s->edges[2];
	tap_ok(!strcmp(e->to, "old"), "the reused address' earlier holder");
	e = &s->edges[3];
	tap_ok(!strcmp(e->to, "unknown:10.3.3.3") && !e->to_zone, "unknown kept, no zone");
	prop_free(s);
}

static void test_check(struct fixture *f)
{
	struct learn_env env = { .sources = f->src, .n_sources = 2, .pol = f->pol };
	struct learn_end from, to;
	struct pol_reason why;
	struct flow_row r;

	row(&r, IPPROTO_TCP, "10.0.0.2", "10.0.0.5", 8080, 400, 400, 1);
	tap_ok(learn_check(&env, &r, &from, &to, &why) == POL_ALLOWED_BY_RULE,
	       "web -> api tcp/8080: allowed by the rule");
	row(&r, IPPROTO_TCP, "10.0.0.2", "10.0.0.9", 5432, 400, 400, 1);
	tap_ok(learn_check(&env, &r, &from, &to, &why) == POL_REFUSED_BY_BORDER &&
	       why.border, "web -> db: refused by the deny border");
	row(&r, IPPROTO_TCP, "10.0.0.2", "10.0.0.5", 9999, 400, 400, 1);
	tap_ok(learn_check(&env, &r, &from, &to, &why) == POL_REFUSED_NO_RULE,
	       "web -> api tcp/9999: no rule");
	row(&r, IPPROTO_TCP, "10.0.0.5", "192.0.2.7", 443, 400, 400, 1);
	tap_ok(learn_check(&env, &r, &from, &to, &why) == POL_ALLOWED_BY_BORDER,
	       "api (app) -> corp (outside): allow border");
}

static void test_run_id(void)
{
	char id[LEARN_RUN_ID_MAX];

	learn_run_id(id, sizeof(id), 1767225600, 42, "stage host\"1");
	tap_is_str(id, "stage_host_1-20260101T000000Z-42", "run id: host, UTC time, pid");
	tap_ok(pol_identity_valid(id), "a valid run id");
	learn_run_id(id, sizeof(id), 0, 1, NULL);
	tap_is_str(id, "host-19700101T000000Z-1", "no host name");
}

int main(void)
{
	struct fixture f;

	if (fixture_init(&f)) {
		tap_ok(0, "fixture");
		return tap_done();
	}
	test_order(&f);
	test_policy_zones(&f);
	test_observe(&f);
	test_check(&f);
	test_run_id();
	fixture_free(&f);
	return tap_done();
}
