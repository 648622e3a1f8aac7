/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALLD_ZWD_ENFORCE_H
#define ZONEWALLD_ZWD_ENFORCE_H

/*
 * Monitor and enforce modes, private to their files: zwd-enforce.c (the
 * sync from policy and snapshot to the kernel, lifecycle, apply with a
 * safety net), zwd-enforce-reload.c (a reload read and compiled on a
 * worker thread, applied on the loop), zwd-enforce-snap.c (the snapshot, the ports found without
 * the runtime's help, the bridges, unsanctioned workloads),
 * zwd-enforce-denied.c (refused flows from NFLOG to denied.jsonl and the
 * control socket's feed) and zwd-enforce-stats.c (latencies, costs,
 * status and metrics).
 */

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "zonewall/compile.h"
#include "zonewall/monotonic.h"
#include "zonewall/nflog.h"
#include "zonewall/nft.h"
#include "zonewall/netns-id.h"
#include "zonewall/policy.h"
#include "zonewall/runtime.h"
#include "zwd.h"

#define ZWD_LAT_KEEP 4096	/* latency samples kept for status */
#define ZWD_DENIED_FILE "denied.jsonl"

struct zwd_lat {
	int64_t v[ZWD_LAT_KEEP];
	size_t n, next;
};

#define ZWD_STARTS_MAX 64	/* start samples per step; more go unmeasured */

struct zwd_start {
	int64_t recv_ns, inspect_ns, time_ns;
	char id[13];
	bool from_log;
};

/* The start that waited longest from its stamp to the kernel, to tell
 * where the time went: before our read (delivery) or after. */
struct zwd_slowest {
	char id[13];
	bool from_log;
	int64_t stamp_ns, event_ns, read_ns;	/* its stamp; stamp->kernel; stamp->read */
};

/* A container attachment's host-side veth found by zwd_port_find(). */
struct zwd_port {
	char key[192];			/* "ID PID NETWORK" */
	char veth[IF_NAMESIZE], bridge[IF_NAMESIZE];
	bool used;			/* in the snapshot being built */
};

struct zwd_reload_job;

struct zwd_enforce {
	struct zwd *d;
	struct zwd_rt *rt;
	struct pol_policy *pol;		/* in effect */
	struct pol_policy *prev;	/* before an apply waiting for confirm */
	char pol_path[PATH_MAX];
	struct cmp_snapshot *snap;	/* what rs was compiled from */
	struct rs_ruleset *rs;		/* what the kernel holds */
	uint32_t genid;			/* the ruleset's generation after our last change */
	bool genid_known;
	struct cmp_incr *incr;		/* what rs's compile left for the next (NULL: none) */
	struct nft_conn *nc;
	struct nft_features kernel;	/* probed at start and reload */
	bool kernel_probed;
	struct nflog_conn *nfl;
	struct loop_source *nfl_src, *lm_src, *link_timer;
	bool link_armed;		/* link_timer runs: a burst of link changes settles */
	struct link_monitor *lm;
	char **bridges;
	size_t n_bridges;
	int denied_fd;
	uint64_t denied_size, denied_rotations;	/* bytes in denied.jsonl now */
	json_t *unsanctioned;		/* array of {identity, name, id, zone} */
	uint64_t elem_updates, full_applies, update_failures, denied, nflog_overruns;
	uint64_t unsanctioned_seen;
	struct zwd_lat lat_total, lat_inspect, lat_ours;
	struct zwd_lat lat_event;	/* from the runtime's own event time (its clock) */
	struct zwd_slowest slowest;	/* of lat_event's samples */
	struct zwd_start starts[ZWD_STARTS_MAX];	/* start events awaiting their follow */
	size_t n_starts;
	bool follow_due;		/* runtime reports came in this step */
	/* where zwd_sync()'s time goes, summed over its runs (status follow_cost) */
	uint64_t cost_runs, cost_skipped, cost_full_compiles;
	int64_t cost_snap_ns, cost_compile_ns, cost_diff_ns, cost_kernel_ns;
	struct mono_set verdicts;	/* zone-pair counters, monotonic across resets */
	struct zwd_port *ports;		/* veths found without the runtime mapper's help */
	size_t n_ports;
	struct nsid_links port_links;	/* dumped once per snapshot, when needed */
	uint64_t ports_found, ports_missing;
	char snap_problems[512];	/* what the last snapshot left out, as logged */
	struct cmp_snapshot *remote;	/* the fleet's other hosts' endpoints, as read once */
	json_t *remote_read;		/* their records as read: {key: [value, index in remote]} */
	struct diags *remote_problems;	/* the records left out of it (NULL: none) */
	char last_error[512];
	struct zwd_reload_job *job;	/* a reload compiling on its worker, or NULL */
};

