// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Monitor and enforce modes.  At start the policy is compiled against a
 * snapshot built from the identity index (running containers), the static
 * inventory and this namespace's bridges, and applied in one transaction.
 * After that every runtime change (an event applied to the index, a
 * resync) recompiles the model, which is pure and fast, and compares it
 * with the one in the kernel: when only set elements differ (the usual
 * case: addresses came or went) the differences go out as element updates,
 * one transaction per set, rules untouched.  Only a change of shape (a new
 * bridge) or a failed update replaces the tables, still atomically.
 *
 * While the runtime is unreachable the index keeps its last mapping, so the
 * elements stay as they were until a resync says otherwise; an address the
 * index does not know is in no map and gets the default zone's treatment
 * (fail closed).  Monitor mode turns every enforcing zone into a monitoring
 * one: the kernel logs and counts what enforce would drop, and accepts it.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "zonewall/br-netfilter.h"
#include "zonewall/link.h"
#include "zonewall/ruleset-diff.h"
#include "zonewall/hardening.h"
#include "zwd-enforce.h"

/* --- compile and apply ---------------------------------------------------------------- */

static void zwd_apply_timed(struct zwd_enforce *e, int64_t t0)
{
	met_add(met_scalar(e->d->m.apply_seconds), (double)(rt_now_ns() - t0) / 1e9);
	met_inc(met_scalar(e->d->m.apply_total));
}

void zwd_compile_options(const struct cfg *c, struct cmp_options *co)
{
	*co = (struct cmp_options){ .log_group = (uint16_t)c->nflog_group,
				    .log_rate = c->deny_log_rate };
}

struct rs_ruleset *zwd_compile(const struct pol_policy *p, const struct cmp_snapshot *s,
			       const struct cmp_options *co, const struct zwd_enforce *last,
			       struct cmp_incr **incr, struct diags *why)
{
	struct diags errs;
	struct rs_ruleset *rs;

	diags_init(&errs);
	rs = cmp_compile_next(p, s, co, last ? last->rs : NULL, last ? last->incr : NULL, incr,
			      &errs);
	if (!rs && errno == EINVAL)
		diags_nest(why, &errs, "");
	else if (!rs)
		diag_add(why, "compile", "%s", strerror(errno));
	return rs;
}

/*
 * The generation our last change left: while the kernel's is still that, no
 * one else changed any table since, and what we hold is what it holds.
 */
static void zwd_genid_note(struct zwd_enforce *e, bool ours)
{
	e->genid_known = ours && nft_gen_read(e->nc, &e->genid) == 0;
}

bool zwd_kernel_untouched(struct zwd_enforce *e)
{
	uint32_t now;

	return e->rs && e->genid_known && nft_gen_read(e->nc, &now) == 0 && now == e->genid;
}

/* Replace our tables by @rs in one transaction.  The zone-pair counters
 * are named objects that the replacement keeps: they go on counting. */
static int zwd_apply_full(struct zwd_enforce *e, const struct rs_ruleset *rs, struct diags *why)
{
	struct nft_error ne = { 0 };
	int64_t t0 = rt_now_ns();
	int rc = nft_apply(e->nc, rs, &ne);

	zwd_apply_timed(e, t0);
	if (rc)
		diag_add(why, "", "%s", ne.text[0] ? ne.text : strerror(-rc));
	else
		e->full_applies++;
	zwd_genid_note(e, rc == 0);
	return rc;
}

/* Every set's changes in one transaction: one round trip to the kernel per
 * event however many sets (zones, ports, families) it touches. */
static int zwd_elems_send(struct zwd_enforce *e, const struct rsd_diff *df, struct nft_error *ne)
{
	struct nft_elems_change *v;
	int rc;

	if (!df->n)
		return 0;
	v = calloc(df->n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < df->n; i++)
		v[i] = (struct nft_elems_change){ .family = df->v[i].family,
			.table = df->v[i].table, .add = df->v[i].add, .del = df->v[i].del };
	rc = nft_elems_update_many(e->nc, v, df->n, ne);
	free(v);
	return rc;
}

/* Element updates for a model of the same shape; -EAGAIN when a full apply is needed. */
static int zwd_apply_elems(struct zwd_enforce *e, const struct rs_ruleset *rs,
			   struct diags *why)
{
	struct nft_error ne = { 0 };
	struct rsd_diff df;
	int64_t t0;
	int64_t td = rt_now_ns();
	int rc = rsd_diff(e->rs, rs, &df);

