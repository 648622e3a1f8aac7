// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy model: names of its values, freeing, and the questions
 * review, approve and the compiler ask (border of a zone pair, is a flow
 * allowed, which rule or border decided).  policy-parse.c,
 * policy-zones.c and policy-rules.c parse and validate policy.json (every
 * problem with its JSON path), policy-write.c writes it back in canonical
 * form.
 */

#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zonewall/policy.h"
#include "zonewall/timefmt.h"

#include "policy-int.h"

const char *const pol_mode_names[] = { "learn", "monitor", "enforce" };
const char *const pol_verdict_names[] = { "deny", "allowlist", "allow" };

const char *pol_mode_name(enum pol_mode m)
{
	return (unsigned int)m < 3 ? pol_mode_names[m] : "?";
}

const char *pol_verdict_name(enum pol_verdict v)
{
	return (unsigned int)v < 3 ? pol_verdict_names[v] : "?";
}

const char *pol_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	default: return NULL;
	}
}

uint8_t pol_proto_parse(const char *name)
{
	if (!strcmp(name, "tcp"))
		return IPPROTO_TCP;
	if (!strcmp(name, "udp"))
		return IPPROTO_UDP;
	if (!strcmp(name, "icmp"))
		return IPPROTO_ICMP;
	if (!strcmp(name, "icmpv6"))
		return IPPROTO_ICMPV6;
	return 0;
}

bool pol_proto_has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP;
}

bool pol_identity_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > POL_IDENTITY_MAX)
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s >= 0x7f || *s == '"' || *s == '\\' || *s == '\'')
			return false;
	return true;
}

bool pol_zone_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > POL_ZONE_NAME_MAX || !isalnum((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

/* --- time ------------------------------------------------------------- */

void pol_time_format(int64_t t, char *buf, size_t size)
{
	/* A policy or proposal field must stay a date-time pol_time_parse()
	 * reads back: a time outside tfmt_sec_plausible() is the epoch. */
	if (!tfmt_sec_plausible(t) || tfmt_rfc3339(buf, size, t, 0, TFMT_S) < 0)
		tfmt_rfc3339(buf, size, 0, 0, TFMT_S);
}

int pol_time_parse(const char *s, int64_t *t)
{
	int y, mo, d, h, mi, se, n = 0, oh, om;
	struct tm tm = { 0 };
	const char *p;
	int64_t off = 0;
	time_t r;

	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -EINVAL;
	p = s + 10;
	if (*p != 'T' && *p != 't')
		return -EINVAL;
	n = 0;
	if (sscanf(p + 1, "%2d:%2d:%2d%n", &h, &mi, &se, &n) != 3 || n != 8)
		return -EINVAL;
	p += 9;
	if (*p == '.') {
		if (!isdigit((unsigned char)p[1]))
			return -EINVAL;
		for (p++; isdigit((unsigned char)*p); p++)
			;
	}
	if ((*p == 'Z' || *p == 'z') && !p[1]) {
		off = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && isdigit((unsigned char)p[1]) &&
		   isdigit((unsigned char)p[2]) && p[3] == ':' && isdigit((unsigned char)p[4]) &&
		   isdigit((unsigned char)p[5])) {
		oh = (p[1] - '0') * 10 + (p[2] - '0');
		om = (p[4] - '0') * 10 + (p[5] - '0');
		if (oh > 23 || om > 59)
			return -EINVAL;
		off = (oh * 60 + om) * 60;
		if (*p == '-')
			off = -off;
	} else {
		return -EINVAL;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 ||
	    h < 0 || mi < 0 || se < 0)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	r = timegm(&tm);
	if (tm.tm_mday != d)	/* timegm normalised Feb 30 into March */
		return -EINVAL;
	*t = (int64_t)r - off;
	return tfmt_sec_plausible(*t) ? 0 : -ERANGE;
}

/* --- addresses ---------------------------------------------------------- */

static bool prefix_contains(const uint8_t *net, unsigned int prefix, const uint8_t *addr)
{
	unsigned int full = prefix / 8, rest = prefix % 8;
	uint8_t mask;

	if (memcmp(net, addr, full))
		return false;
	if (!rest)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (net[full] & mask) == (addr[full] & mask);
}

/* --- freeing -------------------------------------------------------------- */

static void zone_clear(struct pol_zone *z)
{
	size_t i;

	free(z->name);
	free(z->comment);
	for (i = 0; i < z->n_labels; i++) {
		free(z->labels[i].key);
		free(z->labels[i].value);
	}
	free(z->labels);
	for (i = 0; i < z->n_networks; i++)
		free(z->networks[i]);
	free(z->networks);
	for (i = 0; i < z->n_cidrs; i++)
		free(z->cidrs[i].text);
	free(z->cidrs);
}

static void rule_clear(struct pol_rule *r)
{
	free(r->from);
	free(r->to);
	free(r->from_zone);
	free(r->to_zone);
	free(r->comment);
	free(r->approved_by);
	free(r->approved_at);
}

void pol_free(struct pol_policy *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_zones; i++)
		zone_clear(&p->zones[i]);
	free(p->zones);
	for (i = 0; i < p->n_borders; i++)
		free(p->borders[i].comment);
	free(p->borders);
	for (i = 0; i < p->n_rules; i++)
		rule_clear(&p->rules[i]);
	free(p->rules);
	free(p->schema);
	free(p->comment);
	free(p);
}

/* --- queries ---------------------------------------------------------------- */

long pol_zone_find(const struct pol_policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_zones; i++)
		if (p->zones[i].name && !strcmp(p->zones[i].name, name))
			return (long)i;
	return -1;
}