/* --- the sync from policy and snapshot to the kernel (zwd-enforce.c) ------------- */

/**
 * zwd_policy_load() - the policy at @path, with enforcing zones turned to
 * monitoring when @monitor.  Touches nothing but its arguments: the reload
 * worker calls it.  Return: 0 with *@out set, or -errno with every problem
 * of the policy in @dg (each at its JSON path) and one line for the log in
 * @why.
 */
int zwd_policy_load(const char *path, bool monitor, struct pol_policy **out, struct diags *dg,
		    struct diags *why);

/** zwd_compile_options() - the compiler's options from the configuration @c. */
void zwd_compile_options(const struct cfg *c, struct cmp_options *co);

/**
 * zwd_compile() - cmp_compile_next() with its problems added to @why: from
 * @last's model and state when not NULL (the same policy, followed), else
 * in full; *@incr gets the state for the next.  Pure of daemon state (the
 * reload worker calls it with @last NULL).  Return: the model, or NULL with
 * errno set.
 */
struct rs_ruleset *zwd_compile(const struct pol_policy *p, const struct cmp_snapshot *s,
			       const struct cmp_options *co, const struct zwd_enforce *last,
			       struct cmp_incr **incr, struct diags *why);

/**
 * zwd_snap_now() - the snapshot to compile now; NULL with errno and @why set
 * (EAGAIN: the runtime has not answered since the start).
 */
struct cmp_snapshot *zwd_snap_now(struct zwd_enforce *e, struct diags *why);

/**
 * zwd_sync_apply() - put @rs (compiled from @s) in the kernel: element
 * updates when the shape allows and not @full, else a table replacement;
 * takes ownership of both.  On success they become e->rs and e->snap (and
 * the fleet hears that this host's endpoints may have changed); on failure
 * the kernel keeps what it had.  Return: 0 or -errno with @why set.
 */
int zwd_sync_apply(struct zwd_enforce *e, struct cmp_snapshot *s, struct rs_ruleset *rs,
		   struct cmp_incr *incr, bool full, struct diags *why);

/**
 * zwd_kernel_untouched() - whether the ruleset's generation is the one our
 * last change left (nobody changed any table since): then e->rs is what the
 * kernel holds, and a new policy of the same shape can go in as element
 * updates instead of a table replacement.
 */
bool zwd_kernel_untouched(struct zwd_enforce *e);

/** zwd_follow() - bring the kernel in line with the snapshot now (element updates). */
void zwd_follow(struct zwd_enforce *e);

/** zwd_kernel_probe() - which traffic the kernel lets the tables judge (logged). */
void zwd_kernel_probe(struct zwd_enforce *e);

/* --- the snapshot (zwd-enforce-snap.c) -------------------------------------------- */

/**
 * zwd_snap_remote_set() - the fleet's other hosts' endpoint records @list
 * ([{key, value, host}]) as the endpoints every snapshot adds from now on:
 * a record read before, unchanged, is taken over as it was read; only new
 * and changed ones are read.  Return: 0 or -ENOMEM (then none are kept:
 * their addresses fall to the default zone until the next list).
 */
int zwd_snap_remote_set(struct zwd_enforce *e, const json_t *list);

/** zwd_snap_remote_free() - drop them. */
void zwd_snap_remote_free(struct zwd_enforce *e);

/** zwd_snap_build() - the snapshot now (host_snap_build()); NULL with errno and @why set. */
struct cmp_snapshot *zwd_snap_build(struct zwd_enforce *e, struct diags *d);

/**
 * zwd_bridges_read() - re-read the bridges to guard (cfg.bridges, or all);
 * *@changed (optional) says whether the list differs.  Return: 0 or -errno.
 */
int zwd_bridges_read(struct zwd_enforce *e, bool *changed);

/** zwd_bridges_drop() - free a bridge list. */
void zwd_bridges_drop(char **v, size_t n);

/** zwd_unsanctioned_update() - report containers no rule or zone knows. */
void zwd_unsanctioned_update(struct zwd_enforce *e);

/* --- refused flows (zwd-enforce-denied.c) ---------------------------------------- */

/** zwd_denied_open() - (re)open STATE_DIR/denied.jsonl for appending. */
void zwd_denied_open(struct zwd_enforce *e);

/** zwd_on_nflog() - the loop's callback for the NFLOG socket (@arg: the enforce state). */
void zwd_on_nflog(struct loop *lp, int fd, uint32_t events, void *arg);

/* --- latencies, status and metrics (zwd-enforce-stats.c) ------------------------ */

/** zwd_start_note() - keep a start event's times until its follow is acked. */
void zwd_start_note(struct zwd_enforce *e, const struct rt_report *r);

/** zwd_starts_acked() - the kept starts reached the kernel: sample their latencies. */
void zwd_starts_acked(struct zwd_enforce *e);

#endif
