// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon in a fleet (cfg.fleet), the loop's side (see zwd-fleet.h):
 * the worker thread (zwd-fleet-worker.c) does all of etcd's I/O, so that
 * a slow or absent etcd never stalls the loop (control socket, runtime
 * events, NFLOG).  It keeps this host's report under PREFIX/hosts/HOST on
 * a lease (gone from its peers' view when the daemon dies or stays cut off
 * past fleet_lease_ttl), and follows the fleet: a new policy epoch is
 * fetched, checked against its digest and written to state_dir's copy,
 * then the loop is woken through an eventfd and applies it like a reload
 * (one transaction; on failure the tables stay as they were and the
 * report says so); the others' endpoints go into the mode's tables as
 * element updates.  This host's endpoints go the other way: the mode says
 * when its snapshot changed (d->local_changed) and the worker puts them.
 *
 * Fail-safe: etcd decides no verdict.  Away, the last policy stays
 * enforced and the report (once etcd is back) says fleet_stale meanwhile.
 * At start, a host without a copy of the fleet's policy fetches it first;
 * in monitor and enforce modes it refuses to start without one (nothing
 * is installed; its unit restarts it), since compiling no policy would
 * put every container in the default zone.
 */

#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <curl/curl.h>

#include "zwd-fleet.h"
#include "zonewall/compile.h"
#include "zonewall/fileio.h"

/* --- the loop's side ---------------------------------------------------------------- */

/* The report's fields the loop knows: mode, state, epoch, endpoints. */
static void zwd_fleet_report_update(struct zwd_fleet *f)
{
	struct zwd *d = f->d;
	const char *state = "ready";
	uint64_t endpoints;

	pthread_mutex_lock(&f->mu);
	endpoints = json_object_size(f->want);	/* this host's containers */
	if (!f->reachable)
		state = "fleet_stale";
	else if (f->apply_error[0])
		state = "apply_failed";
	/* the count of endpoints rides on the next renewal: a container's
	 * start costs the fleet one write, its own record */
	if (strcmp(f->report.state, state) || f->report.epoch != f->applied) {
		f->dirty = true;
		etcd_wakeup(f->etcd);
	}
	snprintf(f->report.mode, sizeof(f->report.mode), "%s", cfg_mode_name(d->cfg.mode));
	snprintf(f->report.state, sizeof(f->report.state), "%s", state);
	f->report.epoch = f->applied;
	snprintf(f->report.digest, sizeof(f->report.digest), "%s", f->applied_digest);
	f->report.endpoints = endpoints;
	pthread_mutex_unlock(&f->mu);
}

/* A fetched epoch: apply it as a reload would (monitor and enforce). */
static void zwd_fleet_apply(struct zwd_fleet *f, const struct fleet_epoch *ep)
{
	struct zwd *d = f->d;
	char why[512];
	int rc = 0;

	if (d->cfg.mode != CFG_MODE_LEARN)
		rc = zwd_mode_reload(d, &d->cfg, why, sizeof(why));
	if (rc) {
		snprintf(f->apply_error, sizeof(f->apply_error), "epoch %" PRIu64 ": %s",
			 ep->epoch, why);
		zwd_log(LOG_ERR, "fleet: policy epoch %" PRIu64 " not applied: %s (epoch %" PRIu64
			" stays)", ep->epoch, why, f->applied);
		return;
	}
	f->apply_error[0] = '\0';
	f->applied = ep->epoch;
	snprintf(f->applied_digest, sizeof(f->applied_digest), "%s", ep->digest);
	zwd_log(LOG_NOTICE, "fleet: policy epoch %" PRIu64 " (%.12s) %s", ep->epoch, ep->digest,
		d->cfg.mode == CFG_MODE_LEARN ? "kept (learn mode enforces nothing)" : "applied");
}

static void zwd_fleet_on_news(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct zwd_fleet *f = arg;
	struct fleet_epoch ep;
	char error[640];
	json_t *remote;
	uint64_t n;
	bool up;

	if (read(fd, &n, sizeof(n)) < 0)
		return;
	pthread_mutex_lock(&f->mu);
	ep = f->fetched;
	up = f->reachable;
	snprintf(error, sizeof(error), "%s", f->error);
	pthread_mutex_unlock(&f->mu);
	if (up != f->was_reachable) {
		if (up)
			zwd_log(LOG_NOTICE, "fleet: etcd answers again");
		else
			zwd_log(LOG_WARNING, "fleet: etcd unreachable (%s): the last policy "
				"(epoch %" PRIu64 ") stays enforced", error, f->applied);
		f->was_reachable = up;
	}
	pthread_mutex_lock(&f->mu);
	remote = f->remote_news ? json_incref(f->remote) : NULL;
	f->remote_news = false;
	pthread_mutex_unlock(&f->mu);
	if (remote) {
		zwd_mode_remote(f->d, remote);
		json_decref(remote);
	}
	if (ep.epoch && ep.epoch != f->applied && strcmp(ep.digest, f->applied_digest))
		zwd_fleet_apply(f, &ep);
	else if (ep.epoch != f->applied) {
		f->applied = ep.epoch;	/* the same policy re-pushed under a new epoch */
		f->apply_error[0] = '\0';	/* (a rollback): this host enforces it */
	}
	zwd_fleet_report_update(f);
}

