// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon in a fleet (cfg.fleet): a worker thread does all of etcd's
 * I/O, so that a slow or absent etcd never stalls the loop (control
 * socket, runtime events, NFLOG).  It keeps this host's report under
 * PREFIX/hosts/HOST on a lease (gone from its peers' view when the daemon
 * dies or stays cut off past fleet_lease_ttl), and follows the fleet's
 * policy: a new epoch is fetched, checked against its digest and written
 * to state_dir's copy, then the loop is woken through an eventfd and
 * applies it like a reload (one transaction; on failure the tables stay
 * as they were and the report says so).
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
#include <sys/stat.h>
#include <curl/curl.h>

#include "zwd.h"
#include "zonewall/compile.h"
#include "zonewall/fileio.h"
#include "zonewall/fleet.h"
#include "zonewall/timefmt.h"

#define ZWD_FLEET_POLL_MS 1000		/* how often the policy's epoch is read */
#define ZWD_FLEET_PROPOSAL_MAX (64u << 20)	/* larger: not shared (etcd's store is small) */

struct zwd_fleet {
	struct zwd *d;
	struct etcd *etcd;		/* the worker's (the loop never calls etcd) */
	char prefix[128], host[64];
	long ttl;
	pthread_t th;
	bool th_started;
	int efd;			/* worker -> loop: news */
	struct loop_source *src, *tick;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* --- under mu ---------------------------------------------------- */
	bool stop;
	bool dirty;			/* the report changed: publish it now */
	struct fleet_host report;	/* what the loop wants published */
	struct fleet_epoch fetched;	/* the epoch in the policy copy */
	bool reachable;
	char error[400];		/* the last failure, "" once reachable again */
	int64_t lease;
	uint64_t seen_epoch;		/* the fleet's current epoch, last read */
	json_t *want;			/* this host's endpoints to publish: {key: record} */
	json_t *remote;			/* the others', for the loop: [{key, value, host}] */
	bool remote_news;
	size_t n_published, n_remote;
	/* --- the worker's own ------------------------------------------------ */
	json_t *published;		/* {key: record} as put on pub_lease */
	int64_t pub_lease;
	int64_t remote_rev;		/* etcd's revision at the last list */
	size_t remote_total;		/* keys under endpoints/ then */
	char *remote_text;		/* the last list handed over, as text */
	char proposal[PATH_MAX];	/* learn mode: the proposal to share, "" otherwise */
	struct timespec prop_mtime;	/* of the one last stored */
	off_t prop_size;
	char prop_note[160];		/* under mu: what became of the last one */
	/* --- the loop's own ---------------------------------------------- */
	uint64_t applied;		/* epoch enforced (0: none) */
	char applied_digest[SHA256_HEX_LEN];
	char apply_error[600];
	bool was_reachable;
};

/* --- the policy copy in state_dir ---------------------------------------------- */

static void zwd_fleet_meta_path(const struct zwd *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s.epoch", d->cfg.policy);
}

/* The epoch record kept beside the copy: which epoch the copy is. */
static void zwd_fleet_meta_read(const struct zwd *d, struct fleet_epoch *ep)
{
	char path[PATH_MAX + 8], *text = NULL;
	json_t *j;
	size_t n;

	memset(ep, 0, sizeof(*ep));
	zwd_fleet_meta_path(d, path, sizeof(path));
	if (fio_read_all(path, 4096, &text, &n))
		return;
	j = json_loadb(text, n, 0, NULL);
	if (json_is_integer(json_object_get(j, "epoch")) &&
	    json_is_string(json_object_get(j, "digest"))) {
		ep->epoch = (uint64_t)json_integer_value(json_object_get(j, "epoch"));
		snprintf(ep->digest, sizeof(ep->digest), "%s",
			 json_string_value(json_object_get(j, "digest")));
	}
	json_decref(j);
	free(text);
}

/* Write the copy, then its record (a crash between leaves a copy whose
 * record is older: fetched again at the next start). */
