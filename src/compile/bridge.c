// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The compiler's bridge table: what a container's port may send (its bound
 * MAC and addresses, ARP and neighbour discovery held to them, no VLAN tags
 * or other ether types, no router advertisements), IP broadcast and
 * multicast between containers, and frames to the reserved group addresses.
 * Pure: no I/O.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "compile-int.h"

const char *const cmp_spoof_origin = "compiler: anti-spoofing";

/*
 * fe80::/64 with the modified EUI-64 of @mac (RFC 4291 appendix A): the
 * link-local address a container's kernel gives its interface (Docker and
 * Podman leave addr_gen_mode at its default).  The runtime does not report
 * it, yet neighbour discovery runs on it: bound like any other address so a
 * neighbour cannot claim it (or the gateway's) from another port.
 */
static void lladdr_of(const uint8_t mac[6], uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	out[8] = mac[0] ^ 0x02;
	out[9] = mac[1];
	out[10] = mac[2];
	out[11] = 0xff;
	out[12] = 0xfe;
	out[13] = mac[3];
	out[14] = mac[4];
	out[15] = mac[5];
}

/* Is @p the address lladdr_of(@mac) gives (bound once, not twice)? */
static bool is_lladdr(const struct cmp_prefix *p, const uint8_t mac[6])
{
	uint8_t ll[16];

	lladdr_of(mac, ll);
	return p->family == 6 && p->len == 128 && !memcmp(p->a, ll, 16);
}

/* @v: port, MAC and an address of @family, into bound4 or bound6 and nd6 */
static int bind_addr(struct ctx *c, uint8_t family, struct rs_value v[3], const char *origin)
{
	TRY(rs_set_add_elem(rs_set_find(c->bridge, family == 4 ? "bound4" : "bound6"), v, NULL,
			    origin));
	if (family != 6)
		return 0;
	/* the same bytes, as the raw integer the ND rule reads */
	v[2].type = RS_T_INT128;
	return rs_set_add_elem(rs_set_find(c->bridge, "nd6"), v, NULL, origin);
}

/* @w's port, MAC and addresses; @watched: its zone does not enforce */
static int bind_port(struct ctx *c, const struct cmp_workload *w, bool watched)
{
	struct rs_value v[3];
	char origin[POL_IDENTITY_MAX + 300];

	snprintf(origin, sizeof(origin), "%s (identity %s)", w->origin, w->identity);
	memset(v, 0, sizeof(v));
	v[0].type = RS_T_IFNAME;
	snprintf(v[0].u.ifname, sizeof(v[0].u.ifname), "%s", w->port);
	v[1].type = RS_T_ETHER;
	memcpy(v[1].u.ether, w->mac, 6);
	TRY(rs_set_add_elem(rs_set_find(c->bridge, "guarded"), v, NULL, origin));
	TRY(rs_set_add_elem(rs_set_find(c->inet, "ports"), v, NULL, origin));
	TRY(rs_set_add_elem(rs_set_find(c->bridge, "boundmac"), v, NULL, origin));
	if (watched) {
		TRY(rs_set_add_elem(rs_set_find(c->bridge, "watched"), v, NULL, origin));
		TRY(rs_set_add_elem(rs_set_find(c->inet, "watched"), v, NULL, origin));
	}
	for (size_t i = 0; i < w->n_addrs; i++) {
		const struct cmp_prefix *p = &w->addrs[i];

		if (p->len != (p->family == 4 ? 32 : 128) || is_lladdr(p, w->mac))
			continue;
		prefix_value(p, &v[2]);
		TRY(bind_addr(c, p->family, v, origin));
	}
	/* the link-local address the container's kernel makes from its MAC */
	v[2] = (struct rs_value){ .type = RS_T_IPV6, .prefix = 128 };
	lladdr_of(w->mac, v[2].u.v6.s6_addr);
	return bind_addr(c, 6, v, origin);
}

