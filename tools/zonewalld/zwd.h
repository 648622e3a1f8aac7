/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_ZWD_H
#define ZONEWALL_ZWD_H

/*
 * zonewalld's own state, shared by its files in tools/:
 *   zonewalld.c  main: options, setup order, privileges, the loop
 *   zwd-log.c    logging (stderr in the foreground, else syslog; text or JSON)
 *   zwd-ctl.c    control commands, audit, confirm timer, metrics families
 *   zwd-mode.c   the hooks where learn / monitor / enforce plug in
 *   zwd-rt.c     the runtime mapper on the loop (identity index kept current)
 *   zwd-learn.c  learn mode: capture, flow table, proposal checkpoints
 *   zwd-enforce.c monitor/enforce: compile, apply, element updates, NFLOG
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>
#include <jansson.h>

#include "zonewall/config.h"
#include "zonewall/ctl.h"
#include "zonewall/loop.h"
#include "zonewall/metrics.h"

struct zwd_mode;		/* the mode glue's own state (zwd-mode.c) */
struct zwd_fleet;		/* the fleet's worker and its state (zwd-fleet.c) */
struct zwd_reload;		/* a reload under way (zwd-ctl.c) */

/* Metric families every part of the daemon may update (NULL-safe). */
struct zwd_metrics {
	struct met_family *build_info, *start_time, *ctl_requests, *ctl_refused,
		*ctl_clients, *reloads, *audit_failures, *http_requests;
	/* Filled by the mode glue (names fixed now, see README). */
	struct met_family *flows_learned, *flows_tracked, *edges, *verdicts, *capture_drops,
		*runtime_events, *apply_seconds, *apply_total, *unsanctioned, *checkpoints,
		*event_log_followed, *fast_starts, *runtime_down;
	/* fleet mode only (NULL without cfg.fleet) */
	struct met_family *fleet_reachable, *fleet_epoch, *fleet_remote;
};

/* An applied change waiting for `zonewall confirm` (apply --confirm-within). */
struct zwd_pending {
	bool armed;
	uint64_t deadline_ms;		/* loop_now_ms() */
	char what[128];			/* shown in status and the audit log */
	struct ctl_peer by;		/* who applied it */
	void (*rollback)(void *arg);	/* run at the deadline */
	void (*confirmed)(void *arg);	/* run on confirm (may be NULL) */
	void *arg;
	struct loop_source *timer;
};

struct zwd {
	const char *config_path;
	struct cfg cfg;
	bool foreground;
	struct loop *loop;
	struct ctl_audit *audit;
	struct ctl *ctl;
	bool group_found;
	struct met_registry *met;
	struct met_http *http;
	struct zwd_metrics m;
	uint64_t start_mono_ms;
	int64_t start_wall;		/* seconds since the epoch */
	unsigned long reloads, reload_failures;
	char last_reload[640];		/* "TIME by USER: ok" / "...: failed: why" */
	struct zwd_pending pending;
	json_t *denied_recent;		/* array, the last ZWD_DENIED_KEEP events */
	struct zwd_mode *mode;
	uint64_t caps_eff;
	int owner_fd;			/* the namespace's owner lock (monitor, enforce), or -1 */
	struct zwd_fleet *fleet;	/* NULL without cfg.fleet */
	json_t *fleet_remote;		/* the other hosts' endpoints read before the mode
					 * started: its first tables hold them */
	/* the fleet's, called by the mode when this host's endpoints may have
	 * changed (NULL without a fleet) */
	void (*local_changed)(struct zwd *d);
	struct zwd_reload *reload;	/* a reload under way, or NULL */
};

#define ZWD_DENIED_KEEP 256

/* --- logging (zwd-log.c) -------------------------------------------------- */

/** zwd_log_setup() - where log lines go from now on (re-callable on reload). */
void zwd_log_setup(enum cfg_log target, bool json, bool foreground);

