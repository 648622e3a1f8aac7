// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A policy's questions answered by hash: the zone of an address and the
 * decision on a flow, each as pol_zone_of() and pol_check() give them, in
 * a few probes instead of a scan of every zone and rule, for callers that
 * ask once per flow (replay: flows x rules would be the cost).
 *
 * Rules are found by their ends and protocol, the four pairings of the
 * flow's identities and "zone:" ends, and within a pairing by exact port;
 * only rules with a port interval of more than one port (not "any") are
 * scanned, and only those of the pairing.  Zones are found by address:
 * one probe per (family, prefix length) that some zone's CIDR uses.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "zonewall/policy.h"

#include "policy-int.h"

#define NO_RULE ((size_t)-1)

/* One zone CIDR, in zone order. */
struct pj_cidr {
	size_t zone;
	const struct pol_cidr *c;
};

struct pol_judge {
	const struct pol_policy *p;
	struct pidx zones;	/* by name, the first of each */
	struct pidx borders;	/* by (from, to), the first of each */
	struct pidx exact;	/* single-port rules by (from, to, proto, port), the first */
	struct pidx wide;	/* other rules by (from, to, proto), the first of each */
	size_t *next;		/* per rule: the next wide rule of its key, or NO_RULE */
	struct pj_cidr *cidrs;
	size_t n_cidrs;
	struct pidx by_prefix;	/* cidrs by (family, length, network), the first */
	uint8_t lens[2][129];	/* [v6][len]: some zone CIDR has that length */
	bool selectors;		/* some zone has labels or networks */
};

/* A rule end as the flow offers it: an identity, or "zone:" + @name. */
struct pj_end {
	const char *name;
	bool zone;
};

struct pj_rule_key {
	struct pj_end from, to;
	uint8_t proto;
	uint16_t port;
};

static uint64_t end_hash(uint64_t h, const struct pj_end *e)
{
	if (e->zone)
		h = hash_bytes(h, "zone:", 5);
	return hash_str(h, e->name);
}

static uint64_t rule_key_hash(const struct pj_rule_key *k, bool exact)
{
	uint64_t h = end_hash(end_hash(HASH_INIT, &k->from), &k->to);

	h = hash_bytes(h, &k->proto, 1);
	return exact ? hash_bytes(h, &k->port, sizeof(k->port)) : h;
}

static bool end_eq(const char *rule_end, const struct pj_end *e)
{
	if (e->zone)
		return !strncmp(rule_end, "zone:", 5) && !strcmp(rule_end + 5, e->name);
	return !strcmp(rule_end, e->name);
}

static bool rule_wide_eq(const struct pol_policy *p, size_t i, const void *key)
{
	const struct pj_rule_key *k = key;
	const struct pol_rule *r = &p->rules[i];

	return r->proto == k->proto && end_eq(r->from, &k->from) && end_eq(r->to, &k->to);
}

static bool rule_exact_eq(const struct pol_policy *p, size_t i, const void *key)
{
	const struct pj_rule_key *k = key;

	return rule_wide_eq(p, i, key) && p->rules[i].port_lo == k->port;
}

static bool rule_exact(const struct pol_rule *r)
{
	return pol_proto_has_ports(r->proto) && r->port_lo && r->port_lo == r->port_hi;
}

/* A rule's own ends as a key (a "zone:" end is kept whole, as an identity). */
static struct pj_rule_key rule_key(const struct pol_rule *r)
{
	struct pj_rule_key k = {
		.from = { .name = r->from, .zone = false },
		.to = { .name = r->to, .zone = false },
		.proto = r->proto,
		.port = r->port_lo,
	};

	return k;
}

static void rules_index(struct pctx *c, struct pol_judge *j)
{
	const struct pol_policy *p = j->p;
	size_t *last = calloc(p->n_rules + 1, sizeof(*last));

	if (!last) {
		c->nomem = true;
		return;
	}
	for (size_t i = 0; i < p->n_rules && !c->nomem; i++) {
		struct pj_rule_key k = rule_key(&p->rules[i]);
		bool exact = rule_exact(&p->rules[i]);
		struct pidx *x = exact ? &j->exact : &j->wide;
		uint64_t h = rule_key_hash(&k, exact);
		long first = pol_pidx_find(x, h, exact ? rule_exact_eq : rule_wide_eq, p, &k);

		j->next[i] = NO_RULE;
		if (exact && first >= 0)
			continue;	/* an earlier rule answers for the same port */
		if (first < 0) {
			pol_pidx_add(c, x, h, i);
			last[i] = i;
		} else {
			j->next[last[first]] = i;
			last[first] = i;
		}
	}
	free(last);
}

static uint64_t zone_hash(const char *name)
{
	return hash_str(HASH_INIT, name);
}

static bool zone_eq(const struct pol_policy *p, size_t i, const void *key)
{
	return p->zones[i].name && !strcmp(p->zones[i].name, key);
}

static uint64_t border_hash(size_t from, size_t to)
{
	return hash_bytes(hash_bytes(HASH_INIT, &from, sizeof(from)), &to, sizeof(to));
}