/*
 * Where a check's verdict goes.  A port whose workload's zone enforces has
 * its spoofed frames dropped in prerouting; any other port's (zones that
 * learn or monitor: monitor never drops anything) are counted and passed in
 * the chain "watch", where the same checks end in accept.
 */
struct spoof_mode {
	struct ctx *c;
	struct rs_chain *ch;
	bool drop;
};


/* "spoofed WHAT", or "not enforced: spoofed WHAT" in the watch chain */
static struct rs_rule *spoof_rule(const struct spoof_mode *m, const char *what)
{
	char comment[128];

	snprintf(comment, sizeof(comment), "%sspoofed %s", m->drop ? "" : "not enforced: ", what);
	return rule_new(m->ch, comment, cmp_spoof_origin);
}

/*
 * Counted into c_spoofed.KIND (dropped) or c_passed.KIND, then on to the
 * chain that logs it (rate-limited, to the refusals' NFLOG group: `zonewall
 * denied` reports the port and its identity) and drops or passes it.
 */
static int spoof_verdict(const struct spoof_mode *m, struct rs_rule *r, const char *kind)
{
	char name[64];

	snprintf(name, sizeof(name), "c_%s.%s", m->drop ? "spoofed" : "passed", kind);
	TRY(rule_count(m->c->bridge, r, name));
	return rs_rule_verdict(r, RS_V_GOTO, m->drop ? "spoofed_drop" : "spoofed_pass");
}

/*
 * The two chains spoof_verdict() ends in: "zw enforce spoofed " / "zw passed
 * spoofed " (in table @t: the inet table has its own for add_port_direct).
 */
int cmp_spoof_log_chain_add(struct ctx *c, struct rs_table *t, const char *name, bool drop)
{
	struct rs_chain *ch = rs_chain_add(t, name, cmp_spoof_origin);
	struct rs_rule *r;

	if (!ch || !(r = rule_new(ch, "spoofed: log", cmp_spoof_origin)))
		return -errno;
	/* The limit is a match: the log needs a rule of its own. */
	TRY(rs_rule_limit(r, c->o.log_rate, CMP_LOG_BURST));
	TRY(rs_rule_log(r, c->o.log_group, drop ? CMP_LOG_PREFIX "enforce spoofed " :
					     CMP_LOG_PREFIX "passed spoofed "));
	if (!(r = rule_new(ch, drop ? "spoofed: drop" : "spoofed: pass", cmp_spoof_origin)))
		return -errno;
	return rs_rule_verdict(r, drop ? RS_V_DROP : RS_V_ACCEPT, NULL);
}

/*
 * An ARP frame claims a sender address and a sender MAC that receivers
 * write into their neighbour tables: hold the address to the port's bound
 * IPv4 addresses like an IP source, and the MAC (which need not be the
 * frame's source) to the port's own.  hlen 6 plen 4 places them at offsets
 * 14 and 8; receivers on Ethernet ignore ARP of other lengths.
 */
static int add_arp_spoof_rule(const struct spoof_mode *m)
{
	static const enum rs_field ka[] = { RS_F_IIFNAME, RS_F_ETHER_SADDR, RS_F_ARP_SADDR_IP };
	static const enum rs_field km[] = { RS_F_IIFNAME, RS_F_ARP_SADDR_ETHER };
	static const struct { const char *what; const enum rs_field *f; unsigned int n;
			      const char *set; } checks[] = {
		{ "ARP sender", ka, 3, "bound4" },
		{ "ARP sender MAC", km, 2, "boundmac" },
	};
	struct rs_value hlen, plen;
	struct rs_rule *r;

	TRY(rs_value_parse(RS_T_U8, "6", &hlen));
	TRY(rs_value_parse(RS_T_U8, "4", &plen));
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if (!(r = spoof_rule(m, checks[i].what)))
			return -errno;
		TRY(rs_rule_match(r, RS_F_ARP_HLEN, false, &hlen));
		TRY(rs_rule_match(r, RS_F_ARP_PLEN, false, &plen));
		TRY(rs_rule_lookup(r, checks[i].f, checks[i].n, true, checks[i].set));
		TRY(spoof_verdict(m, r, "arp"));
	}
	return 0;
}

