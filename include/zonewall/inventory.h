/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_INVENTORY_H
#define ZONEWALL_INVENTORY_H

/*
 * The static inventory: what no container runtime knows (this host,
 * corporate networks, the internet), by address or CIDR, each entry with a
 * name and a zone; plus the identity rules and the network -> zone map
 * (the "identity" object).  The schema is in README.md ("Inventory file")
 * and rules/inventory.json.  inv_parse() is pure; inv_load() reads a file.
 */

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "zonewall/diag.h"
#include "zonewall/identity.h"
#include "zonewall/output.h"

#define INV_MAX_BYTES (256u << 20)	/* larger inventory files are refused: as POL_FILE_MAX */

struct inv_prefix {
	struct id_addr addr;	/* host bits zero */
	unsigned int len;	/* 0..32 or 0..128 */
};

struct inv_entry {
	char *name;
	char *zone;
	char *description;	/* "" when none */
	struct inv_prefix *cidrs;
	size_t n_cidrs;
	struct inv_prefix *except;	/* carved out of cidrs */
	size_t n_except;
};

struct inv {
	struct inv_entry *v;
	size_t n;
	struct id_rules rules;	/* the defaults unless the file sets them */
};

/**
 * inv_parse() - parse inventory JSON text into @out.
 * @d: every problem, each with its JSON path ("$.entries[2].cidrs[0]").
 * Return: 0; -EINVAL (@d says why, @out empty); -ENOMEM.
 */
int inv_parse(struct inv *out, const char *text, size_t len, struct diags *d);

/**
 * inv_load() - read @path (at most INV_MAX_BYTES) and inv_parse() it.
 * Return: 0, -EINVAL (@d filled), -EFBIG, or the -errno of the read
 * (@d empty: the caller names the file).
 */
int inv_load(struct inv *out, const char *path, struct diags *d);

/*
 * inv_lookup() by hash, for callers that look up every flow's ends: one
 * probe per prefix length the inventory uses.  It borrows the inventory,
 * which must outlive it unchanged.
 */
struct inv_index;

/**
 * inv_index_new() - index the CIDRs of @inv (linear in them).
 * Return: an index the caller frees with inv_index_free(), or NULL (ENOMEM).
 */
struct inv_index *inv_index_new(const struct inv *inv);

/** inv_index_inventory() - the inventory @ix indexes. */
const struct inv *inv_index_inventory(const struct inv_index *ix);

/** inv_index_free() - free @ix (not its inventory); accepts NULL. */
void inv_index_free(struct inv_index *ix);

/** inv_index_lookup() - inv_lookup() of @ix's inventory, by the index: the same entry and length. */
const struct inv_entry *inv_index_lookup(const struct inv_index *ix, const struct id_addr *a,
					 unsigned int *len_out);

/** inv_init() - an empty inventory with the default identity rules.  Return: 0 or -ENOMEM. */
int inv_init(struct inv *out);

/** inv_free() - release what @inv holds.  Accepts NULL. */
void inv_free(struct inv *inv);

/** inv_prefix_parse() - "ADDR" or "ADDR/LEN" (host bits must be zero).  Return: 0 or -EINVAL. */
int inv_prefix_parse(const char *text, struct inv_prefix *out);

/** inv_prefix_contains() - true when @a lies in @p. */
bool inv_prefix_contains(const struct inv_prefix *p, const struct id_addr *a);

#define INV_PIECES_MAX 65536	/* pieces one entry may carve into */

/* A prefix an entry matches, and the length of the CIDR it was carved from. */
struct inv_piece {
	struct inv_prefix p;
	unsigned int rank;
};

/**
 * inv_entry_pieces() - what @e matches as disjoint prefixes: each CIDR
 * with the entry's "except" prefixes carved out (0.0.0.0/0 except
 * 10.0.0.0/8 is eight prefixes, 0.0.0.0/5 ... 128.0.0.0/1).  A piece's
 * @rank is the length of the CIDR it came from: that, not the piece's own
 * length, is what competes in the longest-prefix match (inv_lookup()).
 * Pure.
 * Return: 0 with *@out (free() it) and *@n set; -E2BIG past
 * INV_PIECES_MAX pieces; -ENOMEM.
 */
int inv_entry_pieces(const struct inv_entry *e, struct inv_piece **out, size_t *n);

/**
 * inv_lookup() - the entry with the longest prefix containing @a, skipping
 * an entry whose "except" list contains @a.
 * @len_out: if not NULL, gets the matching prefix length.
 * Return: a borrowed entry, or NULL when none matches.
 */
const struct inv_entry *inv_lookup(const struct inv *inv, const struct id_addr *a,
				   unsigned int *len_out);

/**
 * inv_entry_json() - @e as a containers row (name, identity = name, zone,
 * ipv4/ipv6 = its CIDRs, runtime "inventory", the other keys null/empty).
 * Return: a new object, or NULL on allocation failure.
 */
json_t *inv_entry_json(const struct inv_entry *e);

#endif
