// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The inet table's sets and maps: the allowlist, the zone -> zone rule
 * sets, the source and destination zone maps, the workload addresses and
 * the container bridges and ports.  Pure: no I/O.
 */

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile-int.h"

static int add_allow_sets(struct ctx *c, const struct tuples *t)
{
	for (int f = 0; f < 2; f++) {
		struct rs_key k = allow_key(f);

		if (!rs_set_add(c->inet, cmp_allow_names[f][0], &k, false, false, "allowlist (exact tuples)"))
			return -errno;
		for (size_t i = 0; i < c->p->n_rules; i++) {
			const struct pol_rule *r = &c->p->rules[i];

			if (!pol_proto_has_ports(r->proto) || r->port_lo != r->port_hi || !r->port_lo)
				c->has_range[f] = true;
		}
		for (size_t i = 0; i < t->n; i++)
			if (t->v[i].family == (f ? 6 : 4) && !cmp_tuple_exact(&t->v[i]))
				c->has_range[f] = true;
		if (c->has_range[f] &&
		    !rs_set_add(c->inet, cmp_allow_names[f][1], &k, true, false, "allowlist (ranges)"))
			return -errno;
	}
	return 0;
}

/* Tuple @x as the allowlist's key: source . destination . protocol . ports. */
static void tuple_values(const struct tuple *x, struct rs_value v[4])
{
	prefix_value(&x->src, &v[0]);
	prefix_value(&x->dst, &v[1]);
	memset(&v[2], 0, sizeof(v[2]) * 2);
	v[2].type = RS_T_PROTO;
	v[2].u.proto = x->proto;
	v[3].type = RS_T_SERVICE;
	v[3].u.port = x->plo;
	v[3].port_hi = x->phi;
}

static void tuple_origin(const struct ctx *c, size_t rule, char *buf, size_t len)
{
	const struct pol_rule *r = &c->p->rules[rule];

	snprintf(buf, len, "policy $.allow[%zu] (%s -> %s)", rule, r->from, r->to);
}

static int fill_allow_sets(struct ctx *c, const struct tuples *t)
{
	/* [IPv6][range], looked up once, not per tuple */
	struct rs_set *sets[2][2] = {
		{ rs_set_find(c->inet, cmp_allow_names[0][0]), rs_set_find(c->inet, cmp_allow_names[0][1]) },
		{ rs_set_find(c->inet, cmp_allow_names[1][0]), rs_set_find(c->inet, cmp_allow_names[1][1]) },
	};
	char origin[POL_IDENTITY_MAX * 2 + 64];
	size_t origin_rule = SIZE_MAX;

	/* tuples come in rule order: one origin text per rule, not per tuple */
	for (size_t i = 0; i < t->n; i++) {
		const struct tuple *x = &t->v[i];
		struct rs_value v[4];
		int rc;

		tuple_values(x, v);
		if (x->rule != origin_rule)
			tuple_origin(c, x->rule, origin, sizeof(origin));
		origin_rule = x->rule;
		rc = rs_set_add_elem(sets[x->family == 6][!cmp_tuple_exact(x)], v, NULL, origin);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int cmp_tuple_elem_add(const struct ctx *c, struct rs_set *set, const struct tuple *x)
{
	char origin[POL_IDENTITY_MAX * 2 + 64];
	struct rs_value v[4];

	tuple_values(x, v);
	tuple_origin(c, x->rule, origin, sizeof(origin));
	return rs_set_add_elem(set, v, NULL, origin);
}

static int pref_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct cmp_prefix));
}

static int fill_member_set(struct ctx *c, struct rs_set *set, int family, size_t z)
{
	struct cmp_prefix *v = NULL, *nv;
	size_t n = 0, cap = 0;
	int rc = 0;

	for (size_t k = c->zone_start[z]; k < c->zone_start[z + 1]; k++)
		for (size_t j = 0, i = c->by_zone[k]; j < c->s->w[i]->n_addrs; j++) {
			struct cmp_prefix p = c->s->w[i]->addrs[j];

			if (p.family != family || !cmp_prefix_is_host(&p))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				if (!(nv = realloc(v, cap * sizeof(*nv)))) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			p.rank = p.len;
			v[n++] = p;
		}
	if (n)
		qsort(v, n, sizeof(*v), pref_cmp);
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		struct rs_value val;

		if (i && !memcmp(&v[i - 1], &v[i], sizeof(*v)))
			continue;	/* one host on two attachments of the zone */
		prefix_value(&v[i], &val);
		rc = rs_set_add_elem(set, &val, NULL, "zone member");
	}
	free(v);
	return rc < 0 ? rc : 0;
}

