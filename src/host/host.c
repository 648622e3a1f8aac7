// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * This host as the compiler sees it (see host.h): the sources' records
 * (containers' attachments, address entries), bridges, and the ports
 * behind which address entries live.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>

#include "zonewall/host.h"
#include "zonewall/netns-id.h"
#include "zonewall/ruleset.h"

/* The attachment's port and bridge: the runtime's answer, else port_find's. */
static void host_find_port(const struct host_src *src, const struct id_workload *iw,
			   const struct id_net *n, char *veth, char *bridge)
{
	snprintf(veth, IF_NAMESIZE, "%s", n->veth);
	snprintf(bridge, IF_NAMESIZE, "%s", n->bridge);
	if (veth[0] || !n->mac[0] || !src->port_find || iw->pid <= 0)
		return;
	if (src->port_find(iw, n, veth, IF_NAMESIZE, bridge, IF_NAMESIZE, src->ctx) < 0)
		veth[0] = '\0';
	if (n->bridge[0])
		snprintf(bridge, IF_NAMESIZE, "%s", n->bridge);
}

static int host_add_bridge(struct cmp_snapshot *s, const char *where, const char *bridge,
			   struct diags *d)
{
	char q[RS_QUOTED_MAX];
	int rc = cmp_snap_add_bridge(s, bridge);

	/* a bridge left out would be waved through as not container traffic */
	if (rc < 0)
		diag_add(d, where, "bridge %s: %s", rs_quote(bridge, q, sizeof(q)),
			 rc == -EINVAL ? "not an interface name, cannot be guarded" :
			 strerror(-rc));
	return rc;
}

/* One endpoint for attachment @n of @iw, unless its bridge is not ours. */
static int host_add_attachment(struct cmp_snapshot *s, const struct host_src *src,
			       const struct id_workload *iw, const struct id_net *n,
			       const char *origin, struct diags *d)
{
	bool explicit_zone = iw->zone_source && strcmp(iw->zone_source, "default");
	char veth[IF_NAMESIZE], bridge[IF_NAMESIZE], q[RS_QUOTED_MAX], qm[RS_QUOTED_MAX];
	struct cmp_workload *w;

	host_find_port(src, iw, n, veth, bridge);
	if (src->bridge_wanted && !src->bridge_wanted(bridge, src->ctx))
		return 0;
	w = cmp_snap_add(s, iw->identity, explicit_zone ? iw->zone : NULL, origin);
	if (!w)
		return -errno;
	for (size_t k = 0; k < iw->n_labels; k++)
		if (cmp_workload_add_label(w, iw->labels[k].key, iw->labels[k].value) < 0)
			return -ENOMEM;
	for (size_t k = 0; k < iw->n_nets; k++)
		if (cmp_workload_add_network(w, iw->nets[k].name) < 0)
			return -ENOMEM;
	/* an address the compiler cannot take is left out: that endpoint
	 * falls to the default zone (closed), and the operator is told */
	if (n->ipv4[0] && cmp_workload_add_addr(w, n->ipv4) < 0)
		diag_add(d, origin, "network %s: address %s left out: not an address",
			 n->name, n->ipv4);
	if (n->ipv6[0] && cmp_workload_add_addr(w, n->ipv6) < 0)
		diag_add(d, origin, "network %s: address %s left out: not an address",
			 n->name, n->ipv6);
	if (veth[0] && n->mac[0] && cmp_workload_set_port(w, veth, n->mac) < 0)
		diag_add(d, origin, "port %s or MAC %s unusable: not bound",
			 rs_quote(veth, q, sizeof(q)), rs_quote(n->mac, qm, sizeof(qm)));
	return bridge[0] ? host_add_bridge(s, origin, bridge, d) : 0;
}

/* One endpoint per network attachment: each has its own port and MAC. */
static int host_add_container(struct cmp_snapshot *s, const struct host_src *src,
			      const struct id_workload *iw, const char *origin, struct diags *d)
{
	int rc = 0;

	if (!iw->state || strcmp(iw->state, "running") || !iw->identity)
		return 0;
	for (size_t j = 0; !rc && j < iw->n_nets; j++)
		rc = host_add_attachment(s, src, iw, &iw->nets[j], origin, d);
	return rc;
}

static bool host_is_guarded(const struct cmp_snapshot *s, const char *bridge)
{
	for (size_t i = 0; bridge && i < s->n_bridges; i++)
		if (!strcmp(s->bridges[i], bridge))
			return true;
	return false;
}

static bool host_prefix_is(const struct cmp_prefix *p, const struct nsid_prefix *a)
{
	unsigned int alen = a->family == AF_INET ? 4 : 16;

	return p->family == (a->family == AF_INET ? 4 : 6) && p->len == alen * 8 &&
	       !memcmp(p->a, a->a, alen);
}

/* The snapshot's endpoints made from address entries, in order. */
struct host_entries {
	size_t *v;
	size_t n;
};

/* Bind the address entries holding one of @p's addresses to its port. */
static void host_bind_port(struct cmp_snapshot *s, const struct host_entries *ents,
			   const struct nsid_port *p)
{
	size_t n_addrs = p->n_addrs < NSID_PORT_ADDRS ? p->n_addrs : NSID_PORT_ADDRS;

	for (size_t k = 0; k < n_addrs; k++)
		for (size_t i = 0; i < ents->n; i++) {
			struct cmp_workload *w = s->w[ents->v[i]];

			if (w->port[0])
				continue;
			for (size_t j = 0; j < w->n_addrs; j++)
				if (host_prefix_is(&w->addrs[j], &p->addrs[k]))
					cmp_workload_set_port(w, p->veth, p->mac);
		}
}

/*
 * An address entry is an address, not a container: its port is found by
 * asking each namespace behind a guarded bridge's veth for its addresses
 * (nsid_ports_read(): a handful of requests per namespace).  Best effort:
 * an entry left unbound is still judged by address, only not guarded
 * against spoofing.
 */
static void host_bind_entries(struct cmp_snapshot *s, const struct host_entries *ents,
			      const struct link_list *l)
{
	struct nsid_port ports[NSID_PORTS_MAX];
	int seen[64];
	size_t n_seen = 0;

	for (size_t i = 0; l && i < l->n && ents->n; i++) {
		const struct link_info *li = &l->v[i];
		size_t n = 0, k;

		const struct link_info *br = link_list_find(l, li->master);

		if (!link_is_veth(li) || li->peer_netnsid < 0 || !br ||
		    !host_is_guarded(s, br->name))
			continue;
		for (k = 0; k < n_seen && seen[k] != li->peer_netnsid; k++)
			;
		if (k < n_seen)
			continue;
		if (n_seen < sizeof(seen) / sizeof(seen[0]))
			seen[n_seen++] = li->peer_netnsid;
		if (nsid_ports_read(li->peer_netnsid, ports, NSID_PORTS_MAX, &n) < 0)
			continue;
		for (k = 0; k < n; k++)
			if (host_is_guarded(s, ports[k].bridge))
				host_bind_port(s, ents, &ports[k]);
	}
}

/* Address entry @e's endpoint; a problem is named under @src's name. */
static int host_add_entry(struct cmp_snapshot *s, const struct rt_source *src,
			  const struct inv_entry *e, const char *origin,
			  struct host_entries *ents, struct diags *d)
{
	char line[DIAG_LINE_MAX];
	size_t *nv;
	struct diags why;
	int rc;

	diags_init(&why);
	rc = cmp_snap_add_entry(s, e, origin, &why);
	if (rc) {
		diags_summary(&why, line, sizeof(line));
		diag_add(d, rt_source_name(src), "%s", line);
		return rc;
	}
	nv = realloc(ents->v, (ents->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	ents->v = nv;
	ents->v[ents->n++] = s->n - 1;
	return 0;
}

/* Every record of @src: a workload's attachments, an entry's CIDRs. */
static int host_add_source(struct cmp_snapshot *s, const struct host_src *hs,
			   const struct rt_source *src, struct host_entries *ents,
			   struct diags *d)
{
	char origin[RT_ORIGIN_MAX];
	struct rt_record r;
	size_t n = rt_source_count(src);
	int rc = 0;

	for (size_t i = 0; !rc && i < n; i++) {
		rt_source_at(src, i, &r);
		rt_source_origin(src, i, origin, sizeof(origin));
		rc = r.w ? host_add_container(s, hs, r.w, origin, d)
			 : host_add_entry(s, src, r.e, origin, ents, d);
	}
	return rc;
}

bool host_src_has_entries(const struct host_src *src)
{
	struct rt_record r;

	for (size_t k = 0; k < src->n_sources; k++)
		for (size_t i = 0; i < rt_source_count(&src->sources[k]); i++) {
			rt_source_at(&src->sources[k], i, &r);
			if (r.e)
				return true;
		}
	return false;
}

int host_snap_build(const struct host_src *src, struct cmp_snapshot **out, struct diags *d)
{
	struct cmp_snapshot *s = cmp_snap_new();
	struct host_entries ents = { 0 };
	size_t n_diags = d->n + d->dropped;
	int rc = s ? 0 : -ENOMEM;

	for (size_t k = 0; !rc && k < src->n_sources; k++)
		rc = host_add_source(s, src, &src->sources[k], &ents, d);
	for (size_t i = 0; !rc && i < src->n_bridges; i++)
		rc = host_add_bridge(s, "bridges", src->bridges[i], d);
	if (rc) {
		if (d->n + d->dropped == n_diags)
			diag_add(d, "snapshot", "%s", strerror(-rc));
		cmp_snap_free(s);
		free(ents.v);
		return rc;
	}
	host_bind_entries(s, &ents, src->links);
	free(ents.v);
	*out = s;
	return 0;
}
