// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The policy written back: pol_to_json() in canonical form, pol_format()
 * as text, pol_save() into the file.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/fileio.h"
#include "zonewall/policy.h"

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

json_t *pol_port_json(uint16_t lo, uint16_t hi)
{
	char buf[16];

	if (!lo)
		return json_null();
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
		put(o, "port", pol_port_json(r->port_lo, r->port_hi), fail);
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

/*
 * pol_save() streams: the policy without its rules dumped by jansson, then
 * each rule dumped alone and indented to its depth (4 spaces: jansson's
 * JSON_INDENT(2) inside "allow"), the same bytes as pol_format() without a
 * tree or a text of every rule (test-policy checks they stay identical).
 * "allow" is the last key pol_to_json() puts, so its "[]" ends the head.
 */
#define POL_HEAD_TAIL "[]\n}\n"

struct pol_stream {
	const struct pol_policy *p;
	char *head;
};

static void w_indented(struct fio_out *o, const char *text)
{
	const char *nl;

	for (; (nl = strchr(text, '\n')); text = nl + 1) {
		fio_out_write(o, "    ", 4);
		fio_out_write(o, text, (size_t)(nl - text) + 1);
	}
	fio_out_write(o, "    ", 4);
	fio_out_write(o, text, strlen(text));
}

static int pol_fill(struct fio_out *o, void *arg)
{
	const struct pol_stream *w = arg;
	size_t i, n = strlen(w->head) - strlen(POL_HEAD_TAIL);
	bool fail = false;
	json_t *r;
	char *t;

	if (!w->p->n_rules)
		return fio_out_write(o, w->head, strlen(w->head));
	fio_out_write(o, w->head, n);
	fio_out_write(o, "[\n", 2);
	for (i = 0; i < w->p->n_rules && !fail; i++) {
		r = rule_json(&w->p->rules[i], &fail);
		t = fail ? NULL : json_dumps(r, JSON_INDENT(2));
		json_decref(r);
		if (!t)
			return -ENOMEM;
		w_indented(o, t);
		free(t);
		fio_out_write(o, i + 1 < w->p->n_rules ? ",\n" : "\n", i + 1 < w->p->n_rules ? 2 : 1);
	}
	return fail ? -ENOMEM : fio_out_write(o, "  ]\n}\n", 6);
}

int pol_save(const struct pol_policy *p, const char *path)
{
	struct pol_policy head = *p;
	struct pol_stream w = { .p = p };
	size_t n;
	int err;

	head.n_rules = 0;
	w.head = pol_format(&head);
	if (!w.head)
		return -ENOMEM;
	/* What pol_load() would refuse is not written. */
	n = strlen(w.head);
	if (n < strlen(POL_HEAD_TAIL) || strcmp(w.head + n - strlen(POL_HEAD_TAIL), POL_HEAD_TAIL))
		err = -EINVAL;	/* not the layout pol_fill() splices into */
	else
		err = fio_write_atomic_max(path, POL_FILE_MAX, pol_fill, &w);
	free(w.head);
	return err;
}

void pol_service_format(uint8_t proto, uint16_t lo, uint16_t hi, char *buf, size_t size)
{
	if (!lo)
		snprintf(buf, size, "%s", pol_proto_name(proto));
	else if (lo == hi)
		snprintf(buf, size, "%s/%u", pol_proto_name(proto), lo);
	else
		snprintf(buf, size, "%s/%u-%u", pol_proto_name(proto), lo, hi);
}