/*
 * A neighbour advertisement claims its target address for its sender's MAC,
 * as an ARP reply does: hold the target to the port's bound IPv6 addresses
 * (@nd6, bound6's elements keyed the way nft can read the target: a raw
 * integer), its link-local address included: an advertisement for the
 * gateway's or a neighbour's link-local address moved their traffic to the
 * sender.
 */
static int add_nd_target_rule(const struct spoof_mode *m)
{
	static const enum rs_field kt[] = { RS_F_IIFNAME, RS_F_ETHER_SADDR, RS_F_ND_TARGET };
	struct rs_value icmp6, type;
	struct rs_rule *r;

	if (!(r = spoof_rule(m, "neighbour advertisement")))
		return -errno;
	TRY(rs_value_parse(RS_T_PROTO, "ipv6-icmp", &icmp6));
	TRY(rs_value_parse(RS_T_ICMPV6_TYPE, "nd-neighbor-advert", &type));
	TRY(rs_rule_match(r, RS_F_L4PROTO, false, &icmp6));
	TRY(rs_rule_match(r, RS_F_ICMPV6_TYPE, false, &type));
	TRY(rs_rule_lookup(r, kt, 3, true, "nd6"));
	return spoof_verdict(m, r, "nd");
}

/*
 * A container is never the router of its bridge.  A router advertisement
 * from its port would make its neighbours send their IPv6 traffic through
 * it (they accept RAs: no forwarding in their namespaces), a redirect would
 * do the same for one destination; both come from link-local sources, and
 * the port's own link-local address is a bound source.  Only IPv6 frames get
 * this far.
 */
static int add_nd_router_rules(const struct spoof_mode *m)
{
	static const struct { const char *type, *what; } refused[] = {
		{ "nd-router-advert", "router advertisement" },
		{ "nd-redirect", "redirect" },
	};
	struct rs_value icmp6, type;
	struct rs_rule *r;

	TRY(rs_value_parse(RS_T_PROTO, "ipv6-icmp", &icmp6));
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		if (!(r = spoof_rule(m, refused[i].what)))
			return -errno;
		TRY(rs_value_parse(RS_T_ICMPV6_TYPE, refused[i].type, &type));
		TRY(rs_rule_match(r, RS_F_L4PROTO, false, &icmp6));
		TRY(rs_rule_match(r, RS_F_ICMPV6_TYPE, false, &type));
		TRY(spoof_verdict(m, r, "nd"));
	}
	return 0;
}

/*
 * A container's port sends IPv4, IPv6 and ARP; anything else is refused
 * (its MAC already checked).  A VLAN-tagged frame (802.1Q or 802.1ad, VLAN
 * id 0 included) is handed to no inet hook by br_netfilter, yet the
 * receiving container's kernel strips a tag of id 0 and delivers what it
 * carries: a way past every zone border for any container with CAP_NET_RAW
 * (Docker's default).  Other ether types reach no inet hook either:
 * a channel between two such containers that no policy sees.  Frames only
 * get here when they are not a bound IPv4 source's, so the cost stays off
 * the path of nearly all traffic.
 */
static int add_frame_type_rule(const struct spoof_mode *m)
{
	static const char *const allowed[] = { "ip", "ip6", "arp" };
	struct rs_value v;
	struct rs_rule *r;

	if (!(r = spoof_rule(m, "frame type: VLAN-tagged or not IPv4, IPv6, ARP")))
		return -errno;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		TRY(rs_value_parse(RS_T_ETHERTYPE, allowed[i], &v));
		TRY(rs_rule_match(r, RS_F_ETHER_TYPE, true, &v));
	}
	return spoof_verdict(m, r, "frame");
}

