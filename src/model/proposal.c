// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Proposals: learned edges with evidence.  A hash index keyed by
 * from|to|proto|port keeps observing and merging linear in the number of
 * edges; evidence is combined by rules that do not depend on arrival order.
 */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zonewall/fileio.h"
#include "zonewall/output.h"
#include "zonewall/policy.h"
#include "zonewall/proposal.h"

#define ZW_STR_(x) #x
#define ZW_STR(x) ZW_STR_(x)

/* --- identity of an edge ------------------------------------------------- */

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t edge_hash(const char *from, const char *to, uint8_t proto, uint16_t port)
{
	unsigned char tail[3] = { proto, (unsigned char)(port >> 8), (unsigned char)port };
	uint64_t h = 0xcbf29ce484222325ULL;

	h = fnv1a(h, from, strlen(from) + 1);
	h = fnv1a(h, to, strlen(to) + 1);
	return fnv1a(h, tail, sizeof(tail));
}

void prop_edge_id(const struct prop_edge *e, char *buf, size_t size)
{
	snprintf(buf, size, "%012" PRIx64, e->hash >> 16);
}

static bool edge_is(const struct prop_edge *e, const char *from, const char *to,
		    uint8_t proto, uint16_t port)
{
	return e->proto == proto && e->port == port && !strcmp(e->from, from) &&
	       !strcmp(e->to, to);
}

/* --- the set and its index ----------------------------------------------- */

struct prop_set *prop_new(void)
{
	return calloc(1, sizeof(struct prop_set));
}

/* An edge's own arrays (its strings belong to the set). */
static void edge_clear(struct prop_edge *e)
{
	free(e->days);
	free(e->runs);
}

static int strs_grow(struct prop_set *s)
{
	size_t cap = s->strs_cap ? s->strs_cap * 2 : 64, i, j;
	char **v = calloc(cap, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (i = 0; i < s->strs_cap; i++) {
		if (!s->strs[i])
			continue;
		for (j = fnv1a(0xcbf29ce484222325ULL, s->strs[i], strlen(s->strs[i])) & (cap - 1);
		     v[j]; j = (j + 1) & (cap - 1))
			;
		v[j] = s->strs[i];
	}
	free(s->strs);
	s->strs = v;
	s->strs_cap = cap;
	return 0;
}

/* The set's one copy of @str (identities, zones and run ids repeat over
 * many edges: a million edges must not hold a million copies of "web").
 * Return: the interned string, or NULL (ENOMEM). */
static char *str_intern(struct prop_set *s, const char *str)
{
	size_t j;

	if ((s->n_strs + 1) * 2 > s->strs_cap && strs_grow(s))
		return NULL;
	for (j = fnv1a(0xcbf29ce484222325ULL, str, strlen(str)) & (s->strs_cap - 1); s->strs[j];
	     j = (j + 1) & (s->strs_cap - 1))
		if (!strcmp(s->strs[j], str))
			return s->strs[j];
	s->strs[j] = strdup(str);
	if (!s->strs[j])
		return NULL;
	s->n_strs++;
	return s->strs[j];
}

void prop_free(struct prop_set *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		edge_clear(&s->edges[i]);
	for (i = 0; i < s->strs_cap; i++)
		free(s->strs[i]);
	free(s->strs);
	free(s->edges);
	free(s->index);
	free(s);
}

static int index_rebuild(struct prop_set *s, size_t cap)
{
	size_t *idx = calloc(cap, sizeof(*idx)), i, j;

	if (!idx)
		return -ENOMEM;
	for (i = 0; i < s->n; i++) {
		for (j = s->edges[i].hash & (cap - 1); idx[j]; j = (j + 1) & (cap - 1))
			;
		idx[j] = i + 1;
	}
	free(s->index);
	s->index = idx;
	s->index_cap = cap;
	return 0;
}

static struct prop_edge *edge_find(const struct prop_set *s, uint64_t h, const char *from,
				   const char *to, uint8_t proto, uint16_t port)
{
	size_t j;

	if (!s->index_cap)
		return NULL;
	for (j = h & (s->index_cap - 1); s->index[j]; j = (j + 1) & (s->index_cap - 1)) {
		struct prop_edge *e = &s->edges[s->index[j] - 1];

		if (e->hash == h && edge_is(e, from, to, proto, port))
			return e;
	}
	return NULL;
}

/* A new, empty edge at the end of @s (its key strings copied). */
static struct prop_edge *edge_add(struct prop_set *s, uint64_t h, const char *from,
				  const char *to, uint8_t proto, uint16_t port)
{
	struct prop_edge *e;
	size_t j;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;

		e = realloc(s->edges, cap * sizeof(*e));
		if (!e)
			return NULL;
		s->edges = e;
		s->cap = cap;
	}
	if ((s->n + 1) * 2 > s->index_cap &&
	    index_rebuild(s, s->index_cap ? s->index_cap * 2 : 32))
		return NULL;
	e = &s->edges[s->n];
	memset(e, 0, sizeof(*e));
	e->from = str_intern(s, from);
	e->to = str_intern(s, to);
	if (!e->from || !e->to)
		return NULL;
	e->proto = proto;
	e->port = port;
	e->hash = h;
	e->first_seen = INT64_MAX;
	e->last_seen = INT64_MIN;
	for (j = h & (s->index_cap - 1); s->index[j]; j = (j + 1) & (s->index_cap - 1))
		;
	s->index[j] = ++s->n;
	return e;
}

