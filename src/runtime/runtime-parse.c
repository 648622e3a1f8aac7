// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Runtime API answers -> records.  Pure: text in, records out, no I/O, so
 * the unit tests replay recorded answers and the fuzzer feeds anything.
 */

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zonewall/runtime.h"
#include "runtime-int.h"

int rt_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static json_t *rt_load(const char *text, size_t len, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);

	if (!root)
		rt_fail(err, errlen, "invalid JSON at line %d column %d: %s",
			jerr.line, jerr.column, jerr.text);
	return root;
}

/* A string member: absent or null gives "" (ok); another type is an error. */
int rt_str(json_t *o, const char *key, const char *path, const char **out,
	   char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	*out = "";
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return rt_fail(err, errlen, "%s%s: expected a string", path, key);
	*out = json_string_value(v);
	return 0;
}

static int rt_int(json_t *o, const char *key, const char *path, long long *out,
		  char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return rt_fail(err, errlen, "%s%s: expected an integer", path, key);
	*out = json_integer_value(v);
	return 0;
}

/* An object member: absent or null gives NULL (ok); another type is an error. */
static int rt_obj(json_t *o, const char *key, const char *path, json_t **out,
		  char *err, size_t errlen)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return rt_fail(err, errlen, "%s%s: expected an object", path, key);
	*out = v;
	return 0;
}

void rt_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

int rt_parse_version(const char *text, size_t len, struct rt_version *v,
		     char *err, size_t errlen)
{
	json_t *root, *comps, *c;
	const struct rt_backend *b;
	const char *api, *ver, *name;
	size_t i;
	int rc;

	memset(v, 0, sizeof(*v));
	root = rt_load(text, len, err, errlen);
	if (!root)
		return -EINVAL;
	rc = -EINVAL;
	if (!json_is_object(root)) {
		rt_fail(err, errlen, "/version: expected an object");
		goto out_decref;
	}
	if (rt_str(root, "ApiVersion", "/version: ", &api, err, errlen) ||
	    rt_str(root, "Version", "/version: ", &ver, err, errlen))
		goto out_decref;
	if (sscanf(api, "%u.%u", &v->major, &v->minor) != 2) {
		rt_fail(err, errlen, "/version: ApiVersion '%.32s' is not MAJOR.MINOR", api);
		goto out_decref;
	}
	rt_copy(v->version, sizeof(v->version), ver);
	comps = json_object_get(root, "Components");
	json_array_foreach(comps, i, c) {
		if (json_is_object(c) && !rt_str(c, "Name", "", &name, err, errlen) &&
		    (b = rt_backend_of_component(name)))
			v->engine = b;
	}
	v->podman = v->engine == &rt_backend_podman;
	rc = 0;
out_decref:
	json_decref(root);
	return rc;
}

void rt_ids_free(char **ids, size_t n)
{
	size_t i;

	if (!ids)
		return;
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

int rt_parse_list(const char *text, size_t len, char ***ids, size_t *n,
		  char *err, size_t errlen)
{
	json_t *root, *c, *id;
	size_t i;
	int rc = -EINVAL;

	*ids = NULL;
	*n = 0;
	root = rt_load(text, len, err, errlen);
	if (!root)
		return -EINVAL;
	if (!json_is_array(root)) {
		rt_fail(err, errlen, "/containers/json: expected an array");
		goto out_decref;
	}
	*ids = calloc(json_array_size(root) + 1, sizeof(**ids));
	if (!*ids) {
		rc = -ENOMEM;
		goto out_decref;
	}
	json_array_foreach(root, i, c) {
		id = json_object_get(c, "Id");
		if (!json_is_string(id) || !*json_string_value(id)) {
			rt_fail(err, errlen, "/containers/json[%zu].Id: expected a non-empty string", i);
			goto out_free;
		}
		(*ids)[*n] = strdup(json_string_value(id));
		if (!(*ids)[*n]) {
			rc = -ENOMEM;
			goto out_free;
		}
		(*n)++;
	}
	rc = 0;
	goto out_decref;
out_free:
	rt_ids_free(*ids, *n);
	*ids = NULL;
	*n = 0;
out_decref:
	json_decref(root);
	return rc;
}

/* RFC 3339 with optional fraction and Z or +hh:mm -> ns; 0 for Go's zero time. */
int64_t rt_parse_time(const char *s)
{
	struct tm tm;
	const char *p;
	int64_t ns = 0, scale = 100000000;
	int oh = 0, om = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p || tm.tm_year < 70)
		return 0;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			ns += (*p - '0') * scale;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2)
		oh = (*p == '-' ? -1 : 1) * (oh * 3600 + om * 60);
	t = timegm(&tm);
	if (t < 0 || t > 9000000000LL)	/* past 2255: beyond int64 ns, not a start time */
		return 0;
	return ((int64_t)t - oh) * 1000000000LL + ns;
}

