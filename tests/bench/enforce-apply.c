// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark driver for tests/bench/enforce-apply.sh (not a test):
 *   enforce-apply text N FILE    the N-tuple model as nft text (replace form) for `nft -f`
 *   enforce-apply apply N        build the model and apply it; prints build and apply ms
 *   enforce-apply update N M R   apply N, then R rounds of adding (and removing) M
 *                                elements; prints each add's ms from call to last ack
 *   enforce-apply json FILE      jansson's json_load_file() of FILE; prints its ms
 *                                (with apply's, the floor of `zonewall apply`)
 * The model is the shape the compiler targets: forward chain, source vmap,
 * one zone chain and the shared allowlist set of N concatenated tuples.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <jansson.h>

#include "zonewall/nft.h"
#include "zonewall/ruleset.h"

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static const struct rs_key allow_key = { { RS_T_IPV4, RS_T_IPV4, RS_T_PROTO, RS_T_SERVICE }, 4 };

/* Tuple @i: distinct for every i < 2^24. */
static void tuple(size_t i, unsigned int salt, struct rs_value v[4])
{
	memset(v, 0, 4 * sizeof(*v));
	v[0].type = v[1].type = RS_T_IPV4;
	v[0].prefix = v[1].prefix = 32;
	v[0].u.v4.s_addr = htonl(0x0a000000u | (uint32_t)(i & 0xffffff));
	v[1].u.v4.s_addr = htonl(0xac100000u | salt << 8 | (uint32_t)(i % 200));
	v[2].type = RS_T_PROTO;
	v[2].u.proto = i & 1 ? 17 : 6;
	v[3].type = RS_T_SERVICE;
	v[3].u.port = 80 + i % 1000;
}

static int fill(struct rs_set *s, size_t n, unsigned int salt)
{
	struct rs_value v[4];

	for (size_t i = 0; i < n; i++) {
		tuple(i, salt, v);
		if (rs_set_add_elem(s, v, NULL, "bench") < 0)
			return -ENOMEM;
	}
	return 0;
}

static struct rs_ruleset *model(size_t n)
{
	struct rs_ruleset *rs = rs_ruleset_new();
	struct rs_table *t = rs_table_add(rs, RS_INET, "zonewall", "bench");
	struct rs_key k = { { RS_T_IPV4 }, 1 };
	struct rs_set *allow = rs_set_add(t, "allow4", &allow_key, false, false, "bench");
	struct rs_set *src = rs_set_add(t, "src4", &k, true, true, "bench");
	struct rs_chain *fwd = rs_chain_add(t, "forward", "bench");
	struct rs_chain *zone = rs_chain_add(t, "from_web", "bench");
	struct rs_verdict jump = { RS_V_JUMP, (char *)"from_web" };
	struct rs_value ct, net;
	enum rs_field f4[4] = { RS_F_IP_SADDR, RS_F_IP_DADDR, RS_F_L4PROTO, RS_F_TH_DPORT };
	struct rs_rule *r;

	rs_chain_set_hook(fwd, RS_HOOK_FORWARD, -5, false);
	rs_value_parse(RS_T_CTSTATE, "established,related", &ct);
	rs_value_parse(RS_T_IPV4, "10.0.0.0/8", &net);
	rs_set_add_elem(src, &net, &jump, "bench");
	r = rs_rule_add(fwd, "replies", "bench");
	rs_rule_match(r, RS_F_CT_STATE, false, &ct);
	rs_rule_verdict(r, RS_V_ACCEPT, NULL);
	r = rs_rule_add(fwd, NULL, "bench");
	rs_rule_vmap(r, f4, 1, "src4");
	r = rs_rule_add(zone, "allowed", "bench");
	rs_rule_lookup(r, f4, 4, false, "allow4");
	rs_rule_counter(r);
	rs_rule_verdict(r, RS_V_ACCEPT, NULL);
	r = rs_rule_add(zone, "refused", "bench");
	rs_rule_counter(r);
	rs_rule_verdict(r, RS_V_DROP, NULL);
	if (fill(allow, n, 0) < 0) {
		rs_ruleset_free(rs);
		return NULL;
	}
	return rs;
}

static struct nft_conn *conn(void)
{
	struct nft_conn *c = nft_open();

	if (!c) {
		perror("netlink");
		exit(1);
	}
	return c;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The parse no policy reader can go below: jansson's own tree of the file. */
static int json_floor(const char *path)
{
	double t0 = now_ms(), t1;
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);

	t1 = now_ms();
	if (!j) {
		fprintf(stderr, "%s: %s\n", path, err.text);
		return 1;
	}
	json_decref(j);
	printf("json_ms %.2f\n", t1 - t0);
	return 0;
}

int main(int argc, char **argv)
{
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
	double t0, t1, t2;
	struct rs_ruleset *rs;
	struct nft_conn *c;
	struct nft_error e;

	if (argc == 3 && !strcmp(argv[1], "json"))
		return json_floor(argv[2]);
	t0 = now_ms();
	rs = model(n);

	if (!rs || argc < 3)
		return 2;
	t1 = now_ms();
	if (!strcmp(argv[1], "text") && argc == 4) {
		char *text = rs_render_text(rs, RS_RENDER_REPLACE);
		FILE *f = fopen(argv[3], "w");

		if (!text || !f || fputs(text, f) < 0 || fclose(f) != 0)
			return 1;
		free(text);
		rs_ruleset_free(rs);
		return 0;
	}
	c = conn();
	if (nft_apply(c, rs, &e) < 0) {
		fprintf(stderr, "%s\n", e.text);
		return 1;
	}
	t2 = now_ms();
	if (!strcmp(argv[1], "apply")) {
		struct rusage ru;

		/* user time is ours (model, batch); system time is nearly all the
		 * kernel taking the batch: what no user space can go below */
		getrusage(RUSAGE_SELF, &ru);
		printf("build_ms %.2f apply_ms %.2f user_ms %.2f sys_ms %.2f\n", t1 - t0, t2 - t1,
		       ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3,
		       ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3);
	} else if (!strcmp(argv[1], "update") && argc == 5) {
		size_t m = strtoul(argv[3], NULL, 10), rounds = strtoul(argv[4], NULL, 10);
		double *ms = calloc(rounds, sizeof(*ms)), *del = calloc(rounds, sizeof(*del));

		for (size_t i = 0; i < rounds; i++) {
			struct rs_set *d = rs_set_new("allow4", &allow_key, false, false, "update");
			double a, b;

			/* a container start: M new peers, never seen before */
			fill(d, m, 1 + i % 200);
			a = now_ms();
			if (nft_elems_update(c, RS_INET, "zonewall", d, NULL, &e) < 0) {
				fprintf(stderr, "%s\n", e.text);
				return 1;
			}
			b = now_ms();
			ms[i] = b - a;
			if (nft_elems_update(c, RS_INET, "zonewall", NULL, d, &e) < 0) {
				fprintf(stderr, "%s\n", e.text);
				return 1;
			}
			del[i] = now_ms() - b;
			rs_set_free(d);
		}
		qsort(ms, rounds, sizeof(*ms), cmp_double);
		qsort(del, rounds, sizeof(*del), cmp_double);
		printf("add_ms median %.3f min %.3f max %.3f | del_ms median %.3f min %.3f max %.3f\n",
		       ms[rounds / 2], ms[0], ms[rounds - 1], del[rounds / 2], del[0], del[rounds - 1]);
		free(ms);
		free(del);
	}
	nft_close(c);
	rs_ruleset_free(rs);
	return 0;
}
