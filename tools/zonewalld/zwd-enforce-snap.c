// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The snapshot monitor and enforce compile (host_snap_build(), as `zonewall
 * apply` builds it), the host-side veths found without the runtime
 * mapper's help, the bridges to guard, and the workloads no policy knows.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/bridge-learning.h"
#include "zonewall/fleet.h"
#include "zonewall/host.h"
#include "zonewall/link.h"
#include "zwd-enforce.h"

/* Remember @key's port (@veth "" for a miss: the network is set up before
 * the start event, so asking again would not help; a container on another
 * namespace's bridge stays unknown). */
static const struct zwd_port *zwd_port_add(struct zwd_enforce *e, const char *key,
					   const char *veth, const char *bridge)
{
	struct zwd_port *p, *nv;

	nv = realloc(e->ports, (e->n_ports + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	e->ports = nv;
	p = &e->ports[e->n_ports++];
	memset(p, 0, sizeof(*p));
	snprintf(p->key, sizeof(p->key), "%s", key);
	p->used = true;
	if (!veth[0]) {
		e->ports_missing++;
		return NULL;
	}
	snprintf(p->veth, sizeof(p->veth), "%s", veth);
	snprintf(p->bridge, sizeof(p->bridge), "%s", bridge);
	e->ports_found++;
	return p;
}

/*
 * What the runtime mapper left unknown when it inspected the container is
 * asked again once, at its first snapshot, the same way (netns-id.h: namespace
 * id and MAC, which need no access to the container's process), and
 * remembered per container process: without the veth a container's port
 * is not bound and anti-spoofing does not cover it.
 */
static const struct zwd_port *zwd_port_find(struct zwd_enforce *e, const struct id_workload *iw,
					    const struct id_net *n)
{
	char key[sizeof(e->ports->key)], veth[IF_NAMESIZE], bridge[IF_NAMESIZE];

	snprintf(key, sizeof(key), "%s %d %s", iw->id, iw->pid, n->name);
	for (size_t i = 0; i < e->n_ports; i++)
		if (!strcmp(e->ports[i].key, key)) {
			e->ports[i].used = true;
			return e->ports[i].veth[0] ? &e->ports[i] : NULL;
		}
	nsid_port_resolve(iw->pid, n->mac, n->gateway, iw->n_nets, &e->port_links, veth,
			  sizeof(veth), bridge, sizeof(bridge));
	return zwd_port_add(e, key, veth, bridge);
}

/* After a snapshot: forget the containers that are gone, and the dump. */
static void zwd_ports_sweep(struct zwd_enforce *e)
{
	size_t j = 0;

	for (size_t i = 0; i < e->n_ports; i++)
		if (e->ports[i].used) {
			e->ports[i].used = false;
			e->ports[j++] = e->ports[i];
		}
	e->n_ports = j;
	nsid_links_free(&e->port_links);
}

static bool zwd_snap_bridge_wanted(const char *bridge, void *ctx)
{
	struct zwd_enforce *e = ctx;

	return zwd_bridge_wanted(&e->d->cfg, bridge);
}

static int zwd_snap_port_find(const struct id_workload *iw, const struct id_net *n, char *veth,
			      size_t vlen, char *bridge, size_t blen, void *ctx)
{
	const struct zwd_port *p = zwd_port_find(ctx, iw, n);

	if (!p)
		return -ENOENT;
	snprintf(veth, vlen, "%s", p->veth);
	snprintf(bridge, blen, "%s", p->bridge);
	return 0;
}

/* Log what the snapshot left out when that changes, not at every sync. */
static void zwd_snap_report(struct zwd_enforce *e, const struct diags *d)
{
	char line[sizeof(e->snap_problems)] = "";

	if (d->n)
		diags_summary(d, line, sizeof(line));
	if (strcmp(line, e->snap_problems) && line[0])
		zwd_log(LOG_WARNING, "snapshot: left out: %s", line);
	snprintf(e->snap_problems, sizeof(e->snap_problems), "%s", line);
}

void zwd_snap_remote_free(struct zwd_enforce *e)
{
	cmp_snap_free(e->remote);
	json_decref(e->remote_read);
	free(e->remote_problems);
	e->remote = NULL;
	e->remote_read = NULL;
	e->remote_problems = NULL;
}

/* Record @r into @s: taken over from the last read when its value is the
 * same (and it was read whole), else read; noted in @read either way. */
static int zwd_snap_remote_one(struct zwd_enforce *e, struct cmp_snapshot *s, json_t *read,
			       const json_t *r, struct diags *d)
{
	const char *key = json_string_value(json_object_get(r, "key"));
	const char *value = json_string_value(json_object_get(r, "value"));
	const json_t *was = key ? json_object_get(e->remote_read, key) : NULL;
	json_int_t at = json_integer_value(json_array_get(was, 1));
	size_t before = s->n;
	int rc;

	if (!key || !value)
		return 0;
	if (was && at >= 0 && !strcmp(json_string_value(json_array_get(was, 0)), value))
		rc = cmp_snap_take(s, e->remote, (size_t)at);
	else
		rc = fleet_endpoint_add(s, key, value,
					json_string_value(json_object_get(r, "host")), d);
	if (rc == -ENOMEM)
		return rc;
	/* a record left out is read again next time, to be reported again */
	return json_object_set_new(read, key, json_pack("[s, I]", value, rc || s->n == before ?
							 (json_int_t)-1 : (json_int_t)before)) ?
		-ENOMEM : 0;
}

int zwd_snap_remote_set(struct zwd_enforce *e, const json_t *list)
{
	struct cmp_snapshot *s = cmp_snap_new();
	struct diags *d = calloc(1, sizeof(*d));
	json_t *read = json_object();
	const json_t *r;
	size_t i;
	int rc = s && d && read ? 0 : -ENOMEM;

	json_array_foreach(list, i, r)
		if (!rc)
			rc = zwd_snap_remote_one(e, s, read, r, d);
	if (rc) {	/* what was taken over is lost with the rest: read all again */
		cmp_snap_free(s);
		free(d);
		json_decref(read);
		zwd_snap_remote_free(e);
		return rc;
	}
	zwd_snap_remote_free(e);
	e->remote = s;
	e->remote_read = read;
	if (d->n)
		e->remote_problems = d;
	else
		free(d);
	return 0;
}

/* The fleet's other hosts' endpoints into @s (the records that could not
 * be compiled were left out when they were read, and are reported again). */
static int zwd_snap_add_remote(struct zwd_enforce *e, struct cmp_snapshot *s, struct diags *d)
{
	for (size_t i = 0; e->remote && i < e->remote->n; i++)
		if (e->remote->w[i] && cmp_snap_add_copy(s, e->remote->w[i])) {
			cmp_snap_free(s);
			return -ENOMEM;
		}
	if (e->remote_problems)
		diags_nest(d, e->remote_problems, "");
	return 0;
}

/* The snapshot now (host_snap_build(), as `zonewall apply` builds it);
 * NULL with errno and @d holding every problem (what was left out too). */
struct cmp_snapshot *zwd_snap_build(struct zwd_enforce *e, struct diags *d)
{
	struct rt_source sources[2];
	struct host_src src = {
		.sources = sources,
		.bridges = (const char *const *)e->bridges, .n_bridges = e->n_bridges,
		.bridge_wanted = zwd_snap_bridge_wanted, .port_find = zwd_snap_port_find,
		.ctx = e,
	};
	struct cmp_snapshot *s = NULL;
	int rc;

	/* the inventory's endpoints first, as `zonewall apply` orders them */
	src.n_sources += zwd_rt_inventory(e->rt, &sources[src.n_sources]);
	src.n_sources += zwd_rt_runtime(e->rt, &sources[src.n_sources]);
	/* address entries' ports are found behind the bridges' veths */
	if (host_src_has_entries(&src) && !e->port_links.valid &&
	    link_list_dump(&e->port_links.l) == 0)
		e->port_links.valid = true;
	if (e->port_links.valid)
		src.links = &e->port_links.l;
	rc = host_snap_build(&src, &s, d);
	zwd_ports_sweep(e);
	if (!rc)
		rc = zwd_snap_add_remote(e, s, d);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	zwd_snap_report(e, d);
	return s;
}

void zwd_bridges_drop(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Re-read the bridges; *@changed (optional) says whether the list differs. */
int zwd_bridges_read(struct zwd_enforce *e, bool *changed)
{
	struct link_list l;
	char **nv;
	size_t n = 0, bad = 0;
	int rc = link_list_dump(&l);

	if (rc)
		return rc;
	nv = calloc(l.n ? l.n : 1, sizeof(*nv));
	for (size_t i = 0; nv && i < l.n; i++)
		if (link_is_bridge(&l.v[i]) && zwd_bridge_wanted(&e->d->cfg, l.v[i].name) &&
		    (nv[n] = strdup(l.v[i].name)))
			n++;
	link_list_free(&l);
	if (!nv)
		return -ENOMEM;
	if (changed) {
		*changed = n != e->n_bridges;
		for (size_t i = 0; !*changed && i < n; i++)
			*changed = strcmp(nv[i], e->bridges[i]) != 0;
	}
	zwd_bridges_drop(e->bridges, e->n_bridges);
	e->bridges = nv;
	e->n_bridges = n;
	if ((!changed || *changed) && (rc = brlearn_linklocal_off(nv, n, &bad)) < 0)
		zwd_log(LOG_WARNING, "bridge %s: cannot turn off learning from link-local frames "
			"(no_linklocal_learn): %s", nv[bad], strerror(-rc));
	return 0;
}

static bool zwd_rule_names(const struct pol_policy *p, const char *identity)
{
	for (size_t i = 0; i < p->n_rules; i++)
		if (!strcmp(p->rules[i].from, identity) || !strcmp(p->rules[i].to, identity))
			return true;
	return false;
}

/* A container no allow rule names and no zone claims (it lands in the
 * default zone) is unsanctioned: reported, and treated as the default zone. */
void zwd_unsanctioned_update(struct zwd_enforce *e)
{
	json_t *now, *o;
	size_t i, j;

	if (!e->snap)
		return;
	now = json_array();
	for (i = 0; now && i < e->snap->n; i++) {
		const struct cmp_workload *w = e->snap->w[i];
		bool known = false;

		if (strncmp(w->origin, "container ", 10) || zwd_rule_names(e->pol, w->identity) ||
		    cmp_zone_index(e->pol, w, NULL) != e->pol->default_zone)
			continue;
		json_array_foreach(now, j, o)
			known = known || !strcmp(json_string_value(json_object_get(o, "origin")),
						 w->origin);
		if (!known)
			json_array_append_new(now, json_pack("{s:s, s:s, s:s}", "identity",
				w->identity, "origin", w->origin, "zone",
				e->pol->zones[e->pol->default_zone].name));
	}
	if (!now)
		return;
	json_array_foreach(now, i, o) {
		bool seen = false;

		for (j = 0; e->unsanctioned && j < json_array_size(e->unsanctioned); j++)
			seen = seen || json_equal(json_array_get(e->unsanctioned, j), o);
		if (seen)
			continue;
		e->unsanctioned_seen++;
		zwd_log(LOG_WARNING, "unsanctioned workload: %s, identity %s: no policy rule or "
			"zone knows it; it gets the default zone's (%s) treatment",
			json_string_value(json_object_get(o, "origin")),
			json_string_value(json_object_get(o, "identity")),
			json_string_value(json_object_get(o, "zone")));
	}
	json_decref(e->unsanctioned);
	e->unsanctioned = now;
	met_set(met_scalar(e->d->m.unsanctioned), (double)json_array_size(now));
}
