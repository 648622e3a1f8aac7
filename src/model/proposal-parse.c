// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Proposals read: proposal.json parsed and checked, every problem with its
 * JSON path.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/fileio.h"
#include "zonewall/jscan.h"
#include "zonewall/policy.h"

#include "proposal-int.h"

/* --- parsing ------------------------------------------------------------------ */

struct prop_pctx {
	struct diags *d;
	struct prop_set *s;
	bool nomem;
};

static const char *edge_string(struct prop_pctx *c, const char *path, json_t *o,
			       const char *key, bool required)
{
	json_t *v = diag_member(c->d, path, o, key, JSON_STRING, "a string", required);

	return v ? json_string_value(v) : NULL;
}

static void edge_time(struct prop_pctx *c, const char *path, json_t *o, const char *key,
		      int64_t *t)
{
	const char *s = edge_string(c, path, o, key, true);
	char kp[DIAG_PATH_LEN];
	int rc = s ? pol_time_parse(s, t) : 0;

	if (rc) {
		diag_path_key(kp, path, key);
		diag_add(c->d, kp, rc == -ERANGE ? "expected a time from 1970 to 2106-02-07, got "
			 "'%.40s'" : "expected an RFC 3339 time, got '%.40s'", s);
	}
}

/* "YYYY-MM-DD" at @s as a day number; false when it is not a date. */
static bool day_parse(const char *s, int32_t *day)
{
	char t[32];
	int64_t secs;

	snprintf(t, sizeof(t), "%.10sT00:00:00Z", s);
	if (strlen(t) != 20 || pol_time_parse(t, &secs))
		return false;
	*day = day_of(secs);
	return true;
}

/* A days entry: a date, or a run of dates "FIRST/LAST" with FIRST < LAST. */
static bool days_entry_parse(const char *s, size_t len, int32_t *lo, int32_t *hi)
{
	if (len == 10)
		return day_parse(s, lo) && day_parse(s, hi);
	return len == 21 && s[10] == '/' && day_parse(s, lo) && day_parse(s + 11, hi) &&
	       *lo < *hi;
}

/* The days a range adds: the most recent PROP_DAYS_MAX of it (a set keeps no more). */
static size_t days_span(int32_t lo, int32_t hi)
{
	return (size_t)(hi - lo) + 1 > PROP_DAYS_MAX ? PROP_DAYS_MAX : (size_t)(hi - lo) + 1;
}

static void edge_days(struct prop_pctx *c, const char *path, json_t *a, struct prop_edge *x)
{
	char ip[DIAG_PATH_LEN];
	size_t i, n = 0, k;
	int32_t lo, hi;
	json_t *v;

	json_array_foreach(a, i, v)
		if (json_is_string(v) && days_entry_parse(json_string_value(v),
							  json_string_length(v), &lo, &hi))
			n += days_span(lo, hi);
	x->days = calloc(n + 1, sizeof(*x->days));
	if (!x->days) {
		c->nomem = true;
		return;
	}
	json_array_foreach(a, i, v) {
		diag_path_idx(ip, path, i);
		if (!diag_want_type(c->d, ip, v, JSON_STRING, "a date string"))
			continue;
		if (!days_entry_parse(json_string_value(v), json_string_length(v), &lo, &hi)) {
			diag_add(c->d, ip, "expected a date YYYY-MM-DD or a range "
				 "YYYY-MM-DD/YYYY-MM-DD, got '%.40s'", json_string_value(v));
			continue;
		}
		for (k = days_span(lo, hi); k; k--)
			x->days[x->n_days++] = hi - (int32_t)k + 1;
	}
}

static void edge_runs(struct prop_pctx *c, const char *path, json_t *a, struct prop_edge *x)
{
	char ip[DIAG_PATH_LEN];
	size_t i;
	json_t *v;

	x->runs = calloc(json_array_size(a) + 1, sizeof(*x->runs));
	if (!x->runs) {
		c->nomem = true;
		return;
	}
	json_array_foreach(a, i, v) {
		diag_path_idx(ip, path, i);
		if (!diag_want_type(c->d, ip, v, JSON_STRING, "a run id string"))
			continue;
		if (!pol_identity_valid(json_string_value(v))) {
			diag_add(c->d, ip, "invalid run id");
			continue;
		}
		x->runs[x->n_runs++] = (char *)json_string_value(v);	/* borrowed */
	}
}