static bool border_eq(const struct pol_policy *p, size_t i, const void *key)
{
	const size_t *ft = key;

	return p->borders[i].from == ft[0] && p->borders[i].to == ft[1];
}

/* A CIDR key: an address masked to a length; @j gives the eq its cidrs. */
struct pj_net {
	const struct pol_judge *j;
	uint8_t family, len;
	uint8_t a[16];
};

static void net_mask(struct pj_net *n, const uint8_t *addr)
{
	unsigned int full = n->len / 8, rest = n->len % 8;

	memset(n->a, 0, sizeof(n->a));
	memcpy(n->a, addr, full);
	if (rest)
		n->a[full] = addr[full] & (uint8_t)(0xff << (8 - rest));
}

static uint64_t net_hash(const struct pj_net *n)
{
	return hash_bytes(hash_bytes(hash_bytes(HASH_INIT, &n->family, 1), &n->len, 1), n->a,
			  sizeof(n->a));
}

static bool net_eq(const struct pol_policy *p, size_t i, const void *key)
{
	const struct pj_net *n = key;
	const struct pol_cidr *c = n->j->cidrs[i].c;
	struct pj_net m = { .len = c->prefix };

	(void)p;
	if (c->family != n->family || c->prefix != n->len)
		return false;
	net_mask(&m, c->addr);
	return !memcmp(m.a, n->a, sizeof(m.a));
}

static void cidrs_index(struct pctx *c, struct pol_judge *j)
{
	const struct pol_policy *p = j->p;
	size_t n = 0;

	for (size_t z = 0; z < p->n_zones; z++) {
		n += p->zones[z].n_cidrs;
		j->selectors |= p->zones[z].n_labels || p->zones[z].n_networks;
	}
	j->cidrs = calloc(n + 1, sizeof(*j->cidrs));
	if (!j->cidrs) {
		c->nomem = true;
		return;
	}
	for (size_t z = 0; z < p->n_zones; z++)
		for (size_t i = 0; i < p->zones[z].n_cidrs && !c->nomem; i++) {
			const struct pol_cidr *pc = &p->zones[z].cidrs[i];
			struct pj_net k = { .j = j, .family = pc->family, .len = pc->prefix };
			uint64_t h;

			if ((pc->family != 4 && pc->family != 6) || pc->prefix > 128)
				continue;
			j->cidrs[j->n_cidrs] = (struct pj_cidr){ .zone = z, .c = pc };
			net_mask(&k, pc->addr);
			h = net_hash(&k);
			j->lens[pc->family == 6][pc->prefix] = 1;
			if (pol_pidx_find(&j->by_prefix, h, net_eq, p, &k) < 0)
				pol_pidx_add(c, &j->by_prefix, h, j->n_cidrs);
			j->n_cidrs++;
		}
}

struct pol_judge *pol_judge_new(const struct pol_policy *p)
{
	struct pol_judge *j = calloc(1, sizeof(*j));
	struct pctx c = { .d = NULL, .nomem = false };

	if (!j)
		return NULL;
	j->p = p;
	j->next = calloc(p->n_rules + 1, sizeof(*j->next));
	if (!j->next)
		goto out_free;
	for (size_t z = 0; z < p->n_zones && !c.nomem; z++)
		if (p->zones[z].name && pol_pidx_find(&j->zones, zone_hash(p->zones[z].name),
						      zone_eq, p, p->zones[z].name) < 0)
			pol_pidx_add(&c, &j->zones, zone_hash(p->zones[z].name), z);
	for (size_t b = 0; b < p->n_borders && !c.nomem; b++) {
		size_t ft[2] = { p->borders[b].from, p->borders[b].to };
		uint64_t h = border_hash(ft[0], ft[1]);

		if (pol_pidx_find(&j->borders, h, border_eq, p, ft) < 0)
			pol_pidx_add(&c, &j->borders, h, b);
	}
	if (!c.nomem)
		rules_index(&c, j);
	if (!c.nomem)
		cidrs_index(&c, j);
	if (!c.nomem)
		return j;
out_free:
	pol_judge_free(j);
	errno = ENOMEM;
	return NULL;
}

void pol_judge_free(struct pol_judge *j)
{
	if (!j)
		return;
	free(j->zones.v);
	free(j->borders.v);
	free(j->exact.v);
	free(j->wide.v);
	free(j->by_prefix.v);
	free(j->next);
	free(j->cidrs);
	free(j);
}

/* --- the zone of an address -------------------------------------------------- */

static size_t cidr_zone(const struct pol_judge *j, int family, const uint8_t *addr)
{
	size_t best = NO_RULE;
	int v6 = family == 6;

	if (family != 4 && family != 6)
		return NO_RULE;
	for (unsigned int len = 0; len <= (v6 ? 128u : 32u); len++) {
		struct pj_net k = { .j = j, .family = (uint8_t)family, .len = (uint8_t)len };
		long i;

		if (!j->lens[v6][len])
			continue;
		net_mask(&k, addr);
		i = pol_pidx_find(&j->by_prefix, net_hash(&k), net_eq, j->p, &k);
		if (i >= 0 && j->cidrs[i].zone < best)
			best = j->cidrs[i].zone;
	}
	return best;
}