static int rt_parse_net(struct id_workload *w, const char *name, json_t *n,
			char *err, size_t errlen)
{
	const char *netid, *ip4, *ip6, *mac, *gw;
	long long p4, p6;
	struct id_net *net;
	struct id_addr a;
	char path[160];

	snprintf(path, sizeof(path), "NetworkSettings.Networks.%.64s.", name);
	if (!json_is_object(n))
		return rt_fail(err, errlen, "NetworkSettings.Networks.%.64s: expected an object", name);
	if (rt_str(n, "NetworkID", path, &netid, err, errlen) ||
	    rt_str(n, "IPAddress", path, &ip4, err, errlen) ||
	    rt_str(n, "GlobalIPv6Address", path, &ip6, err, errlen) ||
	    rt_str(n, "MacAddress", path, &mac, err, errlen) ||
	    rt_str(n, "Gateway", path, &gw, err, errlen) ||
	    rt_int(n, "IPPrefixLen", path, &p4, err, errlen) ||
	    rt_int(n, "GlobalIPv6PrefixLen", path, &p6, err, errlen))
		return -EINVAL;
	/* Podman 4.3 reports an internal network's missing gateway as "<nil>". */
	if (!strcmp(gw, "<nil>"))
		gw = "";
	if (*ip4 && (id_addr_parse(ip4, &a) || a.family != AF_INET))
		return rt_fail(err, errlen, "%sIPAddress: '%.46s' is not an IPv4 address", path, ip4);
	if (*ip6 && (id_addr_parse(ip6, &a) || a.family != AF_INET6))
		return rt_fail(err, errlen, "%sGlobalIPv6Address: '%.46s' is not an IPv6 address",
			       path, ip6);
	if (*gw && id_addr_parse(gw, &a))
		return rt_fail(err, errlen, "%sGateway: '%.46s' is not an address", path, gw);
	if (p4 < 0 || p4 > 32 || p6 < 0 || p6 > 128)
		return rt_fail(err, errlen, "%sprefix length out of range", path);
	net = id_workload_add_net(w, name);
	if (!net || id_workload_set(&net->net_id, netid))
		return -ENOMEM;
	rt_copy(net->ipv4, sizeof(net->ipv4), ip4);
	rt_copy(net->ipv6, sizeof(net->ipv6), ip6);
	rt_copy(net->gateway, sizeof(net->gateway), gw);
	rt_copy(net->mac, sizeof(net->mac), mac);
	net->ipv4_prefix = (unsigned int)p4;
	net->ipv6_prefix = (unsigned int)p6;
	return 0;
}