	e->cost_diff_ns += rt_now_ns() - td;
	if (rc == -EINVAL)
		return -EAGAIN;
	if (rc)
		return rc;
	t0 = rt_now_ns();
	rc = zwd_elems_send(e, &df, &ne);
	e->cost_kernel_ns += rt_now_ns() - t0;
	if (df.n)
		zwd_apply_timed(e, t0);
	if (rc) {
		diag_add(why, "element update", "%s", ne.text[0] ? ne.text : strerror(-rc));
		e->update_failures++;
		rc = -EAGAIN;
	} else if (df.n) {
		e->elem_updates++;
		zwd_genid_note(e, true);
	}
	rsd_diff_free(&df);
	return rc;
}

int zwd_sync_apply(struct zwd_enforce *e, struct cmp_snapshot *s, struct rs_ruleset *rs,
		   struct cmp_incr *incr, bool full, struct diags *why)
{
	char line[DIAG_LINE_MAX];
	struct diags elems;
	int rc;

	diags_init(&elems);
	rc = full || !e->rs ? -EAGAIN : zwd_apply_elems(e, rs, &elems);
	if (rc == -EAGAIN) {
		diags_summary(&elems, line, sizeof(line));
		if (!full && e->rs)
			zwd_log(LOG_NOTICE, "replacing the tables (%s)",
				line[0] ? line : "the ruleset's shape changed");
		rc = zwd_apply_full(e, rs, why);
	} else if (rc) {
		diags_nest(why, &elems, "");
	}
	if (rc) {
		rs_ruleset_free(rs);
		cmp_snap_free(s);
		cmp_incr_free(incr);
		return rc;
	}
	rs_ruleset_free(e->rs);
	cmp_snap_free(e->snap);
	cmp_incr_free(e->incr);
	e->rs = rs;
	e->snap = s;
	e->incr = incr;
	if (e->d->local_changed)
		e->d->local_changed(e->d);
	return 0;
}

struct cmp_snapshot *zwd_snap_now(struct zwd_enforce *e, struct diags *why)
{
	struct cmp_snapshot *s;

	if (!zwd_rt_ready(e->rt)) {
		diag_add(why, "", "the container runtime has not answered since the start: "
			 "the tables in the kernel are left as they are");
		errno = EAGAIN;
		return NULL;
	}
	s = zwd_snap_build(e, why);
	if (!s && !why->n)
		diag_add(why, "snapshot", "%s", strerror(errno));
	return s;
}

/*
 * Bring the kernel in line with @p on the current snapshot.  @full forces a
 * table replacement (start, reload, apply).  On success the model and
 * snapshot are kept; on failure the kernel keeps what it had.
 */
static int zwd_sync(struct zwd_enforce *e, const struct pol_policy *p, bool full,
		    struct diags *why)
{
	int64_t t0 = rt_now_ns(), t1;
	struct cmp_incr *incr = NULL;
	struct cmp_options co;
	struct cmp_snapshot *s;
	struct rs_ruleset *rs;

	diags_init(why);
	s = zwd_snap_now(e, why);
	if (!s)
		return -errno;
	t1 = rt_now_ns();
	e->cost_runs++;
	e->cost_snap_ns += t1 - t0;
	/* what the snapshot left out was logged (zwd_snap_report()) */
	diags_init(why);
	/* most runtime events (kill, die, a superseded inspect, another
	 * namespace's container) leave the snapshot as it was: nothing to do */
	if (!full && e->rs && p == e->pol && cmp_snap_equal(s, e->snap)) {
		e->cost_skipped++;
		cmp_snap_free(s);
		return 0;
	}
	zwd_compile_options(&e->d->cfg, &co);
	/* following the same policy: only what the snapshot's changes touch */
	rs = zwd_compile(p, s, &co, !full && p == e->pol ? e : NULL, &incr, why);
	e->cost_compile_ns += rt_now_ns() - t1;
	if (!rs) {
		cmp_snap_free(s);
		return -EINVAL;
	}
	e->cost_full_compiles += cmp_incr_was_full(incr);
	return zwd_sync_apply(e, s, rs, incr, full, why);
}

