// SPDX-License-Identifier: GPL-2.0-or-later
/* Names to positions, by hash (see nameidx.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/nameidx.h"

static size_t nix_hash(const char *s)
{
	size_t h = (size_t)1469598103934665603ull;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ull;
	return h;
}

long nix_find(const struct nix *ix, const char *name)
{
	if (!ix->slot)
		return -1;
	for (size_t i = nix_hash(name) & ix->mask; ix->slot[i].name; i = (i + 1) & ix->mask)
		if (!strcmp(ix->slot[i].name, name))
			return (long)ix->slot[i].idx;
	return -1;
}

static void nix_put(struct nix *ix, const char *name, size_t idx)
{
	size_t i = nix_hash(name) & ix->mask;

	while (ix->slot[i].name)
		i = (i + 1) & ix->mask;
	ix->slot[i] = (struct nix_slot){ name, idx };
	ix->n++;
}

int nix_add(struct nix *ix, const char *name, size_t idx)
{
	if (ix->slot && nix_find(ix, name) >= 0)
		return 0;
	if (!ix->slot || 2 * (ix->n + 1) > ix->mask + 1) {
		struct nix bigger = { .mask = ix->slot ? 2 * ix->mask + 1 : 63 };

		bigger.slot = calloc(bigger.mask + 1, sizeof(*bigger.slot));
		if (!bigger.slot)
			return -ENOMEM;
		for (size_t i = 0; ix->slot && i <= ix->mask; i++)
			if (ix->slot[i].name)
				nix_put(&bigger, ix->slot[i].name, ix->slot[i].idx);
		free(ix->slot);
		*ix = bigger;
	}
	nix_put(ix, name, idx);
	return 0;
}

void nix_free(struct nix *ix)
{
	if (!ix)
		return;
	free(ix->slot);
	ix->slot = NULL;
	ix->mask = ix->n = 0;
}