struct zport {
	uint8_t proto;
	uint16_t lo, hi;
	size_t rule;
};

static int zport_cmp(const void *a, const void *b)
{
	const struct zport *x = a, *y = b;

	if (x->proto != y->proto)
		return x->proto - y->proto;
	return x->lo != y->lo ? x->lo - y->lo : x->hi - y->hi;
}

/* The zone -> zone rules, sorted by pair, then in file order. */
struct zrule {
	size_t f, t, rule;
};

static int zrule_cmp(const void *a, const void *b)
{
	const struct zrule *x = a, *y = b;

	if (x->f != y->f)
		return x->f < y->f ? -1 : 1;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* The pair's protocols and ports for @family, overlapping ranges merged
 * (an interval set refuses overlaps); @zr: the pair's @nzr rules. */
static int fill_pair_set(struct ctx *c, struct rs_set *set, int family, const struct zrule *zr,
			 size_t nzr)
{
	struct zport *v = calloc(nzr ? nzr : 1, sizeof(*v));
	char origin[POL_IDENTITY_MAX * 2 + 64];
	size_t n = 0, k = 0;
	int rc = 0;

	if (!v)
		return -ENOMEM;
	for (size_t zi = 0; zi < nzr; zi++) {
		size_t i = zr[zi].rule;
		const struct pol_rule *r = &c->p->rules[i];

		if ((r->proto == IPPROTO_ICMP && family != 4) ||
		    (r->proto == IPPROTO_ICMPV6 && family != 6))
			continue;
		v[n].proto = r->proto;
		v[n].lo = r->port_lo;
		v[n].hi = r->port_hi;
		if (!pol_proto_has_ports(r->proto) || (!r->port_lo && !r->port_hi)) {
			v[n].lo = 0;
			v[n].hi = 65535;
		}
		v[n++].rule = i;
	}
	if (n)
		qsort(v, n, sizeof(*v), zport_cmp);
	for (size_t i = 0; i < n; i++) {
		if (k && v[k - 1].proto == v[i].proto && (uint32_t)v[k - 1].hi + 1 >= v[i].lo) {
			if (v[i].hi > v[k - 1].hi)
				v[k - 1].hi = v[i].hi;
			continue;
		}
		v[k++] = v[i];
	}
	for (size_t i = 0; rc >= 0 && i < k; i++) {
		struct rs_value val[2];

		memset(val, 0, sizeof(val));
		val[0].type = RS_T_PROTO;
		val[0].u.proto = v[i].proto;
		val[1].type = RS_T_SERVICE;
		val[1].u.port = v[i].lo;
		val[1].port_hi = v[i].hi;
		snprintf(origin, sizeof(origin), "policy $.allow[%zu] (%s -> %s)", v[i].rule,
			 c->p->rules[v[i].rule].from, c->p->rules[v[i].rule].to);
		rc = rs_set_add_elem(set, val, NULL, origin);
	}
	free(v);
	return rc < 0 ? rc : 0;
}

/* Once over the rules, not once per zone pair: sorted by pair. */
static int zone_rules_sorted(const struct ctx *c, struct zrule **out, size_t *n)
{
	struct zrule *v = calloc(c->p->n_rules + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	*n = 0;
	for (size_t i = 0; i < c->p->n_rules; i++) {
		long fz = c->rule_zone[2 * i], tz = c->rule_zone[2 * i + 1];

		if (fz >= 0 && tz >= 0)
			v[(*n)++] = (struct zrule){ (size_t)fz, (size_t)tz, i };
	}
	if (*n)
		qsort(v, *n, sizeof(*v), zrule_cmp);
	*out = v;
	return 0;
}

static int add_zone_rule_sets(struct ctx *c)
{
	size_t nz = c->p->n_zones, nzr;
	struct zrule *zr;
	char name[80];
	int rc = 0;

	TRY(zone_rules_sorted(c, &zr, &nzr));
	for (int fam = 4; fam <= 6 && rc == 0; fam += 2) {
		enum rs_type at = fam == 4 ? RS_T_IPV4 : RS_T_IPV6;
		struct rs_key km = { { at }, 1 }, kp = { { RS_T_PROTO, RS_T_SERVICE }, 2 };
		size_t lo = 0, hi;

		for (size_t z = 0; z < nz && rc == 0; z++) {
			struct rs_set *set;

			if (!c->zone_member[z])
				continue;
			zone_set_name(c, name, sizeof(name), fam, z);
			set = rs_set_add(c->inet, name, &km, false, false, "zone members (hosts)");
			rc = set ? fill_member_set(c, set, fam, z) : -errno;
		}
		/* the pairs in the order of zr: each takes the next run of it */
		for (size_t f = 0; f < nz && rc == 0; f++)
			for (size_t t = 0; t < nz && rc == 0; t++) {
				struct rs_set *set;

				if (!c->pair_rules[f * nz + t])
					continue;
				for (hi = lo; hi < nzr && zr[hi].f == f && zr[hi].t == t; hi++)
					;
				pair_set_name(c, name, sizeof(name), fam, f, t);
				set = rs_set_add(c->inet, name, &kp, true, false,
						 "zone pair: protocols and ports");
				rc = set ? fill_pair_set(c, set, fam, zr + lo, hi - lo) : -errno;
				lo = hi;
			}
	}
	free(zr);
	return rc;
}

/* Source map and one destination map per zone, from the flattened zone map. */
static int add_zone_maps(struct ctx *c, const struct zmap *zm, uint8_t family)
{
	enum rs_type at = family == 4 ? RS_T_IPV4 : RS_T_IPV6;
	struct rs_key k = { { at }, 1 };
	char name[80], chain[80];
	struct rs_set *src;

	snprintf(name, sizeof(name), "src%u", family);
	src = rs_set_add(c->inet, name, &k, true, true, "source address -> source zone");
	if (!src)
		return -errno;
	for (size_t z = 0; z < c->p->n_zones; z++) {
		struct rs_set *dst;

		snprintf(name, sizeof(name), "dst%u_%s", family, zname(c, z));
		dst = rs_set_add(c->inet, name, &k, true, true, "destination address -> zone pair");
		if (!dst)
			return -errno;
		for (size_t i = 0; i < zm->n; i++) {
			struct rs_verdict v = { RS_V_GOTO, chain };
			struct rs_value val;
			int rc;

			if (zm->v[i].zone == c->p->default_zone)
				continue;	/* the chain's last rule: goto the default pair */
			pair_chain_name(c, z, zm->v[i].zone, chain, sizeof(chain));
			cmp_zseg_value(&zm->v[i], family, &val);
			if ((rc = rs_set_add_elem(dst, &val, &v, zm->v[i].origin)) < 0)
				return rc;
		}
	}
	for (size_t i = 0; i < zm->n; i++) {
		struct rs_verdict v = { RS_V_JUMP, chain };
		struct rs_value val;
		int rc;

		if (zm->v[i].zone == c->p->default_zone)
			continue;	/* forward's last rule: jump to the default zone */
		snprintf(chain, sizeof(chain), "from_%s", zname(c, zm->v[i].zone));
		cmp_zseg_value(&zm->v[i], family, &val);
		if ((rc = rs_set_add_elem(src, &val, &v, zm->v[i].origin)) < 0)
			return rc;
	}
	return 0;
}

static int addr16_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* The exact addresses of @family in the snapshot, sorted and unique. */
static int exact_addrs(const struct cmp_snapshot *s, uint8_t family, uint8_t (**out)[16],
		       size_t *n)
{
	uint8_t (*v)[16] = NULL;
	size_t cap = 0, k = 0;

	for (size_t i = 0; i < s->n; i++)
		for (size_t j = 0; j < s->w[i]->n_addrs; j++) {
			const struct cmp_prefix *p = &s->w[i]->addrs[j];

			if (p->family != family || p->len != (family == 4 ? 32 : 128))
				continue;
			if (k == cap) {
				uint8_t (*nv)[16] = realloc(v, (cap = cap ? 2 * cap : 64) * 16);

				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			memset(v[k], 0, 16);
			memcpy(v[k++], p->a, family == 4 ? 4 : 16);
		}
	if (k)
		qsort(v, k, 16, addr16_cmp);
	*n = 0;
	for (size_t i = 0; i < k; i++)
		if (!*n || memcmp(v[*n - 1], v[i], 16))
			memmove(v[(*n)++], v[i], 16);
	*out = v;
	return 0;
}

/*
 * Every exact address of a workload, twice: "ADDR . ADDR".  Keyed so a rule
 * can tell whether two fields hold the same workload address
 * ("ip saddr . ct original ip saddr @same4"), which nft cannot compare
 * directly, and whether an address is a workload's at all
 * ("ip saddr . ip saddr @same4").  Two endpoints may share one (a pod).
 */
static int fill_same_set(struct ctx *c, const char *name, uint8_t family)
{
	struct rs_key k = { { family == 4 ? RS_T_IPV4 : RS_T_IPV6,
			      family == 4 ? RS_T_IPV4 : RS_T_IPV6 }, 2 };
	struct rs_set *set = rs_set_add(c->inet, name, &k, false, false, "workload addresses");
	uint8_t (*v)[16];
	size_t n;
	int rc;

	if (!set)
		return -errno;
	if ((rc = exact_addrs(c->s, family, &v, &n)) < 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct rs_value val[2] = { { .type = k.t[0], .prefix = family == 4 ? 32 : 128 } };

		memcpy(&val[0].u, v[i], family == 4 ? 4 : 16);
		val[1] = val[0];
		rc = rs_set_add_elem(set, val, NULL, "compiler: workload addresses");
	}
	free(v);
	return rc;
}

static int add_same_sets(struct ctx *c)
{
	TRY(fill_same_set(c, "same4", 4));
	return fill_same_set(c, "same6", 6);
}

/* Container ports, as the bridge table binds them (bind_port fills both). */
static int add_port_sets(struct ctx *c)
{
	struct rs_key k = { { RS_T_IFNAME }, 1 };

	if (!rs_set_add(c->inet, "ports", &k, false, false, "container ports") ||
	    !rs_set_add(c->inet, "watched", &k, false, false, "ports of zones not enforcing"))
		return -errno;
	return 0;
}

static int add_bridges_set(struct ctx *c)
{
	struct rs_key k = { { RS_T_IFNAME }, 1 };
	struct rs_set *s = rs_set_add(c->inet, "bridges", &k, false, false, "container bridges");

	if (!s)
		return -errno;
	if (!c->s->n_bridges && c->warn)
		diag_add(c->warn, "snapshot", "no container bridges: no traffic is dispatched");
	for (size_t i = 0; i < c->s->n_bridges; i++) {
		char q[RS_QUOTED_MAX], origin[RS_QUOTED_MAX + 32];
		struct rs_value v;

		rs_quote(c->s->bridges[i], q, sizeof(q));
		/* a bridge left out of the set would be waved through as not
		 * container traffic: refuse rather than fail open */
		if (rs_value_parse(RS_T_IFNAME, c->s->bridges[i], &v) < 0) {
			diag_add(c->errs, "snapshot", "bridge %s: not an interface name", q);
			return -EINVAL;
		}
		/* the name in the origin: a kernel error or rs_render_check() names the bridge */
		snprintf(origin, sizeof(origin), "container bridge %s", q);
		TRY(rs_set_add_elem(s, &v, NULL, origin));
	}
	return 0;
}

int cmp_inet_sets_add(struct ctx *c, const struct tuples *t, const struct zmap *z4,
		      const struct zmap *z6)
{
	int rc;

	if ((rc = add_bridges_set(c)) < 0 || (rc = add_port_sets(c)) < 0 ||
	    (rc = add_same_sets(c)) < 0 || (rc = add_allow_sets(c, t)) < 0 ||
	    (rc = cmp_incr_from_last(c) ? cmp_incr_allow_fill(c) : fill_allow_sets(c, t)) < 0 ||
	    (rc = add_zone_rule_sets(c)) < 0 ||
	    (rc = add_zone_maps(c, z4, 4)) < 0)
		return rc;
	return add_zone_maps(c, z6, 6);
}
