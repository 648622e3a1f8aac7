/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_FLOW_INT_H
#define ZONEWALL_FLOW_INT_H

/*
 * What the flow table's files share (src/flows/: flow.c counts packets into
 * the table, flow-order.c reads its rows out in order).  Not an interface:
 * nothing outside src/flows/ includes it.
 */

#include "zonewall/flow.h"

#define FLOW_NONE UINT32_MAX

struct flow_entry {
	struct flow_key key;
	uint32_t packets;
	uint64_t first_seen;
	uint64_t last_seen;
	uint32_t newer;		/* towards the most recently seen; FLOW_NONE at the head */
	uint32_t older;		/* towards the least recently seen; FLOW_NONE at the tail */
};

_Static_assert(sizeof(struct flow_key) == 36, "flow_key must stay packed");
_Static_assert(sizeof(struct flow_entry) == 64, "a row must fit one cache line");

struct flow_table {
	struct flow_entry *rows;
	uint64_t *buckets;	/* tag << 32 | (row + 1); 0 = empty */
	uint32_t mask;		/* buckets - 1 */
	uint32_t n, cap, max;
	uint32_t head, tail;	/* most / least recently seen */
	uint64_t seed;
	uint64_t packets, ignored, evictions;
};

static inline void flow_row_fill(struct flow_row *r, const struct flow_entry *e)
{
	r->key = e->key;
	r->packets = e->packets;
	r->first_seen = e->first_seen;
	r->last_seen = e->last_seen;
}

#endif
