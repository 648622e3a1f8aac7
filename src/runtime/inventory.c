// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The static inventory file: entries by CIDR, longest-prefix lookup, and
 * the identity rule settings.  Every error names its JSON path.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/diag.h"
#include "zonewall/fileio.h"
#include "zonewall/inventory.h"
#include "zonewall/policy.h"

int inv_prefix_parse(const char *text, struct inv_prefix *out)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned int max, i;
	long len;

	memset(out, 0, sizeof(*out));
	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (id_addr_parse(buf, &out->addr))
		return -EINVAL;
	max = out->addr.family == AF_INET ? 32 : 128;
	len = max;
	if (slash) {
		errno = 0;
		len = strtol(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || len < 0 || len > (long)max)
			return -EINVAL;
	}
	out->len = (unsigned int)len;
	for (i = out->len; i < max; i++)	/* host bits must be zero */
		if (out->addr.a[i / 8] & (0x80 >> (i % 8)))
			return -EINVAL;
	return 0;
}

bool inv_prefix_contains(const struct inv_prefix *p, const struct id_addr *a)
{
	unsigned int full = p->len / 8, rest = p->len % 8;

	if (p->addr.family != a->family)
		return false;
	if (memcmp(p->addr.a, a->a, full))
		return false;
	return !rest || !((p->addr.a[full] ^ a->a[full]) & (0xff00 >> rest));
}

/* --- except: carving ---------------------------------------------------------- */

/* @x truncated to @len bits (host bits zero). */
static struct inv_prefix inv_prefix_trunc(const struct id_addr *x, unsigned int len)
{
	struct inv_prefix p = { .addr = *x, .len = len };

	for (unsigned int b = len; b < 128; b++)
		p.addr.a[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
	return p;
}

struct inv_pieces {
	struct inv_piece *v;
	size_t n, cap;
};

static int inv_pieces_push(struct inv_pieces *l, const struct inv_prefix *p, unsigned int rank)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct inv_piece *nv;

		if (cap > INV_PIECES_MAX)
			return -E2BIG;
		nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n].p = *p;
	l->v[l->n++].rank = rank;
	return 0;
}

/* Piece @q minus except @x into @out: dropped when @x covers it, split into
 * the siblings along the path down to @x when it covers @x, else kept. */
static int inv_carve(const struct inv_piece *q, const struct inv_prefix *x, struct inv_pieces *out)
{
	struct inv_prefix sib;
	int rc = 0;

	if (q->p.addr.family != x->addr.family)
		return inv_pieces_push(out, &q->p, q->rank);
	if (x->len <= q->p.len && inv_prefix_contains(x, &q->p.addr))
		return 0;
	if (q->p.len >= x->len || !inv_prefix_contains(&q->p, &x->addr))
		return inv_pieces_push(out, &q->p, q->rank);
	for (unsigned int b = q->p.len; !rc && b < x->len; b++) {
		sib = inv_prefix_trunc(&x->addr, b + 1);
		sib.addr.a[b / 8] ^= (uint8_t)(0x80 >> (b % 8));	/* the other half */
		rc = inv_pieces_push(out, &sib, q->rank);
	}
	return rc;
}

int inv_entry_pieces(const struct inv_entry *e, struct inv_piece **out, size_t *n)
{
	struct inv_pieces cur = { 0 }, next;
	int rc = 0;

	for (size_t i = 0; !rc && i < e->n_cidrs; i++)
		rc = inv_pieces_push(&cur, &e->cidrs[i], e->cidrs[i].len);
	for (size_t k = 0; !rc && k < e->n_except; k++) {
		next = (struct inv_pieces){ 0 };
		for (size_t i = 0; !rc && i < cur.n; i++)
			rc = inv_carve(&cur.v[i], &e->except[k], &next);
		free(cur.v);
		cur = next;
	}
	if (rc) {
		free(cur.v);
		return rc;
	}
	*out = cur.v;
	*n = cur.n;
	return 0;
}

static void inv_entry_clear(struct inv_entry *e)
{
	free(e->name);
	free(e->zone);
	free(e->description);
	free(e->cidrs);
	free(e->except);
}

void inv_free(struct inv *inv)
{
	size_t i;

	if (!inv)
		return;
	for (i = 0; i < inv->n; i++)
		inv_entry_clear(&inv->v[i]);
	free(inv->v);
	id_rules_free(&inv->rules);
	memset(inv, 0, sizeof(*inv));
}

int inv_init(struct inv *out)
{
	memset(out, 0, sizeof(*out));
	return id_rules_init(&out->rules);
}

