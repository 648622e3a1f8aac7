// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy.json's allow array read straight from the text.  A policy of
 * 100,000 rules is mostly this array, and a jansson tree of it costs more
 * than everything apply does after it; a rule written plainly (known keys
 * once each, strings without escapes, a port as digits) and valid is read
 * here without one.  Any other element, and any rule with a problem, goes
 * through jansson and pol_rule_parse(), so problems are the ones a parse
 * of the whole tree reports, with their JSON paths.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "zonewall/jscan.h"
#include "zonewall/policy.h"

#include "policy-int.h"

enum {
	F_FROM, F_TO, F_FROM_ZONE, F_TO_ZONE, F_PROTO, F_PORT, F_COMMENT, F_BY, F_AT, F_N
};

static const char *const field_names[F_N] = {
	"from", "to", "from_zone", "to_zone", "proto", "port", "comment", "approved_by",
	"approved_at",
};

/* Longest string value read here; longer ones go through jansson. */
#define FIELD_MAX 256

/* A rule as written: each field's text (a string's, unquoted, NUL-ended
 * copy, or a port's digits) or absent. */
struct raw_rule {
	bool set[F_N], str[F_N];
	char v[F_N][FIELD_MAX + 1];
};

/* Past the plain string whose quote is at @i, its bytes copied into @out
 * (FIELD_MAX at most); 0 for anything else. */
static size_t scan_plain_string(const char *t, size_t e, size_t i, char *out)
{
	size_t n = 0;

	for (i++; i < e && n <= FIELD_MAX; i++, n++) {
		unsigned char ch = (unsigned char)t[i];

		if (ch == '"') {
			out[n] = '\0';
			return i + 1;
		}
		if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			return 0;
		out[n] = (char)ch;
	}
	return 0;
}

/* Past the digits of a positive integer of at most five at @i (a port), or 0. */
static size_t scan_port_digits(const char *t, size_t e, size_t i, char *out)
{
	size_t n = 0;

	if (i >= e || t[i] < '1' || t[i] > '9')
		return 0;
	while (i < e && t[i] >= '0' && t[i] <= '9' && n < 5)
		out[n++] = t[i++];
	out[n] = '\0';
	if (i < e && ((t[i] >= '0' && t[i] <= '9') || t[i] == '.' || t[i] == 'e' || t[i] == 'E'))
		return 0;
	return i;
}

static int field_of(const char *t, size_t n)
{
	for (int f = 0; f < F_N; f++)
		if (strlen(field_names[f]) == n && !memcmp(field_names[f], t, n))
			return f;
	return -1;
}

/* One member "key": value at @i into @r; past it, or 0. */
static size_t scan_member(const char *t, size_t e, size_t i, struct raw_rule *r)
{
	size_t k;
	int f;

	if (i >= e || t[i] != '"')
		return 0;
	for (k = i + 1; k < e && t[k] != '"' && t[k] != '\\'; k++)
		;
	if (k >= e || t[k] != '"')
		return 0;
	f = field_of(t + i + 1, k - i - 1);
	if (f < 0 || r->set[f])
		return 0;
	i = jscan_ws(t, e, k + 1);
	if (i >= e || t[i] != ':')
		return 0;
	i = jscan_ws(t, e, i + 1);
	r->set[f] = true;
	r->str[f] = i < e && t[i] == '"';
	if (r->str[f])
		return scan_plain_string(t, e, i, r->v[f]);
	return f == F_PORT ? scan_port_digits(t, e, i, r->v[f]) : 0;
}

/* Past the plain object at @i (before @e) read into @r; 0 for anything else. */
static size_t scan_object(const char *t, size_t i, size_t e, struct raw_rule *r)
{
	if (t[i] != '{')
		return 0;
	for (i = jscan_ws(t, e, i + 1);; i = jscan_ws(t, e, i + 1)) {
		i = scan_member(t, e, i, r);
		if (!i)
			return 0;
		i = jscan_ws(t, e, i);
		if (i < e && t[i] == '}')
			return i + 1;
		if (i >= e || t[i] != ',')
			return 0;
	}
}

/* Whether the identity field @f names a valid identity (a zone that exists
 * for "zone:NAME"). */
static bool identity_ok(const struct pctx *c, const struct pol_policy *p,
			const struct raw_rule *r, int f)
{
	const char *s = r->v[f];

	if (!r->set[f] || !r->str[f] || !pol_identity_valid(s))
		return false;
	return strncmp(s, "zone:", 5) || pol_ctx_zone_find(c, p, s + 5) >= 0;
}

/* Whether the optional field @f is absent or a string naming a zone. */
static bool zone_ok(const struct pctx *c, const struct pol_policy *p,
		    const struct raw_rule *r, int f)
{
	return !r->set[f] || (r->str[f] && pol_ctx_zone_find(c, p, r->v[f]) >= 0);
}

static bool port_ok(const struct raw_rule *r, struct pol_rule *out)
{
	long v;

	if (!r->set[F_PORT])
		return true;
	if (!pol_proto_has_ports(out->proto))
		return false;
	if (r->str[F_PORT])
		return pol_port_text(r->v[F_PORT], &out->port_lo, &out->port_hi);
	v = strtol(r->v[F_PORT], NULL, 10);
	if (v < 1 || v > 65535)
		return false;
	out->port_lo = out->port_hi = (uint16_t)v;
	return true;
}

