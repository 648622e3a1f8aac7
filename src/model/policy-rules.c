// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy.json's borders and allow rules parsed and checked: zones and
 * identities they name, ports, duplicates and rules across a deny border.
 */

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/policy.h"

#include "policy-int.h"

/* --- borders and rules -------------------------------------------------- */

/* A member naming a zone: its index, or -1 (recorded unless absent). */
long pol_zone_member(struct pctx *c, const struct pol_policy *p, const char *path,
		     json_t *o, const char *key, bool required)
{
	const char *name = string_member(c, path, o, key, required, NULL);
	char kp[PATH_LEN];
	long z;

	if (!name)
		return -1;
	z = pol_ctx_zone_find(c, p, name);
	if (z < 0) {
		diag_path_key(kp, path, key);
		diag_add(c->d, kp, "unknown zone '%.40s'", name);
	}
	return z;
}

static uint64_t border_hash(size_t from, size_t to)
{
	size_t ft[2] = { from, to };

	return hash_bytes(HASH_INIT, ft, sizeof(ft));
}

static bool border_eq(const struct pol_policy *p, size_t i, const void *key)
{
	const size_t *ft = key;

	return p->borders[i].from == ft[0] && p->borders[i].to == ft[1];
}

/* The explicit border @from -> @to parsed so far, or NULL: pol_border_verdict()'s
 * search, by the index. */
static const struct pol_border *ctx_border_find(const struct pctx *c, const struct pol_policy *p,
						size_t from, size_t to)
{
	size_t ft[2] = { from, to };
	long i = pol_pidx_find(&c->borders, border_hash(from, to), border_eq, p, ft);

	return i < 0 ? NULL : &p->borders[i];
}

void pol_border_parse(struct pctx *c, struct pol_policy *p, const char *path, json_t *o)
{
	static const char *const keys[] = { "from", "to", "verdict", "comment", NULL };
	struct pol_border *b = &p->borders[p->n_borders];
	const char *verdict;
	char kp[PATH_LEN];
	long from, to;
	int v = -1;

	diag_check_keys(c->d, path, o, keys, "from, to, verdict, comment");
	from = pol_zone_member(c, p, path, o, "from", true);
	to = pol_zone_member(c, p, path, o, "to", true);
	verdict = string_member(c, path, o, "verdict", true, NULL);
	if (verdict) {
		v = enum_parse(verdict, pol_verdict_names, 3);
		diag_path_key(kp, path, "verdict");
		if (v < 0)
			diag_add(c->d, kp, "expected one of deny, allowlist, allow, got '%.40s'",
				 verdict);
	}
	if (from < 0 || to < 0 || v < 0)
		return;
	if (ctx_border_find(c, p, (size_t)from, (size_t)to)) {
		diag_add(c->d, path, "duplicate border %s -> %s", p->zones[from].name,
			 p->zones[to].name);
		return;
	}
	b->from = (size_t)from;
	b->to = (size_t)to;
	b->verdict = (enum pol_verdict)v;
	string_member(c, path, o, "comment", false, &b->comment);
	pol_pidx_add(c, &c->borders, border_hash(b->from, b->to), p->n_borders);
	p->n_borders++;
}

bool pol_port_text(const char *s, uint16_t *lo, uint16_t *hi)
{
	unsigned long a, b;
	char *end;

	if (!isdigit((unsigned char)s[0]))
		return false;
	a = strtoul(s, &end, 10);
	if (*end != '-' || !isdigit((unsigned char)end[1]))
		return false;
	b = strtoul(end + 1, &end, 10);
	if (*end || a < 1 || b > 65535 || a > b)
		return false;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return true;
}

/* "N" as an integer or "LO-HI" as a string; 1..65535. */
static bool port_parse(const json_t *v, uint16_t *lo, uint16_t *hi)
{
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 1 || json_integer_value(v) > 65535)
			return false;
		*lo = *hi = (uint16_t)json_integer_value(v);
		return true;
	}
	return json_is_string(v) && pol_port_text(json_string_value(v), lo, hi);
}

/* An identity member: valid, and a "zone:NAME" form must name a zone. */
static void identity_member(struct pctx *c, const struct pol_policy *p, const char *path,
			    json_t *o, const char *key, char **out)
{
	const char *s = string_member(c, path, o, key, true, NULL);
	char kp[PATH_LEN], got[64];

	if (!s)
		return;
	if (!pol_identity_valid(s)) {
		diag_path_key(kp, path, key);
		diag_json_preview(json_object_get(o, key), got, sizeof(got));
		diag_add(c->d, kp, "invalid identity %s", got);
		return;
	}
	if (!strncmp(s, "zone:", 5) && pol_ctx_zone_find(c, p, s + 5) < 0) {
		diag_path_key(kp, path, key);
		diag_add(c->d, kp, "unknown zone '%.40s'", s + 5);
		return;
	}
	*out = xstrdup(c, s);
}

static void parse_rule_port(struct pctx *c, const char *path, json_t *o, struct pol_rule *r)
{
	json_t *port = json_object_get(o, "port");
	char kp[PATH_LEN], got[64];

	if (!port)
		return;
	if (r->proto && !pol_proto_has_ports(r->proto)) {
		diag_path_key(kp, path, "port");
		diag_add(c->d, kp, "%s has no ports", pol_proto_name(r->proto));
		return;
	}
	if (!port_parse(port, &r->port_lo, &r->port_hi)) {
		diag_path_key(kp, path, "port");
		diag_json_preview(port, got, sizeof(got));
		diag_add(c->d, kp, "expected 1..65535 or 'LO-HI', got %s", got);
	}
}

