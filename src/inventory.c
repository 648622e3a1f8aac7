// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The static inventory file: entries by CIDR, longest-prefix lookup, and
 * the identity rule settings.  Every error names its JSON path.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "zonewall/inventory.h"

static int inv_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int inv_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

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

/* A non-empty string member, or NULL with @err set. */
static const char *inv_str(json_t *o, const char *key, const char *path, bool required,
			   char *err, size_t errlen, int *rc)
{
	json_t *v = json_object_get(o, key);

	*rc = 0;
	if (!v) {
		if (required)
			*rc = inv_fail(err, errlen, "%s: missing \"%s\"", path, key);
		return NULL;
	}
	if (!json_is_string(v) || !*json_string_value(v)) {
		*rc = inv_fail(err, errlen, "%s.%s: expected a non-empty string", path, key);
		return NULL;
	}
	return json_string_value(v);
}

static int inv_check_keys(json_t *o, const char *path, const char *const *allowed,
			  char *err, size_t errlen)
{
	const char *key, *const *a;
	json_t *v;

	json_object_foreach(o, key, v) {
		for (a = allowed; *a && strcmp(*a, key); a++)
			;
		if (!*a)
			return inv_fail(err, errlen, "%s: unknown key \"%s\"", path, key);
	}
	return 0;
}

static int inv_prefixes(json_t *arr, const char *path, struct inv_prefix **out, size_t *n,
			char *err, size_t errlen)
{
	size_t i;
	json_t *v;

	*out = NULL;
	*n = 0;
	if (!json_is_array(arr))
		return inv_fail(err, errlen, "%s: expected an array of addresses or CIDRs", path);
	*out = calloc(json_array_size(arr) + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return inv_fail(err, errlen, "%s[%zu]: expected a string", path, i);
		if (inv_prefix_parse(json_string_value(v), &(*out)[i]))
			return inv_fail(err, errlen,
					"%s[%zu]: '%.60s' is not an address or CIDR with zero host bits",
					path, i, json_string_value(v));
		(*n)++;
	}
	return 0;
}

static int inv_parse_entry(struct inv *inv, json_t *o, size_t idx, char *err, size_t errlen)
{
	static const char *const keys[] = { "name", "zone", "description", "cidrs", "except", NULL };
	struct inv_entry *e = &inv->v[inv->n];
	const char *name, *zone, *desc;
	char path[64], sub[96];
	size_t i;
	int rc;

	snprintf(path, sizeof(path), "entries[%zu]", idx);
	if (!json_is_object(o))
		return inv_fail(err, errlen, "%s: expected an object", path);
	rc = inv_check_keys(o, path, keys, err, errlen);
	if (rc)
		return rc;
	name = inv_str(o, "name", path, true, err, errlen, &rc);
	if (rc)
		return rc;
	zone = inv_str(o, "zone", path, true, err, errlen, &rc);
	if (rc)
		return rc;
	desc = inv_str(o, "description", path, false, err, errlen, &rc);
	if (rc)
		return rc;
	for (i = 0; i < inv->n; i++)
		if (!strcmp(inv->v[i].name, name))
			return inv_fail(err, errlen, "%s.name: \"%s\" already names entries[%zu]",
					path, name, i);
	memset(e, 0, sizeof(*e));
	inv->n++;	/* from here on inv_free() releases it */
	e->name = strdup(name);
	e->zone = strdup(zone);
	e->description = strdup(desc ? desc : "");
	if (!e->name || !e->zone || !e->description)
		return -ENOMEM;
	if (!json_object_get(o, "cidrs"))
		return inv_fail(err, errlen, "%s: missing \"cidrs\"", path);
	snprintf(sub, sizeof(sub), "%s.cidrs", path);
	rc = inv_prefixes(json_object_get(o, "cidrs"), sub, &e->cidrs, &e->n_cidrs, err, errlen);
	if (rc)
		return rc;
	if (!e->n_cidrs)
		return inv_fail(err, errlen, "%s: empty; give at least one address or CIDR", sub);
	if (!json_object_get(o, "except"))
		return 0;
	snprintf(sub, sizeof(sub), "%s.except", path);
	return inv_prefixes(json_object_get(o, "except"), sub, &e->except, &e->n_except, err, errlen);
}

