/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_LEARN_H
#define ZONEWALL_LEARN_H

/*
 * Learning glue (pure: no I/O, no logging): flow rows from the flow table
 * become proposal observations keyed by workload identity, and the same
 * resolution answers "what would the policy do with this flow" for replay.
 * `zonewall learn`, `zonewall replay` and the daemon's continuous learning
 * share it, so an address resolves the same way everywhere.
 *
 * Resolution of one address at the time of a flow (its first_seen):
 *  1. the sources of endpoints (rt-source.h), in the order given, the
 *     first that knows the address: the runtime's identity index (the
 *     workload that held the address then: address reuse is attributed to
 *     the right container; a removed container is still found in the
 *     history), a fleet's other hosts (learn-remote.h), the static
 *     inventory (longest prefix);
 *  2. else, when given one, a past proposal's samples (learn-past.h);
 *  3. else the identity "unknown:ADDRESS": kept, never dropped.
 * Zone of that end:
 *  - with a policy, the policy's zone selectors decide (pol_zone_of() with
 *    the workload's labels and networks and the address; an inventory
 *    entry or an unknown address has only its address), so the default
 *    zone catches the rest: what a proposal records is what enforcement
 *    will use;
 *  - without one, the identity module's zone for a workload (zonewall.zone
 *    label, network map, default zone), the entry's zone for an inventory
 *    match, and none (absent) for an unknown address.
 * A workload whose identity cannot be an identity in a policy (spaces,
 * quotes, over POL_IDENTITY_MAX bytes) is recorded as unknown:ADDRESS too
 * and counted in learn_stats.bad_identity, so the caller can say so.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "zonewall/flow.h"
#include "zonewall/identity.h"
#include "zonewall/learn-past.h"
#include "zonewall/learn-remote.h"
#include "zonewall/policy.h"
#include "zonewall/proposal.h"
#include "zonewall/rt-source.h"

#define LEARN_ZONE_MAX 128	/* longer zone names are treated as no zone */
#define LEARN_RUN_ID_MAX 96

/* Where identities and zones come from; every member may be NULL. */
struct learn_env {
	/* asked in this order, the first that knows an address names it: the
	 * runtime's before the inventory's (a container's address inside an
	 * entry's CIDR is the container's) */
	const struct rt_source *sources;
	size_t n_sources;
	const struct pol_policy *pol;	/* its zone selectors are authoritative */
	const struct pol_judge *judge;	/* NULL, or pol's index (pol_judge_new()) */
	/* the identities of a past proposal, for addresses no source knows
	 * (replay of an old capture) */
	const struct learn_past *past;
};

enum learn_source {
	LEARN_SRC_RUNTIME,	/* the source named "runtime" (the identity index) */
	LEARN_SRC_INVENTORY,	/* the source named "inventory" */
	LEARN_SRC_UNKNOWN,	/* nobody knows the address */
	LEARN_SRC_PROPOSAL,	/* a past proposal's sample (learn_env.past) */
	LEARN_SRC_FLEET,	/* the source named "fleet": another host's workload */
};

/* One end of a flow, resolved.  Plain copies: valid after the index changes. */
struct learn_end {
	char addr[INET6_ADDRSTRLEN];
	char identity[POL_IDENTITY_MAX + 1];
	char zone[LEARN_ZONE_MAX];	/* "" when not known */
	enum learn_source source;
	/* "policy", "label", "network", "default", "inventory", or NULL (static) */
	const char *zone_source;
	bool bad_identity;		/* the workload's identity was unusable */
};

struct learn_stats {
	size_t flows;			/* rows observed */
	size_t runtime, inventory, unknown;	/* ends, by source */
	size_t bad_identity;		/* ends recorded as unknown:ADDRESS for that reason */
	size_t refused;			/* rows prop_observe() refused (a bug if not 0) */
};

/**
 * learn_resolve() - resolve address @addr (@family 4 or 6, 16 bytes as in
 * struct flow_key) at @t_ns (ns since the epoch) as the header says.
 * Return: 0 with @out filled; -EINVAL for another family; -ENOMEM (a
 * workload with many labels or networks, matched against a policy).
 */
int learn_resolve(const struct learn_env *env, int family, const uint8_t addr[16],
		  int64_t t_ns, struct learn_end *out);

/**
 * learn_flow() - resolve both ends of @r at its first_seen.
 * Return: 0, or -EINVAL (a row of an unknown family), -ENOMEM.
 */
int learn_flow(const struct learn_env *env, const struct flow_row *r,
	       struct learn_end *from, struct learn_end *to);

/**
 * learn_observe() - resolve @r and add it to @s as one observation
 * (prop_observe(): packets, first/last seen in seconds, the address pair
 * as a sample, @run_id if not NULL).  @st (may be NULL) is updated.
 * Return: 0; -EINVAL when the row cannot be an edge (counted in
 * st->refused); -ENOMEM.
 */
int learn_observe(struct prop_set *s, const struct learn_env *env, const struct flow_row *r,
		  const char *run_id, struct learn_stats *st);

/**
 * learn_observe_rows() - learn_observe() for @n rows; a row refused with
 * -EINVAL is counted and skipped.
 * Return: 0 or -ENOMEM (@s then holds part of the rows).
 */
int learn_observe_rows(struct prop_set *s, const struct learn_env *env,
		       const struct flow_row *rows, size_t n, const char *run_id,
		       struct learn_stats *st);

/**
 * learn_check() - the what-if: resolve @r (zones from env->pol, which must
 * not be NULL) and decide it with pol_check().
 * @why: filled with the rule or border that decided (borrowed from env->pol).
 * Return: the decision; @from and @to hold the resolved ends.
 */
enum pol_decision learn_check(const struct learn_env *env, const struct flow_row *r,
			      struct learn_end *from, struct learn_end *to,
			      struct pol_reason *why);

/**
 * learn_run_id() - a run id for a learning run started at @t (seconds) by
 * process @pid on host @host (may be NULL): "HOST-YYYYMMDDTHHMMSSZ-PID",
 * with characters an identity cannot hold in HOST replaced by '_', so two
 * runs on one host, or on two hosts, never share an id.
 * @buf: at least LEARN_RUN_ID_MAX bytes.
 */
void learn_run_id(char *buf, size_t size, int64_t t, long pid, const char *host);

/** learn_source_name() - "runtime", "inventory", "proposal", "fleet" or "unknown". */
const char *learn_source_name(enum learn_source s);

#endif