static void edge_samples(struct prop_pctx *c, const char *path, json_t *a,
			 struct prop_edge *x)
{
	static const char *const keys[] = { "from", "to", NULL };
	char ip[DIAG_PATH_LEN];
	const char *f, *t;
	size_t i;
	json_t *v;

	if (json_array_size(a) > PROP_SAMPLES_MAX)
		diag_add(c->d, path, "at most %d samples", PROP_SAMPLES_MAX);
	json_array_foreach(a, i, v) {
		diag_path_idx(ip, path, i);
		if (!diag_want_type(c->d, ip, v, JSON_OBJECT, "a sample object"))
			continue;
		diag_check_keys(c->d, ip, v, keys, "from, to");
		f = edge_string(c, ip, v, "from", true);
		t = edge_string(c, ip, v, "to", true);
		if (!f || !t || x->n_samples >= PROP_SAMPLES_MAX)
			continue;
		if (!*f || !*t || strlen(f) >= PROP_ADDR_MAX || strlen(t) >= PROP_ADDR_MAX) {
			diag_add(c->d, ip, "invalid address pair");
			continue;
		}
		x->samples[x->n_samples].from = (char *)f;	/* borrowed */
		x->samples[x->n_samples].to = (char *)t;
		x->n_samples++;
	}
}

/* Key fields of an edge; false when they are unusable. */
static bool edge_key(struct prop_pctx *c, const char *path, json_t *o, struct prop_edge *x)
{
	const char *from, *to, *proto;
	char kp[DIAG_PATH_LEN], got[64];
	json_t *port;
	bool ok = true;

	from = edge_string(c, path, o, "from", true);
	to = edge_string(c, path, o, "to", true);
	proto = edge_string(c, path, o, "proto", true);
	if (from && !pol_identity_valid(from)) {
		diag_path_key(kp, path, "from");
		diag_add(c->d, kp, "invalid identity '%.40s'", from);
		ok = false;
	}
	if (to && !pol_identity_valid(to)) {
		diag_path_key(kp, path, "to");
		diag_add(c->d, kp, "invalid identity '%.40s'", to);
		ok = false;
	}
	x->proto = proto ? pol_proto_parse(proto) : 0;
	if (proto && !x->proto) {
		diag_path_key(kp, path, "proto");
		diag_add(c->d, kp, "expected one of tcp, udp, icmp, icmpv6, got '%.40s'", proto);
	}
	port = json_object_get(o, "port");
	diag_path_key(kp, path, "port");
	if (x->proto && pol_proto_has_ports(x->proto)) {
		if (!port) {
			diag_add(c->d, path, "missing key 'port'");
			ok = false;
		} else if (!json_is_integer(port) || json_integer_value(port) < 1 ||
			   json_integer_value(port) > 65535) {
			diag_json_preview(port, got, sizeof(got));
			diag_add(c->d, kp, "expected 1..65535, got %s", got);
			ok = false;
		} else {
			x->port = (uint16_t)json_integer_value(port);
		}
	} else if (x->proto && port) {
		diag_add(c->d, kp, "%s has no ports", pol_proto_name(x->proto));
	}
	if (!from || !to || !x->proto || !ok)
		return false;
	x->from = (char *)from;	/* borrowed from the tree; the set interns */
	x->to = (char *)to;
	x->hash = prop_edge_hash(from, to, x->proto, x->port);
	return true;
}

static void edge_evidence(struct prop_pctx *c, const char *path, json_t *o,
			  struct prop_edge *x)
{
	char kp[DIAG_PATH_LEN];
	const char *z;
	json_t *v;

