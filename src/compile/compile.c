// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The compiler: policy + snapshot -> ruleset model.  Pure: no I/O.
 *
 * Per packet the kernel does a constant amount of work whatever the size
 * of the policy: one source-address map lookup, one destination-address
 * map lookup, and at most four allowlist set lookups (hash and interval,
 * IPv4 and IPv6; only the first packet of a connection gets that far).
 * Everything that grows with the policy or the host is set elements.
 *
 * This file builds the inet table and drives the whole; the room's other
 * files: snapshot.c (the input), zonemap.c (addresses to zones), tuples.c
 * (the allowlist), bridge.c (the bridge table), judge.c (reading back and
 * judging flows in user space), compile-inv.c (inventory endpoints).
 */

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zonewall/compile.h"
#include "zonewall/decode.h"

#include "compile-int.h"

#define ERR(...) snprintf(err, errlen, __VA_ARGS__)

/* --- building the model ----------------------------------------------------------- */

static const char *zname(const struct ctx *c, size_t z)
{
	return c->p->zones[z].name;
}

static void pair_chain_name(const struct ctx *c, size_t f, size_t t, char *buf, size_t len)
{
	if (snprintf(buf, len, "p_%s.%s", zname(c, f), zname(c, t)) > 64)
		snprintf(buf, len, "p_%zu.%zu", f, t);
}

/*
 * Count into table @t's counter @name.  Named counters, not the rules'
 * own: nft_apply() keeps them across a table replacement, so a reload or
 * a change of shape loses no count; several rules of one zone pair and
 * verdict share one, so the kernel does the summing.
 */

/* c_FROM.TO.KIND: the zone pair's counter of one verdict kind */
static int pair_count(struct ctx *c, struct rs_rule *r, size_t f, size_t t, const char *kind)
{
	char name[128];

	if (snprintf(name, sizeof(name), "c_%s.%s.%s", zname(c, f), zname(c, t), kind) > 64)
		snprintf(name, sizeof(name), "c_%zu.%zu.%s", f, t, kind);
	return rule_count(c->inet, r, name);
}

static enum pol_mode pair_mode(const struct ctx *c, size_t f, size_t t)
{
	enum pol_mode a = c->p->zones[f].mode, b = c->p->zones[t].mode;

	return a > b ? a : b;
}

static int add_allow_sets(struct ctx *c, const struct tuples *t)
{
	static const char *const names[2][2] = { { "allow4", "allow4_range" },
						 { "allow6", "allow6_range" } };

	for (int f = 0; f < 2; f++) {
		enum rs_type at = f ? RS_T_IPV6 : RS_T_IPV4;
		struct rs_key k = { { at, at, RS_T_PROTO, RS_T_SERVICE }, 4 };

		if (!rs_set_add(c->inet, names[f][0], &k, false, false, "allowlist (exact tuples)"))
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
		    !rs_set_add(c->inet, names[f][1], &k, true, false, "allowlist (ranges)"))
			return -errno;
	}
	return 0;
}