void zwd_follow(struct zwd_enforce *e)
{
	char why[512];
	struct diags dg;

	if (zwd_sync(e, e->pol, false, &dg)) {
		diags_summary(&dg, why, sizeof(why));
		snprintf(e->last_error, sizeof(e->last_error), "%s", why);
		zwd_log(LOG_ERR, "cannot follow the runtime: %s (the kernel keeps the last "
			"elements)", why);
		return;
	}
	zwd_unsanctioned_update(e);
}

/*
 * The mapper reports every event of a step (a container's stop brings
 * die, disconnect and stop at once), then NULL: one follow covers them
 * all.  Following per event recompiled for each, and a start's answer
 * waited behind the recompiles of the events before it.
 */
static void zwd_enforce_on_runtime(void *ctx, const struct rt_report *r)
{
	struct zwd_enforce *e = ctx;

	if (r) {
		if (r->kind == RT_REP_EVENT || r->kind == RT_REP_SYNCED)
			e->follow_due = true;
		zwd_start_note(e, r);
		return;
	}
	if (!e->follow_due)
		return;
	e->follow_due = false;
	zwd_follow(e);
	zwd_starts_acked(e);
}

/*
 * Link changes come in bursts (every container start or stop adds or
 * removes a veth, and its peer, and changes the bridge's state): they are
 * coalesced for ZWD_LINK_SETTLE_MS, and the tables are recompiled only when
 * the set of bridges changed.  A container's own bridge already reaches the
 * snapshot through its start event; this catches bridges nobody uses yet.
 * Re-dumping and recompiling per link message kept the loop busy while
 * start events waited behind it.
 */
#define ZWD_LINK_SETTLE_MS 20

static void zwd_enforce_on_link_timer(struct loop *lp, void *arg)
{
	struct zwd_enforce *e = arg;
	bool changed = false;

	loop_timer_set(e->link_timer, 0, 0);
	e->link_armed = false;
	if (zwd_bridges_read(e, &changed) == 0 && changed)
		zwd_follow(e);	/* a new bridge changes the shape: the tables are replaced */
}

static void zwd_enforce_on_links(struct loop *lp, int fd, uint32_t events, void *arg)
{
	struct zwd_enforce *e = arg;

	/* only bridges change the tables' shape; ports come with start events */
	if (link_monitor_drain(e->lm) <= 0 || !link_monitor_bridge_news(e->lm) || e->link_armed)
		return;
	if (e->link_timer && loop_timer_set(e->link_timer, ZWD_LINK_SETTLE_MS, 0) == 0)
		e->link_armed = true;
	else
		zwd_enforce_on_link_timer(lp, e);
}

/* --- lifecycle -------------------------------------------------------------------------- */

int zwd_policy_load(const char *path, bool monitor, struct pol_policy **out, struct diags *dg,
		    struct diags *why)
{
	char line[DIAG_LINE_MAX], where[320];
	struct pol_policy *p;
	int rc = zwd_file_check("policy", path, line, sizeof(line));

	diags_init(dg);
	if (rc) {
		diag_add(why, "", "%s", line);
		return rc;
	}
	p = pol_load(path, dg);
	if (!p) {
		snprintf(where, sizeof(where), "policy %s", path);
		diag_add(why, where, "%s: %s%s", dg->n ? dg->v[0].where : "$",
			 dg->n ? dg->v[0].msg : strerror(errno),
			 dg->n + dg->dropped > 1 ? " (and more; see zonewall validate)" : "");
		return -EINVAL;
	}
	for (size_t i = 0; monitor && i < p->n_zones; i++)
		if (p->zones[i].mode == POL_MODE_ENFORCE)
			p->zones[i].mode = POL_MODE_MONITOR;
	*out = p;
	return 0;
}

/* The policy at @path, with enforcing zones turned to monitoring in monitor mode. */
static int zwd_policy_read(struct zwd_enforce *e, const char *path, struct pol_policy **out,
			   struct diags *why)
{
	struct diags all;

	return zwd_policy_load(path, e->d->cfg.mode == CFG_MODE_MONITOR, out, &all, why);
}

