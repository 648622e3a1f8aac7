// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * host_snap_build(): the one snapshot the CLI and zonewalld both compile.
 * Pure cases (no links given, so no rtnetlink): which containers become
 * endpoints, what is left out and said, what fails the whole snapshot.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "tap.h"
#include "zonewall/host.h"

static struct id_workload *wl(const char *name, const char *state, const char *ip,
			      const char *bridge, const char *veth)
{
	struct id_workload *w = id_workload_new();
	struct id_net *n;

	id_workload_set(&w->id, "0123456789abcdef");
	id_workload_set(&w->name, name);
	id_workload_set(&w->state, state);
	id_workload_set(&w->identity, name);
	w->zone_source = "default";
	n = id_workload_add_net(w, "net1");
	snprintf(n->ipv4, sizeof(n->ipv4), "%s", ip);
	snprintf(n->bridge, sizeof(n->bridge), "%s", bridge);
	snprintf(n->veth, sizeof(n->veth), "%s", veth);
	snprintf(n->mac, sizeof(n->mac), "02:00:00:00:00:01");
	return w;
}

static bool only_br0(const char *bridge, void *ctx)
{
	return !strcmp(bridge, "br0");
}

static int build(struct id_workload **v, size_t n, const char *const *bridges, size_t nb,
		 bool (*wanted)(const char *, void *), struct cmp_snapshot **s, struct diags *d)
{
	struct rt_workloads a = { .v = v, .n = n };
	struct rt_source containers = rt_source_workloads(&a);
	struct host_src src = {
		.sources = &containers, .n_sources = 1, .bridges = bridges, .n_bridges = nb,
		.bridge_wanted = wanted,
	};

	diags_init(d);
	*s = NULL;
	return host_snap_build(&src, s, d);
}

int main(void)
{
	struct id_workload *v[4];
	struct cmp_snapshot *s;
	struct diags d;
	int rc;

	v[0] = wl("web", "running", "10.0.0.2", "br0", "vethweb");
	v[1] = wl("old", "exited", "10.0.0.3", "br0", "vethold");
	v[2] = wl("bad", "running", "10.0.0.300", "br0", "vethbad");
	v[3] = wl("other", "running", "10.9.0.2", "br9", "vethoth");

	rc = build(v, 4, NULL, 0, only_br0, &s, &d);
	tap_ok(rc == 0 && s, "a snapshot is built despite one bad address");
	tap_ok(s && s->n == 2, "running containers on the bridges given: web and bad (%zu)",
	       s ? s->n : 0);
	tap_ok(s && s->n == 2 && !strcmp(s->w[0]->identity, "web") && s->w[0]->n_addrs == 1 &&
	       !strcmp(s->w[0]->port, "vethweb") && s->w[0]->has_mac,
	       "web has its address, port and MAC");
	tap_ok(s && s->n == 2 && s->w[1]->n_addrs == 0, "bad's address is left out (default zone)");
	tap_ok(d.n == 1 && strstr(d.v[0].where, "container bad") &&
	       strstr(d.v[0].msg, "10.0.0.300") && strstr(d.v[0].msg, "left out"),
	       "and that is said, with its place: %s: %s", d.n ? d.v[0].where : "",
	       d.n ? d.v[0].msg : "");
	tap_ok(s && s->n_bridges == 1 && !strcmp(s->bridges[0], "br0"),
	       "only the wanted bridge is guarded");
	cmp_snap_free(s);

	rc = build(v, 4, NULL, 0, NULL, &s, &d);
	tap_ok(rc == 0 && s && s->n == 3 && s->n_bridges == 2,
	       "without a bridge filter every running container and its bridge count");
	cmp_snap_free(s);

	{
		const char *const br[] = { "br0", "br7" };

		rc = build(v, 1, br, 2, NULL, &s, &d);
		tap_ok(rc == 0 && s && s->n_bridges == 2 && !strcmp(s->bridges[1], "br7"),
		       "bridges given are guarded even with no container on them");
		cmp_snap_free(s);
	}
	{
		const char *const br[] = { "br/x" };

		rc = build(v, 1, br, 1, NULL, &s, &d);
		tap_ok(rc == -EINVAL && !s, "a bridge that cannot be named fails the snapshot");
		tap_ok(d.n == 1 && strstr(d.v[0].msg, "cannot be guarded"),
		       "naming why: %s", d.n ? d.v[0].msg : "");
	}
	{
		snprintf(v[0]->nets[0].veth, sizeof(v[0]->nets[0].veth), "bad/veth");
		rc = build(v, 1, NULL, 0, NULL, &s, &d);
		tap_ok(rc == 0 && s && s->n == 1 && !s->w[0]->port[0],
		       "a port that cannot be named is not bound");
		tap_ok(d.n == 1 && strstr(d.v[0].msg, "not bound"), "and that is said: %s",
		       d.n ? d.v[0].msg : "");
		cmp_snap_free(s);
	}
	rc = build(v, 0, NULL, 0, NULL, &s, &d);
	tap_ok(rc == 0 && s && s->n == 0 && d.n == 0, "nothing in, an empty snapshot out");
	cmp_snap_free(s);
	for (size_t i = 0; i < 4; i++)
		id_workload_put(v[i]);
	return tap_done();
}
