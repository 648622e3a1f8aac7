// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Proposals written out: as a jansson tree (prop_to_json()) and streamed
 * into the file (prop_save()), the same bytes.
 */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "zonewall/fileio.h"
#include "zonewall/output.h"
#include "zonewall/policy.h"
#include "zonewall/proposal.h"

#define ZW_STR_(x) #x
#define ZW_STR(x) ZW_STR_(x)
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

/*
 * The days of @e from index *@i as one entry into @buf (>= 24 bytes): a
 * single day "YYYY-MM-DD", or a run of consecutive days "FIRST/LAST" (an
 * ISO 8601 interval of dates), so an edge seen daily for a year costs one
 * entry, not 366.  *@i moves past the days written.
 */
static void edge_days_next(const struct prop_edge *e, size_t *i, char *buf, size_t size)
{
	size_t j = *i;

	while (j + 1 < e->n_days && e->days[j + 1] == e->days[j] + 1)
		j++;
	prop_day_format(e->days[*i], buf, size);
	if (j > *i && size > 11) {
		buf[10] = '/';
		prop_day_format(e->days[j], buf + 11, size - 11);
	}
	*i = j + 1;
}

static bool edge_lists_json(json_t *o, const struct prop_edge *e)
{
	json_t *days = json_array(), *runs = json_array(), *samples = json_array(), *p;
	bool ok = days && runs && samples;
	char buf[24];
	size_t i;

	for (i = 0; ok && i < e->n_days;) {
		edge_days_next(e, &i, buf, sizeof(buf));
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
 * prop_save() writes one edge per line, each line the bytes of
 * json_dumps(prop_edge_json(e), 0) (test-proposal checks the two stay
 * identical): a proposal of a million edges is streamed from a 64 KiB
 * buffer, never held as a jansson tree, and an edge costs its content plus
 * its key names, not a line per value.  grep and diff work per edge. */

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

/* ", \"KEY\": " */
static void w_key(struct fio_out *o, const char *key)
{
	w_raw(o, ", \"");
	w_raw(o, key);
	w_raw(o, "\": ");
}

static void w_lists(struct fio_out *o, const struct prop_edge *e)
{
	char buf[24];
	size_t i;

	w_key(o, "days");
	w_raw(o, "[");
	for (i = 0; i < e->n_days;) {
		w_raw(o, i ? ", " : "");
		edge_days_next(e, &i, buf, sizeof(buf));
		w_str(o, buf);
	}
	w_raw(o, "]");
	w_key(o, "runs");
	w_raw(o, "[");
	for (i = 0; i < e->n_runs; i++) {
		w_raw(o, i ? ", " : "");
		w_str(o, e->runs[i]);
	}
	w_raw(o, "]");
	w_key(o, "samples");
	w_raw(o, "[");
	for (i = 0; i < e->n_samples; i++) {
		w_raw(o, i ? ", {\"from\": " : "{\"from\": ");
		w_str(o, e->samples[i].from);
		w_raw(o, ", \"to\": ");
		w_str(o, e->samples[i].to);
		w_raw(o, "}");
	}
	w_raw(o, "]");
}

static void w_edge(struct fio_out *o, const struct prop_edge *e)
{
	char buf[32];

	prop_edge_id(e, buf, sizeof(buf));
	w_raw(o, "    {\"id\": ");
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
	w_raw(o, "}");
}

static int prop_fill(struct fio_out *o, void *arg)
{
	struct prop_set *s = arg;
	size_t i;

	w_raw(o, "{\n  \"version\": " ZW_STR(PROP_VERSION) ",\n  \"edges\": ");
	w_raw(o, s->n ? "[\n" : "[]");
	for (i = 0; i < s->n; i++) {
		w_edge(o, &s->edges[i]);
		w_raw(o, i + 1 < s->n ? ",\n" : "\n");
	}
	w_raw(o, s->n ? "  ]\n}\n" : "\n}\n");
	return 0;	/* write errors stick in @o */
}

int prop_save_max(struct prop_set *s, const char *path, size_t max)
{
	prop_sort(s);
	return fio_write_atomic_max(path, max, prop_fill, s);
}

int prop_save(struct prop_set *s, const char *path)
{
	return prop_save_max(s, path, PROP_FILE_MAX);
}

int prop_write_fd(struct prop_set *s, int fd)
{
	prop_sort(s);
	return fio_write_fd(fd, prop_fill, s);
}