static int zwd_enforce_open(struct zwd_enforce *e, struct diags *why)
{
	int rc;

	e->nc = nft_open();
	if (!e->nc) {
		diag_add(why, "", "cannot open nf_tables netlink: %s", strerror(errno));
		return -errno;
	}
	e->nfl = nflog_open((uint16_t)e->d->cfg.nflog_group, 128);
	if (!e->nfl) {
		diag_add(why, "", "NFLOG group %u: %s%s", e->d->cfg.nflog_group, strerror(errno),
			 errno == EBUSY ? " (another listener has it)" : "");
		return -errno;
	}
	e->nfl_src = loop_fd_add(e->d->loop, nflog_fd(e->nfl), EPOLLIN, zwd_on_nflog, e);
	rc = link_monitor_open(&e->lm);
	if (rc || !e->nfl_src) {
		diag_add(why, "watching links and NFLOG", "%s", strerror(rc ? -rc : errno));
		return rc ? rc : -errno;
	}
	e->lm_src = loop_fd_add(e->d->loop, link_monitor_fd(e->lm), EPOLLIN,
				zwd_enforce_on_links, e);
	e->link_timer = loop_timer_add(e->d->loop, 0, 0, zwd_enforce_on_link_timer, e);
	zwd_denied_open(e);
	return zwd_bridges_read(e, NULL);
}

/*
 * Which traffic the kernel lets the tables judge: said once at start and at
 * each reload (br_netfilter's switches are sysctls anyone may flip), loudly
 * when containers on one bridge are not held to the policy.
 */
void zwd_kernel_probe(struct zwd_enforce *e)
{
	bool same_bridge;
	const char *path;
	int rc = nft_probe(e->nc, &e->kernel);

	e->kernel_probed = rc == 0;
	if (rc) {
		zwd_log(LOG_WARNING, "cannot probe the kernel's paths: %s", strerror(-rc));
		return;
	}
	brnf_features_for(&e->kernel, e->bridges, e->n_bridges);
	path = nft_kernel_path(&e->kernel, &same_bridge);
	zwd_log(same_bridge ? LOG_INFO : LOG_WARNING, "kernel path: %s", path);
}

int zwd_enforce_start(struct zwd *d, struct zwd_enforce **out, char *why, size_t whylen)
{
	struct zwd_enforce *e = calloc(1, sizeof(*e));
	struct diags dg;
	int rc;

	if (!e)
		return -ENOMEM;
	diags_init(&dg);
	*out = e;
	e->d = d;
	if (d->fleet_remote)	/* the fleet's, in the first tables */
		zwd_snap_remote_set(e, d->fleet_remote);
	e->denied_fd = -1;
	snprintf(e->pol_path, sizeof(e->pol_path), "%s", d->cfg.policy);
	rc = zwd_policy_read(e, d->cfg.policy, &e->pol, &dg);
	if (!rc)
		rc = zwd_enforce_open(e, &dg);
	/* the runtime's first sync runs inside zwd_rt_open(), before the first
	 * apply: its report finds e->rs NULL and does the full apply itself */
	if (!rc)
		rc = zwd_rt_open(d, zwd_enforce_on_runtime, e, &e->rt, &dg);
	if (!rc && !e->rs && zwd_rt_ready(e->rt))
		rc = zwd_sync(e, e->pol, true, &dg);
	if (rc && diags_any(&dg))
		diags_summary(&dg, why, whylen);	/* zwd-mode takes one line */
	if (rc)
		return rc;
	zwd_kernel_probe(e);
	if (!e->rs) {
		/* the first answer of the runtime applies it (zwd_follow) */
		zwd_log(LOG_WARNING, "%s: policy %s not applied yet: the container runtime has not "
			"answered; the tables in the kernel stay as they are", cfg_mode_name(d->cfg.mode),
			d->cfg.policy);
		return 0;
	}
	zwd_unsanctioned_update(e);
	zwd_log(LOG_NOTICE, "%s: policy %s applied: %zu endpoints, %zu zones; NFLOG group %u",
		cfg_mode_name(d->cfg.mode), d->cfg.policy, e->snap->n, e->pol->n_zones,
		d->cfg.nflog_group);
	return 0;
}

/* --- apply with a safety net ----------------------------------------------------------- */