const struct prop_edge *prop_find_id(const struct prop_set *s, const char *id)
{
	char buf[PROP_ID_LEN + 1];
	size_t i;

	for (i = 0; i < s->n; i++) {
		prop_edge_id(&s->edges[i], buf, sizeof(buf));
		if (!strcmp(buf, id))
			return &s->edges[i];
	}
	return NULL;
}

static int edge_cmp(const void *a, const void *b)
{
	const struct prop_edge *x = a, *y = b;
	int r = strcmp(x->from, y->from);

	if (!r)
		r = strcmp(x->to, y->to);
	if (!r)
		r = (int)x->proto - (int)y->proto;
	if (!r)
		r = (int)x->port - (int)y->port;
	return r;
}

void prop_sort(struct prop_set *s)
{
	if (s->n > 1)
		qsort(s->edges, s->n, sizeof(*s->edges), edge_cmp);
	/* The index holds positions: rebuild it in place of the old one.
	 * On ENOMEM keep it off (lookups then miss, prop_observe re-grows). */
	if (s->index_cap && index_rebuild(s, s->index_cap)) {
		free(s->index);
		s->index = NULL;
		s->index_cap = 0;
	}
}

/* --- combining evidence ---------------------------------------------------- */

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;

	return (x > y) - (x < y);
}