static int rt_parse_inspect_obj(struct id_workload *w, json_t *root, char *err, size_t errlen)
{
	const char *id, *name, *image, *status, *started, *key;
	json_t *state, *cfg, *labels, *ns, *nets, *v;
	long long pid;
	int rc;

	if (!json_is_object(root))
		return rt_fail(err, errlen, "inspect: expected an object");
	if (rt_str(root, "Id", "", &id, err, errlen) || rt_str(root, "Name", "", &name, err, errlen) ||
	    rt_obj(root, "State", "", &state, err, errlen) ||
	    rt_obj(root, "Config", "", &cfg, err, errlen) ||
	    rt_obj(root, "NetworkSettings", "", &ns, err, errlen) ||
	    rt_str(state, "Status", "State.", &status, err, errlen) ||
	    rt_str(state, "StartedAt", "State.", &started, err, errlen) ||
	    rt_int(state, "Pid", "State.", &pid, err, errlen) ||
	    rt_str(cfg, "Image", "Config.", &image, err, errlen) ||
	    rt_obj(cfg, "Labels", "Config.", &labels, err, errlen) ||
	    rt_obj(ns, "Networks", "NetworkSettings.", &nets, err, errlen))
		return -EINVAL;
	if (!*id)
		return rt_fail(err, errlen, "Id: expected a non-empty string");
	if (*name == '/')
		name++;
	rc = id_workload_set(&w->id, id) ?: id_workload_set(&w->name, name) ?:
	     id_workload_set(&w->image, image) ?: id_workload_set(&w->state, status);
	if (rc)
		return rc;
	w->pid = pid > 0 && pid < (1LL << 31) ? (int)pid : 0;
	w->started_ns = rt_parse_time(started);
	json_object_foreach(labels, key, v) {
		if (!json_is_string(v))
			return rt_fail(err, errlen, "Config.Labels.%.64s: expected a string", key);
		rc = id_workload_add_label(w, key, json_string_value(v));
		if (rc)
			return rc;
	}
	json_object_foreach(nets, key, v) {
		rc = rt_parse_net(w, key, v, err, errlen);
		if (rc)
			return rc;
	}
	id_workload_sort(w);
	return 0;
}