/* The zone a rule end is in, when known: its recorded zone or "zone:Z". */
static long rule_end_zone(const struct pctx *c, const struct pol_policy *p, const char *id,
			  const char *zone)
{
	if (zone)
		return pol_ctx_zone_find(c, p, zone);
	if (id && !strncmp(id, "zone:", 5))
		return pol_ctx_zone_find(c, p, id + 5);
	return -1;
}

/* Two rules are duplicates when these fields are equal; both ends must be set. */
static uint64_t rule_hash(const struct pol_rule *r)
{
	uint16_t ports[2] = { r->port_lo, r->port_hi };
	uint64_t h = hash_str(hash_str(HASH_INIT, r->from), r->to);

	h = hash_bytes(h, &r->proto, sizeof(r->proto));
	return hash_bytes(h, ports, sizeof(ports));
}

static bool rule_same_key(const struct pol_policy *p, size_t i, const void *key)
{
	const struct pol_rule *a = &p->rules[i], *b = key;

	return a->from && b->from && a->to && b->to && !strcmp(a->from, b->from) &&
	       !strcmp(a->to, b->to) && a->proto == b->proto && a->port_lo == b->port_lo &&
	       a->port_hi == b->port_hi;
}

/* Whether @r's ends are in zones with a deny border between them. */
static const struct pol_border *rule_deny_border(const struct pctx *c, const struct pol_policy *p,
						 const struct pol_rule *r, long *fz, long *tz)
{
	const struct pol_border *b;

	*fz = rule_end_zone(c, p, r->from, r->from_zone);
	*tz = rule_end_zone(c, p, r->to, r->to_zone);
	if (*fz < 0 || *tz < 0)
		return NULL;
	b = ctx_border_find(c, p, (size_t)*fz, (size_t)*tz);
	return b && b->verdict == POL_BORDER_DENY ? b : NULL;
}

bool pol_rule_links_clean(const struct pctx *c, const struct pol_policy *p,
			  const struct pol_rule *r, uint64_t *h)
{
	long fz, tz;

	if (rule_deny_border(c, p, r, &fz, &tz))
		return false;
	*h = rule_hash(r);
	return pol_pidx_find(&c->rules, *h, rule_same_key, p, r) < 0;
}

/* @r is p->rules[p->n_rules], not counted yet. */
static void rule_check_links(struct pctx *c, const struct pol_policy *p, const char *path,
			     const struct pol_rule *r, bool valid)
{
	uint64_t h;
	long fz, tz, i;

	if (rule_deny_border(c, p, r, &fz, &tz))
		diag_add(c->d, path, "crosses the deny border %s -> %s", p->zones[fz].name,
			 p->zones[tz].name);
	if (!r->from || !r->to)
		return;
	/* The first earlier rule with the same key, as a scan in file order
	 * would find it: only the first of each key is in the index.  Even a
	 * rule with a bad field goes in (it is kept in p->rules), but is not
	 * itself reported: it would match others by its defaults. */
	h = rule_hash(r);
	i = pol_pidx_find(&c->rules, h, rule_same_key, p, r);
	if (i < 0)
		pol_pidx_add(c, &c->rules, h, p->n_rules);
	else if (valid)
		diag_add(c->d, path, "duplicate of $.allow[%ld]", i);
}

void pol_rule_parse(struct pctx *c, struct pol_policy *p, const char *path, json_t *o)
{
	static const char *const keys[] = { "from", "to", "from_zone", "to_zone", "proto",
		"port", "comment", "approved_by", "approved_at", NULL };
	struct pol_rule *r = &p->rules[p->n_rules];
	size_t problems = c->d->n + c->d->dropped;
	const char *proto, *at;
	char kp[PATH_LEN];
	int64_t t;
	int rc;

	diag_check_keys(c->d, path, o, keys,
		   "from, to, from_zone, to_zone, proto, port, comment, approved_by, approved_at");
	identity_member(c, p, path, o, "from", &r->from);
	identity_member(c, p, path, o, "to", &r->to);
	if (pol_zone_member(c, p, path, o, "from_zone", false) >= 0)
		r->from_zone = xstrdup(c, json_string_value(json_object_get(o, "from_zone")));
	if (pol_zone_member(c, p, path, o, "to_zone", false) >= 0)
		r->to_zone = xstrdup(c, json_string_value(json_object_get(o, "to_zone")));
	proto = string_member(c, path, o, "proto", true, NULL);
	if (proto) {
		r->proto = pol_proto_parse(proto);
		if (!r->proto) {
			diag_path_key(kp, path, "proto");
			diag_add(c->d, kp, "expected one of tcp, udp, icmp, icmpv6, got '%.40s'",
				 proto);
		}
	}
	parse_rule_port(c, path, o, r);
	string_member(c, path, o, "comment", false, &r->comment);
	string_member(c, path, o, "approved_by", false, &r->approved_by);
	at = string_member(c, path, o, "approved_at", false, &r->approved_at);
	if (at && (rc = pol_time_parse(at, &t))) {
		diag_path_key(kp, path, "approved_at");
		diag_add(c->d, kp, rc == -ERANGE ? "expected a time from 1970 to 2106-02-07, got "
			 "'%.40s'" : "expected an RFC 3339 time (2026-01-31T12:00:00Z), got '%.40s'",
			 at);
	}
	rule_check_links(c, p, path, r, c->d->n + c->d->dropped == problems);
	p->n_rules++;
}