/* Everything a guarded port's frame is held to, in @m's chain. */
static int add_spoof_checks(const struct spoof_mode *m)
{
	static const enum rs_field km[] = { RS_F_IIFNAME, RS_F_ETHER_SADDR };
	static const enum rs_field k4[] = { RS_F_IIFNAME, RS_F_ETHER_SADDR, RS_F_IP_SADDR };
	static const enum rs_field k6[] = { RS_F_IIFNAME, RS_F_ETHER_SADDR, RS_F_IP6_SADDR };
	struct rs_value any;
	struct rs_rule *r;

	if (!(r = spoof_rule(m, "IPv4 source")))
		return -errno;
	TRY(rs_rule_lookup(r, k4, 3, true, "bound4"));
	TRY(spoof_verdict(m, r, "ipv4"));
	if (!(r = spoof_rule(m, "IPv6 source")))
		return -errno;
	/* The unspecified source (duplicate address detection) claims nothing;
	 * link-local sources are bound (bind_port). */
	TRY(rs_value_parse(RS_T_IPV6, "::", &any));
	TRY(rs_rule_match(r, RS_F_IP6_SADDR, true, &any));
	TRY(rs_rule_lookup(r, k6, 3, true, "bound6"));
	TRY(spoof_verdict(m, r, "ipv6"));
	TRY(add_nd_target_rule(m));
	TRY(add_nd_router_rules(m));
	TRY(add_arp_spoof_rule(m));
	if (!(r = spoof_rule(m, "MAC")))
		return -errno;
	TRY(rs_rule_lookup(r, km, 2, true, "boundmac"));
	TRY(spoof_verdict(m, r, "mac"));
	return add_frame_type_rule(m);
}

/* "FIELD != @SET accept" (@f is an interface name field) */
static int add_not_in_accept(struct rs_chain *ch, const char *comment, enum rs_field f,
			     const char *set)
{
	struct rs_rule *r = rule_new(ch, comment, cmp_spoof_origin);

	if (!r)
		return -errno;
	TRY(rs_rule_lookup(r, &f, 1, true, set));
	return rs_rule_verdict(r, RS_V_ACCEPT, NULL);
}

/* "FIELD != A FIELD != B accept" */
static int add_neither_accept(struct rs_chain *ch, const char *comment, enum rs_field f,
			      const char *a, const char *b)
{
	struct rs_rule *r = rule_new(ch, comment, cmp_spoof_origin);
	struct rs_value va, vb;

	if (!r)
		return -errno;
	TRY(rs_value_parse(rs_field_type(f), a, &va));
	TRY(rs_value_parse(rs_field_type(f), b, &vb));
	TRY(rs_rule_match(r, f, true, &va));
	TRY(rs_rule_match(r, f, true, &vb));
	return rs_rule_verdict(r, RS_V_ACCEPT, NULL);
}

/*
 * Per frame: an IPv4 frame from its port's bound MAC and address (nearly
 * all traffic on a container bridge) leaves after one lookup.  Anything
 * else: one lookup to tell the port is guarded (unguarded ports leave
 * there), one to tell whether its zone enforces (else the watch chain),
 * then the checks.  Checking the port first and the source second cost
 * ~0.10x CPU per TCP connection in tests/bench/enforce; the bound source
 * first, about half of that.
 */
static int add_spoof_rules(struct ctx *c, struct rs_chain *ch, struct rs_chain *watch)
{
	static const enum rs_field ifn = RS_F_IIFNAME;
	static const enum rs_field k4[] = { RS_F_IIFNAME, RS_F_ETHER_SADDR, RS_F_IP_SADDR };
	struct spoof_mode enforce = { c, ch, true }, passed = { c, watch, false };
	struct rs_rule *r;

	if (!(r = rule_new(ch, "bound IPv4 source", cmp_spoof_origin)))
		return -errno;
	TRY(rs_rule_lookup(r, k4, 3, false, "bound4"));
	TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	TRY(add_not_in_accept(ch, "unguarded port", RS_F_IIFNAME, "guarded"));
	if (!(r = rule_new(ch, "port of a zone that does not enforce", cmp_spoof_origin)))
		return -errno;
	TRY(rs_rule_lookup(r, &ifn, 1, false, "watched"));
	TRY(rs_rule_verdict(r, RS_V_GOTO, "watch"));
	TRY(cmp_spoof_log_chain_add(c, c->bridge, "spoofed_drop", true));
	TRY(cmp_spoof_log_chain_add(c, c->bridge, "spoofed_pass", false));
	TRY(add_spoof_checks(&enforce));
	return add_spoof_checks(&passed);
}