/* Union of sorted day lists into e->days, keeping the most recent. */
static int days_union(struct prop_edge *e, const int32_t *days, size_t n)
{
	size_t total = e->n_days + n, i, k = 0;
	int32_t *u;

	for (i = 0; e->n_days && i < n; i++)
		if (!bsearch(&days[i], e->days, e->n_days, sizeof(*days), cmp_i32))
			break;
	if (!n || (e->n_days && i == n))
		return 0;	/* the common case: days already counted */
	u = malloc(total * sizeof(*u));
	if (!u)
		return -ENOMEM;
	if (e->n_days)
		memcpy(u, e->days, e->n_days * sizeof(*u));
	memcpy(u + e->n_days, days, n * sizeof(*u));
	qsort(u, total, sizeof(*u), cmp_i32);
	for (i = 0; i < total; i++)
		if (!k || u[k - 1] != u[i])
			u[k++] = u[i];
	if (k > PROP_DAYS_MAX) {
		memmove(u, u + (k - PROP_DAYS_MAX), PROP_DAYS_MAX * sizeof(*u));
		k = PROP_DAYS_MAX;
	}
	free(e->days);
	e->days = u;
	e->n_days = k;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool run_known(const struct prop_edge *e, const char *run)
{
	return e->n_runs && bsearch(&run, e->runs, e->n_runs, sizeof(*e->runs), cmp_str);
}

/* Add the run ids @runs (interned in @s) to e->runs, keeping the greatest. */
static int runs_union(struct prop_set *s, struct prop_edge *e, char *const *runs, size_t n)
{
	size_t total = e->n_runs + n, i, k = 0;
	char **u;

	if (!n || (n == 1 && run_known(e, runs[0])))
		return 0;	/* the common case: a run adding to its own edge */
	u = malloc(total * sizeof(*u));
	if (!u)
		return -ENOMEM;
	if (e->n_runs)
		memcpy(u, e->runs, e->n_runs * sizeof(*u));
	for (i = 0; i < n; i++) {
		u[e->n_runs + i] = str_intern(s, runs[i]);
		if (!u[e->n_runs + i]) {
			free(u);
			return -ENOMEM;
		}
	}
	qsort(u, total, sizeof(*u), cmp_str);
	for (i = 0; i < total; i++)
		if (!k || strcmp(u[k - 1], u[i]))
			u[k++] = u[i];
	if (k > PROP_RUNS_MAX) {
		memmove(u, u + (k - PROP_RUNS_MAX), PROP_RUNS_MAX * sizeof(*u));
		k = PROP_RUNS_MAX;
	}
	free(e->runs);
	e->runs = u;
	e->n_runs = k;
	return 0;
}

static int sample_cmp(const void *a, const void *b)
{
	const struct prop_sample *x = a, *y = b;
	int r = strcmp(x->from, y->from);

	return r ? r : strcmp(x->to, y->to);
}

/* The smallest PROP_SAMPLES_MAX of e's samples and @x's; only the kept
 * ones are interned in @s, so dropped addresses cost nothing. */
static int samples_union(struct prop_set *s, struct prop_edge *e,
			 const struct prop_sample *x, size_t n)
{
	struct prop_sample u[2 * PROP_SAMPLES_MAX];
	size_t total = e->n_samples + n, i, k = 0;

	if (!n)
		return 0;
	memcpy(u, e->samples, e->n_samples * sizeof(*u));
	memcpy(u + e->n_samples, x, n * sizeof(*u));
	qsort(u, total, sizeof(*u), sample_cmp);
	for (i = 0; i < total && k < PROP_SAMPLES_MAX; i++)
		if (!k || sample_cmp(&u[k - 1], &u[i]))
			u[k++] = u[i];
	for (i = 0; i < k; i++) {
		u[i].from = str_intern(s, u[i].from);
		u[i].to = str_intern(s, u[i].to);
		if (!u[i].from || !u[i].to)
			return -ENOMEM;
	}
	memcpy(e->samples, u, k * sizeof(*u));
	e->n_samples = k;
	return 0;
}

/* Zones: the first known one wins; two different ones settle on the
 * smaller name so the result does not depend on merge order. */
static int zone_union(struct prop_set *s, char **have, const char *other)
{
	char *c;

	if (!other || !*other || (*have && strcmp(*have, other) <= 0))
		return 0;
	c = str_intern(s, other);
	if (!c)
		return -ENOMEM;
	*have = c;
	return 0;
}

static int edge_combine(struct prop_set *s, struct prop_edge *e, const struct prop_edge *x)
{
	int err;

	e->packets = e->packets + x->packets < e->packets ? UINT64_MAX : e->packets + x->packets;
	if (x->first_seen < e->first_seen)
		e->first_seen = x->first_seen;
	if (x->last_seen > e->last_seen)
		e->last_seen = x->last_seen;
	err = samples_union(s, e, x->samples, x->n_samples);
	if (!err)
		err = days_union(e, x->days, x->n_days);
	if (!err)
		err = runs_union(s, e, x->runs, x->n_runs);
	if (!err)
		err = zone_union(s, &e->from_zone, x->from_zone);
	if (!err)
		err = zone_union(s, &e->to_zone, x->to_zone);
	return err;
}

static int edge_merge_into(struct prop_set *s, const struct prop_edge *x)
{
	struct prop_edge *e = edge_find(s, x->hash, x->from, x->to, x->proto, x->port);

	if (!e)
		e = edge_add(s, x->hash, x->from, x->to, x->proto, x->port);
	if (!e)
		return -ENOMEM;
	return edge_combine(s, e, x);
}

int prop_merge(struct prop_set *dst, const struct prop_set *src)
{
	size_t i;
	int err;

	for (i = 0; i < src->n; i++) {
		err = edge_merge_into(dst, &src->edges[i]);
		if (err)
			return err;
	}
	return 0;
}

static int32_t day_of(int64_t t)
{
	return (int32_t)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
}

int prop_observe(struct prop_set *s, const struct prop_obs *o)
{
	char sf[PROP_ADDR_MAX], st[PROP_ADDR_MAX];
	struct prop_edge x = { 0 };
	int32_t days[2];
	char *run;

	if (!o->from || !o->to || !pol_identity_valid(o->from) || !pol_identity_valid(o->to) ||
	    !pol_proto_name(o->proto) || o->first_seen > o->last_seen ||
	    (pol_proto_has_ports(o->proto) ? o->port == 0 : o->port != 0))
		return -EINVAL;
	x.from = (char *)o->from;
	x.to = (char *)o->to;
	x.from_zone = (char *)o->from_zone;
	x.to_zone = (char *)o->to_zone;
	x.proto = o->proto;
	x.port = o->port;
	x.hash = edge_hash(o->from, o->to, o->proto, o->port);
	x.packets = o->packets;
	x.first_seen = o->first_seen;
	x.last_seen = o->last_seen;
	days[0] = day_of(o->first_seen);
	days[1] = day_of(o->last_seen);
	x.days = days;
	x.n_days = days[0] == days[1] ? 1 : 2;
	run = (char *)o->run_id;
	x.runs = &run;
	x.n_runs = o->run_id ? 1 : 0;
	if (o->sample_from && o->sample_to && *o->sample_from && *o->sample_to) {
		snprintf(sf, sizeof(sf), "%s", o->sample_from);
		snprintf(st, sizeof(st), "%s", o->sample_to);
		x.samples[0].from = sf;
		x.samples[0].to = st;
		x.n_samples = 1;
	}
	return edge_merge_into(s, &x);
}

/* --- JSON -------------------------------------------------------------------- */

void prop_day_format(int32_t day, char *buf, size_t size)
{
	char t[32];

	pol_time_format((int64_t)day * 86400, t, sizeof(t));
	snprintf(buf, size, "%.10s", t);
}

static bool jput(json_t *o, const char *key, json_t *v)
{
	return v && !json_object_set_new(o, key, v);
}

static bool jappend(json_t *a, json_t *v)
{
	return v && !json_array_append_new(a, v);
}

static bool edge_lists_json(json_t *o, const struct prop_edge *e)
{
	json_t *days = json_array(), *runs = json_array(), *samples = json_array(), *p;
	bool ok = days && runs && samples;
	char buf[16];
	size_t i;

	for (i = 0; ok && i < e->n_days; i++) {
		prop_day_format(e->days[i], buf, sizeof(buf));
		ok = jappend(days, json_string(buf));
	}
	for (i = 0; ok && i < e->n_runs; i++)
		ok = jappend(runs, json_string(e->runs[i]));
	for (i = 0; ok && i < e->n_samples; i++) {
		p = json_pack("{s:s, s:s}", "from", e->samples[i].from, "to", e->samples[i].to);
		ok = jappend(samples, p);
	}
	if (!ok) {
		json_decref(days);
		json_decref(runs);
		json_decref(samples);
		return false;
	}
	/* Each jput takes its reference even on failure: call all three. */
	ok = jput(o, "days", days);
	ok = jput(o, "runs", runs) && ok;
	return jput(o, "samples", samples) && ok;
}

json_t *prop_edge_json(const struct prop_edge *e)
{
	char id[PROP_ID_LEN + 1], first[32], last[32];
	json_t *o = json_object();
	bool ok;

	if (!o)
		return NULL;
	prop_edge_id(e, id, sizeof(id));
	pol_time_format(e->first_seen, first, sizeof(first));
	pol_time_format(e->last_seen, last, sizeof(last));
	ok = jput(o, "id", json_string(id)) && jput(o, "from", json_string(e->from)) &&
	     jput(o, "to", json_string(e->to)) &&
	     jput(o, "proto", json_string(pol_proto_name(e->proto)));
	if (ok && pol_proto_has_ports(e->proto))
		ok = jput(o, "port", json_integer(e->port));
	if (ok && e->from_zone)
		ok = jput(o, "from_zone", json_string(e->from_zone));
	if (ok && e->to_zone)
		ok = jput(o, "to_zone", json_string(e->to_zone));
	ok = ok && jput(o, "packets", json_integer((json_int_t)(e->packets > INT64_MAX ?
						   INT64_MAX : e->packets))) &&
	     jput(o, "first_seen", json_string(first)) && jput(o, "last_seen", json_string(last)) &&
	     edge_lists_json(o, e);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *prop_to_json(struct prop_set *s)
{
	json_t *root, *edges = json_array();
	size_t i;

	prop_sort(s);
	for (i = 0; edges && i < s->n; i++)
		if (!jappend(edges, prop_edge_json(&s->edges[i]))) {
			json_decref(edges);
			edges = NULL;
		}
	if (!edges)
		goto out_nomem;
	root = json_object();
	if (root && jput(root, "version", json_integer(PROP_VERSION)) &&
	    jput(root, "edges", edges))
		return root;
	json_decref(root);
out_nomem:
	errno = ENOMEM;
	return NULL;
}

/* --- streaming the file ----------------------------------------------------------
 * prop_save() writes the same bytes as json_dumps(prop_to_json(s),
 * JSON_INDENT(2)) plus a newline, but straight into the temporary file: a
 * jansson tree of a million edges costs gigabytes, the stream a 64 KiB
 * buffer.  test-proposal checks the two stay identical. */

static void w_raw(struct fio_out *o, const char *p)
{
	fio_out_write(o, p, strlen(p));
}

static void w_put(void *o, const char *s, size_t len)
{
	fio_out_write(o, s, len);	/* the error stays in @o for prop_save() */
}

static void w_str(struct fio_out *o, const char *str)
{
	out_json_quote(w_put, o, str, strlen(str));
}

/* ",\n" + 6 spaces + "\"KEY\": " */
static void w_key(struct fio_out *o, const char *key)
{
	w_raw(o, ",\n      \"");
	w_raw(o, key);
	w_raw(o, "\": ");
}

static void w_sep(struct fio_out *o, size_t i, size_t n)
{
	w_raw(o, i + 1 < n ? ",\n" : "\n");
}

static void w_lists(struct fio_out *o, const struct prop_edge *e)
{
	char buf[16];
	size_t i;

	w_key(o, "days");
	w_raw(o, e->n_days ? "[\n" : "[]");
	for (i = 0; i < e->n_days; i++) {
		prop_day_format(e->days[i], buf, sizeof(buf));
		w_raw(o, "        ");
		w_str(o, buf);
		w_sep(o, i, e->n_days);
	}
	w_raw(o, e->n_days ? "      ]" : "");
	w_key(o, "runs");
	w_raw(o, e->n_runs ? "[\n" : "[]");
	for (i = 0; i < e->n_runs; i++) {
		w_raw(o, "        ");
		w_str(o, e->runs[i]);
		w_sep(o, i, e->n_runs);
	}
	w_raw(o, e->n_runs ? "      ]" : "");
	w_key(o, "samples");
	w_raw(o, e->n_samples ? "[\n" : "[]");
	for (i = 0; i < e->n_samples; i++) {
		w_raw(o, "        {\n          \"from\": ");
		w_str(o, e->samples[i].from);
		w_raw(o, ",\n          \"to\": ");
		w_str(o, e->samples[i].to);
		w_raw(o, "\n        }");
		w_sep(o, i, e->n_samples);
	}
	w_raw(o, e->n_samples ? "      ]" : "");
}

static void w_edge(struct fio_out *o, const struct prop_edge *e)
{
	char buf[32];

	prop_edge_id(e, buf, sizeof(buf));
	w_raw(o, "    {\n      \"id\": ");
	w_str(o, buf);
	w_key(o, "from");
	w_str(o, e->from);
	w_key(o, "to");
	w_str(o, e->to);
	w_key(o, "proto");
	w_str(o, pol_proto_name(e->proto));
	if (pol_proto_has_ports(e->proto)) {
		snprintf(buf, sizeof(buf), "%u", (unsigned)e->port);
		w_key(o, "port");
		w_raw(o, buf);
	}
	if (e->from_zone) {
		w_key(o, "from_zone");
		w_str(o, e->from_zone);
	}
	if (e->to_zone) {
		w_key(o, "to_zone");
		w_str(o, e->to_zone);
	}
	snprintf(buf, sizeof(buf), "%" PRIu64, e->packets > INT64_MAX ? (uint64_t)INT64_MAX
								    : e->packets);
	w_key(o, "packets");
	w_raw(o, buf);
	pol_time_format(e->first_seen, buf, sizeof(buf));
	w_key(o, "first_seen");
	w_str(o, buf);
	pol_time_format(e->last_seen, buf, sizeof(buf));
	w_key(o, "last_seen");
	w_str(o, buf);
	w_lists(o, e);
	w_raw(o, "\n    }");
}

static int prop_fill(struct fio_out *o, void *arg)
{
	struct prop_set *s = arg;
	size_t i;

	w_raw(o, "{\n  \"version\": " ZW_STR(PROP_VERSION) ",\n  \"edges\": ");
	w_raw(o, s->n ? "[\n" : "[]");
	for (i = 0; i < s->n; i++) {
		w_edge(o, &s->edges[i]);
		w_sep(o, i, s->n);
	}
	w_raw(o, s->n ? "  ]\n}\n" : "\n}\n");
	return 0;	/* write errors stick in @o */
}

int prop_save(struct prop_set *s, const char *path)
{
	prop_sort(s);
	return fio_write_atomic_with(path, prop_fill, s);
}

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

static void edge_days(struct prop_pctx *c, const char *path, json_t *a, struct prop_edge *x)
{
	char ip[DIAG_PATH_LEN], t[32];
	int64_t secs;
	size_t i;
	json_t *v;

	x->days = calloc(json_array_size(a) + 1, sizeof(*x->days));
	if (!x->days) {
		c->nomem = true;
		return;
	}
	json_array_foreach(a, i, v) {
		diag_path_idx(ip, path, i);
		if (!diag_want_type(c->d, ip, v, JSON_STRING, "a date string"))
			continue;
		snprintf(t, sizeof(t), "%.10sT00:00:00Z", json_string_value(v));
		if (json_string_length(v) != 10 || pol_time_parse(t, &secs)) {
			diag_add(c->d, ip, "expected a date YYYY-MM-DD, got '%.40s'",
				 json_string_value(v));
			continue;
		}
		x->days[x->n_days++] = day_of(secs);
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
	x->hash = edge_hash(from, to, x->proto, x->port);
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
		dup = edge_find(c->s, x.hash, x.from, x.to, x.proto, x.port);
		if (dup)
			diag_add(c->d, path, "duplicate edge %s -> %s %s/%u", x.from, x.to,
				 pol_proto_name(x.proto), x.port);
		else if (!c->d->n && !c->nomem && edge_merge_into(c->s, &x))
			c->nomem = true;
	}
	edge_clear(&x);
}

struct prop_set *prop_parse(const char *text, size_t len, struct diags *d)
{
	static const char *const keys[] = { "version", "edges", NULL };
	struct prop_pctx c = { .d = d };
	char ip[DIAG_PATH_LEN];
	json_error_t jerr;
	json_t *root, *v, *e;
	size_t i;

	diags_init(d);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		diag_json_syntax(d, &jerr);
		errno = EINVAL;
		return NULL;
	}
	c.s = prop_new();
	if (!c.s) {
		json_decref(root);
		errno = ENOMEM;
		return NULL;
	}
	if (diag_want_type(d, "$", root, JSON_OBJECT, "a proposal object")) {
		diag_check_keys(d, "$", root, keys, "version, edges");
		v = diag_member(d, "$", root, "version", JSON_INTEGER, "an integer", true);
		if (v && json_integer_value(v) != PROP_VERSION)
			diag_add(d, "$.version", "unsupported version %" JSON_INTEGER_FORMAT
				 " (this zonewall reads %d)", json_integer_value(v), PROP_VERSION);
		v = diag_member(d, "$", root, "edges", JSON_ARRAY, "an array", true);
		json_array_foreach(v, i, e) {
			diag_path_idx(ip, "$.edges", i);
			if (diag_want_type(d, ip, e, JSON_OBJECT, "an edge object"))
				parse_edge(&c, ip, e);
		}
	}
	json_decref(root);
	if (c.nomem || d->n) {
		prop_free(c.s);
		errno = c.nomem ? ENOMEM : EINVAL;
		return NULL;
	}
	prop_sort(c.s);
	return c.s;
}

struct prop_set *prop_load(const char *path, struct diags *d)
{
	struct prop_set *s;
	size_t len;
	char *buf;
	int err;

	diags_init(d);
	err = fio_read_all(path, PROP_FILE_MAX, &buf, &len);
	if (err) {
		diag_add(d, "$", "cannot read: %s", fio_strerror(err));
		errno = -err;
		return NULL;
	}
	s = prop_parse(buf, len, d);
	err = errno;
	free(buf);
	errno = err;
	return s;
}
