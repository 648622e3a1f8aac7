/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_COMPILE_INT_H
#define ZONEWALL_COMPILE_INT_H

/*
 * What the compiler's files share (src/compile/: compile.c drives,
 * compile-sets.c and compile-chains.c build the inet table, bridge.c the
 * bridge table; snapshot.c and judge.c need none of this).  Not an
 * interface: nothing outside src/compile/ includes it.
 */

#include <stdio.h>
#include <string.h>

#include "zonewall/compile.h"

/* One compilation's state: the inputs, the options and the tables being built. */
struct ctx {
	const struct pol_policy *p;
	const struct cmp_snapshot *s;
	struct cmp_options o;
	struct diags *warn;
	struct diags *errs;	/* the problem that stops the compilation */
	size_t *zone_of;	/* per endpoint */
	size_t *by_identity;	/* endpoint indexes sorted by identity */
	/*
	 * Endpoint indexes grouped by zone: zone z's are by_zone[zone_start[z]
	 * .. zone_start[z + 1]), those with an address wider than a host first
	 * (up to zone_wide_end[z]), each part in index order (cmp_zones_group()).
	 * A zone side of a rule walks its zone only, not every endpoint.
	 */
	size_t *by_zone, *zone_start, *zone_wide_end;
	bool *zone_hosts;	/* per zone, IPv4 then IPv6: has a host address */
	long *rule_zone;	/* per rule, from then to: the zone a "zone:" side names, else -1 */
	const struct pol_border **border_of; /* per zone pair f * n_zones + t: NULL, the default */
	struct rs_table *inet, *bridge;
	bool has_range[2];	/* the interval allowlist exists, per family (0: 4, 1: 6) */
	bool *zone_member;	/* per zone: named by a zone -> zone rule (member sets) */
	bool *pair_rules;	/* per zone pair f * n_zones + t: has zone -> zone rules */
	struct cmp_incr_run *inc;	/* cmp_compile_next(): the last compile's state (incr.c) */
};

#define TRY(x)                         \
	do {                           \
		int rc_ = (x);         \
		if (rc_ < 0)           \
			return rc_;    \
	} while (0)

static inline struct rs_rule *rule_new(struct rs_chain *ch, const char *comment, const char *origin)
{
	return rs_rule_add(ch, comment, origin);
}

/* A rule counting into the table's named counter @name (declared when new). */
static inline int rule_count(struct rs_table *t, struct rs_rule *r, const char *name)
{
	int rc = rs_counter_add(t, name);

	return rc ? rc : rs_rule_counter_named(r, name);
}

static inline void prefix_value(const struct cmp_prefix *p, struct rs_value *v)
{
	memset(v, 0, sizeof(*v));
	v->type = p->family == 4 ? RS_T_IPV4 : RS_T_IPV6;
	v->prefix = p->len;
	memcpy(&v->u, p->a, p->family == 4 ? 4 : 16);
}

/* --- names of the inet table's objects --- */

static inline const char *zname(const struct ctx *c, size_t z)
{
	return c->p->zones[z].name;
}