static int zwd_fleet_copy_write(const struct zwd *d, const struct fleet_epoch *ep,
				const char *text, size_t len)
{
	char path[PATH_MAX + 8], *meta;
	int rc = fio_write_atomic(d->cfg.policy, text, len);
	json_t *j;

	if (rc)
		return rc;
	j = json_pack("{s:I, s:s, s:s}", "epoch", (json_int_t)ep->epoch, "digest", ep->digest,
		      "pushed_at", ep->pushed_at);
	meta = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(j);
	if (!meta)
		return -ENOMEM;
	zwd_fleet_meta_path(d, path, sizeof(path));
	rc = fio_write_atomic(path, meta, strlen(meta));
	free(meta);
	return rc;
}

/* The other hosts' endpoints as last listed, kept for a start with etcd away. */
static void zwd_fleet_remote_path(const struct zwd *d, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s/fleet-endpoints.json", d->cfg.state_dir) >= (int)len)
		buf[0] = '\0';
}

/* --- the worker ------------------------------------------------------------------- */

static void zwd_fleet_wake_loop(struct zwd_fleet *f)
{
	uint64_t one = 1;

	if (write(f->efd, &one, sizeof(one)) < 0)
		return;	/* a full counter wakes the loop anyway */
}

/* Record the outcome of a round (under mu); the loop is told of a change. */
static void zwd_fleet_outcome(struct zwd_fleet *f, int rc, const struct diags *dg)
{
	bool was = f->reachable;

	f->reachable = !rc;
	if (rc && dg->n)
		diags_summary(dg, f->error, sizeof(f->error));
	else if (rc)
		snprintf(f->error, sizeof(f->error), "%s", strerror(-rc));
	else
		f->error[0] = '\0';
	if (was != f->reachable)
		zwd_fleet_wake_loop(f);
}

/* A new epoch in force: fetch, check, keep.  Return: 0 or -errno. */
static int zwd_fleet_fetch(struct zwd_fleet *f, struct diags *dg)
{
	struct fleet_epoch ep;
	char *text = NULL;
	size_t len = 0;
	int rc;

	rc = fleet_policy_fetch(f->etcd, f->prefix, &ep, &text, &len, dg);
	if (rc == -ENOENT)
		return 0;	/* nothing pushed yet */
	if (!rc)
		rc = zwd_fleet_copy_write(f->d, &ep, text, len);
	free(text);
	if (rc)
		return rc;
	pthread_mutex_lock(&f->mu);
	f->fetched = ep;
	pthread_mutex_unlock(&f->mu);
	zwd_fleet_wake_loop(f);
	return 0;
}

/* Read the epoch in force; fetch it when it is not the copy's. */
static int zwd_fleet_follow(struct zwd_fleet *f, struct diags *dg)
{
	struct fleet_epoch cur;
	uint64_t have;
	int64_t rev;
	int rc;

	rc = fleet_epoch_current(f->etcd, f->prefix, &cur, &rev, dg);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	pthread_mutex_lock(&f->mu);
	have = f->fetched.epoch;
	f->seen_epoch = cur.epoch;
	pthread_mutex_unlock(&f->mu);
	return cur.epoch == have ? 0 : zwd_fleet_fetch(f, dg);
}

/* Publish the report on the lease, renewed; a lease that expired (cut off
 * longer than its TTL: the peers dropped this host) is replaced. */
static int zwd_fleet_report(struct zwd_fleet *f, struct diags *dg)
{
	struct fleet_host h;
	int64_t lease;
	int rc = 0;

	pthread_mutex_lock(&f->mu);
	h = f->report;
	lease = f->lease;
	f->dirty = false;
	pthread_mutex_unlock(&f->mu);
	if (lease) {
		rc = etcd_lease_keepalive(f->etcd, lease, dg);
		if (rc == -ENOENT)
			lease = 0;
		else if (rc)
			return rc;
	}
	if (!lease && (rc = etcd_lease_grant(f->etcd, f->ttl, &lease, dg)))
		return rc;
	tfmt_rfc3339(h.seen, sizeof(h.seen), time(NULL), 0, 0);
	rc = fleet_host_publish(f->etcd, f->prefix, &h, lease, dg);
	pthread_mutex_lock(&f->mu);
	f->lease = rc == -ENOENT ? 0 : lease;	/* expired between the two calls */
	if (rc)
		f->dirty = true;
	pthread_mutex_unlock(&f->mu);
	return rc;
}

