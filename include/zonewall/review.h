/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_REVIEW_H
#define ZONEWALL_REVIEW_H

/*
 * The review model: a proposal judged against a policy, built once and
 * rendered three ways (the table and --json of `zonewall review`, the HTML
 * report).  One row per edge and per stale rule, in the order a decision
 * is needed (new, refused by a border, stale, allowed), the zones the rows
 * name with the verdict and traffic of every zone pair, and the coverage
 * summary.  Pure: no I/O.
 *
 * The model borrows the proposal and the policy (their strings are not
 * copied): both must outlive it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "zonewall/policy.h"
#include "zonewall/proposal.h"

enum rev_status {
	REV_NEW,		/* not allowed yet: approve or leave out */
	REV_REFUSED,		/* crosses a deny border: a violation, never approvable */
	REV_STALE,		/* allowed by a rule nothing in the proposal used */
	REV_ALLOWED,		/* already allowed */
	REV_N_STATUS,
};

#define REV_NO_ZONE ((size_t)-1)

struct rev_row {
	enum rev_status status;
	const struct prop_edge *edge;	/* NULL for a stale rule or a policy's rule */
	const struct pol_rule *rule;	/* the stale rule, or the rule that allows */
	size_t rule_index;		/* of @rule in the policy */
	const char *from, *to;		/* the edge's or the rule's identities */
	size_t from_zone, to_zone;	/* indexes into rev_review.zones */
	char id[PROP_ID_LEN + 1];	/* the edge id; "" for a rule */
	bool low;			/* low confidence (seen on one day only, or once) */
	char why[160];			/* the rule or border that decided; "" when none */
};

/*
 * A zone a row names: the policy's zones first, in its order, then zones
 * only the proposal names (sorted), then one entry with @name NULL for the
 * ends without a zone (only when there are such ends and no policy, which
 * would put them in its default zone).
 */
struct rev_zone {
	const char *name;
	long policy_index;		/* in the policy, or -1 */
	size_t n_rows;			/* rows with an end in the zone */
};

/* What the proposal saw across one zone pair, and its border. */
struct rev_cell {
	enum pol_verdict verdict;	/* the border (allowlist without a policy) */
	const char *comment;		/* the explicit border's comment, or NULL */
	bool explicit_border;
	size_t count[REV_N_STATUS];	/* rows by status */
	uint64_t packets;
};

struct rev_summary {
	size_t count[REV_N_STATUS];
	size_t low;
	size_t edges;			/* of the proposal */
	int64_t first, last;		/* the learning window, when @edges */
};

struct rev_review {
	const struct prop_set *set;	/* NULL for a policy's graph */
	const struct pol_policy *policy; /* NULL: every edge is new */
	struct rev_row *rows;
	size_t n_rows;
	struct rev_zone *zones;
	size_t n_zones;
	struct rev_cell *cells;		/* n_zones x n_zones, [from * n_zones + to] */
	struct rev_summary sum;
};

/**
 * rev_build() - judge every edge of @s under @p (NULL: no policy, every
 * edge new), add a row for each rule of @p that no edge uses, sort the
 * rows and count the zone pairs and the summary.
 * Return: a model the caller frees with rev_free(), or NULL (ENOMEM).
 */
struct rev_review *rev_build(const struct prop_set *s, const struct pol_policy *p);

/**
 * rev_build_policy() - a model of the policy @p alone, for its graph: one
 * "allowed" row per rule, no proposal.
 * Return: as rev_build().
 */
struct rev_review *rev_build_policy(const struct pol_policy *p);

/** rev_free() - free @r (not what it borrows); accepts NULL. */
void rev_free(struct rev_review *r);

/** rev_status_name() - "new", "refused-by-border", "stale", "allowed". */
const char *rev_status_name(enum rev_status s);

/** rev_zone_name() - the name of zone @z of @r, "-" for none. */
const char *rev_zone_name(const struct rev_review *r, size_t z);

/** rev_cell() - the cell of zone pair @from -> @to of @r. */
const struct rev_cell *rev_cell(const struct rev_review *r, size_t from, size_t to);

/**
 * rev_row_json() - one row as `review --json` writes it.
 * Return: a new reference, or NULL (ENOMEM).
 */
json_t *rev_row_json(const struct rev_row *row);

/**
 * rev_rows_json() - every row of @r, in order, as an array.
 * Return: a new reference, or NULL (ENOMEM).
 */
json_t *rev_rows_json(const struct rev_review *r);

/**
 * rev_summary_json() - the summary as `review --json` writes it.
 * Return: a new reference, or NULL (ENOMEM).
 */
json_t *rev_summary_json(const struct rev_review *r);

#endif
