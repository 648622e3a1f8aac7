// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The inet table's chains: the forward and input base chains, a chain per
 * source zone that finds the destination zone, a chain per zone pair that
 * applies its border, allowlist and mode, and the zone modes.  Pure: no I/O.
 */

#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>

#include "compile-int.h"

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

int cmp_inet_chains_add(struct ctx *c)
{
	int rc = add_base_chains(c);

	for (size_t f = 0; f < c->p->n_zones && rc == 0; f++)
		rc = add_from_chain(c, f);
	for (size_t f = 0; f < c->p->n_zones && rc == 0; f++)
		for (size_t to = 0; to < c->p->n_zones && rc == 0; to++)
			rc = add_pair_chain(c, f, to);
	if (rc == 0)
		rc = add_zones_chain(c);
	return rc;
}
