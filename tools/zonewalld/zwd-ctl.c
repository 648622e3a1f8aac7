// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * zonewalld's control commands (the table the control socket serves), the
 * reload and confirm machinery, and the metric families.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zonewall/diag.h"
#include "zonewall/hardening.h"
#include "zonewall/timefmt.h"
#include "zwd.h"

/* --- metrics ------------------------------------------------------------------ */

#define ZWD_FAM(field, name, type, help, ...) do {					\
	static const char *const labels_[] = { __VA_ARGS__ };				\
	d->m.field = met_family_add(d->met, name, help, type,				\
				    labels_[0] ? labels_ : NULL);			\
	if (!d->m.field)								\
		return -ENOMEM;								\
} while (0)

int zwd_metrics_init(struct zwd *d)
{
	d->met = met_registry_new();
	if (!d->met)
		return -ENOMEM;
	ZWD_FAM(build_info, "zonewall_build_info", MET_GAUGE,
		"Always 1: the version and mode of this zonewalld", "version", "mode", NULL);
	ZWD_FAM(start_time, "zonewall_start_time_seconds", MET_GAUGE,
		"When zonewalld started, seconds since the epoch", NULL);
	ZWD_FAM(ctl_requests, "zonewall_control_requests_total", MET_COUNTER,
		"Control socket requests run, by command and outcome", "command", "outcome", NULL);
	ZWD_FAM(ctl_refused, "zonewall_control_refused_total", MET_COUNTER,
		"Control socket requests or clients refused, by reason", "reason", NULL);
	ZWD_FAM(ctl_clients, "zonewall_control_clients", MET_GAUGE,
		"Control socket connections open now", NULL);
	ZWD_FAM(reloads, "zonewall_reloads_total", MET_COUNTER,
		"Configuration and policy reloads, by outcome", "outcome", NULL);
	ZWD_FAM(audit_failures, "zonewall_audit_write_failures_total", MET_COUNTER,
		"Audit records that could not be written", NULL);
	ZWD_FAM(http_requests, "zonewall_metrics_http_requests_total", MET_COUNTER,
		"Requests on the metrics port, by result (ok, refused, dropped)", "result", NULL);
	ZWD_FAM(flows_learned, "zonewall_flows_learned_total", MET_COUNTER,
		"Flows (connection initiations) first seen by the learner", NULL);
	ZWD_FAM(flows_tracked, "zonewall_flows_tracked", MET_GAUGE,
		"Flows held in the learner's table now", NULL);
	ZWD_FAM(edges, "zonewall_edges", MET_GAUGE,
		"Edges (identity to identity, proto, port) in the proposal", NULL);
	ZWD_FAM(verdicts, "zonewall_verdicts_total", MET_COUNTER,
		"Logged verdicts per zone pair (accept, refuse, would_refuse)",
		"from_zone", "to_zone", "verdict", NULL);
	ZWD_FAM(capture_drops, "zonewall_capture_drops_total", MET_COUNTER,
		"Packets the kernel dropped before capture, by interface", "interface", NULL);
	ZWD_FAM(runtime_events, "zonewall_runtime_events_total", MET_COUNTER,
		"Container runtime events handled, by action", "action", NULL);
	ZWD_FAM(event_log_followed, "zonewall_runtime_event_log_followed", MET_GAUGE,
		"1 while Podman's event log is followed beside its API stream (events on "
		"time), 0 when the stream alone tells them (up to 250 ms late)", NULL);
	ZWD_FAM(runtime_down, "zonewall_runtime_down", MET_GAUGE,
		"1 while the container runtime has not answered since the start (monitor "
		"and enforce leave the tables in the kernel as they are), else 0", NULL);
	ZWD_FAM(fast_starts, "zonewall_runtime_fast_starts_total", MET_COUNTER,
		"Podman restarts read from the kernel before their inspect, by outcome "
		"(applied, missed: waited for the inspect, mismatched: the inspect disagreed)",
		"outcome", NULL);
	ZWD_FAM(apply_seconds, "zonewall_apply_duration_seconds_sum", MET_COUNTER,
		"Total seconds spent applying rulesets and element updates", NULL);
	ZWD_FAM(apply_total, "zonewall_apply_duration_seconds_count", MET_COUNTER,
		"Rulesets and element updates applied", NULL);
	ZWD_FAM(unsanctioned, "zonewall_unsanctioned_workloads", MET_GAUGE,
		"Running containers whose identity no policy rule or zone knows", NULL);
	ZWD_FAM(checkpoints, "zonewall_checkpoints_total", MET_COUNTER,
		"Proposal checkpoints written, by outcome", "outcome", NULL);
	if (d->cfg.fleet[0]) {
		ZWD_FAM(fleet_reachable, "zonewall_fleet_reachable", MET_GAUGE,
			"1 while etcd answers, 0 while the last policy and endpoints are "
			"enforced without it (fleet_stale)", NULL);
		ZWD_FAM(fleet_epoch, "zonewall_fleet_policy_epoch", MET_GAUGE,
			"The fleet policy epoch this host enforces", NULL);
		ZWD_FAM(fleet_remote, "zonewall_fleet_remote_endpoints", MET_GAUGE,
			"Other hosts' endpoint records this host holds", NULL);
	}
	met_set(met_series_get2(d->m.build_info, PACKAGE_VERSION, cfg_mode_name(d->cfg.mode)), 1);
	met_set(met_scalar(d->m.start_time), (double)d->start_wall);
	return 0;
}

