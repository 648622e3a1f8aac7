/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_HOST_H
#define ZONEWALL_HOST_H

/*
 * This host as the compiler sees it: the one place where the sources of
 * truth (the static inventory, the runtime's containers, the kernel's
 * bridges and ports) become a struct cmp_snapshot.  `zonewall compile`,
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
#include "zonewall/inventory.h"
#include "zonewall/link.h"

/* Where the snapshot comes from.  Everything is borrowed. */
struct host_src {
	const struct inv *inv;			/* the static inventory, or NULL */
	/* the runtime's containers: @at(@set, i) for i = 0.. until NULL;
	 * those not running or without an identity have no endpoint */
	const struct id_workload *(*at)(const void *set, size_t i);
	const void *set;
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
	/* this namespace's links, to find the ports of inventory entries whose
	 * addresses live behind a veth on a guarded bridge (NULL: not looked for) */
	const struct link_list *links;
};

/**
 * host_snap_build() - the snapshot of @src: inventory entries, one
 * endpoint per network attachment of each running container, the bridges
 * (those the containers are attached to, then @src->bridges), and the
 * ports of inventory entries found over rtnetlink in the namespaces
 * behind the guarded bridges' veths.
 * @out: receives the snapshot (cmp_snap_free()).
 * @d: receives every problem, the endpoint or bridge as its place.
 * Return: 0 (entries in @d are what was left out), or -errno with nothing
 * built and the cause the last entry of @d (-EINVAL: an inventory entry or
 * a bridge that cannot be compiled; -ENOMEM).
 */
int host_snap_build(const struct host_src *src, struct cmp_snapshot **out, struct diags *d);

/** host_index_at() - an id_index as a host_src set (id_index_at()). */
const struct id_workload *host_index_at(const void *idx, size_t i);

/* An array of workloads as a host_src set (host_array_at()). */
struct host_array {
	struct id_workload *const *v;
	size_t n;
};

/** host_array_at() - the @i-th workload of a struct host_array, NULL past the end. */
const struct id_workload *host_array_at(const void *a, size_t i);

#endif