struct id_workload *rt_parse_inspect(const char *text, size_t len, const char *runtime,
				     char *err, size_t errlen)
{
	const struct rt_backend *be;
	struct id_workload *w;
	json_t *root;
	int rc;

	root = rt_load(text, len, err, errlen);
	if (!root) {
		errno = EINVAL;
		return NULL;
	}
	w = id_workload_new();
	rc = w ? rt_parse_inspect_obj(w, root, err, errlen) : -ENOMEM;
	if (!rc)
		rc = id_workload_set(&w->runtime, runtime);
	be = runtime ? rt_backend_find(runtime) : NULL;
	if (!rc && be && be->inspect_extra)
		rc = be->inspect_extra(w, root, err, errlen);
	json_decref(root);
	if (rc) {
		if (rc == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		id_workload_put(w);
		errno = -rc;
		return NULL;
	}
	return w;
}

enum rt_event_kind rt_event_classify(const char *type, const char *action)
{
	static const char *const update[] = {
		/* not kill (a die follows if it kills) nor init (a start follows):
		 * inspecting then only waits for the engine's container lock */
		"start", "stop", "die", "pause", "unpause", "rename",
		"update", "create", "cleanup", NULL,
	};
	const char *const *a;

	if (!strcmp(type, "network"))
		return !strcmp(action, "connect") || !strcmp(action, "disconnect") ?
			RT_EV_UPDATE : RT_EV_IGNORE;
	if (strcmp(type, "container"))
		return RT_EV_IGNORE;
	if (!strcmp(action, "destroy") || !strcmp(action, "remove"))
		return RT_EV_REMOVE;
	/* Podman sends restart first and holds the container's lock through
	 * the stop and start, so an inspect would wait for all of it */
	if (!strcmp(action, "restart"))
		return RT_EV_SEEN;
	for (a = update; *a; a++)
		if (!strcmp(action, *a))
			return RT_EV_UPDATE;
	return RT_EV_IGNORE;	/* exec_*, attach, health_status, ... */
}

/* An event line's object, with @ev cleared; NULL (@err set) if not one. */
json_t *rt_load_event(const char *text, size_t len, struct rt_event *ev,
		      char *err, size_t errlen)
{
	json_t *root;

	memset(ev, 0, sizeof(*ev));
	root = rt_load(text, len, err, errlen);
	if (root && !json_is_object(root)) {
		rt_fail(err, errlen, "event: expected an object");
		json_decref(root);
		return NULL;
	}
	return root;
}

int rt_parse_event(const char *text, size_t len, struct rt_event *ev,
		   char *err, size_t errlen)
{
	const char *type, *action, *aid, *cid, *name;
	json_t *root, *actor, *attrs;
	long long tn, ts;
	int rc = -EINVAL;

	root = rt_load_event(text, len, ev, err, errlen);
	if (!root)
		return -EINVAL;
	if (rt_str(root, "Type", "event.", &type, err, errlen) ||
	    rt_str(root, "Action", "event.", &action, err, errlen) ||
	    rt_obj(root, "Actor", "event.", &actor, err, errlen) ||
	    rt_str(actor, "ID", "event.Actor.", &aid, err, errlen) ||
	    rt_obj(actor, "Attributes", "event.Actor.", &attrs, err, errlen) ||
	    rt_str(attrs, "container", "event.Actor.Attributes.", &cid, err, errlen) ||
	    rt_str(attrs, "name", "event.Actor.Attributes.", &name, err, errlen) ||
	    rt_int(root, "timeNano", "event.", &tn, err, errlen) ||
	    rt_int(root, "time", "event.", &ts, err, errlen))
		goto out_decref;
	rt_copy(ev->type, sizeof(ev->type), type);
	rt_copy(ev->action, sizeof(ev->action), action);
	ev->kind = rt_event_classify(type, action);
	/* Docker: a network event's actor is the network, the container is an
	 * attribute; Podman: the actor is the container. */
	if (!strcmp(type, "network") && *cid)
		rt_copy(ev->id, sizeof(ev->id), cid);
	else
		rt_copy(ev->id, sizeof(ev->id), aid);
	if (strcmp(type, "network") || !*cid)	/* docker's "name" is the network's */
		rt_copy(ev->name, sizeof(ev->name), name);
	ev->time_ns = tn > 0 ? tn : ts > 0 && ts < (1LL << 33) ? ts * 1000000000LL : 0;
	if (ev->kind != RT_EV_IGNORE && !ev->id[0]) {
		rt_fail(err, errlen, "event %.16s/%.32s: no container id", type, action);
		goto out_decref;
	}
	rc = 0;
out_decref:
	json_decref(root);
	return rc;
}

void rt_linebuf_init(struct rt_linebuf *lb, size_t max)
{
	memset(lb, 0, sizeof(*lb));
	lb->max = max ? max : RT_LINE_MAX;
}

void rt_linebuf_reset(struct rt_linebuf *lb)
{
	lb->len = 0;
	lb->discarding = false;
}

void rt_linebuf_free(struct rt_linebuf *lb)
{
	if (!lb)
		return;
	free(lb->buf);
	lb->buf = NULL;
	lb->len = lb->cap = 0;
}

static int rt_linebuf_append(struct rt_linebuf *lb, const char *data, size_t n)
{
	size_t cap;
	char *b;

	if (lb->discarding)
		return 0;
	if (lb->len + n > lb->max) {	/* too long: drop it up to its newline */
		lb->discarding = true;
		lb->dropped++;
		lb->len = 0;
		return 0;
	}
	if (lb->len + n + 1 > lb->cap) {
		cap = lb->cap ? lb->cap : 4096;
		while (cap < lb->len + n + 1)
			cap *= 2;
		b = realloc(lb->buf, cap);
		if (!b) {
			lb->len = 0;
			lb->discarding = true;
			return -ENOMEM;
		}
		lb->buf = b;
		lb->cap = cap;
	}
	memcpy(lb->buf + lb->len, data, n);
	lb->len += n;
	return 0;
}

int rt_linebuf_feed(struct rt_linebuf *lb, const char *data, size_t n, rt_line_fn fn, void *ctx)
{
	const char *nl;
	size_t chunk;
	int rc = 0;

	while (n > 0) {
		nl = memchr(data, '\n', n);
		chunk = nl ? (size_t)(nl - data) : n;
		if (rt_linebuf_append(lb, data, chunk))
			rc = -ENOMEM;
		if (!nl)
			break;
		if (!lb->discarding && lb->len > 0) {
			lb->buf[lb->len] = '\0';
			fn(ctx, lb->buf, lb->len);
		}
		lb->len = 0;
		lb->discarding = false;
		data += chunk + 1;
		n -= chunk + 1;
	}
	return rc;
}