/* This host's endpoints as the loop wants them: put what changed on the
 * lease, delete what went; everything again on a new lease. */
static int zwd_fleet_publish(struct zwd_fleet *f, struct diags *dg)
{
	json_t *want, *v, *have;
	const char *k;
	void *tmp;
	int64_t lease;
	int rc = 0;

	pthread_mutex_lock(&f->mu);
	want = json_incref(f->want);
	lease = f->lease;
	pthread_mutex_unlock(&f->mu);
	if (!want || !lease)
		goto out;
	if (lease != f->pub_lease)
		json_object_clear(f->published);	/* the old lease took them with it */
	f->pub_lease = lease;
	json_object_foreach(want, k, v) {
		have = json_object_get(f->published, k);
		if (have && json_equal(have, v))
			continue;
		{
			const char *text = json_string_value(v);
			struct etcd_put p = { k, text, strlen(text), lease };

			if ((rc = etcd_put(f->etcd, &p, dg)))
				goto out;
		}
		json_object_set(f->published, k, v);
	}
	json_object_foreach_safe(f->published, tmp, k, v)
		if (!json_object_get(want, k)) {
			if ((rc = etcd_delete(f->etcd, k, false, dg)))
				goto out;
			json_object_del(f->published, k);
		}
out:
	pthread_mutex_lock(&f->mu);
	f->n_published = json_object_size(f->published);
	pthread_mutex_unlock(&f->mu);
	json_decref(want);
	return rc;
}

/* The others' endpoints, listed again when anything under endpoints/ changed;
 * handed to the loop when the list differs from the last one. */
static int zwd_fleet_remote(struct zwd_fleet *f, struct diags *dg)
{
	struct fleet_endpoints l;
	json_t *arr;
	char *text;
	int rc;

	if (f->remote_text) {
		rc = fleet_endpoints_changed(f->etcd, f->prefix, f->remote_rev, f->remote_total, dg);
		if (rc <= 0)
			return rc;
	}
	rc = fleet_endpoints_list(f->etcd, f->prefix, f->host, &l, dg);
	if (rc)
		return rc;
	arr = json_array();
	for (size_t i = 0; arr && i < l.n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "key", l.v[i].key,
						     "value", l.v[i].value, "host", l.v[i].host));
	f->remote_rev = l.revision;
	f->remote_total = l.total;
	fleet_endpoints_free(&l);
	text = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
	if (!text) {
		json_decref(arr);
		return -ENOMEM;
	}
	if (f->remote_text && !strcmp(text, f->remote_text)) {
		free(text);
		json_decref(arr);
		return 0;
	}
	free(f->remote_text);
	f->remote_text = text;
	{
		char path[PATH_MAX];

		zwd_fleet_remote_path(f->d, path, sizeof(path));
		if (path[0])	/* best effort: only a start with etcd away reads it */
			fio_write_atomic(path, text, strlen(text));
	}
	pthread_mutex_lock(&f->mu);
	json_decref(f->remote);
	f->remote = arr;
	f->remote_news = true;
	f->n_remote = json_array_size(arr);
	pthread_mutex_unlock(&f->mu);
	zwd_fleet_wake_loop(f);
	return 0;
}

/* Learn mode: the proposal the last checkpoint wrote, stored when it changed
 * (the local file is the spool: while etcd is away it waits there). */
