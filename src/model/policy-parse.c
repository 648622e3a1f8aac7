// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policy.json parsed: the root object, the parser's index, and loading the
 * file; the zones (policy-zones.c), borders and rules (policy-rules.c) are
 * checked as they are read.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/fileio.h"
#include "zonewall/jscan.h"
#include "zonewall/policy.h"

#include "policy-int.h"

/* --- parsing helpers --------------------------------------------------- */

/*
 * The index of the first element whose hash is @h and that @eq says equals
 * @key, or -1.  @eq gets the element's index.
 */
long pol_pidx_find(const struct pidx *x, uint64_t h,
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
void pol_pidx_add(struct pctx *c, struct pidx *x, uint64_t h, size_t i)
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

/* Where the allow array is in the text pol_parse() was given. */
struct allow_span {
	const char *text;
	size_t start, end;	/* its '[' and just past its ']' */
};

static void pidx_free(struct pidx *x)
{
	free(x->v);
	x->v = NULL;
	x->cap = x->n = 0;
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

/*
 * The whole document, or (with @allow) a copy of it whose allow array is
 * empty: that array's text is then read by pol_rules_scan().  False when
 * that scan met a syntax error.
 */
static bool parse_root(struct pctx *c, struct pol_policy *p, json_t *root,
		       const struct allow_span *allow)
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
		pol_zones_parse(c, p, v);
	dz = pol_zone_member(c, p, "$", root, "default_zone", true);
	p->default_zone = dz < 0 ? 0 : (size_t)dz;
	parse_list(c, p, root, "borders", pol_border_parse, (void **)&p->borders,
		   sizeof(*p->borders), "a border object");
	if (!allow) {
		parse_list(c, p, root, "allow", pol_rule_parse, (void **)&p->rules,
			   sizeof(*p->rules), "an allow rule object");
		return true;
	}
	return pol_rules_scan(c, p, allow->text, allow->start, allow->end);
}

/*
 * @text without its allow array's elements, in *@stub (the caller frees
 * it), and where that array is in @allow; false (nothing allocated) when
 * the scanner cannot find one allow array or memory runs out.
 */
static bool split_allow(const char *text, size_t len, struct allow_span *allow, char **stub,
			size_t *stub_len)
{
	size_t s, e = jscan_top_member(text, len, "allow", &s);

	if (!e || text[s] != '[')
		return false;
	*stub = malloc(len - (e - s) + 2);
	if (!*stub)
		return false;
	memcpy(*stub, text, s);
	memcpy(*stub + s, "[]", 2);
	memcpy(*stub + s + 2, text + e, len - e);
	*stub_len = len - (e - s) + 2;
	allow->text = text;
	allow->start = s;
	allow->end = e;
	return true;
}

static void pctx_free(struct pctx *c)
{
	pidx_free(&c->zones);
	pidx_free(&c->borders);
	pidx_free(&c->rules);
}

/*
 * One parse of @text (@allow: its allow array read by the scanner, the
 * rest of the document in @stub); NULL with c->syntax when jansson or the
 * scanner refused it, the syntax error in @d only without @allow.
 */
static struct pol_policy *parse_doc(struct pctx *c, const char *text, size_t len,
				    const struct allow_span *allow)
{
	struct pol_policy *p;
	json_error_t jerr;
	json_t *root;
	bool ok = true;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		if (!allow)
			diag_json_syntax(c->d, &jerr);
		c->syntax = true;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		json_decref(root);
		c->nomem = true;
		return NULL;
	}
	if (diag_want_type(c->d, "$", root, JSON_OBJECT, "a policy object"))
		ok = parse_root(c, p, root, allow);
	json_decref(root);
	pctx_free(c);
	if (!ok) {
		c->syntax = true;
		pol_free(p);
		return NULL;
	}
	return p;
}

struct pol_policy *pol_parse(const char *text, size_t len, struct diags *d)
{
	struct pctx c = { .d = d };
	struct allow_span allow;
	struct pol_policy *p;
	size_t stub_len;
	char *stub;

	diags_init(d);
	if (split_allow(text, len, &allow, &stub, &stub_len)) {
		p = parse_doc(&c, stub, stub_len, &allow);
		free(stub);
		if (!c.syntax)
			goto out;
		diags_init(d);	/* again, whole, for jansson's message */
		c = (struct pctx){ .d = d };
	}
	p = parse_doc(&c, text, len, NULL);
out:
	if (!p || c.nomem || d->n) {
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
	err = fio_read_doc(path, POL_FILE_MAX, "a policy", &buf, &len, d);
	if (err) {
		errno = -err;
		return NULL;
	}
	p = pol_parse(buf, len, d);
	err = errno;
	free(buf);
	errno = err;
	return p;
}

