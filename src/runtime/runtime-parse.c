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

static int rt_vfail(struct diags *d, const char *where, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static int rt_vfail(struct diags *d, const char *where, const char *fmt, va_list ap)
{
	char msg[sizeof(d->v[0].msg)];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	diag_add(d, where, "%s", msg);
	return -EINVAL;
}

int rt_fail(struct diags *d, const char *where, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vfail(d, where, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* rt_fail() at @path@key ("State." "Pid"). */
static int rt_fail_key(struct diags *d, const char *path, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int rt_fail_key(struct diags *d, const char *path, const char *key, const char *fmt, ...)
{
	char where[DIAG_PATH_LEN];
	va_list ap;

	snprintf(where, sizeof(where), "%s%s", path, key);
	va_start(ap, fmt);
	rt_vfail(d, where, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static json_t *rt_load(const char *text, size_t len, struct diags *d)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, 0, &jerr);

	if (!root)
		rt_fail(d, "", "invalid JSON at line %d column %d: %s",
			jerr.line, jerr.column, jerr.text);
	return root;
}

/* A string member: absent or null gives "" (ok); another type is an error. */
int rt_str(json_t *o, const char *key, const char *path, const char **out, struct diags *d)
{
	json_t *v = json_object_get(o, key);

	*out = "";
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return rt_fail_key(d, path, key, "expected a string");
	*out = json_string_value(v);
	return 0;
}

static int rt_int(json_t *o, const char *key, const char *path, long long *out,
		  struct diags *d)
{
	json_t *v = json_object_get(o, key);

	*out = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return rt_fail_key(d, path, key, "expected an integer");
	*out = json_integer_value(v);
	return 0;
}

/* An object member: absent or null gives NULL (ok); another type is an error. */
static int rt_obj(json_t *o, const char *key, const char *path, json_t **out,
		  struct diags *d)
{
	json_t *v = json_object_get(o, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_object(v))
		return rt_fail_key(d, path, key, "expected an object");
	*out = v;
	return 0;
}

void rt_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

int rt_parse_version(const char *text, size_t len, struct rt_version *v, struct diags *d)
{
	json_t *root, *comps, *c;
	const struct rt_backend *b;
	const char *api, *ver, *name;
	size_t i;
	int rc;

	memset(v, 0, sizeof(*v));
	root = rt_load(text, len, d);
	if (!root)
		return -EINVAL;
	rc = -EINVAL;
	if (!json_is_object(root)) {
		rt_fail(d, "/version", "expected an object");
		goto out_decref;
	}
	if (rt_str(root, "ApiVersion", "/version: ", &api, d) ||
	    rt_str(root, "Version", "/version: ", &ver, d))
		goto out_decref;
	if (sscanf(api, "%u.%u", &v->major, &v->minor) != 2) {
		rt_fail(d, "/version", "ApiVersion '%.32s' is not MAJOR.MINOR", api);
		goto out_decref;
	}
	rt_copy(v->version, sizeof(v->version), ver);
	comps = json_object_get(root, "Components");
	json_array_foreach(comps, i, c) {
		if (json_is_object(c) && !rt_str(c, "Name", "", &name, d) &&
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

int rt_parse_list(const char *text, size_t len, char ***ids, size_t *n, struct diags *d)
{
	json_t *root, *c, *id;
	size_t i;
	int rc = -EINVAL;

	*ids = NULL;
	*n = 0;
	root = rt_load(text, len, d);
	if (!root)
		return -EINVAL;
	if (!json_is_array(root)) {
		rt_fail(d, "/containers/json", "expected an array");
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
			char where[DIAG_PATH_LEN];

			diag_path_idx(where, "/containers/json", i);
			rt_fail_key(d, where, ".Id", "expected a non-empty string");
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

static int rt_parse_net(struct id_workload *w, const char *name, json_t *n, struct diags *d)
{
	const char *netid, *ip4, *ip6, *mac, *gw;
	long long p4, p6;
	struct id_net *net;
	struct id_addr a;
	char path[96];

	snprintf(path, sizeof(path), "NetworkSettings.Networks.%.64s", name);
	if (!json_is_object(n))
		return rt_fail(d, path, "expected an object");
	strcat(path, ".");
	if (rt_str(n, "NetworkID", path, &netid, d) || rt_str(n, "IPAddress", path, &ip4, d) ||
	    rt_str(n, "GlobalIPv6Address", path, &ip6, d) ||
	    rt_str(n, "MacAddress", path, &mac, d) || rt_str(n, "Gateway", path, &gw, d) ||
	    rt_int(n, "IPPrefixLen", path, &p4, d) || rt_int(n, "GlobalIPv6PrefixLen", path, &p6, d))
		return -EINVAL;
	/* Podman 4.3 reports an internal network's missing gateway as "<nil>". */
	if (!strcmp(gw, "<nil>"))
		gw = "";
	if (*ip4 && (id_addr_parse(ip4, &a) || a.family != AF_INET))
		return rt_fail_key(d, path, "IPAddress", "'%.46s' is not an IPv4 address", ip4);
	if (*ip6 && (id_addr_parse(ip6, &a) || a.family != AF_INET6))
		return rt_fail_key(d, path, "GlobalIPv6Address", "'%.46s' is not an IPv6 address",
				   ip6);
	if (*gw && id_addr_parse(gw, &a))
		return rt_fail_key(d, path, "Gateway", "'%.46s' is not an address", gw);
	if (p4 < 0 || p4 > 32 || p6 < 0 || p6 > 128)
		return rt_fail(d, "", "%sprefix length out of range", path);
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

static int rt_parse_inspect_obj(struct id_workload *w, json_t *root, struct diags *d)
{
	const char *id, *name, *image, *status, *started, *key;
	json_t *state, *cfg, *labels, *ns, *nets, *v;
	long long pid;
	int rc;

	if (!json_is_object(root))
		return rt_fail(d, "inspect", "expected an object");
	if (rt_str(root, "Id", "", &id, d) || rt_str(root, "Name", "", &name, d) ||
	    rt_obj(root, "State", "", &state, d) || rt_obj(root, "Config", "", &cfg, d) ||
	    rt_obj(root, "NetworkSettings", "", &ns, d) ||
	    rt_str(state, "Status", "State.", &status, d) ||
	    rt_str(state, "StartedAt", "State.", &started, d) ||
	    rt_int(state, "Pid", "State.", &pid, d) || rt_str(cfg, "Image", "Config.", &image, d) ||
	    rt_obj(cfg, "Labels", "Config.", &labels, d) ||
	    rt_obj(ns, "Networks", "NetworkSettings.", &nets, d))
		return -EINVAL;
	if (!*id)
		return rt_fail(d, "Id", "expected a non-empty string");
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
			return rt_fail(d, "", "Config.Labels.%.64s: expected a string", key);
		rc = id_workload_add_label(w, key, json_string_value(v));
		if (rc)
			return rc;
	}
	json_object_foreach(nets, key, v) {
		rc = rt_parse_net(w, key, v, d);
		if (rc)
			return rc;
	}
	id_workload_sort(w);
	return 0;
}

struct id_workload *rt_parse_inspect(const char *text, size_t len, const char *runtime,
				     struct diags *d)
{
	const struct rt_backend *be;
	struct id_workload *w;
	json_t *root;
	int rc;

	root = rt_load(text, len, d);
	if (!root) {
		errno = EINVAL;
		return NULL;
	}
	w = id_workload_new();
	rc = w ? rt_parse_inspect_obj(w, root, d) : -ENOMEM;
	if (!rc)
		rc = id_workload_set(&w->runtime, runtime);
	be = runtime ? rt_backend_find(runtime) : NULL;
	if (!rc && be && be->inspect_extra)
		rc = be->inspect_extra(w, root, d);
	json_decref(root);
	if (rc) {
		if (rc == -ENOMEM)
			rt_fail(d, "", "out of memory");
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

/* An event line's object, with @ev cleared; NULL (@d says why) if not one. */
json_t *rt_load_event(const char *text, size_t len, struct rt_event *ev, struct diags *d)
{
	json_t *root;

	memset(ev, 0, sizeof(*ev));
	root = rt_load(text, len, d);
	if (root && !json_is_object(root)) {
		rt_fail(d, "event", "expected an object");
		json_decref(root);
		return NULL;
	}
	return root;
}

int rt_parse_event(const char *text, size_t len, struct rt_event *ev, struct diags *d)
{
	const char *type, *action, *aid, *cid, *name;
	json_t *root, *actor, *attrs;
	long long tn, ts;
	int rc = -EINVAL;

	root = rt_load_event(text, len, ev, d);
	if (!root)
		return -EINVAL;
	if (rt_str(root, "Type", "event.", &type, d) || rt_str(root, "Action", "event.", &action, d) ||
	    rt_obj(root, "Actor", "event.", &actor, d) ||
	    rt_str(actor, "ID", "event.Actor.", &aid, d) ||
	    rt_obj(actor, "Attributes", "event.Actor.", &attrs, d) ||
	    rt_str(attrs, "container", "event.Actor.Attributes.", &cid, d) ||
	    rt_str(attrs, "name", "event.Actor.Attributes.", &name, d) ||
	    rt_int(root, "timeNano", "event.", &tn, d) || rt_int(root, "time", "event.", &ts, d))
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
		rt_fail(d, "", "event %.16s/%.32s: no container id", type, action);
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