	v = diag_member(c->d, path, o, "packets", JSON_INTEGER, "an integer", true);
	if (v && json_integer_value(v) < 0) {
		diag_path_key(kp, path, "packets");
		diag_add(c->d, kp, "must not be negative");
	} else if (v) {
		x->packets = (uint64_t)json_integer_value(v);
	}
	edge_time(c, path, o, "first_seen", &x->first_seen);
	edge_time(c, path, o, "last_seen", &x->last_seen);
	if (x->first_seen > x->last_seen)
		diag_add(c->d, path, "last_seen is before first_seen");
	if ((z = edge_string(c, path, o, "from_zone", false)))
		x->from_zone = (char *)z;	/* borrowed */
	if ((z = edge_string(c, path, o, "to_zone", false)))
		x->to_zone = (char *)z;
	diag_path_key(kp, path, "days");
	if ((v = diag_member(c->d, path, o, "days", JSON_ARRAY, "an array", true)))
		edge_days(c, kp, v, x);
	diag_path_key(kp, path, "runs");
	if ((v = diag_member(c->d, path, o, "runs", JSON_ARRAY, "an array", true)))
		edge_runs(c, kp, v, x);
	diag_path_key(kp, path, "samples");
	if ((v = diag_member(c->d, path, o, "samples", JSON_ARRAY, "an array", true)))
		edge_samples(c, kp, v, x);
}

static void parse_edge(struct prop_pctx *c, const char *path, json_t *o)
{
	static const char *const keys[] = { "id", "from", "to", "proto", "port", "from_zone",
		"to_zone", "packets", "first_seen", "last_seen", "days", "runs", "samples", NULL };
	struct prop_edge x = { 0 }, *dup;
	char id[PROP_ID_LEN + 1], kp[DIAG_PATH_LEN];
	const char *have;
	bool key_ok;

	diag_check_keys(c->d, path, o, keys, "id, from, to, proto, port, from_zone, to_zone, "
			"packets, first_seen, last_seen, days, runs, samples");
	key_ok = edge_key(c, path, o, &x);
	edge_evidence(c, path, o, &x);
	have = edge_string(c, path, o, "id", true);
	if (key_ok) {
		prop_edge_id(&x, id, sizeof(id));
		diag_path_key(kp, path, "id");
		if (have && strcmp(have, id))
			diag_add(c->d, kp, "'%.20s' does not match its edge (expected '%s')", have,
				 id);
		dup = prop_edge_find(c->s, x.hash, x.from, x.to, x.proto, x.port);
		if (dup)
			diag_add(c->d, path, "duplicate edge %s -> %s %s/%u", x.from, x.to,
				 pol_proto_name(x.proto), x.port);
		else if (!c->d->n && !c->nomem && prop_edge_merge_into(c->s, &x))
			c->nomem = true;
	}
	edge_clear(&x);
}

static void parse_version(struct diags *d, json_t *root)
{
	json_t *v = diag_member(d, "$", root, "version", JSON_INTEGER, "an integer", true);

	if (v && json_integer_value(v) != PROP_VERSION)
		diag_add(d, "$.version", "unsupported version %" JSON_INTEGER_FORMAT
			 " (this zonewall reads %d)", json_integer_value(v), PROP_VERSION);
}

/* The whole document as one jansson tree: any shape, exact syntax errors. */
static void parse_tree(struct prop_pctx *c, const char *text, size_t len)
{
	static const char *const keys[] = { "version", "edges", NULL };
	char ip[DIAG_PATH_LEN];
	json_error_t jerr;
	json_t *root, *v, *e;
	size_t i;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		diag_json_syntax(c->d, &jerr);
		return;
	}
	if (diag_want_type(c->d, "$", root, JSON_OBJECT, "a proposal object")) {
		diag_check_keys(c->d, "$", root, keys, "version, edges");
		parse_version(c->d, root);
		v = diag_member(c->d, "$", root, "edges", JSON_ARRAY, "an array", true);
		json_array_foreach(v, i, e) {
			diag_path_idx(ip, "$.edges", i);
			if (diag_want_type(c->d, ip, e, JSON_OBJECT, "an edge object"))
				parse_edge(c, ip, e);
		}
	}
	json_decref(root);
}

/* Past the literal @lit at @i (after whitespace), or 0. */
static size_t scan_lit(const char *t, size_t len, size_t i, const char *lit)
{
	size_t n = strlen(lit);

	i = jscan_ws(t, len, i);
	return len - i >= n && !memcmp(t + i, lit, n) ? i + n : 0;
}