/* This host's containers in the snapshot the kernel holds, as records. */
static json_t *zwd_fleet_local(struct zwd_fleet *f)
{
	const struct cmp_snapshot *s = zwd_mode_snapshot(f->d);
	json_t *o = json_object();
	char *key, *value;

	for (size_t i = 0; o && s && i < s->n; i++) {
		if (strncmp(s->w[i]->origin ? s->w[i]->origin : "", "container ", 10) ||
		    fleet_endpoint_record(f->prefix, f->host, s->w[i], &key, &value))
			continue;
		json_object_set_new(o, key, json_string(value));
		free(key);
		free(value);
	}
	return o;
}

/* This host's endpoints to the worker, when they changed. */
static void zwd_fleet_want_update(struct zwd_fleet *f)
{
	json_t *want = zwd_fleet_local(f);

	pthread_mutex_lock(&f->mu);
	if (want && !json_equal(want, f->want)) {
		json_decref(f->want);
		f->want = json_incref(want);
		etcd_wakeup(f->etcd);
	}
	pthread_mutex_unlock(&f->mu);
	json_decref(want);
}

static void zwd_fleet_local_changed(struct zwd *d)
{
	if (d->fleet && d->fleet->th_started)
		zwd_fleet_want_update(d->fleet);
}

/* The report's fields, and (learn mode, whose snapshot is read, not kept)
 * this host's endpoints. */
static void zwd_fleet_on_tick(struct loop *l, void *arg)
{
	struct zwd_fleet *f = arg;

	zwd_fleet_report_update(f);
	if (f->d->cfg.mode == CFG_MODE_LEARN)
		zwd_fleet_want_update(f);
}

/* --- start and stop --------------------------------------------------------------- */

/* The endpoints the mode starts with: as just listed, else as last kept. */
static void zwd_fleet_remote_first(struct zwd_fleet *f, bool listed)
{
	char path[PATH_MAX], *text = NULL;
	size_t len;

	if (listed) {
		f->d->fleet_remote = json_incref(f->remote);
		f->remote_news = false;
		return;
	}
	zwd_fleet_remote_path(f->d, path, sizeof(path));
	if (!path[0] || fio_read_all(path, 256u << 20, &text, &len))
		return;
	f->d->fleet_remote = json_loadb(text, len, 0, NULL);
	if (!json_is_array(f->d->fleet_remote)) {
		json_decref(f->d->fleet_remote);
		f->d->fleet_remote = NULL;
	}
	free(text);
}

/* The first round, before the mode starts: the policy copy brought up to date. */
static int zwd_fleet_first(struct zwd_fleet *f, char *why, size_t whylen)
{
	struct zwd *d = f->d;
	struct diags dg;
	int rc;

	diags_init(&dg);
	rc = zwd_fleet_resync(f, &dg);	/* the others' endpoints go into the first tables */
	zwd_fleet_outcome(f, rc, &dg);
	f->was_reachable = f->reachable;
	zwd_fleet_remote_first(f, rc == 0);
	if (d->cfg.mode == CFG_MODE_LEARN || !access(d->cfg.policy, F_OK)) {
		if (rc)
			zwd_log(LOG_WARNING, "fleet: etcd unreachable at start (%s): enforcing this "
				"host's copy of the fleet's policy, epoch %" PRIu64, f->error,
				f->fetched.epoch);
		return 0;
	}
	if (rc)
		snprintf(why, whylen, "fleet: no copy of the fleet's policy on this host and etcd "
			 "unreachable (%s): nothing installed", f->error);
	else
		snprintf(why, whylen, "fleet: no policy pushed to %s yet (zonewall fleet push): "
			 "nothing installed", f->prefix);
	return -ENOENT;
}

static int zwd_fleet_init(struct zwd *d, struct zwd_fleet *f, char *why, size_t whylen)
{
	struct etcd_conf ec;
	struct diags dg;
	int rc;

	diags_init(&dg);
	rc = cfg_fleet_etcd(&d->cfg, &ec, f->host, sizeof(f->host), &dg);
	if (!rc)
		rc = etcd_open(&ec, &f->etcd);
	explicit_bzero(ec.password, sizeof(ec.password));
	if (rc) {
		snprintf(why, whylen, "fleet: %s: %s", dg.n ? dg.v[0].where : d->cfg.fleet,
			 dg.n ? dg.v[0].msg : strerror(-rc));
		return rc;
	}
	snprintf(f->prefix, sizeof(f->prefix), "%s", d->cfg.fleet_prefix);
	f->ttl = d->cfg.fleet_lease_ttl;
	snprintf(f->report.host, sizeof(f->report.host), "%s", f->host);
	f->report.pid = getpid();
	f->published = json_object();
	f->view = fleet_view_new(f->prefix, f->host);
	if (!f->published || !f->view)
		return -ENOMEM;
	f->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (f->efd < 0)
		return -errno;
	zwd_fleet_meta_read(d, &f->fetched);
	if (d->cfg.mode == CFG_MODE_LEARN &&
	    snprintf(f->proposal, sizeof(f->proposal), "%s/proposal.json", d->cfg.state_dir) >=
		    (int)sizeof(f->proposal))
		f->proposal[0] = '\0';
	return 0;
}