/*
 * IP broadcast and multicast between two containers' ports.  The inet
 * chains judge a packet by its destination address, and a group address
 * names no one: the subnet's broadcast address, 255.255.255.255 or
 * 224.0.0.1 fall in whatever zone covers them (an internet zone of
 * 0.0.0.0/0, say), so a container allowed there reached every neighbour's
 * UDP sockets on the bridge whatever the policy said of them.  Here, where
 * the bridge hands a copy to each port, a copy from a container's port to
 * another container's port is dropped when either port's zone enforces
 * (counted and passed when neither does).  ICMPv6 (neighbour discovery,
 * MLD), IGMP and non-IP frames (ARP) are left to pass; copies to the host
 * are not forwarded (the inet input chain judges them) and unicast leaves
 * at the first rule.
 */
static int add_group_rules(struct ctx *c, struct rs_chain *ch)
{
	static const enum rs_field ifn = RS_F_IIFNAME, ofn = RS_F_OIFNAME;
	static const char *const exempt[] = { "ipv6-icmp", "igmp" };
	struct rs_value v;
	struct rs_rule *r;

	TRY(add_neither_accept(ch, "unicast", RS_F_PKTTYPE, "broadcast", "multicast"));
	TRY(add_not_in_accept(ch, "not from a container", RS_F_IIFNAME, "guarded"));
	TRY(add_not_in_accept(ch, "not to a container", RS_F_OIFNAME, "guarded"));
	for (size_t i = 0; i < sizeof(exempt) / sizeof(exempt[0]); i++) {
		if (!(r = rule_new(ch, i ? "IGMP" : "neighbour discovery, MLD", cmp_spoof_origin)))
			return -errno;
		TRY(rs_value_parse(RS_T_PROTO, exempt[i], &v));
		TRY(rs_rule_match(r, RS_F_L4PROTO, false, &v));
		TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	}
	TRY(add_neither_accept(ch, "not IP", RS_F_ETHER_TYPE, "ip", "ip6"));
	if (!(r = rule_new(ch, "not enforced: broadcast or multicast IP between containers",
			   cmp_spoof_origin)))
		return -errno;
	TRY(rs_rule_lookup(r, &ifn, 1, false, "watched"));
	TRY(rs_rule_lookup(r, &ofn, 1, false, "watched"));
	TRY(rule_count(c->bridge, r, "c_passed.group"));
	TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	if (!(r = rule_new(ch, "broadcast or multicast IP between containers", cmp_spoof_origin)))
		return -errno;
	TRY(rule_count(c->bridge, r, "c_group"));
	return rs_rule_verdict(r, RS_V_DROP, NULL);
}

/*
 * Frames to the IEEE 802.1 reserved group addresses (01:80:c2:00:00:0X)
 * are not forwarded: the bridge hands them to the host as arriving on the
 * port, past the prerouting checks, and learns their source MAC on the
 * way (a neighbour's MAC moved to the sender's port took its traffic).
 * This kernel runs the bridge input hook for them before it learns
 * (01:80:c2:00:00:00 itself is forwarded, so prerouting sees it, while STP
 * is off, as on container bridges).  A container sends none of them.
 */