void zwd_metrics_refresh(void *arg)
{
	struct zwd *d = arg;
	uint64_t ok, refused, dropped;

	met_set(met_scalar(d->m.ctl_clients), d->ctl ? ctl_clients(d->ctl) : 0);
	met_http_stats(d->http, &ok, &refused, &dropped);
	met_set(met_series_get1(d->m.http_requests, "ok"), ok);
	met_set(met_series_get1(d->m.http_requests, "refused"), refused);
	met_set(met_series_get1(d->m.http_requests, "dropped"), dropped);
	zwd_mode_metrics(d);
	zwd_fleet_metrics(d);
}

static void zwd_ctl_refused(void *arg, enum ctl_refusal r)
{
	struct zwd *d = arg;

	met_inc(met_series_get1(d->m.ctl_refused, ctl_refusal_name(r)));
}

static void zwd_ctl_called(void *arg, const char *cmd, bool ok)
{
	struct zwd *d = arg;

	met_inc(met_series_get2(d->m.ctl_requests, cmd, ok ? "ok" : "failed"));
}

static void zwd_ctl_log(void *arg, int prio, const char *msg)
{
	zwd_log(prio, "%s", msg);
}

/* --- reload ----------------------------------------------------------------------- */

/* Keys bound to what setup made (sockets, files, the mode's machinery). */
static void zwd_restart_keys(const struct cfg *a, const struct cfg *b, char *out, size_t size)
{
	size_t n = 0;

	out[0] = '\0';
#define ZWD_CMP(cond, key) do {							\
	if ((cond) && n < size)							\
		n += snprintf(out + n, size - n, "%s%s", n ? ", " : "", key);	\
} while (0)
	ZWD_CMP(a->mode != b->mode, "mode");
	ZWD_CMP(strcmp(a->control_socket, b->control_socket), "control_socket");
	ZWD_CMP(strcmp(a->control_group, b->control_group), "control_group");
	ZWD_CMP(strcmp(a->audit_log, b->audit_log), "audit_log");
	ZWD_CMP(strcmp(a->metrics_listen, b->metrics_listen), "metrics_listen");
	ZWD_CMP(strcmp(a->state_dir, b->state_dir), "state_dir");
	ZWD_CMP(strcmp(a->runtime, b->runtime), "runtime");
	ZWD_CMP(strcmp(a->runtime_event_log, b->runtime_event_log), "runtime_event_log");
	ZWD_CMP(a->runtime_fast_start != b->runtime_fast_start, "runtime_fast_start");
	ZWD_CMP(a->nflog_group != b->nflog_group, "nflog_group");
	ZWD_CMP(strcmp(a->fleet, b->fleet) || strcmp(a->fleet_prefix, b->fleet_prefix) ||
		strcmp(a->fleet_host, b->fleet_host) || strcmp(a->fleet_user, b->fleet_user) ||
		strcmp(a->fleet_password_file, b->fleet_password_file) ||
		strcmp(a->fleet_ca, b->fleet_ca) || strcmp(a->fleet_cert, b->fleet_cert) ||
		strcmp(a->fleet_key, b->fleet_key) || a->fleet_lease_ttl != b->fleet_lease_ttl,
		"fleet");
#undef ZWD_CMP
}