enum pol_verdict pol_border_verdict(const struct pol_policy *p, size_t from, size_t to,
				    const struct pol_border **which)
{
	size_t i;

	for (i = 0; i < p->n_borders; i++)
		if (p->borders[i].from == from && p->borders[i].to == to) {
			if (which)
				*which = &p->borders[i];
			return p->borders[i].verdict;
		}
	if (which)
		*which = NULL;
	return POL_BORDER_ALLOWLIST;
}

static bool end_matches(const char *rule_end, const char *id, const char *zone)
{
	if (!strncmp(rule_end, "zone:", 5))
		return zone && !strcmp(rule_end + 5, zone);
	return id && !strcmp(rule_end, id);
}

bool pol_rule_matches(const struct pol_rule *r, const struct pol_flow *f)
{
	if (!end_matches(r->from, f->from, f->from_zone) || !end_matches(r->to, f->to, f->to_zone))
		return false;
	if (r->proto != f->proto)
		return false;
	if (!pol_proto_has_ports(r->proto) || !r->port_lo)
		return true;
	return f->port >= r->port_lo && f->port <= r->port_hi;
}

/* A flow's zone name to an index: unnamed or unknown zones are the default. */
static size_t flow_zone(const struct pol_policy *p, const char *name, bool *unknown)
{
	long z;

	if (!name || !*name)
		return p->default_zone;
	z = pol_zone_find(p, name);
	if (z < 0) {
		*unknown = true;
		return p->default_zone;
	}
	return (size_t)z;
}

enum pol_decision pol_check(const struct pol_policy *p, const struct pol_flow *f,
			    struct pol_reason *why)
{
	struct pol_reason r = { 0 };
	struct pol_flow zf = *f;
	enum pol_decision dec;
	enum pol_verdict v;
	size_t i;

	r.from_zone = flow_zone(p, f->from_zone, &r.unknown_zone);
	r.to_zone = flow_zone(p, f->to_zone, &r.unknown_zone);
	/* "zone:Z" rules match on the zone actually used, default included. */
	zf.from_zone = p->zones[r.from_zone].name;
	zf.to_zone = p->zones[r.to_zone].name;
	v = pol_border_verdict(p, r.from_zone, r.to_zone, &r.border);
	if (v == POL_BORDER_DENY) {
		dec = POL_REFUSED_BY_BORDER;
	} else if (v == POL_BORDER_ALLOW) {
		dec = POL_ALLOWED_BY_BORDER;
	} else {
		dec = POL_REFUSED_NO_RULE;
		for (i = 0; i < p->n_rules; i++)
			if (pol_rule_matches(&p->rules[i], &zf)) {
				r.rule = &p->rules[i];
				dec = POL_ALLOWED_BY_RULE;
				break;
			}
	}
	if (why)
		*why = r;
	return dec;
}

static char *dup_or_null(const char *s, bool *fail)
{
	char *r;

	if (!s)
		return NULL;
	r = strdup(s);
	if (!r)
		*fail = true;
	return r;
}

int pol_add_rule(struct pol_policy *p, const struct pol_rule *r)
{
	struct pol_rule *na, *n;
	bool fail = false;

	na = realloc(p->rules, (p->n_rules + 1) * sizeof(*p->rules));
	if (!na)
		return -ENOMEM;
	p->rules = na;
	n = &p->rules[p->n_rules];
	*n = *r;
	n->from = dup_or_null(r->from, &fail);
	n->to = dup_or_null(r->to, &fail);
	n->from_zone = dup_or_null(r->from_zone, &fail);
	n->to_zone = dup_or_null(r->to_zone, &fail);
	n->comment = dup_or_null(r->comment, &fail);
	n->approved_by = dup_or_null(r->approved_by, &fail);
	n->approved_at = dup_or_null(r->approved_at, &fail);
	if (fail) {
		rule_clear(n);
		return -ENOMEM;
	}
	p->n_rules++;
	return 0;
}

bool pol_zone_matches(const struct pol_zone *z, const struct pol_label *labels,
		      size_t n_labels, const char *const *networks, size_t n_networks,
		      int family, const uint8_t *addr)
{
	size_t i, j;

	if (z->n_labels) {
		for (i = 0; i < z->n_labels; i++) {
			for (j = 0; j < n_labels; j++)
				if (!strcmp(z->labels[i].key, labels[j].key) &&
				    !strcmp(z->labels[i].value, labels[j].value))
					break;
			if (j == n_labels)
				break;
		}
		if (i == z->n_labels)
			return true;
	}
	for (i = 0; i < z->n_networks; i++)
		for (j = 0; j < n_networks; j++)
			if (!strcmp(z->networks[i], networks[j]))
				return true;
	for (i = 0; addr && i < z->n_cidrs; i++)
		if (z->cidrs[i].family == family &&
		    prefix_contains(z->cidrs[i].addr, z->cidrs[i].prefix, addr))
			return true;
	return false;
}

size_t pol_zone_of(const struct pol_policy *p, const struct pol_label *labels, size_t n_labels,
		   const char *const *networks, size_t n_networks, int family,
		   const uint8_t *addr)
{
	size_t i;

	for (i = 0; i < p->n_zones; i++)
		if (pol_zone_matches(&p->zones[i], labels, n_labels, networks, n_networks, family,
				     addr))
			return i;
	return p->default_zone;
}