size_t pol_judge_zone_of(const struct pol_judge *j, const struct pol_label *labels,
			 size_t n_labels, const char *const *networks, size_t n_networks,
			 int family, const uint8_t *addr)
{
	const struct pol_policy *p = j->p;
	size_t best = addr ? cidr_zone(j, family, addr) : NO_RULE;

	/* Label and network selectors are few: the zones before the CIDR's. */
	for (size_t z = 0; j->selectors && z < p->n_zones && z < best; z++) {
		const struct pol_zone *pz = &p->zones[z];

		if ((pz->n_labels || pz->n_networks) &&
		    pol_zone_matches(pz, labels, n_labels, networks, n_networks, family, NULL))
			best = z;
	}
	return best == NO_RULE ? p->default_zone : best;
}

/* --- the decision on a flow ---------------------------------------------------- */

static size_t flow_zone(const struct pol_judge *j, const char *name, bool *unknown)
{
	long z;

	if (!name || !*name)
		return j->p->default_zone;
	z = pol_pidx_find(&j->zones, zone_hash(name), zone_eq, j->p, name);
	if (z < 0) {
		*unknown = true;
		return j->p->default_zone;
	}
	return (size_t)z;
}

static enum pol_verdict border_verdict(const struct pol_judge *j, size_t from, size_t to,
				       const struct pol_border **which)
{
	size_t ft[2] = { from, to };
	long b = pol_pidx_find(&j->borders, border_hash(from, to), border_eq, j->p, ft);

	*which = b >= 0 ? &j->p->borders[b] : NULL;
	return b >= 0 ? j->p->borders[b].verdict : POL_BORDER_ALLOWLIST;
}

/* The first rule of pairing @k that holds the flow's port, if before @best. */
static size_t pairing_first(const struct pol_judge *j, struct pj_rule_key *k, size_t best)
{
	const struct pol_policy *p = j->p;
	long i;

	if (pol_proto_has_ports(k->proto)) {
		i = pol_pidx_find(&j->exact, rule_key_hash(k, true), rule_exact_eq, p, k);
		if (i >= 0 && (size_t)i < best)
			best = (size_t)i;
	}
	i = pol_pidx_find(&j->wide, rule_key_hash(k, false), rule_wide_eq, p, k);
	for (size_t r = i < 0 ? NO_RULE : (size_t)i; r != NO_RULE && r < best; r = j->next[r]) {
		const struct pol_rule *pr = &p->rules[r];

		if (!pol_proto_has_ports(pr->proto) || !pr->port_lo ||
		    (k->port >= pr->port_lo && k->port <= pr->port_hi))
			return r;
	}
	return best;
}

/* An identity that reads "zone:..." can only be taken for a zone end. */
static bool end_usable(const char *id)
{
	return id && strncmp(id, "zone:", 5);
}

static size_t rule_first(const struct pol_judge *j, const struct pol_flow *f,
			 const char *fz, const char *tz)
{
	struct pj_end from[2] = { { f->from, false }, { fz, true } };
	struct pj_end to[2] = { { f->to, false }, { tz, true } };
	size_t best = NO_RULE;

	for (int a = 0; a < 2; a++)
		for (int b = 0; b < 2; b++) {
			struct pj_rule_key k = { .from = from[a], .to = to[b], .proto = f->proto,
						 .port = f->port };

			if ((a == 0 && !end_usable(f->from)) || (b == 0 && !end_usable(f->to)) ||
			    !k.from.name || !k.to.name)
				continue;
			best = pairing_first(j, &k, best);
		}
	return best;
}

enum pol_decision pol_judge_check(const struct pol_judge *j, const struct pol_flow *f,
				  struct pol_reason *why)
{
	const struct pol_policy *p = j->p;
	struct pol_reason r = { 0 };
	enum pol_decision dec;
	enum pol_verdict v;
	size_t i;

	r.from_zone = flow_zone(j, f->from_zone, &r.unknown_zone);
	r.to_zone = flow_zone(j, f->to_zone, &r.unknown_zone);
	v = border_verdict(j, r.from_zone, r.to_zone, &r.border);
	if (v == POL_BORDER_DENY) {
		dec = POL_REFUSED_BY_BORDER;
	} else if (v == POL_BORDER_ALLOW) {
		dec = POL_ALLOWED_BY_BORDER;
	} else {
		/* "zone:Z" rules match on the zone actually used, default included. */
		i = rule_first(j, f, p->zones[r.from_zone].name, p->zones[r.to_zone].name);
		dec = i == NO_RULE ? POL_REFUSED_NO_RULE : POL_ALLOWED_BY_RULE;
		r.rule = i == NO_RULE ? NULL : &p->rules[i];
	}
	if (why)
		*why = r;
	return dec;
}