static int add_group_mac_rules(struct ctx *c, struct rs_chain *ch)
{
	static const enum rs_field ifn = RS_F_IIFNAME;
	struct spoof_mode enforce = { c, ch, true }, passed = { c, ch, false };
	static const char *const what = "destination: a reserved group address";
	struct rs_value reserved;
	struct rs_rule *r;

	if (!(r = rule_new(ch, "not to a reserved group address", cmp_spoof_origin)))
		return -errno;
	TRY(rs_value_parse(RS_T_ETHER, "01:80:c2:00:00:00/44", &reserved));
	TRY(rs_rule_match(r, RS_F_ETHER_DADDR, true, &reserved));
	TRY(rs_rule_verdict(r, RS_V_ACCEPT, NULL));
	TRY(add_not_in_accept(ch, "unguarded port", RS_F_IIFNAME, "guarded"));
	if (!(r = spoof_rule(&passed, what)))
		return -errno;
	TRY(rs_rule_lookup(r, &ifn, 1, false, "watched"));
	TRY(spoof_verdict(&passed, r, "group_mac"));
	if (!(r = spoof_rule(&enforce, what)))
		return -errno;
	return spoof_verdict(&enforce, r, "group_mac");
}

int cmp_bridge_table_add(struct ctx *c, struct rs_ruleset *rs)
{
	struct rs_key kif = { { RS_T_IFNAME }, 1 };
	struct rs_key kmac = { { RS_T_IFNAME, RS_T_ETHER }, 2 };
	struct rs_key k4 = { { RS_T_IFNAME, RS_T_ETHER, RS_T_IPV4 }, 3 };
	struct rs_key k6 = { { RS_T_IFNAME, RS_T_ETHER, RS_T_IPV6 }, 3 };
	struct rs_key knd = { { RS_T_IFNAME, RS_T_ETHER, RS_T_INT128 }, 3 };
	static const enum rs_field fnd[] = { RS_F_IIFNAME, RS_F_ETHER_SADDR, RS_F_ND_TARGET };
	struct rs_set *nd6;
	struct rs_chain *ch, *watch, *fwd, *in;

	c->bridge = rs_table_add(rs, RS_BRIDGE, CMP_TABLE, "compiler: anti-spoofing");
	if (!c->bridge || !rs_set_add(c->bridge, "guarded", &kif, false, false, "bound ports") ||
	    !rs_set_add(c->bridge, "watched", &kif, false, false, "ports of zones not enforcing") ||
	    !rs_set_add(c->bridge, "boundmac", &kmac, false, false, "port -> MAC") ||
	    !rs_set_add(c->bridge, "bound4", &k4, false, false, "port -> IPv4 source") ||
	    !rs_set_add(c->bridge, "bound6", &k6, false, false, "port -> IPv6 source") ||
	    !(nd6 = rs_set_add(c->bridge, "nd6", &knd, false, false, "port -> ND target")))
		return -errno;
	TRY(rs_set_typeof(nd6, fnd, 3));
	for (size_t i = 0; i < c->s->n; i++) {
		const struct cmp_workload *w = c->s->w[i];

		if (!w->port[0])
			continue;
		if (!w->has_mac) {
			if (c->warn)
				diag_add(c->warn, w->origin, "port %s without a MAC: not bound", w->port);
			continue;
		}
		TRY(bind_port(c, w, c->p->zones[c->zone_of[i]].mode != POL_MODE_ENFORCE));
	}
	if (!(ch = rs_chain_add(c->bridge, "prerouting", cmp_spoof_origin)) ||
	    !(watch = rs_chain_add(c->bridge, "watch", cmp_spoof_origin)) ||
	    !(fwd = rs_chain_add(c->bridge, "forward", cmp_spoof_origin)) ||
	    !(in = rs_chain_add(c->bridge, "input", cmp_spoof_origin)))
		return -errno;
	/* -200: before the bridge learns the source MAC and before conntrack. */
	rs_chain_set_hook(ch, RS_HOOK_PREROUTING, -200, false);
	/* -200: before br_netfilter hands the frame to the inet forward hook */
	rs_chain_set_hook(fwd, RS_HOOK_FORWARD, -200, false);
	/* -200: the bridge learns a link-local frame's source after this hook */
	rs_chain_set_hook(in, RS_HOOK_INPUT, -200, false);
	TRY(add_spoof_rules(c, ch, watch));
	TRY(add_group_rules(c, fwd));
	return add_group_mac_rules(c, in);
}

