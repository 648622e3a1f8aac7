// SPDX-License-Identifier: GPL-2.0-or-later
/* The name index (src/lib/nameidx.c): positions by name through growth. */

#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "zonewall/nameidx.h"

int main(void)
{
	static char names[5000][16];
	struct nix ix = { 0 };
	bool all = true;

	tap_ok(nix_find(&ix, "x") == -1, "an empty index finds nothing");
	for (size_t i = 0; i < 5000; i++) {
		snprintf(names[i], sizeof(names[i]), "c_%zu", i);
		all = all && nix_add(&ix, names[i], i) == 0;
	}
	tap_ok(all, "5,000 names added (the index grows from 64 slots)");
	for (size_t i = 0; i < 5000 && all; i++)
		all = nix_find(&ix, names[i]) == (long)i;
	tap_ok(all, "each found at its position");
	tap_ok(nix_find(&ix, "c_5000") == -1 && nix_find(&ix, "") == -1, "absent names are not");
	tap_ok(nix_add(&ix, names[7], 99) == 0 && nix_find(&ix, "c_7") == 7, "a name added twice: the first wins");
	tap_ok(ix.n == 5000 && 2 * ix.n <= ix.mask + 1, "at most half full");
	nix_free(&ix);
	tap_ok(ix.slot == NULL && nix_find(&ix, "c_1") == -1, "freed: empty again");
	nix_free(NULL);
	return tap_done();
}
