/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_POLICY_INT_H
#define ZONEWALL_POLICY_INT_H

/*
 * What the policy files share (src/model/: policy.c names, frees and
 * answers questions, policy-parse.c parses the file and holds the parser's
 * index, policy-zones.c the zones, policy-rules.c the borders and rules,
 * policy-write.c writes it back).  Not an interface: nothing outside
 * src/model/ includes it.
 */

#include <stdlib.h>
#include <string.h>

#include "zonewall/policy.h"

#define PATH_LEN DIAG_PATH_LEN

/* The names of enum pol_mode and enum pol_verdict, by value. */
extern const char *const pol_mode_names[3];
extern const char *const pol_verdict_names[3];
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
	bool syntax;		/* jansson or the allow array's scanner refused the text */
	struct pidx zones;	/* by name, the first zone of each name */
	struct pidx borders;	/* by (from, to) */
	struct pidx rules;	/* by (from, to, proto, port range), the first of each */
};

/* FNV-1a, continued from @h */
static inline uint64_t hash_bytes(uint64_t h, const void *data, size_t n)
{
	const unsigned char *b = data;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#define HASH_INIT 0xcbf29ce484222325ull

static inline uint64_t hash_str(uint64_t h, const char *s)
{
	return hash_bytes(h, s, strlen(s) + 1);
}

/**
 * pol_pidx_find() - the index of the first element whose hash is @h and
 * that @eq says equals @key, or -1.  @eq gets the element's index.
 */
long pol_pidx_find(const struct pidx *x, uint64_t h,
		   bool (*eq)(const struct pol_policy *, size_t, const void *),
		   const struct pol_policy *p, const void *key);

/**
 * pol_pidx_add() - add element @i with hash @h to @x (the caller looked
 * first: no equal one is in); out of memory sets c->nomem.
 */
void pol_pidx_add(struct pctx *c, struct pidx *x, uint64_t h, size_t i);

static inline char *xstrdup(struct pctx *c, const char *s)
{
	char *r = strdup(s);

	if (!r)
		c->nomem = true;
	return r;
}

/* An optional or required string member, copied into *@out. */
static inline const char *string_member(struct pctx *c, const char *path, json_t *obj,
					const char *key, bool required, char **out)
{
	json_t *v = diag_member(c->d, path, obj, key, JSON_STRING, "a string", required);

	if (!v)
		return NULL;
	if (out)
		*out = xstrdup(c, json_string_value(v));
	return json_string_value(v);
}

static inline int enum_parse(const char *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/** pol_ctx_zone_find() - pol_zone_find() among the zones parsed so far, by the index. */
long pol_ctx_zone_find(const struct pctx *c, const struct pol_policy *p, const char *name);

/**
 * pol_zone_member() - the member @key of @o naming a zone: its index, or
 * -1 (recorded unless absent).
 */
long pol_zone_member(struct pctx *c, const struct pol_policy *p, const char *path, json_t *o,
		     const char *key, bool required);

/**
 * pol_zone_matches() - whether one of @z's selectors takes a workload with
 * @labels, @networks and address @addr (@family 4 or 6; NULL: no address).
 */
bool pol_zone_matches(const struct pol_zone *z, const struct pol_label *labels,
		      size_t n_labels, const char *const *networks, size_t n_networks,
		      int family, const uint8_t *addr);

/** pol_zones_parse() - the array $.zones @arr into p->zones. */
void pol_zones_parse(struct pctx *c, struct pol_policy *p, json_t *arr);

/** pol_border_parse() - border object @o at @path into p->borders[p->n_borders]. */
void pol_border_parse(struct pctx *c, struct pol_policy *p, const char *path, json_t *o);

/** pol_port_text() - a port range "LO-HI" (1..65535, LO <= HI) into @lo, @hi. */
bool pol_port_text(const char *s, uint16_t *lo, uint16_t *hi);

/**
 * pol_rule_links_clean() - whether rule @r (not in p->rules yet, its fields
 * valid) crosses no deny border and duplicates no earlier rule: the checks
 * pol_rule_parse() makes across rules, without recording anything.  Its
 * hash for the index in *@h.
 */
bool pol_rule_links_clean(const struct pctx *c, const struct pol_policy *p,
			  const struct pol_rule *r, uint64_t *h);

/**
 * pol_rules_scan() - the allow array spanning @t[@i, @e) into p->rules,
 * each element read straight from the text when it is a plain valid rule,
 * through jansson and pol_rule_parse() otherwise: the same rules and
 * problems as a parse of the whole tree.  False on a syntax error (the
 * caller parses the whole document again for jansson's message).
 */
bool pol_rules_scan(struct pctx *c, struct pol_policy *p, const char *t, size_t i, size_t e);

/** pol_rule_parse() - allow rule object @o at @path into p->rules[p->n_rules]. */
void pol_rule_parse(struct pctx *c, struct pol_policy *p, const char *path, json_t *o);

#endif