/* "version": VALUE, checked as parse_tree() checks it; past it, or 0. */
static size_t stream_version(struct prop_pctx *c, const char *t, size_t len, size_t i)
{
	json_t *root, *v;
	size_t e;

	i = scan_lit(t, len, i, "\"version\"");
	i = i ? scan_lit(t, len, i, ":") : 0;
	i = i ? jscan_ws(t, len, i) : 0;
	e = i ? jscan_value_end(t, len, i) : 0;
	v = e ? json_loadb(t + i, e - i, JSON_DECODE_ANY, NULL) : NULL;
	root = v ? json_object() : NULL;
	if (!root || json_object_set_new(root, "version", v)) {
		json_decref(root);
		return 0;
	}
	parse_version(c->d, root);
	json_decref(root);
	return e;
}

/* The edges array's elements from @i (after its '['), one jansson tree
 * each; past the closing ']', or 0. */
static size_t stream_edges(struct prop_pctx *c, const char *t, size_t len, size_t i)
{
	char ip[DIAG_PATH_LEN];
	size_t e, n = 0;
	json_t *v;

	i = jscan_ws(t, len, i);
	if (i < len && t[i] == ']')
		return i + 1;
	for (;;) {
		e = jscan_value_end(t, len, i);
		v = e ? json_loadb(t + i, e - i, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
				   NULL) : NULL;
		if (!v)
			return 0;
		diag_path_idx(ip, "$.edges", n++);
		if (diag_want_type(c->d, ip, v, JSON_OBJECT, "an edge object"))
			parse_edge(c, ip, v);
		json_decref(v);
		i = jscan_ws(t, len, e);
		if (i < len && t[i] == ']')
			return i + 1;
		if (i >= len || t[i] != ',')
			return 0;
		i = jscan_ws(t, len, i + 1);
	}
}

/*
 * The document as zonewall writes it, {"version": V, "edges": [...]},
 * parsed one edge at a time: memory in proportion to the set, not to a
 * tree of the whole file.  The same problems as parse_tree() in the same
 * order; false for any other shape or a syntax error (nothing is then
 * known to be right: the caller starts again with parse_tree()).
 */
static bool parse_stream(struct prop_pctx *c, const char *t, size_t len)
{
	size_t i = scan_lit(t, len, 0, "{");

	i = i ? stream_version(c, t, len, i) : 0;
	i = i ? scan_lit(t, len, i, ",") : 0;
	i = i ? scan_lit(t, len, i, "\"edges\"") : 0;
	i = i ? scan_lit(t, len, i, ":") : 0;
	i = i ? scan_lit(t, len, i, "[") : 0;
	i = i ? stream_edges(c, t, len, i) : 0;
	i = i ? scan_lit(t, len, i, "}") : 0;
	return i && jscan_ws(t, len, i) == len;
}

struct prop_set *prop_parse(const char *text, size_t len, struct diags *d)
{
	struct prop_pctx c = { .d = d };

	diags_init(d);
	c.s = prop_new();
	if (c.s && !parse_stream(&c, text, len)) {
		prop_free(c.s);
		diags_init(d);
		c.nomem = false;
		c.s = prop_new();
		if (c.s)
			parse_tree(&c, text, len);
	}
	if (!c.s || c.nomem || d->n) {
		prop_free(c.s);
		errno = !c.s || c.nomem ? ENOMEM : EINVAL;
		return NULL;
	}
	prop_sort(c.s);
	return c.s;
}

struct prop_set *prop_load_max(const char *path, size_t max, struct diags *d)
{
	struct prop_set *s;
	size_t len;
	char *buf;
	int err;

	diags_init(d);
	err = fio_read_doc(path, max, "a proposal", &buf, &len, d);
	if (err) {
		errno = -err;
		return NULL;
	}
	s = prop_parse(buf, len, d);
	err = errno;
	free(buf);
	errno = err;
	return s;
}

struct prop_set *prop_load(const char *path, struct diags *d)
{
	return prop_load_max(path, PROP_FILE_MAX, d);
}
