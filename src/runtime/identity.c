// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Workload identity: addresses and workload records, and their JSON rows.
 * The identity rules are in identity-rules.c, the address index in
 * identity-index.c.  Pure: no I/O, no logging.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <sys/types.h>

#include "zonewall/identity.h"
#include "runtime-int.h"

/* --- addresses ------------------------------------------------------------------ */

int id_addr_parse(const char *text, struct id_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (!text)
		return -EINVAL;
	if (inet_pton(AF_INET, text, out->a) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, out->a) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

const char *id_addr_format(const struct id_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family, a->a, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

bool id_addr_eq(const struct id_addr *x, const struct id_addr *y)
{
	return x->family == y->family && !memcmp(x->a, y->a, sizeof(x->a));
}

/* FNV-1a over family and bytes: addresses are not attacker-chosen keys here
 * (the runtime assigns them), so a simple hash is enough. */
size_t id_addr_hash(const struct id_addr *a)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	h = (h ^ (unsigned int)a->family) * 1099511628211ULL;
	for (i = 0; i < sizeof(a->a); i++)
		h = (h ^ a->a[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

/* --- workload records ---------------------------------------------------------- */

struct id_workload *id_workload_new(void)
{
	struct id_workload *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->refs = 1;
	return w;
}

struct id_workload *id_workload_get(struct id_workload *w)
{
	if (w)
		w->refs++;
	return w;
}

void id_workload_put(struct id_workload *w)
{
	size_t i;

	if (!w || --w->refs > 0)
		return;
	free(w->id);
	free(w->name);
	free(w->image);
	free(w->state);
	free(w->runtime);
	free(w->pidfile);
	for (i = 0; i < w->n_labels; i++) {
		free(w->labels[i].key);
		free(w->labels[i].value);
	}
	free(w->labels);
	for (i = 0; i < w->n_nets; i++) {
		free(w->nets[i].name);
		free(w->nets[i].net_id);
	}
	free(w->nets);
	free(w->identity);
	free(w->zone);
	free(w);
}

int id_workload_set(char **field, const char *value)
{
	char *s = strdup(value ? value : "");

	if (!s)
		return -ENOMEM;
	free(*field);
	*field = s;
	return 0;
}

int id_workload_add_label(struct id_workload *w, const char *key, const char *value)
{
	struct id_label *v;
	char *k, *val;
	size_t i;

	for (i = 0; i < w->n_labels; i++)
		if (!strcmp(w->labels[i].key, key))
			return id_workload_set(&w->labels[i].value, value);
	k = strdup(key);
	val = strdup(value ? value : "");
	v = realloc(w->labels, (w->n_labels + 1) * sizeof(*v));
	if (!k || !val || !v) {
		free(k);
		free(val);
		if (v)
			w->labels = v;
		return -ENOMEM;
	}
	w->labels = v;
	v[w->n_labels].key = k;
	v[w->n_labels].value = val;
	w->n_labels++;
	return 0;
}

struct id_net *id_workload_add_net(struct id_workload *w, const char *name)
{
	struct id_net *v, *n;
	char *s = strdup(name ? name : "");

	if (!s)
		return NULL;
	v = realloc(w->nets, (w->n_nets + 1) * sizeof(*v));
	if (!v) {
		free(s);
		return NULL;
	}
	w->nets = v;
	n = &v[w->n_nets++];
	memset(n, 0, sizeof(*n));
	n->name = s;
	return n;
}

static int id_label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct id_label *)a)->key, ((const struct id_label *)b)->key);
}

static int id_net_cmp(const void *a, const void *b)
{
	return strcmp(((const struct id_net *)a)->name, ((const struct id_net *)b)->name);
}

void id_workload_sort(struct id_workload *w)
{
	if (w->n_labels > 1)
		qsort(w->labels, w->n_labels, sizeof(*w->labels), id_label_cmp);
	if (w->n_nets > 1)
		qsort(w->nets, w->n_nets, sizeof(*w->nets), id_net_cmp);
}

const char *id_workload_label(const struct id_workload *w, const char *key)
{
	size_t i;

	for (i = 0; i < w->n_labels; i++)
		if (!strcmp(w->labels[i].key, key))
			return w->labels[i].value;
	return NULL;
}

/* --- JSON rows ----------------------------------------------------------------------- */

static json_t *id_str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

json_t *id_workload_json(const struct id_workload *w)
{
	json_t *o = json_object(), *v4 = json_array(), *v6 = json_array(),
	       *nets = json_array(), *macs = json_array(), *veths = json_array(),
	       *brs = json_array(), *labels = json_object();
	char shortid[13];
	size_t i;

	if (!o || !v4 || !v6 || !nets || !macs || !veths || !brs || !labels)
		goto out_free;
	for (i = 0; i < w->n_nets; i++) {
		const struct id_net *n = &w->nets[i];

		json_array_append_new(nets, json_string(n->name));
		if (*n->ipv4)
			json_array_append_new(v4, json_string(n->ipv4));
		if (*n->ipv6)
			json_array_append_new(v6, json_string(n->ipv6));
		if (*n->mac)
			json_array_append_new(macs, json_string(n->mac));
		if (*n->veth)
			json_array_append_new(veths, json_string(n->veth));
		if (*n->bridge)
			json_array_append_new(brs, json_string(n->bridge));
	}
	for (i = 0; i < w->n_labels; i++)
		json_object_set_new(labels, w->labels[i].key, json_string(w->labels[i].value));
	snprintf(shortid, sizeof(shortid), "%s", w->id ? w->id : "");
	json_object_set_new(o, "id", id_str_or_null(shortid));
	json_object_set_new(o, "full_id", id_str_or_null(w->id));
	json_object_set_new(o, "name", id_str_or_null(w->name));
	json_object_set_new(o, "identity", id_str_or_null(w->identity));
	json_object_set_new(o, "identity_rule", id_str_or_null(w->identity_rule));
	json_object_set_new(o, "zone", id_str_or_null(w->zone));
	json_object_set_new(o, "zone_source", id_str_or_null(w->zone_source));
	json_object_set_new(o, "image", id_str_or_null(w->image));
	json_object_set_new(o, "ipv4", v4);
	json_object_set_new(o, "ipv6", v6);
	json_object_set_new(o, "networks", nets);
	json_object_set_new(o, "mac", macs);
	json_object_set_new(o, "veth", veths);
	json_object_set_new(o, "bridge", brs);
	json_object_set_new(o, "state", id_str_or_null(w->state));
	json_object_set_new(o, "pid", w->pid > 0 ? json_integer(w->pid) : json_null());
	json_object_set_new(o, "runtime", id_str_or_null(w->runtime));
	json_object_set_new(o, "labels", labels);
	return o;

out_free:
	json_decref(o);
	json_decref(v4);
	json_decref(v6);
	json_decref(nets);
	json_decref(macs);
	json_decref(veths);
	json_decref(brs);
	json_decref(labels);
	return NULL;
}