static int inv_parse_identity(struct inv *inv, json_t *o, char *err, size_t errlen)
{
	static const char *const keys[] = { "rules", "zone_label", "default_zone", "network_zones", NULL };
	const char *names[ID_RULES_MAX];
	char msg[192];
	json_t *v, *r;
	size_t i;
	int rc;

	if (!json_is_object(o))
		return inv_fail(err, errlen, "identity: expected an object");
	rc = inv_check_keys(o, "identity", keys, err, errlen);
	if (rc)
		return rc;
	v = json_object_get(o, "rules");
	if (v) {
		if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > ID_RULES_MAX)
			return inv_fail(err, errlen, "identity.rules: expected an array of 1 to %d rule names",
					ID_RULES_MAX);
		json_array_foreach(v, i, r) {
			if (!json_is_string(r))
				return inv_fail(err, errlen, "identity.rules[%zu]: expected a string", i);
			names[i] = json_string_value(r);
		}
		rc = id_rules_set_order(&inv->rules, names, json_array_size(v), msg, sizeof(msg));
		if (rc == -EINVAL)
			return inv_fail(err, errlen, "identity.rules: %s", msg);
		if (rc)
			return rc;
	}
	return 0;
}

static int inv_parse_identity_rest(struct inv *inv, json_t *o, char *err, size_t errlen)
{
	const char *s, *key;
	json_t *v;
	int rc;

	s = inv_str(o, "zone_label", "identity", false, err, errlen, &rc);
	if (rc)
		return rc;
	if (s && id_workload_set(&inv->rules.zone_label, s))
		return -ENOMEM;
	s = inv_str(o, "default_zone", "identity", false, err, errlen, &rc);
	if (rc)
		return rc;
	if (s && id_rules_set_default_zone(&inv->rules, s))
		return -ENOMEM;
	v = json_object_get(o, "network_zones");
	if (!v)
		return 0;
	if (!json_is_object(v))
		return inv_fail(err, errlen, "identity.network_zones: expected an object of network: zone");
	json_object_foreach(v, key, o) {
		if (!json_is_string(o) || !*json_string_value(o))
			return inv_fail(err, errlen, "identity.network_zones.%s: expected a zone name", key);
		if (id_rules_add_network_zone(&inv->rules, key, json_string_value(o)))
			return -ENOMEM;
	}
	return 0;
}

static int inv_parse_root(struct inv *inv, json_t *root, char *err, size_t errlen)
{
	static const char *const keys[] = { "version", "description", "identity", "entries", NULL };
	json_t *v, *e;
	size_t i;
	int rc;

	if (!json_is_object(root))
		return inv_fail(err, errlen, "(top): expected an object");
	rc = inv_check_keys(root, "(top)", keys, err, errlen);
	if (rc)
		return rc;
	v = json_object_get(root, "version");
	if (v && (!json_is_integer(v) || json_integer_value(v) != 1))
		return inv_fail(err, errlen, "version: expected 1");
	v = json_object_get(root, "identity");
	if (v) {
		rc = inv_parse_identity(inv, v, err, errlen);
		if (!rc)
			rc = inv_parse_identity_rest(inv, v, err, errlen);
		if (rc)
			return rc;
	}
	v = json_object_get(root, "entries");
	if (!v)
		return 0;
	if (!json_is_array(v))
		return inv_fail(err, errlen, "entries: expected an array");
	inv->v = calloc(json_array_size(v) + 1, sizeof(*inv->v));
	if (!inv->v)
		return -ENOMEM;
	json_array_foreach(v, i, e) {
		rc = inv_parse_entry(inv, e, i, err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}

int inv_parse(struct inv *out, const char *text, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root;
	int rc;

	rc = inv_init(out);
	if (rc)
		return rc;
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		inv_free(out);
		return inv_fail(err, errlen, "line %d column %d: %s", jerr.line, jerr.column, jerr.text);
	}
	rc = inv_parse_root(out, root, err, errlen);
	json_decref(root);
	if (rc)
		inv_free(out);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	return rc;
}

int inv_load(struct inv *out, const char *path, char *err, size_t errlen)
{
	char msg[256], *buf = NULL;
	size_t len = 0;
	ssize_t r;
	struct stat st;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		goto out_close;
	}
	if (st.st_size > (off_t)INV_MAX_BYTES) {
		rc = -EFBIG;
		snprintf(err, errlen, "%s: larger than %u bytes", path, INV_MAX_BYTES);
		goto out_close;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out_close;
	}
	while (len < (size_t)st.st_size && (r = read(fd, buf + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)r;
	rc = inv_parse(out, buf, len, msg, sizeof(msg));
	if (rc)
		snprintf(err, errlen, "%s: %s", path, msg);
	free(buf);
out_close:
	if (fd >= 0)
		close(fd);
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