/** zwd_log() - one log line (newlines in the message become spaces). */
void zwd_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** zwd_vlog() - zwd_log() with a va_list. */
void zwd_vlog(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/**
 * zwd_file_check() - safe_file_check() of @path (@what: "config",
 * "policy", ...) with its problem on one line in @why.  Return: as it.
 */
int zwd_file_check(const char *what, const char *path, char *why, size_t whylen);

/* --- control commands and metrics (zwd-ctl.c) ------------------------------ */

/** zwd_metrics_init() - make the registry and every family.  Return: 0 or -ENOMEM. */
int zwd_metrics_init(struct zwd *d);

/** zwd_metrics_refresh() - update the gauges that mirror state (before a render). */
void zwd_metrics_refresh(void *d);

/** zwd_ctl_ops() - the control socket's command table and callbacks for @d. */
void zwd_ctl_ops(struct zwd *d, struct ctl_ops *ops);

/* A reload's part that goes on after the call returns (zwd_reload_begin()). */
#define ZWD_RELOAD_RUNNING 1

struct diags;

/* Called on the loop when the mode's part of a running reload ended with
 * @err (0 or -errno, @why saying why on one line, @problems each problem
 * of the policy or its compilation, or NULL). */
typedef void (*zwd_reload_fn)(struct zwd *d, int err, const char *why,
			      const struct diags *problems);

/**
 * zwd_reload_begin() - re-read the configuration and hand it to the mode
 * glue; on any problem keep running with what was in effect.  Audited as
 * @peer via @via ("socket": the control call audits itself, or "signal").
 * @why gets the reason on failure and notes (keys needing a restart) on
 * success.  A reload while another runs is refused (-EBUSY): nothing is
 * queued.  @later (NULL for a signal) is the control call to answer when
 * the reload ends after this returns.
 * Return: 0 or -errno when it ended here; ZWD_RELOAD_RUNNING when the mode
 * compiles off the loop (zwd_reload_done() ends it, answering @later).
 */
int zwd_reload_begin(struct zwd *d, const struct ctl_peer *peer, const char *via,
		     struct ctl_later *later, char *why, size_t whylen);


/* --- the pending change and the denied feed (zwd-pending.c) ------------------ */

/**
 * zwd_pending_arm() - start the safety net for a change just applied by
 * @by: unless confirm arrives within @seconds, @rollback(@arg) runs (and is
 * audited).  Used by the enforce glue for apply --confirm-within.
 * Return: 0, -EBUSY when one is already pending, or -errno.
 */
int zwd_pending_arm(struct zwd *d, unsigned int seconds, const char *what,
		    const struct ctl_peer *by, void (*rollback)(void *arg),
		    void (*confirmed)(void *arg), void *arg);

/**
 * zwd_denied_publish() - a refused flow (@event borrowed): kept among the
 * recent ones and streamed to `denied` subscribers.  For the NFLOG glue.
 */
void zwd_denied_publish(struct zwd *d, json_t *event);

/** zwd_pending_disarm() - drop the pending change without running either callback. */
void zwd_pending_disarm(struct zwd *d);

/** zwd_pending_json() - {"pending": false} or what is pending, by whom, seconds left. */
json_t *zwd_pending_json(const struct zwd *d);

/* --- mode hooks (zwd-mode.c) ------------------------------------------------ */

/**
 * zwd_mode_start() - begin the configured mode's work after setup (with
 * only CAP_NET_ADMIN and CAP_NET_RAW left).  learn: capture, flow table,
 * checkpoint timer; monitor/enforce: load the policy, apply it, follow
 * runtime events.
 * Return: 0, or -errno with @why set (the daemon exits 1).
 */
int zwd_mode_start(struct zwd *d, char *why, size_t whylen);

/**
 * zwd_mode_reload() - @next is the newly read configuration: re-read the
 * policy (and inventory) and swap atomically, or leave everything as it
 * was and say why.
 * Return: 0 or -errno with @why set.
 */
int zwd_mode_reload(struct zwd *d, const struct cfg *next, char *why, size_t whylen);

/**
 * zwd_mode_reload_start() - zwd_mode_reload() for `zonewall reload` and
 * SIGHUP: monitor and enforce read and compile the policy on a worker
 * thread (the loop keeps serving) and apply it on the loop afterwards.
 * Return: 0 (done), ZWD_RELOAD_RUNNING (@done follows, on the loop), or
 * -errno with @why set.
 */
int zwd_mode_reload_start(struct zwd *d, const struct cfg *next, zwd_reload_fn done,
			  char *why, size_t whylen);

/** zwd_mode_status() - add the mode's own state to the status reply @o. */
void zwd_mode_status(struct zwd *d, json_t *o);

/**
 * zwd_mode_stop() - orderly end (SIGTERM): a last checkpoint in learn mode.
 * Return: 0, or the -errno of that checkpoint (what was learned since the
 * last good one is lost: the daemon exits 1).
 */
int zwd_mode_stop(struct zwd *d);

/** zwd_mode_free() - release the mode's state.  Accepts d->mode == NULL. */
void zwd_mode_free(struct zwd *d);

/** zwd_mode_metrics() - update the mode's metric families (before a render). */
void zwd_mode_metrics(struct zwd *d);

struct cmp_snapshot;

/** zwd_mode_snapshot() - this host's endpoints: the snapshot in the kernel (monitor,
 * enforce) or built from the runtime's index (learn); NULL when there is none. */
const struct cmp_snapshot *zwd_mode_snapshot(struct zwd *d);

/** zwd_mode_remote() - the fleet's other endpoints: into the tables (monitor,
 * enforce), or to resolve learned flows (learn). */
void zwd_mode_remote(struct zwd *d, json_t *remote);

/** zwd_mode_apply() - the "apply" control command (monitor/enforce only). */
int zwd_mode_apply(struct ctl_call *call, void *arg);

/* --- the fleet (zwd-fleet.c) ------------------------------------------------------ */

/**
 * zwd_fleet_start() - with cfg.fleet, before the mode starts: reach etcd and
 * bring this host's copy of the fleet's policy (cfg.policy) up to date.
 * Return: 0 (also without a fleet, and with etcd away but a copy here), or
 * -errno with @why set: monitor and enforce do not start without a policy.
 */
int zwd_fleet_start(struct zwd *d, char *why, size_t whylen);

/** zwd_fleet_run() - after the mode started: the worker thread and the loop's hooks. */
int zwd_fleet_run(struct zwd *d, char *why, size_t whylen);

/** zwd_fleet_status() - "fleet": host, state, epochs, lease into @o (nothing without a fleet). */
void zwd_fleet_status(struct zwd *d, json_t *o);

/** zwd_fleet_metrics() - the fleet's gauges (before a render).  Nothing without a fleet. */
void zwd_fleet_metrics(struct zwd *d);

/** zwd_fleet_free() - stop the worker, revoke the lease.  Accepts d->fleet == NULL. */
void zwd_fleet_free(struct zwd *d);

/* --- the runtime on the loop (zwd-rt.c) ---------------------------------------- */

struct zwd_rt;
struct rt_report;
struct inv;
struct id_index;
struct id_rules;

/* Called after the mapper reported something (an event applied, a resync,
 * a loss); the index is consistent then.  After each step that reported
 * anything, called once more with @r NULL: act once on all it brought. */
typedef void (*zwd_rt_fn)(void *ctx, const struct rt_report *r);

struct diags;

/**
 * zwd_rt_open() - the inventory (cfg.inventory, may be unset) and, unless
 * cfg.runtime is "none", a mapper keeping an identity index current from
 * the runtime's event stream, driven by the loop (its socket and a timer).
 * A runtime that is down at start is retried in the background.
 * Return: 0 with *@out set, or -errno with @dg naming every problem (the
 * inventory's each at its JSON path, under "inventory PATH").
 */
int zwd_rt_open(struct zwd *d, zwd_rt_fn fn, void *ctx, struct zwd_rt **out,
		struct diags *dg);

/** zwd_rt_free() - Accepts NULL. */
void zwd_rt_free(struct zwd_rt *r);

/** zwd_rt_index() - the identity index, or NULL without a runtime. */
struct id_index *zwd_rt_index(struct zwd_rt *r);

struct rt_source;

/**
 * zwd_rt_runtime() - the identity index as a source of endpoints (rt-source.h).
 * Return: true with @out set, false without a runtime.
 */
bool zwd_rt_runtime(struct zwd_rt *r, struct rt_source *out);

/**
 * zwd_rt_inventory() - the static inventory as a source of endpoints.
 * Return: true with @out set, false when none is configured.
 */
bool zwd_rt_inventory(struct zwd_rt *r, struct rt_source *out);

/** zwd_rt_rules() - the identity rules in use (the inventory's, or the defaults). */
const struct id_rules *zwd_rt_rules(struct zwd_rt *r);

/** zwd_bridge_wanted() - whether cfg.bridges names @name (or is empty: every bridge). */
bool zwd_bridge_wanted(const struct cfg *c, const char *name);

/** zwd_rt_metrics() - the runtime's gauges (before a render).  Accepts NULL. */
void zwd_rt_metrics(struct zwd_rt *r);

/**
 * zwd_rt_ready() - whether the index can be compiled: inventory only
 * (runtime = none, or auto in learn mode with no runtime), or the runtime
 * answered at least once since the start.  Until then monitor and enforce
 * leave the tables in the kernel as they are: compiling an empty index
 * would put every container in the default zone.
 */
bool zwd_rt_ready(const struct zwd_rt *r);

/** zwd_rt_status() - runtime, connected, stale, down, workloads, events into @o. */
void zwd_rt_status(struct zwd_rt *r, json_t *o);

/* --- learn mode (zwd-learn.c) ---------------------------------------------------- */

struct zwd_learn;

/** zwd_learn_start() - Return: 0 with *@out set, or -errno with @why set. */
int zwd_learn_start(struct zwd *d, struct zwd_learn **out, char *why, size_t whylen);
/** zwd_learn_checkpoint() - drain the flow table into the proposal and save it. */
int zwd_learn_checkpoint(struct zwd_learn *l);
/** zwd_learn_reload() - take @next's checkpoint_interval and flow_limit. */
void zwd_learn_reload(struct zwd_learn *l, const struct cfg *next);
void zwd_learn_status(struct zwd_learn *l, json_t *o);
void zwd_learn_metrics(struct zwd_learn *l);
/** zwd_learn_remote() - a fleet's other endpoints ([{key, value, host}]) for resolving. */
void zwd_learn_remote(struct zwd_learn *l, const json_t *remote);
/** zwd_learn_snapshot() - this host's containers now (rebuilt per call; NULL without a runtime). */
const struct cmp_snapshot *zwd_learn_snapshot(struct zwd_learn *l);
/** zwd_learn_free() - Accepts NULL. */
void zwd_learn_free(struct zwd_learn *l);

/* --- monitor and enforce (zwd-enforce.c) ------------------------------------------- */

struct zwd_enforce;

/** zwd_enforce_start() - Return: 0 with *@out set, or -errno with @why set. */
int zwd_enforce_start(struct zwd *d, struct zwd_enforce **out, char *why, size_t whylen);
/** zwd_enforce_reload() - re-read @next->policy and swap the tables atomically. */
int zwd_enforce_reload(struct zwd_enforce *e, const struct cfg *next, char *why, size_t whylen);
/**
 * zwd_enforce_reload_start() - the same off the loop: read @next->policy and
 * compile it on a worker thread against the snapshot now; the loop applies
 * the result when the worker is done and calls @done.
 * Return: ZWD_RELOAD_RUNNING, or -errno with @why set (nothing started).
 */
int zwd_enforce_reload_start(struct zwd_enforce *e, const struct cfg *next, zwd_reload_fn done,
			     char *why, size_t whylen);
/** zwd_enforce_reload_stop() - wait for a running reload's worker and drop its
 * result (its @done hears "zonewalld is stopping").  Accepts NULL, or no reload. */
void zwd_enforce_reload_stop(struct zwd_enforce *e);
int zwd_enforce_apply_cmd(struct zwd_enforce *e, struct ctl_call *call);
void zwd_enforce_status(struct zwd_enforce *e, json_t *o);
void zwd_enforce_metrics(struct zwd_enforce *e);
/** zwd_enforce_snapshot() - what the tables were compiled from (NULL before the first). */
const struct cmp_snapshot *zwd_enforce_snapshot(struct zwd_enforce *e);
/** zwd_enforce_remote() - the fleet's other endpoints (@remote referenced), synced now. */
void zwd_enforce_remote(struct zwd_enforce *e, json_t *remote);
/** zwd_enforce_free() - Accepts NULL.  The tables stay in the kernel. */
void zwd_enforce_free(struct zwd_enforce *e);

#endif
