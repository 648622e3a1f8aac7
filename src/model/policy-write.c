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
	/* What pol_load() would refuse is not written. */
	err = strlen(text) > POL_FILE_MAX ? -EFBIG : fio_write_atomic(path, text, strlen(text));
	free(text);
	return err;
}

