/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_CLI_LEARN_H
#define ZONEWALL_CLI_LEARN_H

/*
 * What learn and replay share: opening the sources of identities and
 * zones (inventory file, policy, container runtime with its identity
 * index and event stream) into a struct learn_env, and keeping the index
 * current while capturing.  CLI layer: prints its own diagnostics.
 */

#include <stdbool.h>

#include "zonewall/identity.h"
#include "zonewall/inventory.h"
#include "zonewall/learn.h"
#include "zonewall/policy.h"
#include "zonewall/rt-source.h"
#include "zonewall/runtime.h"

struct clearn {
	const char *cmd;
	struct inv inv;
	bool have_inv;		/* an inventory file was given */
	struct inv_index *inv_idx;	/* inv's index, NULL without an inventory file */
	struct pol_policy *pol;
	struct pol_judge *judge;	/* pol's index, NULL without a policy */
	struct id_index *idx;	/* NULL without a runtime */
	struct rt_mapper *mapper;
	char uri[160];		/* the runtime in use, "" for none */
	bool synced;		/* the first connection succeeded */
	bool lost;		/* the runtime went away at some point */
	char lost_msg[512];
	struct rt_source sources[2];	/* env.sources: runtime, inventory */
	struct learn_env env;	/* what learn_*() is given */
};

/**
 * clearn_open() - load @inv_path (NULL: none, default identity rules) and
 * @policy_path (NULL: none), and connect to @runtime: a URI, "none", or
 * NULL, which means detect when @detect (the first runtime socket that
 * answers; none answering is only a warning) and none otherwise.  An
 * explicit runtime that cannot be reached is an error.
 * Return: CLI_OK, or CLI_FAIL/CLI_USAGE after printing one line; @l is
 * then safe to clearn_close().
 */
int clearn_open(struct clearn *l, const char *cmd, const char *inv_path,
		const char *policy_path, const char *runtime, bool detect);

/** clearn_close() - release everything clearn_open() made.  Accepts a zeroed @l. */
void clearn_close(struct clearn *l);

/**
 * clearn_tick() - apply the runtime events waiting now, without blocking
 * (a struct clcap tick: @ctx is the struct clearn).
 */
void clearn_tick(void *ctx);

/** clearn_runtime_text() - "podman (podman:///...)" or "none", for a summary line (static). */
const char *clearn_runtime_text(const struct clearn *l);

#endif
