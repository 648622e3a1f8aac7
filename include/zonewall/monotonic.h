/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_MONOTONIC_H
#define ZONEWALL_MONOTONIC_H

/*
 * Monotonic totals over kernel counters that start again from zero when
 * their rules are replaced (a table replacement: reload, apply, a change of
 * shape).  Each key (a metric's label values, joined) keeps a base: what
 * earlier generations of the counter had counted.  Pure: no I/O.
 *
 * Usage: read the counters before a replacement, and once the replacement
 * succeeded hand that reading to mono_fold() (a failed replacement leaves
 * the counters running: fold nothing).  At every scrape, mono_observe()
 * returns base + current.  A reading lower than the last one without a
 * fold (someone else replaced the table) is taken as a reset too.  Packets
 * counted between the last reading and the replacement are lost, nothing
 * is ever counted twice.
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

/**
 * mono_fold() - the counter @key read @raw just before its rule was
 * replaced successfully: that much moves into the base, and the next
 * reading starts a new generation from zero.
 * Return: 0 or -ENOMEM.
 */
int mono_fold(struct mono_set *s, const char *key, uint64_t raw);

#endif