/* Keep what cannot change without a restart; take the rest. */
static void zwd_cfg_merge(struct cfg *next, const struct cfg *cur)
{
	next->mode = cur->mode;
	strcpy(next->control_socket, cur->control_socket);
	strcpy(next->control_group, cur->control_group);
	strcpy(next->audit_log, cur->audit_log);
	strcpy(next->metrics_listen, cur->metrics_listen);
	strcpy(next->state_dir, cur->state_dir);
	strcpy(next->runtime, cur->runtime);
	strcpy(next->runtime_event_log, cur->runtime_event_log);
	next->runtime_fast_start = cur->runtime_fast_start;
	next->nflog_group = cur->nflog_group;
	/* the fleet's keys, and with them where the fleet's policy is kept */
	memcpy(next->fleet, cur->fleet, sizeof(next->fleet));
	memcpy(next->fleet_prefix, cur->fleet_prefix, sizeof(next->fleet_prefix));
	memcpy(next->fleet_host, cur->fleet_host, sizeof(next->fleet_host));
	memcpy(next->fleet_user, cur->fleet_user, sizeof(next->fleet_user));
	memcpy(next->fleet_password_file, cur->fleet_password_file, sizeof(next->fleet_password_file));
	memcpy(next->fleet_ca, cur->fleet_ca, sizeof(next->fleet_ca));
	memcpy(next->fleet_cert, cur->fleet_cert, sizeof(next->fleet_cert));
	memcpy(next->fleet_key, cur->fleet_key, sizeof(next->fleet_key));
	next->fleet_lease_ttl = cur->fleet_lease_ttl;
	if (cur->policy_from_fleet || next->policy_from_fleet) {
		memcpy(next->policy, cur->policy, sizeof(next->policy));
		next->policy_from_fleet = cur->policy_from_fleet;
	}
}

static int zwd_reload_cfg(struct zwd *d, struct cfg *next, char *why, size_t whylen)
{
	struct cfg_diags diags;
	int err;

	err = zwd_file_check("config", d->config_path, why, whylen);
	if (err)
		return err;
	err = cfg_load(next, d->config_path, &diags);
	if (err) {
		snprintf(why, whylen, "%s:%u: %s%s", d->config_path,
			 diags.n ? diags.v[0].line : 0, diags.n ? diags.v[0].msg : strerror(-err),
			 diags.n > 1 ? " (and more; see zonewalld --check-config)" : "");
		return err;
	}
	if (next->policy[0] && d->cfg.mode != CFG_MODE_LEARN)
		err = zwd_file_check("policy", next->policy, why, whylen);
	return err;
}

struct zwd_reload {
	struct cfg next;
	char restart[160];		/* keys that need a restart (kept as they were) */
	struct ctl_peer peer;
	const char *via;		/* "socket" or "signal" */
	struct ctl_later *later;	/* the socket's call to answer, or NULL */
};

static void zwd_reload_audit_signal(struct zwd *d, const struct zwd_reload *r, int err,
				    const char *why)
{
	int aerr;

	/* The socket path audits through ctl; a signal has no ctl call to ride on. */
	if (strcmp(r->via, "signal"))
		return;
	aerr = ctl_audit_write(d->audit, &r->peer, r->via, "reload", NULL, err ? why : NULL,
			       err ? NULL : why);
	if (aerr) {
		met_inc(met_scalar(d->m.audit_failures));
		zwd_log(LOG_ERR, "audit log: cannot record reload: %s", strerror(-aerr));
	}
}

/* The end of the reload d->reload: take or keep, record, log; frees it. */
static void zwd_reload_end(struct zwd *d, int err, char *why, size_t whylen)
{
	struct zwd_reload *r = d->reload;
	char when[40];

	if (!err) {
		d->cfg = r->next;
		zwd_log_setup(d->cfg.log_target, d->cfg.log_json, d->foreground);
		if (r->restart[0])
			snprintf(why, whylen, "restart needed for: %s (kept as they were)",
				 r->restart);
	}
	d->reloads++;
	if (err)
		d->reload_failures++;
	met_inc(met_series_get1(d->m.reloads, err ? "failed" : "ok"));
	tfmt_rfc3339(when, sizeof(when), time(NULL), 0, TFMT_S);
	snprintf(d->last_reload, sizeof(d->last_reload), "%s by %s via %s: %s%s%.400s", when,
		 r->peer.user, r->via, err ? "failed" : "ok", why[0] ? ": " : "", why);
	zwd_log(err ? LOG_ERR : LOG_NOTICE, "reload by %s (uid %u pid %d, %s): %s%s%s",
		r->peer.user, (unsigned int)r->peer.uid, (int)r->peer.pid, r->via,
		err ? "failed" : "ok", why[0] ? ": " : "", why);
	zwd_reload_audit_signal(d, r, err, why);
	d->reload = NULL;
	free(r);
}