/* A non-empty string member, or NULL (a problem recorded when it is wrong or required). */
static const char *inv_str(struct diags *d, json_t *o, const char *key, const char *path,
			   bool required)
{
	json_t *v = diag_member(d, path, o, key, JSON_STRING, "a non-empty string", required);
	char kp[DIAG_PATH_LEN];

	if (!v)
		return NULL;
	if (!*json_string_value(v)) {
		diag_path_key(kp, path, key);
		diag_add(d, kp, "expected a non-empty string");
		return NULL;
	}
	return json_string_value(v);
}

/*
 * Names an inventory gives reach the ruleset's comments and compile's
 * messages (an entry's name is its identity), so they obey the policy's
 * rules for identities and zone names: a newline in one would forge a line.
 * A bad one is shown as JSON (escaped), like the parsers' other previews.
 */
static const char *inv_preview(const char *s, char *buf, size_t len)
{
	json_t *j = json_string(s);

	if (j)
		diag_json_preview(j, buf, len);
	else
		snprintf(buf, len, "(a string)");	/* no memory */
	json_decref(j);
	return buf;
}

static bool inv_name_check(struct diags *d, const char *path, const char *s, bool zone)
{
	char got[64];

	if (zone ? pol_zone_name_valid(s) : pol_identity_valid(s))
		return true;
	inv_preview(s, got, sizeof(got));
	if (zone)
		diag_add(d, path, "invalid zone name %s (1-%d letters, digits, '-', '_')", got,
			 POL_ZONE_NAME_MAX);
	else
		diag_add(d, path, "invalid name %s (1-%d printable ASCII characters without "
			 "spaces, quotes or backslashes)", got, POL_IDENTITY_MAX);
	return false;
}

/* Each element of @arr parsed into *@out (a problem per bad one). */
static int inv_prefixes(struct diags *d, json_t *arr, const char *path,
			struct inv_prefix **out, size_t *n)
{
	char ip[DIAG_PATH_LEN], got[64];
	size_t i;
	json_t *v;

