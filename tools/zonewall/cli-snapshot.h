/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_CLI_ENFORCE_H
#define ZONEWALL_CLI_ENFORCE_H

/*
 * What compile, apply and denied share: the adapter from this host's
 * sources of truth (the static inventory, the container runtime, the
 * kernel's bridges and ports) to the compiler's plain snapshot, and the
 * common options.  Prints its own diagnostics (CLI layer).
 */

#include <stdbool.h>
#include <stdint.h>

#include "zonewall/compile.h"
#include "zonewall/policy.h"

struct clie_opts {
	const char *runtime;	/* URI, "none", or NULL: detect */
	const char *inventory;	/* file, or NULL */
	uint16_t log_group;	/* 0: CMP_LOG_GROUP */
	bool quiet;		/* no warnings on stderr */
	const char *bridges[16];	/* --bridge: only these (default: every bridge) */
	size_t n_bridges;
};

/* The long options compile and apply share, and their short letters. */
#define CLIE_SHORTOPTS "r:i:g:qb:"
#define CLIE_LONGOPTS                                          \
	{ "runtime", required_argument, NULL, 'r' },           \
	{ "inventory", required_argument, NULL, 'i' },         \
	{ "log-group", required_argument, NULL, 'g' },         \
	{ "quiet", no_argument, NULL, 'q' },                  \
	{ "bridge", required_argument, NULL, 'b' }

/**
 * clie_owner_check() - refuse (unless @force) to change the tables of this
 * network namespace while a live zonewalld controls them: its next change
 * would put its own back, and the two would alternate.  With @force, warn.
 * Return: CLI_OK or CLI_FAIL (after printing who the owner is).
 */
int clie_owner_check(const char *cmd, bool force);

/**
 * clie_option() - handle one of CLIE_LONGOPTS.
 * Return: 1 when @c was one of ours, 0 when not, CLI_USAGE (after printing)
 * on a bad value.
 */
int clie_option(const char *cmd, int c, const char *arg, struct clie_opts *o);

/**
 * clie_snapshot() - build the snapshot: inventory entries (with the bridge
 * ports where their host addresses live, found over rtnetlink), running
 * containers of the runtime (unless "none"; when not given, the first
 * runtime socket that answers, none being fine), and every bridge of this
 * namespace.
 * @p: the policy, for the identity rules' fallback and warnings.
 * @out: receives the snapshot (cmp_snap_free()).
 * Return: CLI_OK, or CLI_FAIL/CLI_USAGE after printing one line.
 */
int clie_snapshot(const char *cmd, const struct clie_opts *o, struct cmp_snapshot **out);

/**
 * clie_compile() - load @policy_path, build the snapshot, compile.
 * @p, @s: receive the policy and the snapshot (may be NULL if not wanted).
 * @rs: receives the model.
 * Return: CLI_OK, or CLI_FAIL/CLI_USAGE after printing.
 */
int clie_compile(const char *cmd, const char *policy_path, const struct clie_opts *o,
		 struct pol_policy **p, struct cmp_snapshot **s, struct rs_ruleset **rs);

#endif
