/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_RSDIFF_H
#define ZONEWALL_RSDIFF_H

/*
 * The difference between two ruleset models (pure: no I/O).  zonewalld
 * compiles the policy again after every container event; when the new
 * model has the same tables, set declarations, chains and rules as the one
 * in the kernel (the usual case: only addresses moved), the change is a
 * list of element additions and deletions per set, which nft_elems_update()
 * applies without touching any rule.  When the shape changed (a new bridge,
 * a new policy), the caller replaces the tables instead.
 */

#include <stdbool.h>
#include <stddef.h>

#include "zonewall/ruleset.h"

/* The element changes of one set. */
struct rsd_change {
	enum rs_family family;
	const char *table;	/* borrowed from the new model */
	struct rs_set *add;	/* free-standing (rs_set_new()), NULL when nothing */
	struct rs_set *del;	/* likewise */
};

struct rsd_diff {
	struct rsd_change *v;
	size_t n;
	size_t adds, dels;	/* elements, over all sets */
};

/**
 * rsd_same_shape() - whether @a and @b differ at most in set elements:
 * same tables, sets (name, key, flags), chains (hook, priority, policy)
 * and rules (comment and statements), in the same order.
 */
bool rsd_same_shape(const struct rs_ruleset *a, const struct rs_ruleset *b);

/**
 * rsd_diff() - the element additions and deletions that turn the sets of
 * @old into those of @new (which must have the same shape).  An element
 * whose key stays but whose verdict changes is deleted and added.
 * @out: filled; release with rsd_diff_free().  Sets without changes are
 * left out, so out->n == 0 means nothing to do.
 * Return: 0, -EINVAL (shapes differ), -ENOMEM.
 */
int rsd_diff(const struct rs_ruleset *old, const struct rs_ruleset *new, struct rsd_diff *out);

/**
 * rsd_set_sorted() - whether @s's elements are in the order rsd_diff()
 * compares them by (key bytes, then range end, then verdict).  O(n).
 */
bool rsd_set_sorted(const struct rs_set *s);

/**
 * rsd_set_sort() - put @s's elements in that order, so that rsd_diff()
 * and rsd_set_patch() take it in one pass.  Return: 0 or -ENOMEM.
 */
int rsd_set_sort(struct rs_set *s);

/**
 * rsd_set_patch() - append to the empty set @dst the elements of @old
 * without those of @del, with those of @add, in order: the inverse of
 * rsd_diff() for one set, in O(|old| + changes x log |old|).  @old, @add
 * and @del must be sorted (rsd_set_sort()); @add or @del may be NULL.
 * Return: 0, -EEXIST (an element of @add is in @old), -ENOENT (one of @del
 * is not), -EINVAL (the sets differ in kind), -ENOMEM.
 */
int rsd_set_patch(struct rs_set *dst, const struct rs_set *old, const struct rs_set *add,
		  const struct rs_set *del);

/** rsd_diff_free() - release what rsd_diff() filled.  Accepts NULL. */
void rsd_diff_free(struct rsd_diff *d);

#endif