/* Every problem as "WHERE: WHAT", and how many were past the list's end. */
static json_t *zwd_problems_json(const struct diags *dg)
{
	json_t *a = json_array();
	char line[DIAG_LINE_MAX];

	for (size_t i = 0; a && i < dg->n; i++) {
		snprintf(line, sizeof(line), "%s%s%s", dg->v[i].where, dg->v[i].where[0] ? ": " : "",
			 dg->v[i].msg);
		json_array_append_new(a, json_string(line));
	}
	if (a && dg->dropped) {
		snprintf(line, sizeof(line), "(%zu more problems)", dg->dropped);
		json_array_append_new(a, json_string(line));
	}
	return a;
}

/* The reply of a reload call that ended with @err, @why and @problems (may be NULL). */
static int zwd_reload_answer(struct ctl_call *call, int err, const char *why,
			     const struct diags *problems)
{
	if (err && problems && problems->n)
		json_object_set_new(call->reply, "errors", zwd_problems_json(problems));
	if (err)
		return ctl_call_fail(call, err, "%s", why);
	snprintf(call->detail, sizeof(call->detail), "%s", why);
	if (why[0])
		json_object_set_new(call->reply, "note", json_string(why));
	/* said apart from the note, so a client can tell a partial reload */
	json_object_set_new(call->reply, "restart_needed",
			    json_boolean(!strncmp(why, "restart needed", 14)));
	return 0;
}

/* The mode's part ended: on the loop, after zwd_reload_begin() returned. */
static void zwd_reload_done(struct zwd *d, int err, const char *why,
			    const struct diags *problems)
{
	struct ctl_later *later;
	char text[512];

	if (!d->reload)
		return;
	later = d->reload->later;
	snprintf(text, sizeof(text), "%s", why);
	zwd_reload_end(d, err, text, sizeof(text));
	if (later)
		ctl_later_done(later, zwd_reload_answer(ctl_later_call(later), err, text,
							problems));
}

int zwd_reload_begin(struct zwd *d, const struct ctl_peer *peer, const char *via,
		     struct ctl_later *later, char *why, size_t whylen)
{
	struct zwd_reload *r;
	int err;