static int zwd_fleet_proposal(struct zwd_fleet *f, struct diags *dg)
{
	char when[40], *text = NULL;
	struct stat st;
	size_t len;
	int rc;

	if (!f->proposal[0] || stat(f->proposal, &st) ||
	    (st.st_size == f->prop_size && st.st_mtim.tv_sec == f->prop_mtime.tv_sec &&
	     st.st_mtim.tv_nsec == f->prop_mtime.tv_nsec))
		return 0;
	if (st.st_size > (off_t)ZWD_FLEET_PROPOSAL_MAX) {
		f->prop_size = st.st_size;	/* said once per size */
		f->prop_mtime = st.st_mtim;
		pthread_mutex_lock(&f->mu);
		snprintf(f->prop_note, sizeof(f->prop_note), "not shared: larger than %u MiB",
			 ZWD_FLEET_PROPOSAL_MAX >> 20);
		pthread_mutex_unlock(&f->mu);
		return 0;
	}
	rc = fio_read_all(f->proposal, ZWD_FLEET_PROPOSAL_MAX, &text, &len);
	if (rc)
		return 0;	/* between a checkpoint's rename and the next: next round */
	tfmt_rfc3339(when, sizeof(when), st.st_mtim.tv_sec, 0, 0);
	rc = fleet_proposal_push(f->etcd, f->prefix, f->host, text, len, when, dg);
	free(text);
	if (rc && rc != -EALREADY)
		return rc;
	f->prop_size = st.st_size;
	f->prop_mtime = st.st_mtim;
	pthread_mutex_lock(&f->mu);
	snprintf(f->prop_note, sizeof(f->prop_note), "shared: the checkpoint of %s", when);
	pthread_mutex_unlock(&f->mu);
	return 0;
}

static void *zwd_fleet_worker(void *arg)
{
	struct zwd_fleet *f = arg;
	uint64_t last_report = 0, every = (uint64_t)f->ttl * 1000 / 3;
	struct timespec until;
	struct diags dg;
	int rc;

	pthread_mutex_lock(&f->mu);
	while (!f->stop) {
		bool due = !f->reachable || f->dirty;
		uint64_t now = loop_now_ms();

		pthread_mutex_unlock(&f->mu);
		diags_init(&dg);
		rc = zwd_fleet_follow(f, &dg);
		if (!rc && (due || now - last_report >= every)) {
			rc = zwd_fleet_report(f, &dg);
			if (!rc)
				last_report = now;
		}
		if (!rc)
			rc = zwd_fleet_publish(f, &dg);
		if (!rc)
			rc = zwd_fleet_remote(f, &dg);
		if (!rc)
			rc = zwd_fleet_proposal(f, &dg);
		pthread_mutex_lock(&f->mu);
		zwd_fleet_outcome(f, rc, &dg);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += ZWD_FLEET_POLL_MS / 1000;
		while (!f->stop && pthread_cond_timedwait(&f->cv, &f->mu, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}

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
	if (strcmp(f->report.state, state) || f->report.epoch != f->applied ||
	    f->report.endpoints != endpoints) {
		f->dirty = true;
		pthread_cond_signal(&f->cv);
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
	char error[400];
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

static void zwd_fleet_on_tick(struct loop *l, void *arg)
{
	struct zwd_fleet *f = arg;
	json_t *want = zwd_fleet_local(f);

	zwd_fleet_report_update(f);
	pthread_mutex_lock(&f->mu);
	if (want && !json_equal(want, f->want)) {
		json_decref(f->want);
		f->want = json_incref(want);
		pthread_cond_signal(&f->cv);
	}
	pthread_mutex_unlock(&f->mu);
	json_decref(want);
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
	rc = zwd_fleet_follow(f, &dg);
	if (!rc)	/* the others' endpoints go into the first tables */
		rc = zwd_fleet_remote(f, &dg);
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
	if (!f->published)
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
	pthread_condattr_t ca;
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
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->cv, &ca);
	pthread_condattr_destroy(&ca);
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
	j = json_pack("{s:s, s:s, s:s, s:b, s:s?, s:I, s:I, s:s?, s:I, s:I, s:I}", "host", f->host,
		      "prefix", f->prefix, "state", f->report.state, "reachable", f->reachable,
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
	if (f->th_started) {
		pthread_mutex_lock(&f->mu);
		f->stop = true;
		pthread_cond_signal(&f->cv);
		pthread_mutex_unlock(&f->mu);
		pthread_join(f->th, NULL);
	}
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
	free(f->remote_text);
	pthread_cond_destroy(&f->cv);
	pthread_mutex_destroy(&f->mu);
	free(f);
	d->fleet = NULL;
	json_decref(d->fleet_remote);
	d->fleet_remote = NULL;
}
