/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_MONOTONIC_H
#define ZONEWALL_MONOTONIC_H

/*
 * Monotonic totals over kernel counters that can start again from zero.
 * zonewall's own table replacements keep the zone-pair counters (named
 * objects, see nft_apply()), but someone else can delete the table
 * (`zonewall uninstall`, nft by hand) and a later apply creates them anew.
 * Each key (a metric's label values, joined) keeps a base: what earlier
 * generations of the counter had counted.  A reading lower than the last
 * one is taken as a reset: the old generation ended at its last reading
 * (what it counted after that is lost, nothing is ever counted twice).
 * Pure: no I/O.
 */

#include <stddef.h>
#include <stdint.h>

struct mono_ctr {
	char *key;
	uint64_t base;		/* counted by earlier generations */
	uint64_t last;		/* the current generation's last reading */
};

struct mono_set {
	struct mono_ctr *v;
	size_t n, cap;
};

/** mono_init() - an empty set (no allocation). */
void mono_init(struct mono_set *s);

/** mono_free() - release what @s holds; it is empty afterwards.  Accepts NULL. */
void mono_free(struct mono_set *s);

/**
 * mono_observe() - @raw is the counter @key reads now (@key copied).
 * Return: the monotonic total (base + @raw), or @raw unchanged (no history
 * kept) when memory runs out.
 */
uint64_t mono_observe(struct mono_set *s, const char *key, uint64_t raw);

#endif
