/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_NAMEIDX_H
#define ZONEWALL_NAMEIDX_H

/*
 * Names to positions, by hash (open addressing, at most half full): for
 * lists that are appended to and looked up by name many times, where a
 * linear search made the whole quadratic.  The index borrows the names:
 * each must outlive it, unchanged.
 */

#include <stddef.h>

struct nix_slot {
	const char *name;	/* borrowed; NULL: empty */
	size_t idx;
};

struct nix {
	struct nix_slot *slot;
	size_t mask, n;		/* capacity - 1 (a power of two minus one), names held */
};

/** nix_find() - the position added under @name, or -1.  An empty (zeroed) index has none. */
long nix_find(const struct nix *ix, const char *name);

/** nix_add() - @name at position @idx (a name added twice: the first wins).  Return: 0 or -ENOMEM. */
int nix_add(struct nix *ix, const char *name, size_t idx);

/** nix_free() - release @ix's memory (not the names); it is empty again.  Accepts NULL. */
void nix_free(struct nix *ix);

#endif