static void zwd_apply_rollback(void *arg)
{
	struct zwd_enforce *e = arg;
	struct pol_policy *p = e->prev;
	char why[512];
	struct diags dg;

	e->prev = NULL;
	if (!p)
		return;
	if (zwd_sync(e, p, true, &dg)) {
		diags_summary(&dg, why, sizeof(why));
		zwd_log(LOG_CRIT, "rollback failed: %s (the unconfirmed policy stays)", why);
		pol_free(p);
		return;
	}
	pol_free(e->pol);
	e->pol = p;
	zwd_unsanctioned_update(e);
	zwd_log(LOG_WARNING, "rolled back to the previous policy");
}

static void zwd_apply_confirmed(void *arg)
{
	struct zwd_enforce *e = arg;

	pol_free(e->prev);
	e->prev = NULL;
}

int zwd_enforce_apply_cmd(struct zwd_enforce *e, struct ctl_call *call)
{
	json_t *jp = json_object_get(call->req, "policy"), *jc = json_object_get(call->req,
										  "confirm_within");
	const char *path = jp ? json_string_value(jp) : e->d->cfg.policy;
	unsigned int within = jc ? (unsigned int)json_integer_value(jc) : 0;

	/* a safety net asked for without a time: the configured one */
	if (!within && json_is_true(json_object_get(call->req, "confirm")))
		within = e->d->cfg.confirm_timeout;
	struct pol_policy *p;
	char why[512] = "", what[128];
	struct diags dg;
	int rc;

	if (e->d->pending.armed)
		return ctl_call_fail(call, -EBUSY, "a change already waits for confirm: %s",
				     e->d->pending.what);
	diags_init(&dg);
	rc = zwd_policy_read(e, path, &p, &dg);
	if (rc) {
		diags_summary(&dg, why, sizeof(why));
		return ctl_call_fail(call, rc, "%s (nothing changed)", why);
	}
	rc = zwd_sync(e, p, true, &dg);
	if (rc) {
		diags_summary(&dg, why, sizeof(why));
		pol_free(p);
		return ctl_call_fail(call, rc, "%s (nothing changed)", why);
	}
	e->prev = e->pol;
	e->pol = p;
	zwd_unsanctioned_update(e);
	snprintf(what, sizeof(what), "apply %.100s", path);
	if (within) {
		rc = zwd_pending_arm(e->d, within, what, call->peer, zwd_apply_rollback,
				     zwd_apply_confirmed, e);
		if (rc) {
			zwd_apply_rollback(e);
			return ctl_call_fail(call, rc, "cannot arm the confirm timer: %s",
					     strerror(-rc));
		}
	} else {
		zwd_apply_confirmed(e);
	}
	snprintf(call->detail, sizeof(call->detail), "%s%s", what,
		 within ? " (waiting for confirm)" : "");
	zwd_log(LOG_NOTICE, "%s by %s (uid %u pid %d)%s", what, call->peer->user,
		(unsigned int)call->peer->uid, (int)call->peer->pid,
		within ? ": confirm or it rolls back" : "");
	json_object_set_new(call->reply, "applied", json_string(path));
	json_object_set_new(call->reply, "confirm_within", json_integer(within));
	return 0;
}

const struct cmp_snapshot *zwd_enforce_snapshot(struct zwd_enforce *e)
{
	return e->snap;
}

void zwd_enforce_remote(struct zwd_enforce *e, json_t *remote)
{
	if (zwd_snap_remote_set(e, remote))
		zwd_log(LOG_ERR, "fleet: out of memory reading the other hosts' endpoints: left out "
			"(their addresses in the default zone) until the next change");
	zwd_follow(e);	/* element updates, as for a container's start */
}

void zwd_enforce_free(struct zwd_enforce *e)
{
	if (!e)
		return;
	zwd_rt_free(e->rt);
	loop_source_del(e->nfl_src);
	loop_source_del(e->lm_src);
	loop_source_del(e->link_timer);
	nflog_close(e->nfl);
	link_monitor_free(e->lm);
	nft_close(e->nc);
	rs_ruleset_free(e->rs);
	cmp_snap_free(e->snap);
	cmp_incr_free(e->incr);
	pol_free(e->pol);
	pol_free(e->prev);
	zwd_bridges_drop(e->bridges, e->n_bridges);
	json_decref(e->unsanctioned);
	zwd_snap_remote_free(e);
	mono_free(&e->verdicts);
	free(e->ports);
	if (e->denied_fd >= 0)
		close(e->denied_fd);
	free(e);
}
