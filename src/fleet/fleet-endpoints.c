// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fleet's endpoints (see fleet.h): each host publishes its containers
 * as identity, labels, networks and addresses, and every other host adds
 * them to the snapshot it compiles.  Zones are not published: every host
 * compiles the same policy, so the same selectors put a remote endpoint in
 * the zone its own host put it in.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "zonewall/compile.h"
#include "zonewall/fleet.h"
#include "zonewall/learn-remote.h"

#define FLEET_KEY_MAX 512

static json_t *fleet_endpoint_json(const struct cmp_workload *w, const char *host)
{
	json_t *labels = json_object(), *nets = json_array(), *addrs = json_array(), *o;
	char buf[64];

	for (size_t i = 0; labels && i < w->n_labels; i++)
		json_object_set_new(labels, w->labels[i].key, json_string(w->labels[i].value));
	for (size_t i = 0; nets && i < w->n_networks; i++)
		json_array_append_new(nets, json_string(w->networks[i]));
	for (size_t i = 0; addrs && i < w->n_addrs; i++)
		json_array_append_new(addrs, json_string(cmp_prefix_format(&w->addrs[i], buf,
									    sizeof(buf))));
	o = json_pack("{s:s, s:s?, s:o*, s:o*, s:o*, s:s, s:s?}", "identity", w->identity,
		      "zone", w->zone, "labels", labels, "networks", nets, "addrs", addrs,
		      "host", host, "origin", w->origin);
	return o;
}

