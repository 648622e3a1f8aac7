// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy model: parse and validate policy.json (every problem with its
 * JSON path), write it back in canonical form, and answer the questions
 * review, approve and the compiler ask (border of a zone pair, is a flow
 * allowed, which rule or border decided).
 */

#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zonewall/fileio.h"
#include "zonewall/policy.h"
#include "zonewall/timefmt.h"

#define PATH_LEN DIAG_PATH_LEN

static const char *const mode_names[] = { "learn", "monitor", "enforce" };
static const char *const verdict_names[] = { "deny", "allowlist", "allow" };

const char *pol_mode_name(enum pol_mode m)
{
	return (unsigned int)m < 3 ? mode_names[m] : "?";
}

const char *pol_verdict_name(enum pol_verdict v)
{
	return (unsigned int)v < 3 ? verdict_names[v] : "?";
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

/* Parse "ADDR" or "ADDR/LEN".  Return 0, -EINVAL (malformed), -EEXIST (host
 * bits set; @c then holds the masked network for the hint). */
static int cidr_parse(const char *s, struct pol_cidr *c)
{
	char buf[64], *slash, *end;
	unsigned int max, full, i;
	unsigned long len;
	int host = 0;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = 6;
		max = 128;
	} else {
		return -EINVAL;
	}
	len = max;
	if (slash) {
		if (!isdigit((unsigned char)slash[1]))
			return -EINVAL;
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (*end || errno || len > max || (slash[1] == '0' && slash[2]))
			return -EINVAL;
	}
	c->prefix = (uint8_t)len;
	full = c->prefix / 8;
	for (i = full; i < 16; i++) {
		uint8_t keep = i == full ? (uint8_t)(0xff << (8 - c->prefix % 8)) : 0;

		if (i == full && c->prefix % 8 == 0)
			keep = 0;
		if (c->addr[i] & ~keep)
			host = 1;
		c->addr[i] &= keep;
	}
	return host ? -EEXIST : 0;
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

/* --- parsing helpers --------------------------------------------------- */

/*
 * An open-addressing hash of element indexes (zones, borders or rules of
 * the policy being parsed), so that each check against the elements before
 * it is one probe, not a scan: a policy of n rules validates in O(n), not
 * O(n^2).  A slot holds the element's hash and index + 1 (0: empty), so
 * growing needs no callback.
 */
struct pidx_slot {
	uint64_t hash;
	size_t i1;
};

struct pidx {
	struct pidx_slot *v;
	size_t cap, n;		/* cap: 0 or a power of two */
};

/* Parser state: where problems go, and whether memory ran out (then the
 * result is dropped whatever the diagnostics say); the indexes the checks
 * look elements up in. */
struct pctx {
	struct diags *d;
	bool nomem;
	struct pidx zones;	/* by name, the first zone of each name */
	struct pidx borders;	/* by (from, to) */
	struct pidx rules;	/* by (from, to, proto, port range), the first of each */
};

/* FNV-1a, continued from @h */
static uint64_t hash_bytes(uint64_t h, const void *data, size_t n)
{
	const unsigned char *b = data;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#define HASH_INIT 0xcbf29ce484222325ull

static uint64_t hash_str(uint64_t h, const char *s)
{
	return hash_bytes(h, s, strlen(s) + 1);
}

/*
 * The index of the first element whose hash is @h and that @eq says equals
 * @key, or -1.  @eq gets the element's index.
 */
static long pidx_find(const struct pidx *x, uint64_t h,
		      bool (*eq)(const struct pol_policy *, size_t, const void *),
		      const struct pol_policy *p, const void *key)
{
	size_t mask = x->cap - 1;

	if (!x->cap)
		return -1;
	for (size_t s = h & mask; x->v[s].i1; s = (s + 1) & mask)
		if (x->v[s].hash == h && eq(p, x->v[s].i1 - 1, key))
			return (long)(x->v[s].i1 - 1);
	return -1;
}

static void pidx_put(struct pidx_slot *v, size_t cap, uint64_t h, size_t i1)
{
	size_t s;

	for (s = h & (cap - 1); v[s].i1; s = (s + 1) & (cap - 1))
		;
	v[s].hash = h;
	v[s].i1 = i1;
}

/* Add element @i with hash @h (the caller looked first: no equal one is in). */
static void pidx_add(struct pctx *c, struct pidx *x, uint64_t h, size_t i)
{
	if (2 * (x->n + 1) > x->cap) {	/* at most half full: short probes */
		size_t cap = x->cap ? 2 * x->cap : 64;
		struct pidx_slot *v = calloc(cap, sizeof(*v));

		if (!v) {
			c->nomem = true;
			return;
		}
		for (size_t s = 0; s < x->cap; s++)
			if (x->v[s].i1)
				pidx_put(v, cap, x->v[s].hash, x->v[s].i1);
		free(x->v);
		x->v = v;
		x->cap = cap;
	}
	pidx_put(x->v, x->cap, h, i + 1);
	x->n++;
}

static void pidx_free(struct pidx *x)
{
	free(x->v);
	x->v = NULL;
	x->cap = x->n = 0;
}

static char *xstrdup(struct pctx *c, const char *s)
{
	char *r = strdup(s);

	if (!r)
		c->nomem = true;
	return r;
}

/* An optional or required string member, copied into *@out. */
static const char *string_member(struct pctx *c, const char *path, json_t *obj,
				 const char *key, bool required, char **out)
{
	json_t *v = diag_member(c->d, path, obj, key, JSON_STRING, "a string", required);

	if (!v)
		return NULL;
	if (out)
		*out = xstrdup(c, json_string_value(v));
	return json_string_value(v);
}

/* A growable array (of anything): make room for one more element. */
static void *grow(struct pctx *c, void *arr, size_t n, size_t elem)
{
	void *r = realloc(arr, (n + 1) * elem);

	if (!r) {
		c->nomem = true;
		return NULL;
	}
	memset((char *)r + n * elem, 0, elem);
	return r;
}

/* --- zones ---------------------------------------------------------------- */

static bool zone_name_eq(const struct pol_policy *p, size_t i, const void *name)
{
	return p->zones[i].name && !strcmp(p->zones[i].name, name);
}

/* pol_zone_find() among the zones parsed so far, by the index. */
static long ctx_zone_find(const struct pctx *c, const struct pol_policy *p, const char *name)
{
	return pidx_find(&c->zones, hash_str(HASH_INIT, name), zone_name_eq, p, name);
}

static void parse_labels(struct pctx *c, const char *path, json_t *obj, struct pol_zone *z)
{
	char kp[PATH_LEN];
	const char *key;
	json_t *v;
	void *na;

	json_object_foreach(obj, key, v) {
		diag_path_key(kp, path, key);
		if (!diag_want_type(c->d, kp, v, JSON_STRING, "a string"))
			continue;
		if (!*key || !json_string_length(v)) {
			diag_add(c->d, kp, "label keys and values must not be empty");
			continue;
		}
		na = grow(c, z->labels, z->n_labels, sizeof(*z->labels));
		if (!na)
			return;
		z->labels = na;
		z->labels[z->n_labels].key = xstrdup(c, key);
		z->labels[z->n_labels].value = xstrdup(c, json_string_value(v));
		z->n_labels++;
	}
}

static void parse_networks(struct pctx *c, const char *path, json_t *arr, struct pol_zone *z)
{
	char ip[PATH_LEN];
	size_t i;
	json_t *v;
	void *na;

	json_array_foreach(arr, i, v) {
		diag_path_idx(ip, path, i);
		if (!diag_want_type(c->d, ip, v, JSON_STRING, "a network name"))
			continue;
		if (!json_string_length(v) || !pol_identity_valid(json_string_value(v))) {
			diag_add(c->d, ip, "invalid network name");
			continue;
		}
		na = grow(c, z->networks, z->n_networks, sizeof(*z->networks));
		if (!na)
			return;
		z->networks = na;
		z->networks[z->n_networks++] = xstrdup(c, json_string_value(v));
	}
}

static void parse_cidrs(struct pctx *c, const char *path, json_t *arr, struct pol_zone *z)
{
	char ip[PATH_LEN], net[INET6_ADDRSTRLEN];
	struct pol_cidr cidr;
	const char *s;
	size_t i;
	json_t *v;
	void *na;
	int err;

	json_array_foreach(arr, i, v) {
		diag_path_idx(ip, path, i);
		if (!diag_want_type(c->d, ip, v, JSON_STRING, "a CIDR string"))
			continue;
		s = json_string_value(v);
		err = cidr_parse(s, &cidr);
		if (err == -EEXIST) {
			inet_ntop(cidr.family == 4 ? AF_INET : AF_INET6, cidr.addr, net, sizeof(net));
			diag_add(c->d, ip, "invalid CIDR '%.60s': host bits set (network is %s/%u)",
				 s, net, cidr.prefix);
			continue;
		}
		if (err) {
			diag_add(c->d, ip, "invalid CIDR '%.60s'", s);
			continue;
		}
		na = grow(c, z->cidrs, z->n_cidrs, sizeof(*z->cidrs));
		if (!na)
			return;
		z->cidrs = na;
		cidr.text = xstrdup(c, s);
		z->cidrs[z->n_cidrs++] = cidr;
	}
}

static void parse_match(struct pctx *c, const char *path, json_t *m, struct pol_zone *z)
{
	static const char *const keys[] = { "labels", "networks", "cidrs", NULL };
	char kp[PATH_LEN];
	json_t *v;

	diag_check_keys(c->d, path, m, keys, "labels, networks, cidrs");
	v = diag_member(c->d, path, m, "labels", JSON_OBJECT, "an object of label: value", false);
	if (v) {
		diag_path_key(kp, path, "labels");
		parse_labels(c, kp, v, z);
	}
	v = diag_member(c->d, path, m, "networks", JSON_ARRAY, "an array", false);
	if (v) {
		diag_path_key(kp, path, "networks");
		parse_networks(c, kp, v, z);
	}
	v = diag_member(c->d, path, m, "cidrs", JSON_ARRAY, "an array", false);
	if (v) {
		diag_path_key(kp, path, "cidrs");
		parse_cidrs(c, kp, v, z);
	}
}

static int enum_parse(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static void parse_zone(struct pctx *c, struct pol_policy *p, const char *path, json_t *o)
{
	static const char *const keys[] = { "name", "comment", "mode", "match", NULL };
	struct pol_zone *z = &p->zones[p->n_zones];
	char kp[PATH_LEN], got[64];
	const char *name, *mode;
	json_t *m;
	int v;

	diag_check_keys(c->d, path, o, keys, "name, comment, mode, match");
	name = string_member(c, path, o, "name", true, NULL);
	diag_path_key(kp, path, "name");
	if (name && !pol_zone_name_valid(name)) {
		/* as JSON: a newline in it must not start a line of its own */
		diag_json_preview(json_object_get(o, "name"), got, sizeof(got));
		diag_add(c->d, kp, "invalid zone name %s (1-%d letters, digits, '-', '_')",
			 got, POL_ZONE_NAME_MAX);
	} else if (name && ctx_zone_find(c, p, name) >= 0) {
		diag_add(c->d, kp, "duplicate zone '%s'", name);
	}
	/* Keep even a bad zone, named, so references to it do not cascade. */
	z->name = xstrdup(c, name ? name : "");
	if (z->name && ctx_zone_find(c, p, z->name) < 0)
		pidx_add(c, &c->zones, hash_str(HASH_INIT, z->name), p->n_zones);
	p->n_zones++;
	string_member(c, path, o, "comment", false, &z->comment);
	mode = string_member(c, path, o, "mode", true, NULL);
	if (mode) {
		v = enum_parse(mode, mode_names, 3);
		diag_path_key(kp, path, "mode");
		if (v < 0)
			diag_add(c->d, kp, "expected one of learn, monitor, enforce, got '%.40s'", mode);
		else
			z->mode = (enum pol_mode)v;
	}
	m = diag_member(c->d, path, o, "match", JSON_OBJECT, "an object", false);
	if (m) {
		diag_path_key(kp, path, "match");
		parse_match(c, kp, m, z);
	}
}

static void parse_zones(struct pctx *c, struct pol_policy *p, json_t *arr)
{
	char ip[PATH_LEN];
	size_t i;
	json_t *v;

	if (json_array_size(arr) == 0)
		diag_add(c->d, "$.zones", "at least one zone is needed");
	p->zones = calloc(json_array_size(arr) + 1, sizeof(*p->zones));
	if (!p->zones) {
		c->nomem = true;
		return;
	}
	json_array_foreach(arr, i, v) {
		diag_path_idx(ip, "$.zones", i);
		if (diag_want_type(c->d, ip, v, JSON_OBJECT, "a zone object"))
			parse_zone(c, p, ip, v);
	}
}

/* --- borders and rules -------------------------------------------------- */

long pol_zone_find(const struct pol_policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_zones; i++)
		if (p->zones[i].name && !strcmp(p->zones[i].name, name))
			return (long)i;
	return -1;
}

/* A member naming a zone: its index, or -1 (recorded unless absent). */
static long zone_member(struct pctx *c, const struct pol_policy *p, const char *path,
			json_t *o, const char *key, bool required)
{
	const char *name = string_member(c, path, o, key, required, NULL);
	char kp[PATH_LEN];
	long z;

	if (!name)
		return -1;
	z = ctx_zone_find(c, p, name);
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
	long i = pidx_find(&c->borders, border_hash(from, to), border_eq, p, ft);

	return i < 0 ? NULL : &p->borders[i];
}

static void parse_border(struct pctx *c, struct pol_policy *p, const char *path, json_t *o)
{
	static const char *const keys[] = { "from", "to", "verdict", "comment", NULL };
	struct pol_border *b = &p->borders[p->n_borders];
	const char *verdict;
	char kp[PATH_LEN];
	long from, to;
	int v = -1;

	diag_check_keys(c->d, path, o, keys, "from, to, verdict, comment");
	from = zone_member(c, p, path, o, "from", true);
	to = zone_member(c, p, path, o, "to", true);
	verdict = string_member(c, path, o, "verdict", true, NULL);
	if (verdict) {
		v = enum_parse(verdict, verdict_names, 3);
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
	pidx_add(c, &c->borders, border_hash(b->from, b->to), p->n_borders);
	p->n_borders++;
}

/* "N" as an integer or "LO-HI" as a string; 1..65535. */
static bool port_parse(const json_t *v, uint16_t *lo, uint16_t *hi)
{
	unsigned long a, b;
	const char *s;
	char *end;

	if (json_is_integer(v)) {
		if (json_integer_value(v) < 1 || json_integer_value(v) > 65535)
			return false;
		*lo = *hi = (uint16_t)json_integer_value(v);
		return true;
	}
	if (!json_is_string(v))
		return false;
	s = json_string_value(v);
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

/* An identity member: valid, and a "zone:NAME" form must name a zone. */
static void identity_member(struct pctx *c, const struct pol_policy *p, const char *path,
			    json_t *o, const char *key, char **out)
{
	const char *s = string_member(c, path, o, key, true, NULL);
	char kp[PATH_LEN], got[64];

	if (!s)
		return;
	diag_path_key(kp, path, key);
	if (!pol_identity_valid(s)) {
		diag_json_preview(json_object_get(o, key), got, sizeof(got));
		diag_add(c->d, kp, "invalid identity %s", got);
		return;
	}
	if (!strncmp(s, "zone:", 5) && ctx_zone_find(c, p, s + 5) < 0) {
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
	diag_path_key(kp, path, "port");
	if (r->proto && !pol_proto_has_ports(r->proto)) {
		diag_add(c->d, kp, "%s has no ports", pol_proto_name(r->proto));
		return;
	}
	if (!port_parse(port, &r->port_lo, &r->port_hi)) {
		diag_json_preview(port, got, sizeof(got));
		diag_add(c->d, kp, "expected 1..65535 or 'LO-HI', got %s", got);
	}
}

/* The zone a rule end is in, when known: its recorded zone or "zone:Z". */
static long rule_end_zone(const struct pctx *c, const struct pol_policy *p, const char *id,
			  const char *zone)
{
	if (zone)
		return ctx_zone_find(c, p, zone);
	if (id && !strncmp(id, "zone:", 5))
		return ctx_zone_find(c, p, id + 5);
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

/* @r is p->rules[p->n_rules], not counted yet. */
static void rule_check_links(struct pctx *c, const struct pol_policy *p, const char *path,
			     const struct pol_rule *r, bool valid)
{
	const struct pol_border *b;
	uint64_t h;
	long fz, tz, i;

	fz = rule_end_zone(c, p, r->from, r->from_zone);
	tz = rule_end_zone(c, p, r->to, r->to_zone);
	if (fz >= 0 && tz >= 0 && (b = ctx_border_find(c, p, (size_t)fz, (size_t)tz)) &&
	    b->verdict == POL_BORDER_DENY)
		diag_add(c->d, path, "crosses the deny border %s -> %s", p->zones[fz].name,
			 p->zones[tz].name);
	if (!r->from || !r->to)
		return;
	/* The first earlier rule with the same key, as a scan in file order
	 * would find it: only the first of each key is in the index.  Even a
	 * rule with a bad field goes in (it is kept in p->rules), but is not
	 * itself reported: it would match others by its defaults. */
	h = rule_hash(r);
	i = pidx_find(&c->rules, h, rule_same_key, p, r);
	if (i < 0)
		pidx_add(c, &c->rules, h, p->n_rules);
	else if (valid)
		diag_add(c->d, path, "duplicate of $.allow[%ld]", i);
}

static void parse_rule(struct pctx *c, struct pol_policy *p, const char *path, json_t *o)
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
	if (zone_member(c, p, path, o, "from_zone", false) >= 0)
		r->from_zone = xstrdup(c, json_string_value(json_object_get(o, "from_zone")));
	if (zone_member(c, p, path, o, "to_zone", false) >= 0)
		r->to_zone = xstrdup(c, json_string_value(json_object_get(o, "to_zone")));
	proto = string_member(c, path, o, "proto", true, NULL);
	if (proto) {
		r->proto = pol_proto_parse(proto);
		diag_path_key(kp, path, "proto");
		if (!r->proto)
			diag_add(c->d, kp, "expected one of tcp, udp, icmp, icmpv6, got '%.40s'",
				 proto);
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

/* Parse each element of the array member @key with @fn, into a
 * pre-sized array (one slot per element). */
static void parse_list(struct pctx *c, struct pol_policy *p, json_t *root, const char *key,
		       void (*fn)(struct pctx *, struct pol_policy *, const char *, json_t *),
		       void **arr, size_t elem, const char *what)
{
	char base[PATH_LEN], ip[PATH_LEN];
	json_t *a, *v;
	size_t i;

	a = diag_member(c->d, "$", root, key, JSON_ARRAY, "an array", false);
	if (!a)
		return;
	*arr = calloc(json_array_size(a) + 1, elem);
	if (!*arr) {
		c->nomem = true;
		return;
	}
	diag_path_key(base, "$", key);
	json_array_foreach(a, i, v) {
		diag_path_idx(ip, base, i);
		if (diag_want_type(c->d, ip, v, JSON_OBJECT, what))
			fn(c, p, ip, v);
	}
}

static void parse_root(struct pctx *c, struct pol_policy *p, json_t *root)
{
	static const char *const keys[] = { "$schema", "version", "comment", "default_zone",
		"zones", "borders", "allow", NULL };
	json_t *v;
	long dz;

	diag_check_keys(c->d, "$", root, keys,
		   "$schema, version, comment, default_zone, zones, borders, allow");
	string_member(c, "$", root, "$schema", false, &p->schema);
	v = diag_member(c->d, "$", root, "version", JSON_INTEGER, "an integer", true);
	if (v && json_integer_value(v) != POL_VERSION)
		diag_add(c->d, "$.version", "unsupported version %" JSON_INTEGER_FORMAT
			 " (this zonewall reads %d)", json_integer_value(v), POL_VERSION);
	p->version = POL_VERSION;
	string_member(c, "$", root, "comment", false, &p->comment);
	v = diag_member(c->d, "$", root, "zones", JSON_ARRAY, "an array", true);
	if (v)
		parse_zones(c, p, v);
	dz = zone_member(c, p, "$", root, "default_zone", true);
	p->default_zone = dz < 0 ? 0 : (size_t)dz;
	parse_list(c, p, root, "borders", parse_border, (void **)&p->borders,
		   sizeof(*p->borders), "a border object");
	parse_list(c, p, root, "allow", parse_rule, (void **)&p->rules,
		   sizeof(*p->rules), "an allow rule object");
}

struct pol_policy *pol_parse(const char *text, size_t len, struct diags *d)
{
	struct pctx c = { .d = d };
	struct pol_policy *p;
	json_error_t jerr;
	json_t *root;

	diags_init(d);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		diag_json_syntax(d, &jerr);
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		json_decref(root);
		errno = ENOMEM;
		return NULL;
	}
	if (diag_want_type(c.d, "$", root, JSON_OBJECT, "a policy object"))
		parse_root(&c, p, root);
	json_decref(root);
	pidx_free(&c.zones);
	pidx_free(&c.borders);
	pidx_free(&c.rules);
	if (c.nomem || d->n) {
		pol_free(p);
		errno = c.nomem ? ENOMEM : EINVAL;
		return NULL;
	}
	return p;
}

struct pol_policy *pol_load(const char *path, struct diags *d)
{
	struct pol_policy *p;
	size_t len;
	char *buf;
	int err;

	diags_init(d);
	err = fio_read_all(path, POL_FILE_MAX, &buf, &len);
	if (err) {
		diag_add(d, "$", "cannot read: %s", fio_strerror(err));
		errno = -err;
		return NULL;
	}
	p = pol_parse(buf, len, d);
	err = errno;
	free(buf);
	errno = err;
	return p;
}

/* --- writing ------------------------------------------------------------------- */

/* json_object_set_new() that remembers a failure instead of returning it,
 * so the builders below read as the file they produce. */
static void put(json_t *o, const char *key, json_t *v, bool *fail)
{
	if (!v || json_object_set_new(o, key, v))
		*fail = true;
}

static void put_str(json_t *o, const char *key, const char *s, bool *fail)
{
	if (s)
		put(o, key, json_string(s), fail);
}

static void append(json_t *a, json_t *v, bool *fail)
{
	if (!v || json_array_append_new(a, v))
		*fail = true;
}

static json_t *zone_json(const struct pol_zone *z, bool *fail)
{
	json_t *o = json_object(), *m = json_object(), *a;
	size_t i;

	if (!o || !m) {
		json_decref(o);
		json_decref(m);
		*fail = true;
		return NULL;
	}
	put_str(o, "name", z->name, fail);
	put_str(o, "comment", z->comment, fail);
	put_str(o, "mode", pol_mode_name(z->mode), fail);
	if (z->n_labels) {
		a = json_object();
		for (i = 0; a && i < z->n_labels; i++)
			put_str(a, z->labels[i].key, z->labels[i].value, fail);
		put(m, "labels", a, fail);
	}
	if (z->n_networks) {
		a = json_array();
		for (i = 0; a && i < z->n_networks; i++)
			append(a, json_string(z->networks[i]), fail);
		put(m, "networks", a, fail);
	}
	if (z->n_cidrs) {
		a = json_array();
		for (i = 0; a && i < z->n_cidrs; i++)
			append(a, json_string(z->cidrs[i].text), fail);
		put(m, "cidrs", a, fail);
	}
	if (json_object_size(m))
		put(o, "match", m, fail);
	else
		json_decref(m);
	return o;
}

static json_t *border_json(const struct pol_policy *p, const struct pol_border *b, bool *fail)
{
	json_t *o = json_object();

	if (!o) {
		*fail = true;
		return NULL;
	}
	put_str(o, "from", p->zones[b->from].name, fail);
	put_str(o, "to", p->zones[b->to].name, fail);
	put_str(o, "verdict", pol_verdict_name(b->verdict), fail);
	put_str(o, "comment", b->comment, fail);
	return o;
}

static json_t *port_json(uint16_t lo, uint16_t hi)
{
	char buf[16];

	if (lo == hi)
		return json_integer(lo);
	snprintf(buf, sizeof(buf), "%u-%u", lo, hi);
	return json_string(buf);
}

static json_t *rule_json(const struct pol_rule *r, bool *fail)
{
	json_t *o = json_object();

	if (!o) {
		*fail = true;
		return NULL;
	}
	put_str(o, "from", r->from, fail);
	put_str(o, "to", r->to, fail);
	put_str(o, "from_zone", r->from_zone, fail);
	put_str(o, "to_zone", r->to_zone, fail);
	put_str(o, "proto", pol_proto_name(r->proto), fail);
	if (r->port_lo)
		put(o, "port", port_json(r->port_lo, r->port_hi), fail);
	put_str(o, "comment", r->comment, fail);
	put_str(o, "approved_by", r->approved_by, fail);
	put_str(o, "approved_at", r->approved_at, fail);
	return o;
}

json_t *pol_to_json(const struct pol_policy *p)
{
	json_t *root = json_object(), *zones = json_array(), *borders = json_array();
	json_t *allow = json_array();
	bool fail = !root || !zones || !borders || !allow;
	size_t i;

	if (fail)
		goto out_free;
	put_str(root, "$schema", p->schema, &fail);
	put(root, "version", json_integer(p->version), &fail);
	put_str(root, "comment", p->comment, &fail);
	put_str(root, "default_zone", p->zones[p->default_zone].name, &fail);
	for (i = 0; i < p->n_zones; i++)
		append(zones, zone_json(&p->zones[i], &fail), &fail);
	for (i = 0; i < p->n_borders; i++)
		append(borders, border_json(p, &p->borders[i], &fail), &fail);
	for (i = 0; i < p->n_rules; i++)
		append(allow, rule_json(&p->rules[i], &fail), &fail);
	put(root, "zones", zones, &fail);
	put(root, "borders", borders, &fail);
	put(root, "allow", allow, &fail);
	if (fail) {
		json_decref(root);
		errno = ENOMEM;
		return NULL;
	}
	return root;

out_free:
	json_decref(root);
	json_decref(zones);
	json_decref(borders);
	json_decref(allow);
	errno = ENOMEM;
	return NULL;
}

char *pol_format(const struct pol_policy *p)
{
	json_t *root = pol_to_json(p);
	char *s, *r;
	size_t n;

	if (!root)
		return NULL;
	s = json_dumps(root, JSON_INDENT(2));
	json_decref(root);
	if (!s) {
		errno = ENOMEM;
		return NULL;
	}
	n = strlen(s);
	r = realloc(s, n + 2);
	if (!r) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	r[n] = '\n';
	r[n + 1] = '\0';
	return r;
}

int pol_save(const struct pol_policy *p, const char *path)
{
	char *text = pol_format(p);
	int err;

	if (!text)
		return -ENOMEM;
	err = fio_write_atomic(path, text, strlen(text));
	free(text);
	return err;
}

/* --- queries ---------------------------------------------------------------- */

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

static bool zone_matches(const struct pol_zone *z, const struct pol_label *labels,
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
		if (zone_matches(&p->zones[i], labels, n_labels, networks, n_networks, family,
				 addr))
			return i;
	return p->default_zone;
}