int zwd_fleet_start(struct zwd *d, char *why, size_t whylen)
{
	struct zwd_fleet *f;
	int rc;

	if (!d->cfg.fleet[0])
		return 0;
	curl_global_init(CURL_GLOBAL_DEFAULT);	/* before a second thread uses curl */
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->d = d;
	f->efd = -1;
	d->fleet = f;
	pthread_mutex_init(&f->mu, NULL);
	rc = zwd_fleet_init(d, f, why, whylen);
	if (!rc)
		rc = zwd_fleet_first(f, why, whylen);
	if (rc)
		return rc;
	/* the copy the mode starts with is the epoch it enforces */
	f->applied = f->fetched.epoch;
	snprintf(f->applied_digest, sizeof(f->applied_digest), "%s", f->fetched.digest);
	return 0;
}

int zwd_fleet_run(struct zwd *d, char *why, size_t whylen)
{
	struct zwd_fleet *f = d->fleet;
	uint64_t every = 1000;	/* the local endpoints and the report, from the loop */
	int rc;

	if (!f)
		return 0;
	if (d->cfg.mode == CFG_MODE_LEARN && d->fleet_remote)
		zwd_mode_remote(d, d->fleet_remote);	/* (monitor and enforce took them at start) */
	zwd_fleet_report_update(f);
	f->src = loop_fd_add(d->loop, f->efd, EPOLLIN, zwd_fleet_on_news, f);
	f->tick = loop_timer_add(d->loop, every, every, zwd_fleet_on_tick, f);
	if (!f->src || !f->tick) {
		snprintf(why, whylen, "fleet: %s", strerror(errno));
		return -errno;
	}
	rc = pthread_create(&f->th, NULL, zwd_fleet_worker, f);
	if (rc) {
		snprintf(why, whylen, "fleet: cannot start its thread: %s", strerror(rc));
		return -rc;
	}
	f->th_started = true;
	d->local_changed = zwd_fleet_local_changed;
	zwd_fleet_want_update(f);	/* what the mode's start found */
	zwd_log(LOG_NOTICE, "fleet: host %s in %s at %s, policy epoch %" PRIu64, f->host,
		f->prefix, d->cfg.fleet, f->applied);
	return 0;
}

void zwd_fleet_status(struct zwd *d, json_t *o)
{
	struct zwd_fleet *f = d->fleet;
	json_t *j;

	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	j = json_pack("{s:s, s:s, s:s, s:b, s:b, s:s?, s:I, s:I, s:s?, s:I, s:I, s:I}", "host",
		      f->host, "prefix", f->prefix, "state", f->report.state, "reachable", f->reachable,
		      "watching", f->watching,
		      "error", f->error[0] ? f->error : NULL, "epoch", (json_int_t)f->applied,
		      "fleet_epoch", (json_int_t)f->seen_epoch,
		      "apply_error", f->apply_error[0] ? f->apply_error : NULL,
		      "lease", (json_int_t)f->lease,
		      "endpoints_published", (json_int_t)f->n_published,
		      "remote_endpoints", (json_int_t)f->n_remote);
	if (j && f->prop_note[0])
		json_object_set_new(j, "proposal", json_string(f->prop_note));
	pthread_mutex_unlock(&f->mu);
	json_object_set_new(o, "fleet", j);
}

void zwd_fleet_metrics(struct zwd *d)
{
	struct zwd_fleet *f = d->fleet;

	if (!f)
		return;
	pthread_mutex_lock(&f->mu);
	met_set(met_scalar(d->m.fleet_reachable), f->reachable ? 1 : 0);
	met_set(met_scalar(d->m.fleet_epoch), (double)f->applied);
	met_set(met_scalar(d->m.fleet_remote), (double)f->n_remote);
	pthread_mutex_unlock(&f->mu);
}

void zwd_fleet_free(struct zwd *d)
{
	struct zwd_fleet *f = d->fleet;
	struct diags dg;

	if (!f)
		return;
	d->local_changed = NULL;
	if (f->th_started) {
		pthread_mutex_lock(&f->mu);
		f->stop = true;
		etcd_wakeup(f->etcd);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->th, NULL);
	}
	if (f->etcd)
		zwd_fleet_cache_write(f);	/* the view's last change, if not yet kept */
	/* an orderly stop leaves the fleet at once, not a lease's time later */
	diags_init(&dg);
	if (f->lease)
		etcd_lease_revoke(f->etcd, f->lease, &dg);
	loop_source_del(f->src);
	loop_source_del(f->tick);
	if (f->efd >= 0)
		close(f->efd);
	etcd_close(f->etcd);
	json_decref(f->want);
	json_decref(f->remote);
	json_decref(f->published);
	fleet_view_free(f->view);
	pthread_mutex_destroy(&f->mu);
	free(f);
	d->fleet = NULL;
	json_decref(d->fleet_remote);
	d->fleet_remote = NULL;
}
