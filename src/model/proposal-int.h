/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_PROPOSAL_INT_H
#define ZONEWALL_PROPOSAL_INT_H

/*
 * What the proposal files share (src/model/: proposal.c holds the set and
 * combines evidence, proposal-parse.c reads the file, proposal-write.c
 * writes it).  Not an interface: nothing outside src/model/ includes it.
 */

#include <stdlib.h>

#include "zonewall/proposal.h"

/* An edge's own arrays (its strings belong to the set). */
static inline void edge_clear(struct prop_edge *e)
{
	free(e->days);
	free(e->runs);
}

static inline int32_t day_of(int64_t t)
{
	return (int32_t)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
}

/** prop_edge_hash() - the hash of the edge key @from -> @to, @proto, @port. */
uint64_t prop_edge_hash(const char *from, const char *to, uint8_t proto, uint16_t port);

/**
 * prop_edge_find() - the edge of @s with hash @h and the key @from -> @to,
 * @proto, @port, or NULL.
 */
struct prop_edge *prop_edge_find(const struct prop_set *s, uint64_t h, const char *from,
				 const char *to, uint8_t proto, uint16_t port);

/**
 * prop_edge_merge_into() - combine the evidence of @x into the edge of @s
 * with its key, added when new (its strings interned).
 * Return: 0 or -ENOMEM.
 */
int prop_edge_merge_into(struct prop_set *s, const struct prop_edge *x);

#endif
