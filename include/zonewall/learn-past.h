/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_LEARN_PAST_H
#define ZONEWALL_LEARN_PAST_H

/*
 * The identities of the time: which identity an address stood for when a
 * proposal was learned.  A proposal's edges keep samples of the address
 * pairs they were seen between, with the edge's first and last time: enough
 * to resolve last week's capture after last week's containers are gone.
 * Pure: built from a proposal in memory, looked up by address and time.
 */

#include <stddef.h>
#include <stdint.h>

#include "zonewall/proposal.h"

struct learn_past;

/**
 * learn_past_new() - index the address -> identity pairs of @s's samples
 * (unknown:ADDRESS identities are left out), each with its edge's time
 * window and recorded zone.  Copies what it keeps.
 * Return: the index (learn_past_free()), or NULL (errno ENOMEM).
 */
struct learn_past *learn_past_new(const struct prop_set *s);

/** learn_past_free() - release @p.  Accepts NULL. */
void learn_past_free(struct learn_past *p);

/** learn_past_count() - the distinct (address, identity) pairs held. */
size_t learn_past_count(const struct learn_past *p);

/**
 * learn_past_lookup() - the identity @addr (@family 4 or 6) stood for at
 * @t_s (seconds): the pair whose window holds @t_s, else the one whose
 * window is nearest to it (an address's holder before and after a capture
 * is its best guess).  @zone gets its recorded zone or NULL.
 * Return: the identity (borrowed from @p), or NULL when the address is
 * not in the proposal.
 */
const char *learn_past_lookup(const struct learn_past *p, int family, const uint8_t addr[16],
			      int64_t t_s, const char **zone);

#endif