/* Whether @r is a rule pol_rule_parse() would take without a problem; its
 * fields (pointing into @r) and ports in @out. */
static bool raw_rule_valid(const struct pctx *c, const struct pol_policy *p,
			   struct raw_rule *r, struct pol_rule *out)
{
	int64_t at;

	if (!identity_ok(c, p, r, F_FROM) || !identity_ok(c, p, r, F_TO) ||
	    !zone_ok(c, p, r, F_FROM_ZONE) || !zone_ok(c, p, r, F_TO_ZONE))
		return false;
	if (!r->set[F_PROTO] || !r->str[F_PROTO])
		return false;
	out->proto = pol_proto_parse(r->v[F_PROTO]);
	if (!out->proto || !port_ok(r, out))
		return false;
	for (int f = F_COMMENT; f <= F_AT; f++)
		if (r->set[f] && !r->str[f])
			return false;
	if (r->set[F_AT] && pol_time_parse(r->v[F_AT], &at))
		return false;
	out->from = r->v[F_FROM];
	out->to = r->v[F_TO];
	out->from_zone = r->set[F_FROM_ZONE] ? r->v[F_FROM_ZONE] : NULL;
	out->to_zone = r->set[F_TO_ZONE] ? r->v[F_TO_ZONE] : NULL;
	return true;
}

static char *field_dup(struct pctx *c, const struct raw_rule *r, int f)
{
	return r->set[f] ? xstrdup(c, r->v[f]) : NULL;
}

/* The element at @i (before @e) as p->rules[p->n_rules] when it is a
 * plain valid rule: past it; 0 (nothing recorded) otherwise. */
static size_t rule_scan(struct pctx *c, struct pol_policy *p, const char *t, size_t i, size_t e)
{
	struct pol_rule *dst = &p->rules[p->n_rules], key = { .from = NULL };
	struct raw_rule r;
	uint64_t h;

	memset(r.set, 0, sizeof(r.set));
	e = scan_object(t, i, e, &r);
	if (!e || !raw_rule_valid(c, p, &r, &key) || !pol_rule_links_clean(c, p, &key, &h))
		return 0;
	dst->from = field_dup(c, &r, F_FROM);
	dst->to = field_dup(c, &r, F_TO);
	dst->from_zone = field_dup(c, &r, F_FROM_ZONE);
	dst->to_zone = field_dup(c, &r, F_TO_ZONE);
	dst->proto = key.proto;
	dst->port_lo = key.port_lo;
	dst->port_hi = key.port_hi;
	dst->comment = field_dup(c, &r, F_COMMENT);
	dst->approved_by = field_dup(c, &r, F_BY);
	dst->approved_at = field_dup(c, &r, F_AT);
	pol_pidx_add(c, &c->rules, h, p->n_rules);
	p->n_rules++;
	return e;
}

/* Element @idx at @t[@i, @e) through jansson, as parse_list() takes it;
 * false when jansson refuses it. */
static bool rule_tree(struct pctx *c, struct pol_policy *p, size_t idx, const char *t, size_t i,
		      size_t e)
{
	char ip[PATH_LEN];
	json_t *v = json_loadb(t + i, e - i, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);

	if (!v)
		return false;
	diag_path_idx(ip, "$.allow", idx);
	if (diag_want_type(c->d, ip, v, JSON_OBJECT, "an allow rule object"))
		pol_rule_parse(c, p, ip, v);
	json_decref(v);
	return true;
}

/* Room for one more rule, zeroed (p->rules grows by doubling). */
static bool rules_grow(struct pctx *c, struct pol_policy *p, size_t *cap)
{
	struct pol_rule *v;
	size_t n = *cap ? 2 * *cap : 64;

	if (p->n_rules == *cap) {
		v = realloc(p->rules, n * sizeof(*v));
		if (!v) {
			c->nomem = true;
			return false;
		}
		p->rules = v;
		*cap = n;
	}
	memset(&p->rules[p->n_rules], 0, sizeof(*p->rules));
	return true;
}

bool pol_rules_scan(struct pctx *c, struct pol_policy *p, const char *t, size_t i, size_t e)
{
	size_t cap = 0, end, idx;

	if (!rules_grow(c, p, &cap))
		return true;
	i = jscan_ws(t, e, i + 1);	/* past the '[' */
	if (i < e && t[i] == ']')
		return i + 1 == e;
	for (idx = 0;; idx++) {
		if (!rules_grow(c, p, &cap))
			return true;
		end = rule_scan(c, p, t, i, e);
		if (!end) {
			end = jscan_value_end(t, e, i);
			if (!end || !rule_tree(c, p, idx, t, i, end))
				return false;
		}
		i = jscan_ws(t, e, end);
		if (i < e && t[i] == ']')
			return i + 1 == e;
		if (i >= e || t[i] != ',')
			return false;
		i = jscan_ws(t, e, i + 1);
	}
}