	*out = NULL;
	*n = 0;
	if (!diag_want_type(d, path, arr, JSON_ARRAY, "an array of addresses or CIDRs"))
		return 0;
	*out = calloc(json_array_size(arr) + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	json_array_foreach(arr, i, v) {
		diag_path_idx(ip, path, i);
		if (!diag_want_type(d, ip, v, JSON_STRING, "a string"))
			continue;
		if (inv_prefix_parse(json_string_value(v), &(*out)[*n]))
			diag_add(d, ip, "%s is not an address or CIDR with zero host bits",
				 inv_preview(json_string_value(v), got, sizeof(got)));
		else
			(*n)++;
	}
	return 0;
}

/*
 * The names of the entries kept so far, by hash (open addressing, at most
 * half full), so a duplicate is found in constant time: a scan of every
 * earlier entry made a 60,000-entry inventory take 16 s to parse.
 */
struct inv_names {
	size_t *slot;		/* entry index + 1; 0: empty */
	size_t mask;
};

static size_t inv_name_hash(const char *s)
{
	size_t h = 1469598103934665603ull;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The kept entry named @name, or -1. */
static long inv_names_find(const struct inv_names *ix, const struct inv *inv, const char *name)
{
	for (size_t i = inv_name_hash(name) & ix->mask; ix->slot[i]; i = (i + 1) & ix->mask)
		if (!strcmp(inv->v[ix->slot[i] - 1].name, name))
			return (long)(ix->slot[i] - 1);
	return -1;
}

static void inv_names_add(struct inv_names *ix, const struct inv *inv, size_t k)
{
	size_t i = inv_name_hash(inv->v[k].name) & ix->mask;

	while (ix->slot[i])
		i = (i + 1) & ix->mask;
	ix->slot[i] = k + 1;
}

static int inv_parse_entry(struct inv *inv, struct diags *d, json_t *o, const char *path,
			   struct inv_names *ix)
{
	long dup;
	static const char *const keys[] = { "name", "zone", "description", "cidrs", "except", NULL };
	struct inv_entry *e = &inv->v[inv->n];
	const char *name, *zone, *desc;
	char sub[DIAG_PATH_LEN];
	size_t before = d->n + d->dropped;
	json_t *v;
	int rc;

	if (!diag_want_type(d, path, o, JSON_OBJECT, "an object"))
		return 0;
	diag_check_keys(d, path, o, keys, "name, zone, description, cidrs, except");
	name = inv_str(d, o, "name", path, true);
	zone = inv_str(d, o, "zone", path, true);
	desc = inv_str(d, o, "description", path, false);
	diag_path_key(sub, path, "name");
	if (name && !inv_name_check(d, sub, name, false))
		name = NULL;
	diag_path_key(sub, path, "zone");
	if (zone && !inv_name_check(d, sub, zone, true))
		zone = NULL;
	if (name && (dup = inv_names_find(ix, inv, name)) >= 0) {
		diag_path_key(sub, path, "name");
		diag_add(d, sub, "\"%.60s\" already names $.entries[%ld]", name, dup);
	}
	memset(e, 0, sizeof(*e));
	inv->n++;	/* from here on inv_free() releases it */
	e->name = strdup(name ? name : "");
	e->zone = strdup(zone ? zone : "");
	e->description = strdup(desc ? desc : "");
	if (!e->name || !e->zone || !e->description)
		return -ENOMEM;
	v = diag_member(d, path, o, "cidrs", JSON_ARRAY, "an array of addresses or CIDRs", true);
	diag_path_key(sub, path, "cidrs");
	if (v) {
		rc = inv_prefixes(d, v, sub, &e->cidrs, &e->n_cidrs);
		if (rc)
			return rc;
		if (!json_array_size(v))
			diag_add(d, sub, "empty; give at least one address or CIDR");
	}
	v = json_object_get(o, "except");
	diag_path_key(sub, path, "except");
	if (v && (rc = inv_prefixes(d, v, sub, &e->except, &e->n_except)))
		return rc;
	if (d->n + d->dropped != before) {
		inv->n--;	/* a bad entry is not kept: the parse fails anyway */
		inv_entry_clear(e);
	} else {
		inv_names_add(ix, inv, inv->n - 1);
	}
	return 0;
}

static int inv_parse_rules(struct inv *inv, struct diags *d, json_t *v)
{
	const char *names[ID_RULES_MAX];
	char ip[DIAG_PATH_LEN];
	size_t i, n = 0;
	json_t *r;
	int rc;

	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > ID_RULES_MAX) {
		diag_add(d, "$.identity.rules", "expected an array of 1 to %d rule names", ID_RULES_MAX);
		return 0;
	}
	json_array_foreach(v, i, r) {
		diag_path_idx(ip, "$.identity.rules", i);
		if (diag_want_type(d, ip, r, JSON_STRING, "a string"))
			names[n++] = json_string_value(r);
	}
	if (n != json_array_size(v))
		return 0;
	rc = id_rules_set_order(&inv->rules, names, n, "$.identity.rules", d);
	return rc == -EINVAL ? 0 : rc;
}

static int inv_parse_identity(struct inv *inv, struct diags *d, json_t *o)
{
	static const char *const keys[] = { "rules", "zone_label", "default_zone", "network_zones", NULL };
	const char *s, *key;
	char kp[DIAG_PATH_LEN], got[64];
	json_t *v, *z;
	int rc;

	if (!diag_want_type(d, "$.identity", o, JSON_OBJECT, "an object"))
		return 0;
	diag_check_keys(d, "$.identity", o, keys, "rules, zone_label, default_zone, network_zones");
	v = json_object_get(o, "rules");
	if (v && (rc = inv_parse_rules(inv, d, v)))
		return rc;
	s = inv_str(d, o, "zone_label", "$.identity", false);
	if (s && id_workload_set(&inv->rules.zone_label, s))
		return -ENOMEM;
	s = inv_str(d, o, "default_zone", "$.identity", false);
	if (s && inv_name_check(d, "$.identity.default_zone", s, true) &&
	    id_rules_set_default_zone(&inv->rules, s))
		return -ENOMEM;
	v = diag_member(d, "$.identity", o, "network_zones", JSON_OBJECT,
			"an object of network: zone", false);
	json_object_foreach(v, key, z) {
		/* a bad key is named in the message: in the path it would be raw */
		if (!pol_identity_valid(key)) {
			diag_add(d, "$.identity.network_zones", "invalid network name %s",
				 inv_preview(key, got, sizeof(got)));
			continue;
		}
		diag_path_key(kp, "$.identity.network_zones", key);
		if (!json_is_string(z) || !*json_string_value(z))
			diag_add(d, kp, "expected a zone name");
		else if (!inv_name_check(d, kp, json_string_value(z), true))
			continue;
		else if (id_rules_add_network_zone(&inv->rules, key, json_string_value(z)))
			return -ENOMEM;
	}
	return 0;
}

static int inv_parse_root(struct inv *inv, struct diags *d, json_t *root)
{
	static const char *const keys[] = { "version", "description", "identity", "entries", NULL };
	char ep[DIAG_PATH_LEN];
	struct inv_names ix = { 0 };
	json_t *v, *e;
	size_t i;
	int rc;

	if (!diag_want_type(d, "$", root, JSON_OBJECT, "an object"))
		return 0;
	diag_check_keys(d, "$", root, keys, "version, description, identity, entries");
	v = json_object_get(root, "version");
	if (v && (!json_is_integer(v) || json_integer_value(v) != 1))
		diag_add(d, "$.version", "expected 1");
	v = json_object_get(root, "identity");
	if (v && (rc = inv_parse_identity(inv, d, v)))
		return rc;
	v = diag_member(d, "$", root, "entries", JSON_ARRAY, "an array", false);
	if (!v)
		return 0;
	inv->v = calloc(json_array_size(v) + 1, sizeof(*inv->v));
	if (!inv->v)
		return -ENOMEM;
	for (ix.mask = 15; ix.mask < 2 * json_array_size(v); ix.mask = ix.mask * 2 + 1)
		;
	ix.slot = calloc(ix.mask + 1, sizeof(*ix.slot));
	if (!ix.slot)
		return -ENOMEM;
	rc = 0;
	json_array_foreach(v, i, e) {
		diag_path_idx(ep, "$.entries", i);
		if ((rc = inv_parse_entry(inv, d, e, ep, &ix)))
			break;
	}
	free(ix.slot);
	return rc;
}

int inv_parse(struct inv *out, const char *text, size_t len, struct diags *d)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	diags_init(d);
	rc = inv_init(out);
	if (rc)
		return rc;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		inv_free(out);
		diag_json_syntax(d, &jerr);
		return -EINVAL;
	}
	rc = inv_parse_root(out, d, root);
	json_decref(root);
	if (!rc && (d->n || d->dropped))
		rc = -EINVAL;
	if (rc)
		inv_free(out);
	return rc;
}