static inline void pair_chain_name(const struct ctx *c, size_t f, size_t t, char *buf, size_t len)
{
	if (snprintf(buf, len, "p_%s.%s", zname(c, f), zname(c, t)) > 64)
		snprintf(buf, len, "p_%zu.%zu", f, t);
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
static inline void zone_set_name(const struct ctx *c, char *buf, size_t len, int family,
				 size_t z)
{
	snprintf(buf, len, "zm%d_%s", family, zname(c, z));
}

static inline void pair_set_name(const struct ctx *c, char *buf, size_t len, int family, size_t f,
				 size_t t)
{
	if (snprintf(buf, len, "zp%d_%s.%s", family, zname(c, f), zname(c, t)) > 64)
		snprintf(buf, len, "zp%d_%zu.%zu", family, f, t);
}

/* --- the zone map (zonemap.c) --- */

/*
 * nf_tables interval maps refuse overlapping elements, and an inventory
 * says "0.0.0.0/0 is the internet" while containers sit inside it: the
 * longest prefix must win.  Entries are sorted by start, outer first, and
 * swept with a stack of the prefixes that contain the current position.
 */
struct zseg {
	uint8_t lo[16], hi[16];
	uint8_t len;
	uint8_t rank;		/* priority: len, less for a piece of an "except" CIDR */
	size_t zone;
	const char *origin;
};

struct zmap {
	struct zseg *v;
	size_t n, cap;
};

/**
 * cmp_zmap_build() - every endpoint address of @family (4 or 6) with its
 * zone (@zone_of, per endpoint), conflicts refused, flattened into @out.
 * Return: 0, or -errno with @err naming the conflict.
 */
int cmp_zmap_build(const struct pol_policy *pol, const struct cmp_snapshot *s,
		   const size_t *zone_of, uint8_t family, struct zmap *out, struct diags *errs);

/** cmp_zseg_value() - a segment as an nft value: a prefix when it is one, else a range. */
void cmp_zseg_value(const struct zseg *z, uint8_t family, struct rs_value *v);

/* --- the allowlist (tuples.c) --- */

struct tuple {
	uint8_t family, proto;
	uint16_t plo, phi;
	struct cmp_prefix src, dst;
	size_t rule;
};

struct tuples {
	struct tuple *v;
	size_t n, cap;
};

/** cmp_identities_sort() - fill c->by_identity: endpoint indexes sorted by identity. */
void cmp_identities_sort(struct ctx *c);

/**
 * cmp_zones_group() - allocate and fill c->by_zone, c->zone_start,
 * c->zone_wide_end and c->zone_hosts from c->zone_of, in O(endpoints + zones).
 * Return: 0 or -ENOMEM.
 */
int cmp_zones_group(struct ctx *c);

/**
 * cmp_rule_expand() - allow rule @ri of c->p as tuples, appended to @t; its
 * sides' zones recorded in c->rule_zone.  Return: 0 or -errno.
 */
int cmp_rule_expand(struct ctx *c, struct tuples *t, size_t ri);

/** cmp_tuples_normalize() - sort @t, drop duplicates, merge overlapping port ranges. */
void cmp_tuples_normalize(struct tuples *t);

/** cmp_tuples_sort_key() - sort @t by cmp_tuple_key_cmp(). */
void cmp_tuples_sort_key(struct tuples *t);

/**
 * cmp_tuples_merge() - in @v (@n tuples sorted by key), drop duplicates and
 * merge overlapping port ranges in place.  Return: the tuples left.
 */
size_t cmp_tuples_merge(struct tuple *v, size_t n);

/** cmp_tuples_push() - append @x to @t.  Return: 0 or -ENOMEM. */
int cmp_tuples_push(struct tuples *t, const struct tuple *x);

/** cmp_tuple_group_cmp() - order by family, source, destination, protocol. */
int cmp_tuple_group_cmp(const struct tuple *x, const struct tuple *y);

/** cmp_tuple_key_cmp() - cmp_tuple_group_cmp(), then port range, then rule. */
int cmp_tuple_key_cmp(const struct tuple *x, const struct tuple *y);

/** cmp_rule_zones() - rule @ri's zone sides into c->rule_zone, c->zone_member, c->pair_rules. */
void cmp_rule_zones(struct ctx *c, size_t ri);

/** cmp_tuple_exact() - both ends single addresses, one port or none (a hash set element). */
bool cmp_tuple_exact(const struct tuple *t);

/** cmp_prefix_is_host() - @p is one address (/32 or /128). */
bool cmp_prefix_is_host(const struct cmp_prefix *p);

/**
 * cmp_side_range() - the endpoints a rule side @who names: a zone (*@zone,
 * "zone:NAME") and [*@first, *@last) of c->by_zone, else [*@first, *@last)
 * of c->by_identity.
 */
void cmp_side_range(const struct ctx *c, const char *who, long *zone, size_t *first, size_t *last);

/* The origin of every anti-spoofing object: "compiler: anti-spoofing". */
extern const char *const cmp_spoof_origin;

/**
 * cmp_spoof_log_chain_add() - the chain a spoofed frame ends in, in table
 * @t: logged to NFLOG ("zw enforce spoofed " / "zw passed spoofed "), then
 * dropped (@drop) or passed.  Return: 0 or -errno.
 */
int cmp_spoof_log_chain_add(struct ctx *c, struct rs_table *t, const char *name, bool drop);

/**
 * cmp_bridge_table_add() - table bridge zonewall into @rs: every port bound
 * to its MAC and addresses (and the inet table's @ports and @watched), the
 * prerouting checks, the forward chain's group check and the input chain's
 * reserved group addresses.  Return: 0 or -errno.
 */
int cmp_bridge_table_add(struct ctx *c, struct rs_ruleset *rs);

/* The allowlist sets' names: [IPv6][range]. */
static const char *const cmp_allow_names[2][2] = { { "allow4", "allow4_range" },
						   { "allow6", "allow6_range" } };

/* The allowlist sets' key, IPv4 (@v6 false) or IPv6: source . destination . protocol . port. */
static inline struct rs_key allow_key(bool v6)
{
	enum rs_type at = v6 ? RS_T_IPV6 : RS_T_IPV4;

	return (struct rs_key){ { at, at, RS_T_PROTO, RS_T_SERVICE }, 4 };
}

/* --- the next compile of the same policy (incr.c) --- */

struct cmp_incr_run;

/**
 * cmp_incr_begin() - after the zones are resolved: the state of this
 * compile's snapshot, for the next.  Return: 0 or -ENOMEM.
 */
int cmp_incr_begin(struct ctx *c);

/** cmp_incr_from_last() - whether this compile patches the last one's allowlist. */
bool cmp_incr_from_last(const struct ctx *c);

/**
 * cmp_compile_ctx() - cmp_compile() on @c (its policy, snapshot, errs and
 * inc set).  Return: the model, or NULL with errno.
 */
struct rs_ruleset *cmp_compile_ctx(struct ctx *c, const struct cmp_options *o);

/**
 * cmp_incr_tuples() - the allowlist's changes since the last compile: the
 * rules naming a side whose addresses changed expanded again, every rule's
 * zone sides recorded (cmp_rule_zones()), c->has_range set from the tuples.
 * Return: 0, -EAGAIN (too much changed: compile in full), -ENOMEM.
 */
int cmp_incr_tuples(struct ctx *c);

/**
 * cmp_incr_allow_fill() - the allowlist sets of c->inet: the last
 * compile's, patched with the changes cmp_incr_tuples() found.
 * Return: 0, -EAGAIN (the last model does not match: compile in full), -ENOMEM.
 */
int cmp_incr_allow_fill(struct ctx *c);

/**
 * cmp_incr_keep_raw() - a full compile's tuples, sorted by key and not yet
 * normalized (@t), kept for the next compile.  Return: 0 or -ENOMEM.
 */
int cmp_incr_keep_raw(struct ctx *c, const struct tuples *t);

/** cmp_tuple_elem_add() - tuple @x as an element of allowlist set @set. */
int cmp_tuple_elem_add(const struct ctx *c, struct rs_set *set, const struct tuple *x);

/* --- the inet table (compile-sets.c, compile-chains.c) --- */

/**
 * cmp_inet_sets_add() - the inet table's sets and maps: bridges, ports,
 * workload addresses, the allowlist from the tuples @t, the zone -> zone
 * rule sets and the zone maps @z4 and @z6.  Return: 0 or -errno.
 */
int cmp_inet_sets_add(struct ctx *c, const struct tuples *t, const struct zmap *z4,
		      const struct zmap *z6);

/**
 * cmp_inet_chains_add() - the inet table's chains: the base chains, one
 * chain per source zone, one per zone pair and the zone modes.  Return: 0
 * or -errno.
 */
int cmp_inet_chains_add(struct ctx *c);
#endif
