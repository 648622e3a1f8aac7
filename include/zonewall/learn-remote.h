/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_LEARN_REMOTE_H
#define ZONEWALL_LEARN_REMOTE_H

/*
 * The workloads of other hosts (a fleet's), by address: what the learner
 * asks after this host's own runtime, so that an edge to a container on
 * another host is recorded with its identity, not as unknown:ADDRESS.
 */

#include <stddef.h>

#include "zonewall/identity.h"
#include "zonewall/rt-source.h"

struct learn_remote;

/** learn_remote_new() - an empty table.  Return: it, or NULL (ENOMEM). */
struct learn_remote *learn_remote_new(void);

/**
 * learn_remote_add() - @a belongs to @w (a reference is taken).
 * Return: 0 or -ENOMEM.
 */
int learn_remote_add(struct learn_remote *r, const struct id_addr *a, struct id_workload *w);

/** learn_remote_seal() - sort for lookups (after the last add); a later address wins a tie. */
void learn_remote_seal(struct learn_remote *r);

/** learn_remote_lookup() - the workload of @a, or NULL. */
const struct id_workload *learn_remote_lookup(const struct learn_remote *r,
					      const struct id_addr *a);

/** learn_remote_count() - addresses held. */
size_t learn_remote_count(const struct learn_remote *r);

/**
 * learn_remote_source() - @r as a source of endpoints named "fleet", for
 * the learner (lookups only: no records of this host's).
 */
struct rt_source learn_remote_source(const struct learn_remote *r);

/** learn_remote_free() - Accepts NULL. */
void learn_remote_free(struct learn_remote *r);

#endif
