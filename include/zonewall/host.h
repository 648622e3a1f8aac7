/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_HOST_H
#define ZONEWALL_HOST_H

/*
 * This host as the compiler sees it: the one place where the sources of
 * endpoints (rt-source.h: the static inventory, the runtime's containers)
 * and the kernel's bridges and ports become a struct cmp_snapshot.  `zonewall compile`,
 * `apply`, `denied` and zonewalld all build their snapshot here, so an
 * endpoint is the same endpoint whichever program judges it.
 *
 * Problems that leave something out (a container address the compiler
 * cannot take, a port that cannot be bound) are recorded in a diag list,
 * one per problem with the endpoint's origin as its place, and the
 * snapshot is still built: one odd answer from the runtime must not stop
 * every other container from being guarded.  What would leave traffic
 * unguarded (a bridge that cannot be named in the ruleset) fails the
 * whole snapshot instead.  No printing, no logging: the caller does that.
 */

#include <stdbool.h>
#include <stddef.h>

#include "zonewall/compile.h"
#include "zonewall/diag.h"
#include "zonewall/identity.h"
#include "zonewall/link.h"
#include "zonewall/rt-source.h"

/* Where the snapshot comes from.  Everything is borrowed. */
struct host_src {
	/* the sources of endpoints, their records in this order: a workload
	 * not running or without an identity has no endpoint; each network
	 * attachment of the others is one; an address entry is one */
	const struct rt_source *sources;
	size_t n_sources;
	/* the bridges to guard, in order (after those the containers name) */
	const char *const *bridges;
	size_t n_bridges;
	/* whether an attachment to @bridge is ours (NULL: every bridge): an
	 * attachment to another bridge is left out entirely, so zonewall never
	 * filters traffic on container networks it was not given */
	bool (*bridge_wanted)(const char *bridge, void *ctx);
	/* the host-side port and bridge of an attachment the runtime left
	 * without one (NULL: none is looked for); 0 or -errno */
	int (*port_find)(const struct id_workload *iw, const struct id_net *n, char *veth,
			 size_t vlen, char *bridge, size_t blen, void *ctx);
	void *ctx;
	/* this namespace's links, to find the ports of address entries whose
	 * addresses live behind a veth on a guarded bridge (NULL: not looked for) */
	const struct link_list *links;
};

/**
 * host_snap_build() - the snapshot of @src: each source's records in
 * order (an address entry's endpoint; one endpoint per network attachment
 * of each running container), the bridges (those the containers are
 * attached to, then @src->bridges), and the ports of address entries
 * found over rtnetlink in the namespaces behind the guarded bridges' veths.
 * @out: receives the snapshot (cmp_snap_free()).
 * @d: receives every problem, the endpoint or bridge as its place.
 * Return: 0 (entries in @d are what was left out), or -errno with nothing
 * built and the cause the last entry of @d (-EINVAL: an address entry,
 * placed under its source's name, or a bridge that cannot be compiled;
 * -ENOMEM).
 */
int host_snap_build(const struct host_src *src, struct cmp_snapshot **out, struct diags *d);

/**
 * host_src_has_entries() - whether a source of @src has an address entry:
 * whether @src->links would be used.
 */
bool host_src_has_entries(const struct host_src *src);

#endif
