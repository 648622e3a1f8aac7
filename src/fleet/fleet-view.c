// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The other hosts' endpoints as a daemon follows them (see fleet.h): the
 * list read at one revision, then a watch's puts and deletes from the next
 * revision on.  A change at or below the revision the view stands at is
 * one it already holds (a watch opened just after a list can replay it).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "zonewall/fleet.h"

struct fleet_view {
	char base[256];		/* "PREFIX/endpoints/" */
	char self[64];
	json_t *map;		/* key -> {key, value, host} */
	int64_t revision;
};

struct fleet_view *fleet_view_new(const char *prefix, const char *self)
{
	struct fleet_view *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	snprintf(v->base, sizeof(v->base), "%s/endpoints/", prefix);
	snprintf(v->self, sizeof(v->self), "%s", self);
	v->map = json_object();
	if (!v->map) {
		free(v);
		return NULL;
	}
	return v;
}

void fleet_view_free(struct fleet_view *v)
{
	if (!v)
		return;
	json_decref(v->map);
	free(v);
}

int64_t fleet_view_revision(const struct fleet_view *v)
{
	return v->revision;
}

/* The host of endpoint key @key into @host; false for a key that is not
 * another host's endpoint. */
static bool fleet_view_host(const struct fleet_view *v, const char *key, char *host, size_t len)
{
	size_t bl = strlen(v->base), hl;

	if (strncmp(key, v->base, bl))
		return false;
	key += bl;
	hl = strcspn(key, "/");
	if (!hl || hl >= len || key[hl] != '/' || !key[hl + 1])
		return false;
	memcpy(host, key, hl);
	host[hl] = '\0';
	return strcmp(host, v->self) != 0;
}

/* Put @key's record @value (from @host): 1 when it changed the map. */
static int fleet_view_put(struct fleet_view *v, const char *key, const char *value,
			  const char *host)
{
	json_t *have = json_object_get(v->map, key), *e;

	if (have && !strcmp(json_string_value(json_object_get(have, "value")), value))
		return 0;
	e = json_pack("{s:s, s:s, s:s}", "key", key, "value", value, "host", host);
	if (!e || json_object_set_new(v->map, key, e))
		return -ENOMEM;
	return 1;
}

int fleet_view_reset(struct fleet_view *v, const struct fleet_endpoints *l)
{
	json_t *old = v->map;
	int changed;

	v->map = json_object();
	if (!v->map) {
		v->map = old;
		return -ENOMEM;
	}
	for (size_t i = 0; i < l->n; i++)
		if (fleet_view_put(v, l->v[i].key, l->v[i].value, l->v[i].host) < 0) {
			json_decref(v->map);
			v->map = old;
			return -ENOMEM;
		}
	changed = !json_equal(old, v->map);
	json_decref(old);
	v->revision = l->revision;
	return changed;
}

int fleet_view_apply(struct fleet_view *v, const struct etcd_event *ev, size_t n)
{
	char host[64];
	int changed = 0, rc;

	for (size_t i = 0; i < n; i++) {
		const struct etcd_kv *kv = &ev[i].kv;

		if (kv->mod_rev <= v->revision || !fleet_view_host(v, kv->key, host, sizeof(host)))
			continue;
		if (ev[i].deleted) {
			changed |= json_object_del(v->map, kv->key) == 0;
			continue;
		}
		if ((rc = fleet_view_put(v, kv->key, kv->value, host)) < 0)
			return rc;
		changed |= rc;
	}
	/* the revision moves once the whole batch is in: one revision can hold
	 * several changes (a transaction's) */
	for (size_t i = 0; i < n; i++)
		if (ev[i].kv.mod_rev > v->revision)
			v->revision = ev[i].kv.mod_rev;
	return changed;
}

static int fleet_view_key_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

json_t *fleet_view_json(const struct fleet_view *v)
{
	size_t n = json_object_size(v->map), i = 0;
	const char **keys = malloc((n ? n : 1) * sizeof(*keys));
	json_t *arr = json_array(), *e;
	const char *k;

	if (!keys || !arr)
		goto out_free;
	json_object_foreach(v->map, k, e)
		keys[i++] = k;
	qsort(keys, n, sizeof(*keys), fleet_view_key_cmp);
	for (i = 0; i < n; i++)
		if (json_array_append(arr, json_object_get(v->map, keys[i])))
			goto out_free;
	free(keys);
	return arr;
out_free:
	free(keys);
	json_decref(arr);
	return NULL;
}