int inv_load(struct inv *out, const char *path, struct diags *d)
{
	char *buf;
	size_t len;
	int rc;

	diags_init(d);
	memset(out, 0, sizeof(*out));
	rc = fio_read_all(path, INV_MAX_BYTES, &buf, &len);
	if (rc)
		return rc;
	rc = inv_parse(out, buf, len, d);
	free(buf);
	return rc;
}

const struct inv_entry *inv_lookup(const struct inv *inv, const struct id_addr *a,
				   unsigned int *len_out)
{
	const struct inv_entry *best = NULL;
	unsigned int best_len = 0;
	size_t i, j, k;

	/* Linear: inventories are tens of entries; the learner asks once per
	 * new flow endpoint, not per packet. */
	for (i = 0; i < inv->n; i++) {
		const struct inv_entry *e = &inv->v[i];

		for (j = 0; j < e->n_cidrs; j++) {
			if (!inv_prefix_contains(&e->cidrs[j], a) ||
			    (best && e->cidrs[j].len <= best_len))
				continue;
			for (k = 0; k < e->n_except; k++)
				if (inv_prefix_contains(&e->except[k], a))
					break;
			if (k < e->n_except)
				continue;
			best = e;
			best_len = e->cidrs[j].len;
		}
	}
	if (best && len_out)
		*len_out = best_len;
	return best;
}

json_t *inv_entry_json(const struct inv_entry *e)
{
	json_t *o = json_object(), *v4 = json_array(), *v6 = json_array();
	char buf[INET6_ADDRSTRLEN], cidr[INET6_ADDRSTRLEN + 5];
	size_t i;

	if (!o || !v4 || !v6) {
		json_decref(o);
		json_decref(v4);
		json_decref(v6);
		return NULL;
	}
	for (i = 0; i < e->n_cidrs; i++) {
		snprintf(cidr, sizeof(cidr), "%s/%u",
			 id_addr_format(&e->cidrs[i].addr, buf, sizeof(buf)), e->cidrs[i].len);
		json_array_append_new(e->cidrs[i].addr.family == AF_INET ? v4 : v6, json_string(cidr));
	}
	json_object_set_new(o, "id", json_null());
	json_object_set_new(o, "full_id", json_null());
	json_object_set_new(o, "name", json_string(e->name));
	json_object_set_new(o, "identity", json_string(e->name));
	json_object_set_new(o, "identity_rule", json_string("inventory"));
	json_object_set_new(o, "zone", json_string(e->zone));
	json_object_set_new(o, "zone_source", json_string("inventory"));
	json_object_set_new(o, "image", json_null());
	json_object_set_new(o, "ipv4", v4);
	json_object_set_new(o, "ipv6", v6);
	json_object_set_new(o, "networks", json_array());
	json_object_set_new(o, "mac", json_array());
	json_object_set_new(o, "veth", json_array());
	json_object_set_new(o, "bridge", json_array());
	json_object_set_new(o, "state", json_string("static"));
	json_object_set_new(o, "pid", json_null());
	json_object_set_new(o, "runtime", json_string("inventory"));
	json_object_set_new(o, "labels", json_object());
	return o;
}