	why[0] = '\0';
	if (d->reload) {
		snprintf(why, whylen, "a reload is in progress (by %s via %s): try again when it "
			 "ended", d->reload->peer.user, d->reload->via);
		zwd_log(LOG_WARNING, "reload by %s (uid %u pid %d, %s) refused: %s", peer->user,
			(unsigned int)peer->uid, (int)peer->pid, via, why);
		return -EBUSY;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	r->peer = *peer;
	r->via = via;
	r->later = later;
	d->reload = r;
	err = zwd_reload_cfg(d, &r->next, why, whylen);
	if (!err) {
		zwd_restart_keys(&d->cfg, &r->next, r->restart, sizeof(r->restart));
		zwd_cfg_merge(&r->next, &d->cfg);
		err = zwd_mode_reload_start(d, &r->next, zwd_reload_done, why, whylen);
	}
	if (err == ZWD_RELOAD_RUNNING) {
		zwd_log(LOG_INFO, "reload by %s (uid %u pid %d, %s): compiling %s", peer->user,
			(unsigned int)peer->uid, (int)peer->pid, via, r->next.policy);
		return err;
	}
	zwd_reload_end(d, err, why, whylen);
	return err;
}

/* --- commands ------------------------------------------------------------------------------ */

static int zwd_cmd_ping(struct ctl_call *call, void *arg)
{
	json_object_set_new(call->reply, "pong", json_true());
	json_object_set_new(call->reply, "version", json_string(PACKAGE_VERSION));
	return 0;
}

static int zwd_cmd_status(struct ctl_call *call, void *arg)
{
	struct zwd *d = arg;
	json_t *o = call->reply;
	char when[40];

	tfmt_rfc3339(when, sizeof(when), d->start_wall, 0, TFMT_S);
	json_object_set_new(o, "version", json_string(PACKAGE_VERSION));
	json_object_set_new(o, "mode", json_string(cfg_mode_name(d->cfg.mode)));
	json_object_set_new(o, "pid", json_integer(getpid()));
	json_object_set_new(o, "started", json_string(when));
	json_object_set_new(o, "uptime_s",
			    json_integer((loop_now_ms() - d->start_mono_ms) / 1000));
	json_object_set_new(o, "config", json_string(d->config_path));
	json_object_set_new(o, "policy", d->cfg.policy[0] ? json_string(d->cfg.policy) :
			    json_null());
	json_object_set_new(o, "control_group", d->group_found ?
			    json_string(d->cfg.control_group) : json_null());
	json_object_set_new(o, "metrics_listen", d->cfg.metrics_listen[0] ?
			    json_string(d->cfg.metrics_listen) : json_null());
	json_object_set_new(o, "reloads", json_integer(d->reloads));
	json_object_set_new(o, "reload_failures", json_integer(d->reload_failures));
	json_object_set_new(o, "last_reload", d->last_reload[0] ?
			    json_string(d->last_reload) : json_null());
	json_object_set_new(o, "reload_in_progress", json_boolean(d->reload != NULL));
	json_object_set_new(o, "clients", json_integer(ctl_clients(d->ctl)));
	json_object_set_new(o, "denied_subscribers",
			    json_integer(ctl_subscribers(d->ctl, "denied")));
	json_object_set_new(o, "confirm", zwd_pending_json(d));
	zwd_mode_status(d, o);
	zwd_fleet_status(d, o);
	return 0;
}

static int zwd_cmd_metrics(struct ctl_call *call, void *arg)
{
	struct zwd *d = arg;
	size_t len;
	char *text;
	int err;

	zwd_metrics_refresh(d);
	err = met_render(d->met, &text, &len);
	if (err)
		return ctl_call_fail(call, err, "cannot render metrics: %s", strerror(-err));
	json_object_set_new(call->reply, "metrics", json_stringn(text, len));
	free(text);
	return 0;
}

/* The reply waits for the reload's end: compiling a large policy runs off
 * the loop, and the caller hears the real outcome. */
static int zwd_cmd_reload(struct ctl_call *call, void *arg)
{
	struct ctl_later *later = ctl_call_defer(call);
	struct zwd *d = arg;
	char why[512];
	int err;

	if (!later)
		return ctl_call_fail(call, -ENOMEM, "out of memory");
	err = zwd_reload_begin(d, call->peer, "socket", later, why, sizeof(why));
	if (err == ZWD_RELOAD_RUNNING)
		return CTL_DEFERRED;
	return zwd_reload_answer(call, err, why, NULL);
}

static int zwd_cmd_confirm(struct ctl_call *call, void *arg)
{
	struct zwd *d = arg;
	struct zwd_pending p = d->pending;

	if (!p.armed)
		return ctl_call_fail(call, -ENOENT, "nothing to confirm: no change is pending");
	zwd_pending_disarm(d);
	if (p.confirmed)
		p.confirmed(p.arg);
	snprintf(call->detail, sizeof(call->detail), "%s (applied by %s)", p.what, p.by.user);
	zwd_log(LOG_NOTICE, "confirmed by %s (uid %u pid %d): %s", call->peer->user,
		(unsigned int)call->peer->uid, (int)call->peer->pid, p.what);
	json_object_set_new(call->reply, "confirmed", json_string(p.what));
	return 0;
}

static int zwd_cmd_denied(struct ctl_call *call, void *arg)
{
	struct zwd *d = arg;
	json_t *follow = json_object_get(call->req, "follow");

	if (follow && json_is_false(follow)) {
		json_object_set(call->reply, "events", d->denied_recent);
		return 0;
	}
	call->subscribe = "denied";
	json_object_set_new(call->reply, "follow", json_true());
	/* learn mode installs nothing: a client can say nothing will be refused */
	json_object_set_new(call->reply, "mode", json_string(cfg_mode_name(d->cfg.mode)));
	return 0;
}

static const struct ctl_command zwd_commands[] = {
	{ .name = "ping", .handle = zwd_cmd_ping },
	{ .name = "status", .handle = zwd_cmd_status },
	{ .name = "metrics", .handle = zwd_cmd_metrics },
	{ .name = "reload", .flags = CTL_CMD_AUDIT, .handle = zwd_cmd_reload },
	{ .name = "confirm", .flags = CTL_CMD_AUDIT, .handle = zwd_cmd_confirm },
	{ .name = "denied", .handle = zwd_cmd_denied,
	  .args = { { .name = "follow", .type = CTL_ARG_BOOL } } },
	{ .name = "apply", .flags = CTL_CMD_AUDIT, .handle = zwd_mode_apply,
	  .args = { { .name = "policy", .type = CTL_ARG_STRING },
		    { .name = "confirm_within", .type = CTL_ARG_INT, .min = 0, .max = 86400 },
		    { .name = "confirm", .type = CTL_ARG_BOOL } } },
	{ .name = NULL },
};

void zwd_ctl_ops(struct zwd *d, struct ctl_ops *ops)
{
	memset(ops, 0, sizeof(*ops));
	ops->commands = zwd_commands;
	ops->arg = d;
	ops->log = zwd_ctl_log;
	ops->refused = zwd_ctl_refused;
	ops->called = zwd_ctl_called;
}