int fleet_endpoint_record(const char *prefix, const char *host, const struct cmp_workload *w,
			  char **key, char **value)
{
	char k[FLEET_KEY_MAX], buf[64];
	json_t *j;

	*key = *value = NULL;
	if (!w->n_addrs)
		return -ENOENT;
	cmp_prefix_format(&w->addrs[0], buf, sizeof(buf));
	buf[strcspn(buf, "/")] = '\0';	/* the address names the key */
	snprintf(k, sizeof(k), "%s/endpoints/%s/%s", prefix, host, buf);
	j = fleet_endpoint_json(w, host);
	*value = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	*key = *value ? strdup(k) : NULL;
	if (!*key) {
		free(*value);
		*value = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* @w's labels, networks and addresses from record @j. */
static int fleet_endpoint_fill(struct cmp_workload *w, const json_t *j)
{
	const char *k;
	json_t *v;
	size_t i;
	int rc = 0;

	json_object_foreach((json_t *)json_object_get(j, "labels"), k, v)
		if (!rc)
			rc = json_is_string(v) ? cmp_workload_add_label(w, k, json_string_value(v))
					       : -EINVAL;
	json_array_foreach(json_object_get(j, "networks"), i, v)
		if (!rc)
			rc = json_is_string(v) ? cmp_workload_add_network(w, json_string_value(v))
					       : -EINVAL;
	json_array_foreach(json_object_get(j, "addrs"), i, v)
		if (!rc)
			rc = json_is_string(v) ? cmp_workload_add_addr(w, json_string_value(v))
					       : -EINVAL;
	return rc;
}

int fleet_endpoint_add(struct cmp_snapshot *s, const char *key, const char *value,
		       const char *host, struct diags *d)
{
	json_t *j = json_loads(value, 0, NULL);
	const char *identity = json_string_value(json_object_get(j, "identity"));
	const json_t *zone = json_object_get(j, "zone");
	struct cmp_workload *w;
	char origin[96];
	int rc;

	if (!identity || !*identity || (zone && !json_is_null(zone) && !json_is_string(zone)) ||
	    !json_array_size(json_object_get(j, "addrs"))) {
		diag_add(d, key, "not an endpoint record (identity, addrs); left out");
		json_decref(j);
		return -EINVAL;
	}
	snprintf(origin, sizeof(origin), "fleet %s", host);
	w = cmp_snap_add(s, identity, json_string_value(zone), origin);
	rc = w ? fleet_endpoint_fill(w, j) : -ENOMEM;
	if (rc == -EINVAL) {
		diag_add(d, key, "a label, network or address that cannot be compiled; left out");
		w->n_addrs = 0;	/* an endpoint with no address matches nothing */
	}
	json_decref(j);
	return rc;
}

void fleet_endpoints_free(struct fleet_endpoints *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

int fleet_endpoints_list(struct etcd *e, const char *prefix, const char *self,
			 struct fleet_endpoints *out, struct diags *d)
{
	char key[FLEET_KEY_MAX];
	struct etcd_kvs kvs;
	size_t plen;
	int rc;

	memset(out, 0, sizeof(*out));
	plen = (size_t)snprintf(key, sizeof(key), "%s/endpoints/", prefix);
	rc = etcd_get(e, key, true, &kvs, d);
	if (rc)
		return rc;
	out->revision = kvs.revision;
	out->total = kvs.n;
	out->v = calloc(kvs.n ? kvs.n : 1, sizeof(*out->v));
	if (!out->v) {
		etcd_kvs_free(&kvs);
		return -ENOMEM;
	}
	for (size_t i = 0; i < kvs.n; i++) {
		const char *h = kvs.v[i].key + plen;
		size_t hl = strcspn(h, "/");
		struct fleet_endpoint *ep = &out->v[out->n];

		if (hl >= sizeof(ep->host) || (strlen(self) == hl && !strncmp(h, self, hl)))
			continue;
		memcpy(ep->host, h, hl);
		ep->host[hl] = '\0';
		ep->key = kvs.v[i].key;		/* taken over */
		ep->value = kvs.v[i].value;
		kvs.v[i].key = kvs.v[i].value = NULL;
		out->n++;
	}
	etcd_kvs_free(&kvs);
	return 0;
}

static int fleet_label_cmp(const void *x, const void *y)
{
	return strcmp(((const struct id_label *)x)->key, ((const struct id_label *)y)->key);
}

/* Record @j as a workload: identity, labels (sorted) and networks. */
static struct id_workload *fleet_endpoint_workload(const json_t *j, const char *key)
{
	struct id_workload *w = id_workload_new();
	const json_t *labels = json_object_get(j, "labels"), *nets = json_object_get(j, "networks");
	const char *k;
	json_t *v;
	size_t i;

	if (!w)
		return NULL;
	w->id = strdup(key);
	w->identity = strdup(json_string_value(json_object_get(j, "identity")));
	w->name = strdup(w->identity ? w->identity : "");
	w->runtime = strdup("fleet");
	w->state = strdup("running");
	w->labels = calloc(json_object_size(labels) + 1, sizeof(*w->labels));
	w->nets = calloc(json_array_size(nets) + 1, sizeof(*w->nets));
	if (!w->id || !w->identity || !w->name || !w->runtime || !w->state || !w->labels || !w->nets)
		goto out_put;
	json_object_foreach((json_t *)labels, k, v) {
		if (!json_is_string(v))
			continue;
		w->labels[w->n_labels].key = strdup(k);
		w->labels[w->n_labels].value = strdup(json_string_value(v));
		if (!w->labels[w->n_labels++].value || !w->labels[w->n_labels - 1].key)
			goto out_put;
	}
	qsort(w->labels, w->n_labels, sizeof(*w->labels), fleet_label_cmp);
	json_array_foreach(nets, i, v)
		if (json_is_string(v) && !(w->nets[w->n_nets++].name = strdup(json_string_value(v))))
			goto out_put;
	return w;
out_put:
	id_workload_put(w);
	return NULL;
}

/* The host addresses of record @j, each into @r for @w. */
static int fleet_endpoint_addrs(struct learn_remote *r, const json_t *j, struct id_workload *w)
{
	const json_t *v;
	struct id_addr a;
	char buf[64];
	size_t i;
	int rc = 0;

	json_array_foreach(json_object_get(j, "addrs"), i, v) {
		const char *t = json_string_value(v), *slash = t ? strchr(t, '/') : NULL;

		if (!t || strlen(t) >= sizeof(buf))
			continue;
		snprintf(buf, sizeof(buf), "%.*s", slash ? (int)(slash - t) : (int)strlen(t), t);
		if (id_addr_parse(buf, &a) ||
		    (slash && strcmp(slash + 1, a.family == AF_INET ? "32" : "128")))
			continue;	/* a prefix names no single workload here */
		if ((rc = learn_remote_add(r, &a, w)))
			break;
	}
	return rc;
}

int fleet_endpoints_remote(const json_t *list, struct learn_remote **out, struct diags *d)
{
	struct learn_remote *r = learn_remote_new();
	const json_t *e;
	size_t i;
	int rc = r ? 0 : -ENOMEM;

	json_array_foreach(list, i, e) {
		const char *key = json_string_value(json_object_get(e, "key"));
		json_t *j = json_loads(json_string_value(json_object_get(e, "value")) ?: "", 0, NULL);
		const char *id = json_string_value(json_object_get(j, "identity"));
		struct id_workload *w = NULL;

		if (rc)
			break;
		if (!id || !*id)
			diag_add(d, key ? key : "?", "not an endpoint record (identity, addrs); left out");
		else if (!(w = fleet_endpoint_workload(j, key ? key : "")))
			rc = -ENOMEM;
		else
			rc = fleet_endpoint_addrs(r, j, w);
		id_workload_put(w);
		json_decref(j);
	}
	if (rc) {
		learn_remote_free(r);
		return rc;
	}
	learn_remote_seal(r);
	*out = r;
	return 0;
}