static int fill_allow_sets(struct ctx *c, const struct tuples *t)
{
	/* [IPv6][range], looked up once, not per tuple */
	struct rs_set *sets[2][2] = {
		{ rs_set_find(c->inet, "allow4"), rs_set_find(c->inet, "allow4_range") },
		{ rs_set_find(c->inet, "allow6"), rs_set_find(c->inet, "allow6_range") },
	};
	char origin[POL_IDENTITY_MAX * 2 + 64];

	for (size_t i = 0; i < t->n; i++) {
		const struct tuple *x = &t->v[i];
		const struct pol_rule *r = &c->p->rules[x->rule];
		struct rs_value v[4];
		int rc;

		prefix_value(&x->src, &v[0]);
		prefix_value(&x->dst, &v[1]);
		memset(&v[2], 0, sizeof(v[2]) * 2);
		v[2].type = RS_T_PROTO;
		v[2].u.proto = x->proto;
		v[3].type = RS_T_SERVICE;
		v[3].u.port = x->plo;
		v[3].port_hi = x->phi;
		snprintf(origin, sizeof(origin), "policy $.allow[%zu] (%s -> %s)", x->rule, r->from, r->to);
		rc = rs_set_add_elem(sets[x->family == 6][!cmp_tuple_exact(x)], v, NULL, origin);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/*
 * zone -> zone rules need no address tuples: the pair chain p_F.T is only
 * reached with the source in zone F and the destination in zone T, so it
 * asks whether both are endpoints (member sets zm4_Z / zm6_Z: an address
 * with no identity gets no rule, as everywhere) and whether the protocol
 * and port are one the pair's rules name (zp4_F.T / zp6_F.T).  A container
 * in a zone is then one member element, not one tuple per peer, and the
 * sets' shape depends on the policy alone.  CIDR endpoints still expand
 * into the allowlist (a member set holds host addresses only).
 */
static void zone_set_name(const struct ctx *c, char *buf, size_t len, int family, size_t z)
{
	snprintf(buf, len, "zm%d_%s", family, zname(c, z));
}

static void pair_set_name(const struct ctx *c, char *buf, size_t len, int family, size_t f,
			  size_t t)
{
	if (snprintf(buf, len, "zp%d_%s.%s", family, zname(c, f), zname(c, t)) > 64)
		snprintf(buf, len, "zp%d_%zu.%zu", family, f, t);
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


static int rule_ctstate(struct rs_rule *r, uint32_t mask)
{
	struct rs_value v = { .type = RS_T_CTSTATE };

	v.u.ctmask = mask;
	return rs_rule_match(r, RS_F_CT_STATE, false, &v);
}

static int rule_proto(struct rs_rule *r, uint8_t proto)
{
	struct rs_value v = { .type = RS_T_PROTO };

	v.u.proto = proto;
	return rs_rule_match(r, RS_F_L4PROTO, false, &v);
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

/*
 * A related packet (an ICMP or ICMPv6 error) quoting a connection passes
 * when it comes from that connection's other party (conntrack has already
 * held its destination to the party that sent the quoted packet), or from
 * an address that is no workload's: a router on the path.  An error from a
 * third workload is judged below as a flow of its own addresses, so a deny
 * border refuses it like anything else: it was a channel between two
 * workloads that may not talk (~230 bytes an error).
 */
static int add_related_rules(struct ctx *c, struct rs_chain *ch)
{
	static const struct {
		enum rs_field f[2];
		bool neg;
		const char *set, *comment;
	} rel[] = {
		{ { RS_F_IP_SADDR, RS_F_CT_ORIG_IP_SADDR }, false, "same4",
		  "related: from a party of the connection (IPv4)" },
		{ { RS_F_IP_SADDR, RS_F_CT_REPLY_IP_SADDR }, false, "same4",
		  "related: from a party of the connection (IPv4)" },
		{ { RS_F_IP_SADDR, RS_F_IP_SADDR }, true, "same4",
		  "related: from no workload, a router (IPv4)" },
		{ { RS_F_IP6_SADDR, RS_F_CT_ORIG_IP6_SADDR }, false, "same6",
		  "related: from a party of the connection (IPv6)" },
		{ { RS_F_IP6_SADDR, RS_F_CT_REPLY_IP6_SADDR }, false, "same6",
		  "related: from a party of the connection (IPv6)" },
		{ { RS_F_IP6_SADDR, RS_F_IP6_SADDR }, true, "same6",
		  "related: from no workload, a router (IPv6)" },
	};
	struct rs_rule *r;

	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		if (!(r = rule_new(ch, rel[i].comment, "compiler: base chain")))
			return -errno;
		TRY(rule_ctstate(r, RS_CT_RELATED));
		TRY(rs_rule_lookup(r, rel[i].f, 2, rel[i].neg, rel[i].set));
		TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	}
	return 0;
}

/*
 * IP that reaches a hook from a container's port itself, not through its
 * bridge: a frame to a reserved group MAC (01:80:c2:00:00:0X) is not
 * forwarded, skips the bridge table's prerouting checks and is handed to
 * the host as arriving on the port.  Nothing legitimate comes this way, and
 * its source was never checked: refused (counted and passed where the
 * port's zone does not enforce), before any conntrack state can accept it.
 */
static int add_port_direct(struct ctx *c, struct rs_chain *ch)
{
	static const enum rs_field iif = RS_F_IIFNAME;
	struct rs_chain *direct = rs_chain_find(c->inet, "port_direct");
	struct rs_rule *r;

	if (!direct) {
		if (!(direct = rs_chain_add(c->inet, "port_direct", cmp_spoof_origin)))
			return -errno;
		if (!(r = rule_new(direct, "not enforced: spoofed path: IP from a container's "
				   "port, not through its bridge", cmp_spoof_origin)))
			return -errno;
		TRY(rs_rule_lookup(r, &iif, 1, false, "watched"));
		TRY(rule_count(c->inet, r, "c_passed.direct"));
		TRY(rs_rule_verdict(r, RS_V_GOTO, "spoofed_pass"));
		if (!(r = rule_new(direct, "spoofed path: IP from a container's port, not through "
				   "its bridge", cmp_spoof_origin)))
			return -errno;
		TRY(rule_count(c->inet, r, "c_spoofed.direct"));
		TRY(rs_rule_verdict(r, RS_V_GOTO, "spoofed_drop"));
		TRY(cmp_spoof_log_chain_add(c, c->inet, "spoofed_drop", true));
		TRY(cmp_spoof_log_chain_add(c, c->inet, "spoofed_pass", false));
	}
	if (!(r = rule_new(ch, "from a container's port, not through its bridge", cmp_spoof_origin)))
		return -errno;
	TRY(rs_rule_lookup(r, &iif, 1, false, "ports"));
	return rs_rule_verdict(r, RS_V_GOTO, "port_direct");
}

/* The head both base chains share: what is not ours passes untouched. */
static int add_base_head(struct ctx *c, struct rs_chain *ch, bool forward)
{
	static const enum rs_field iif = RS_F_IIFNAME, oif = RS_F_OIFNAME;
	struct rs_rule *r;

	TRY(add_port_direct(c, ch));
	r = rule_new(ch, "replies of allowed connections", "compiler: base chain");
	if (!r)
		return -errno;
	TRY(rule_ctstate(r, RS_CT_ESTABLISHED));
	TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	TRY(add_related_rules(c, ch));
	r = rule_new(ch, "not container traffic", "compiler: base chain");
	if (!r)
		return -errno;
	TRY(rs_rule_lookup(r, &iif, 1, true, "bridges"));
	if (forward)
		TRY(rs_rule_lookup(r, &oif, 1, true, "bridges"));
	TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	/* IPv6 neighbour discovery and MLD are untracked by conntrack. */
	r = rule_new(ch, "neighbour discovery", "compiler: base chain");
	if (!r)
		return -errno;
	TRY(rule_ctstate(r, RS_CT_UNTRACKED));
	TRY(rule_proto(r, IPPROTO_ICMPV6));
	TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	/* logged like a refusal (`zonewall denied`), then counted and dropped */
	r = rule_new(ch, "invalid (conntrack): log", "compiler: base chain");
	if (!r)
		return -errno;
	TRY(rule_ctstate(r, RS_CT_INVALID));
	TRY(rs_rule_limit(r, c->o.log_rate, CMP_LOG_BURST));
	TRY(rs_rule_log(r, c->o.log_group, CMP_LOG_PREFIX "enforce invalid "));
	r = rule_new(ch, "invalid (conntrack)", "compiler: base chain");
	if (!r)
		return -errno;
	TRY(rule_ctstate(r, RS_CT_INVALID));
	TRY(rule_count(c->inet, r, "c_invalid"));
	return rs_rule_verdict(r, RS_V_DROP, NULL);
}

static int add_dispatch(struct ctx *c, struct rs_chain *ch, const char *what)
{
	static const enum rs_field s4 = RS_F_IP_SADDR, s6 = RS_F_IP6_SADDR;
	char chain[80], comment[128];
	struct rs_rule *r;

	snprintf(comment, sizeof(comment), "source zone (IPv4)%s", what);
	if (!(r = rule_new(ch, comment, "compiler: dispatch")))
		return -errno;
	TRY(rs_rule_vmap(r, &s4, 1, "src4"));
	snprintf(comment, sizeof(comment), "source zone (IPv6)%s", what);
	if (!(r = rule_new(ch, comment, "compiler: dispatch")))
		return -errno;
	TRY(rs_rule_vmap(r, &s6, 1, "src6"));
	snprintf(chain, sizeof(chain), "from_%s", zname(c, c->p->default_zone));
	snprintf(comment, sizeof(comment), "no identity: default zone %s", zname(c, c->p->default_zone));
	if (!(r = rule_new(ch, comment, "compiler: dispatch")))
		return -errno;
	return rs_rule_verdict(r, RS_V_JUMP, chain);
}

static int add_base_chains(struct ctx *c)
{
	struct rs_chain *fw, *in;

	fw = rs_chain_add(c->inet, "forward", "compiler: forward hook");
	in = fw ? rs_chain_add(c->inet, "input", "compiler: input hook") : NULL;
	if (!in)
		return -errno;
	/* -5: after conntrack, ahead of Docker's and netavark's filter chains (0). */
	rs_chain_set_hook(fw, RS_HOOK_FORWARD, -5, false);
	rs_chain_set_hook(in, RS_HOOK_INPUT, -5, false);
	TRY(add_base_head(c, fw, true));
	TRY(add_dispatch(c, fw, ""));
	TRY(add_base_head(c, in, false));
	return add_dispatch(c, in, " to the host");
}

static int add_from_chain(struct ctx *c, size_t z)
{
	static const enum rs_field d4 = RS_F_IP_DADDR, d6 = RS_F_IP6_DADDR;
	char name[80], map[80], comment[128], origin[96];
	struct rs_chain *ch;
	struct rs_rule *r;

	snprintf(name, sizeof(name), "from_%s", zname(c, z));
	snprintf(origin, sizeof(origin), "policy zone %s", zname(c, z));
	if (!(ch = rs_chain_add(c->inet, name, origin)))
		return -errno;
	for (int f = 4; f <= 6; f += 2) {
		snprintf(map, sizeof(map), "dst%d_%s", f, zname(c, z));
		snprintf(comment, sizeof(comment), "%s -> destination zone (IPv%d)", zname(c, z), f);
		if (!(r = rule_new(ch, comment, origin)))
			return -errno;
		TRY(rs_rule_vmap(r, f == 4 ? &d4 : &d6, 1, map));
	}
	pair_chain_name(c, z, c->p->default_zone, name, sizeof(name));
	snprintf(comment, sizeof(comment), "%s -> unknown destination: default zone %s",
		 zname(c, z), zname(c, c->p->default_zone));
	if (!(r = rule_new(ch, comment, origin)))
		return -errno;
	return rs_rule_verdict(r, RS_V_GOTO, name);
}

/* ip saddr @zm4_F ip daddr @zm4_T meta l4proto . th dport @zp4_F.T accept, and IPv6 */
static int add_zone_rule_lookups(struct ctx *c, struct rs_chain *ch, size_t f, size_t t,
				 const char *comment, const char *origin)
{
	static const enum rs_field pp[] = { RS_F_L4PROTO, RS_F_TH_DPORT };
	char name[80];

	for (int fam = 4; fam <= 6; fam += 2) {
		enum rs_field sa = fam == 4 ? RS_F_IP_SADDR : RS_F_IP6_SADDR;
		enum rs_field da = fam == 4 ? RS_F_IP_DADDR : RS_F_IP6_DADDR;
		struct rs_rule *r = rule_new(ch, comment, origin);

		if (!r)
			return -errno;
		zone_set_name(c, name, sizeof(name), fam, f);
		TRY(rs_rule_lookup(r, &sa, 1, false, name));
		zone_set_name(c, name, sizeof(name), fam, t);
		TRY(rs_rule_lookup(r, &da, 1, false, name));
		pair_set_name(c, name, sizeof(name), fam, f, t);
		TRY(rs_rule_lookup(r, pp, 2, false, name));
		TRY(pair_count(c, r, f, t, "accepted"));
		TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	}
	return 0;
}

static int add_allow_lookups(struct ctx *c, struct rs_chain *ch, size_t f, size_t t,
			     const char *pair, const char *origin)
{
	static const enum rs_field k4[] = { RS_F_IP_SADDR, RS_F_IP_DADDR, RS_F_L4PROTO, RS_F_TH_DPORT };
	static const enum rs_field k6[] = { RS_F_IP6_SADDR, RS_F_IP6_DADDR, RS_F_L4PROTO, RS_F_TH_DPORT };
	static const char *const sets[4] = { "allow4", "allow6", "allow4_range", "allow6_range" };
	char comment[128];

	snprintf(comment, sizeof(comment), "%s: accepted", pair);
	if (c->pair_rules[f * c->p->n_zones + t])
		TRY(add_zone_rule_lookups(c, ch, f, t, comment, origin));
	for (int i = 0; i < 4; i++) {
		struct rs_rule *r;

		if (i >= 2 && !c->has_range[i - 2])
			continue;
		if (!(r = rule_new(ch, comment, origin)))
			return -errno;
		TRY(rs_rule_lookup(r, i % 2 ? k6 : k4, 4, false, sets[i]));
		TRY(pair_count(c, r, f, t, "accepted"));
		TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	}
	return 0;
}

/* What a refusal does in @mode: learn accepts, monitor logs and accepts, enforce logs and drops. */
static int add_refusal(struct ctx *c, struct rs_chain *ch, enum pol_mode mode, bool border,
		       size_t f, size_t t, const char *pair, const char *origin)
{
	static const char *const kind[] = { "learned", "would-deny", "denied" };
	char comment[128], prefix[128];
	struct rs_rule *r;

	if (mode != POL_MODE_LEARN) {
		/* The limit is a match: the log needs a rule of its own. */
		snprintf(prefix, sizeof(prefix), CMP_LOG_PREFIX "%s %s%s>%s ", pol_mode_name(mode),
			 border ? "border " : "", zname(c, f), zname(c, t));
		snprintf(comment, sizeof(comment), "%s: log", pair);
		if (!(r = rule_new(ch, comment, origin)))
			return -errno;
		TRY(rs_rule_limit(r, c->o.log_rate, CMP_LOG_BURST));
		TRY(rs_rule_log(r, c->o.log_group, prefix));
	}
	snprintf(comment, sizeof(comment), "%s: %s%s", pair, kind[mode], border ? " (border)" : "");
	if (!(r = rule_new(ch, comment, origin)))
		return -errno;
	TRY(pair_count(c, r, f, t, kind[mode]));
	return rs_rule_verdict(r, mode == POL_MODE_ENFORCE ? RS_V_DROP : RS_V_ACCEPT, NULL);
}

static int add_pair_chain(struct ctx *c, size_t f, size_t t)
{
	const struct pol_border *which = c->border_of[f * c->p->n_zones + t];
	enum pol_verdict v = which ? which->verdict : POL_BORDER_ALLOWLIST;
	char name[80], pair[80], origin[160], comment[128];
	struct rs_chain *ch;
	struct rs_rule *r;

	pair_chain_name(c, f, t, name, sizeof(name));
	snprintf(pair, sizeof(pair), "%s>%s", zname(c, f), zname(c, t));
	snprintf(origin, sizeof(origin), "policy zones %s -> %s (%s border)", zname(c, f),
		 zname(c, t), pol_verdict_name(v));
	if (!(ch = rs_chain_add(c->inet, name, origin)))
		return -errno;
	if (v == POL_BORDER_ALLOW) {
		snprintf(comment, sizeof(comment), "%s: accepted (border)", pair);
		if (!(r = rule_new(ch, comment, origin)))
			return -errno;
		TRY(pair_count(c, r, f, t, "accepted"));
		return rs_rule_verdict(r, RS_V_ACCEPT, NULL);
	}
	if (v == POL_BORDER_ALLOWLIST)
		TRY(add_allow_lookups(c, ch, f, t, pair, origin));
	return add_refusal(c, ch, pair_mode(c, f, t), v == POL_BORDER_DENY, f, t, pair, origin);
}

/* A chain nothing jumps to: the zones' modes, for status and for operators. */
static int add_zones_chain(struct ctx *c)
{
	struct rs_chain *ch = rs_chain_add(c->inet, "zones", "compiler: zone modes");
	char comment[128];

	if (!ch)
		return -errno;
	for (size_t z = 0; z < c->p->n_zones; z++) {
		struct rs_rule *r;

		snprintf(comment, sizeof(comment), "zone %s: %s%s", zname(c, z),
			 pol_mode_name(c->p->zones[z].mode), z == c->p->default_zone ? " (default)" : "");
		if (!(r = rule_new(ch, comment, "compiler: zone modes")))
			return -errno;
		TRY(rs_rule_counter(r));
	}
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
			snprintf(c->err, c->errlen, "snapshot: bridge %s: not an interface name", q);
			return -EINVAL;
		}
		/* the name in the origin: a kernel error or rs_render_check() names the bridge */
		snprintf(origin, sizeof(origin), "container bridge %s", q);
		TRY(rs_set_add_elem(s, &v, NULL, origin));
	}
	return 0;
}

/* --- the whole --------------------------------------------------------------------- */

static int resolve_zones(struct ctx *c)
{
	c->zone_of = calloc(c->s->n + 1, sizeof(*c->zone_of));
	c->by_identity = calloc(c->s->n + 1, sizeof(*c->by_identity));
	if (!c->zone_of || !c->by_identity)
		return -ENOMEM;
	for (size_t i = 0; i < c->s->n; i++) {
		char q[POL_ZONE_NAME_MAX * 4 + 8];
		bool unknown;

		c->zone_of[i] = cmp_zone_index(c->p, c->s->w[i], &unknown);
		/* a label's value: escaped, so it cannot forge a line of its own */
		if (unknown && c->warn)
			diag_add(c->warn, c->s->w[i]->origin, "zone %s is not in the policy: zone %s",
				 rs_quote(c->s->w[i]->zone, q, sizeof(q)), zname(c, c->zone_of[i]));
		c->by_identity[i] = i;
	}
	cmp_identities_sort(c);
	return cmp_zones_group(c);
}

/* pol_border_verdict() for every zone pair, at one probe each. */
static int index_borders(struct ctx *c)
{
	size_t nz = c->p->n_zones;

	c->border_of = calloc(nz * nz, sizeof(*c->border_of));
	if (!c->border_of)
		return -ENOMEM;
	/* backwards: the first border of a pair wins, as in pol_border_verdict() */
	for (size_t i = c->p->n_borders; i-- > 0;) {
		const struct pol_border *b = &c->p->borders[i];

		if (b->from < nz && b->to < nz)
			c->border_of[b->from * nz + b->to] = b;
	}
	return 0;
}

static int build_inet(struct ctx *c, struct rs_ruleset *rs)
{
	struct zmap z4 = { 0 }, z6 = { 0 };
	struct tuples t = { 0 };
	int rc;

	c->inet = rs_table_add(rs, RS_INET, CMP_TABLE, "compiler: enforcement");
	c->zone_member = calloc(c->p->n_zones, sizeof(*c->zone_member));
	c->pair_rules = calloc(c->p->n_zones * c->p->n_zones, sizeof(*c->pair_rules));
	c->rule_zone = calloc(2 * c->p->n_rules + 1, sizeof(*c->rule_zone));
	if (!c->inet || !c->zone_member || !c->pair_rules || !c->rule_zone)
		return -ENOMEM;
	if ((rc = index_borders(c)) < 0)
		return rc;
	if ((rc = cmp_zmap_build(c->p, c->s, c->zone_of, 4, &z4, c->err, c->errlen)) < 0 ||
	    (rc = cmp_zmap_build(c->p, c->s, c->zone_of, 6, &z6, c->err, c->errlen)) < 0)
		goto out_free;
	for (size_t i = 0; i < c->p->n_rules; i++)
		if ((rc = cmp_rule_expand(c, &t, i)) < 0)
			goto out_free;
	cmp_tuples_normalize(&t);
	if ((rc = add_bridges_set(c)) < 0 || (rc = add_port_sets(c)) < 0 ||
	    (rc = add_same_sets(c)) < 0 || (rc = add_allow_sets(c, &t)) < 0 ||
	    (rc = fill_allow_sets(c, &t)) < 0 || (rc = add_zone_rule_sets(c)) < 0 || (rc = add_zone_maps(c, &z4, 4)) < 0 ||
	    (rc = add_zone_maps(c, &z6, 6)) < 0 || (rc = add_base_chains(c)) < 0)
		goto out_free;
	for (size_t f = 0; f < c->p->n_zones && rc == 0; f++)
		rc = add_from_chain(c, f);
	for (size_t f = 0; f < c->p->n_zones && rc == 0; f++)
		for (size_t to = 0; to < c->p->n_zones && rc == 0; to++)
			rc = add_pair_chain(c, f, to);
	if (rc == 0)
		rc = add_zones_chain(c);
out_free:
	free(z4.v);
	free(z6.v);
	free(t.v);
	return rc;
}

struct rs_ruleset *cmp_compile(const struct pol_policy *p, const struct cmp_snapshot *s,
			       const struct cmp_options *o, struct diags *warn,
			       char *err, size_t errlen)
{
	struct ctx c = { .p = p, .s = s, .warn = warn, .err = err, .errlen = errlen };
	struct rs_ruleset *rs;
	int rc;

	if (errlen)
		err[0] = '\0';
	c.o.log_group = o && o->log_group ? o->log_group : CMP_LOG_GROUP;
	c.o.log_rate = o && o->log_rate ? o->log_rate : CMP_LOG_RATE;
	if (!p->n_zones || p->default_zone >= p->n_zones) {
		ERR("policy: no default zone");
		errno = EINVAL;
		return NULL;
	}
	rs = rs_ruleset_new();
	if (!rs)
		return NULL;
	rc = resolve_zones(&c);
	if (rc == 0)
		rc = build_inet(&c, rs);
	if (rc == 0)
		rc = cmp_bridge_table_add(&c, rs);
	if (rc == 0 && rs_validate(rs, err, errlen) < 0)
		rc = -EINVAL;
	free(c.zone_of);
	free(c.by_identity);
	free(c.zone_member);
	free(c.pair_rules);
	free(c.by_zone);
	free(c.zone_start);
	free(c.zone_wide_end);
	free(c.zone_hosts);
	free(c.rule_zone);
	free(c.border_of);
	if (rc < 0) {
		if (errlen && !err[0])
			ERR("compiler: %s", strerror(-rc));
		rs_ruleset_free(rs);
		errno = -rc;
		return NULL;
	}
	return rs;
}

struct rs_ruleset *cmp_empty_ruleset(void)
{
	struct rs_ruleset *rs = rs_ruleset_new();

	if (!rs)
		return NULL;
	if (!rs_table_add(rs, RS_INET, CMP_TABLE, "zonewall") ||
	    !rs_table_add(rs, RS_BRIDGE, CMP_TABLE, "zonewall")) {
		rs_ruleset_free(rs);
		errno = ENOMEM;
		return NULL;
	}
	return rs;
}
