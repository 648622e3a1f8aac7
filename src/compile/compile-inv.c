// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An address entry (an inventory's) as a compiler endpoint (see
 * compile.h): one endpoint, its CIDRs with the "except" lists carved out
 * (inv_entry_pieces()).  Pure.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "zonewall/compile.h"
#include "zonewall/inventory.h"

int cmp_snap_add_entry(struct cmp_snapshot *s, const struct inv_entry *e, const char *origin,
		       struct diags *d)
{
	char text[INET6_ADDRSTRLEN + 8], a[INET6_ADDRSTRLEN];
	struct cmp_workload *w;
	struct inv_piece *v;
	size_t n;
	int rc;

	rc = inv_entry_pieces(e, &v, &n);
	if (rc) {
		diag_add(d, origin, "%s", rc == -E2BIG ?
			 "its \"except\" list carves its CIDRs into too many pieces" :
			 strerror(-rc));
		return rc;
	}
	w = cmp_snap_add(s, e->name, e->zone, origin);
	rc = w ? 0 : -errno;
	for (size_t j = 0; !rc && j < n; j++) {
		id_addr_format(&v[j].p.addr, a, sizeof(a));
		snprintf(text, sizeof(text), "%s/%u", a, v[j].p.len);
		rc = cmp_workload_add_piece(w, text, v[j].rank);
	}
	if (rc)
		diag_add(d, origin, "%s", strerror(-rc));
	free(v);
	return rc;
}
