// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fleet's worker thread (see zwd-fleet.h): all of etcd's I/O, so that
 * a slow or absent etcd never stalls the loop.  It follows the fleet with
 * two watches, on the others' endpoints and on the policy's current epoch:
 * a change reaches the loop as soon as etcd streams it.  Before a watch
 * there is a read of what it follows (a list, the epoch), and the watch
 * starts at the revision after it, so nothing falls between; a watch that
 * breaks (a member restarted, or lost its leader, or compacted the history
 * the watch needed) is replaced by the same read and a new watch.  When
 * watches keep breaking, the worker reads once a second instead.
 *
 * Each round it also keeps this host's report on its lease (renewed at a
 * third of the TTL), puts this host's endpoints as the loop wants them,
 * and in learn mode shares the last checkpoint's proposal.
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
#include <sys/stat.h>

#include "zwd-fleet.h"
#include "zonewall/fileio.h"
#include "zonewall/timefmt.h"

#define ZWD_FLEET_RETRY_MS 1000		/* a round after a failure; the pace without watches */
#define ZWD_FLEET_IDLE_MS 10000		/* the longest wait with every watch open */
#define ZWD_FLEET_CACHE_MS 5000		/* fleet-endpoints.json at most this often */
#define ZWD_FLEET_PROPOSAL_MAX (64u << 20)	/* larger: not shared (etcd's store is small) */

/* --- the policy copy in state_dir ---------------------------------------------- */

static void zwd_fleet_meta_path(const struct zwd *d, char *buf, size_t len)
{
	snprintf(buf, len, "%s.epoch", d->cfg.policy);
}

/* The epoch record kept beside the copy: which epoch the copy is. */
void zwd_fleet_meta_read(const struct zwd *d, struct fleet_epoch *ep)
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
void zwd_fleet_remote_path(const struct zwd *d, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s/fleet-endpoints.json", d->cfg.state_dir) >= (int)len)
		buf[0] = '\0';
}

/* --- etcd -------------------------------------------------------------------------- */

static void zwd_fleet_wake_loop(struct zwd_fleet *f)
{
	uint64_t one = 1;

	if (write(f->efd, &one, sizeof(one)) < 0)
		return;	/* a full counter wakes the loop anyway */
}

/* Record the outcome of a round (under mu); the loop is told of a change. */
void zwd_fleet_outcome(struct zwd_fleet *f, int rc, const struct diags *dg)
{
	bool was = f->reachable;

	f->reachable = !rc;
	if (rc && dg->n)
		diags_summary(dg, f->error, sizeof(f->error));
	else if (rc)
		snprintf(f->error, sizeof(f->error), "%s", strerror(-rc));
	else
		f->error[0] = '\0';
	if (rc == -EHOSTUNREACH) {	/* what to check, as the CLI says it */
		size_t n = strlen(f->error);

		snprintf(f->error + n, sizeof(f->error) - n, "%s%s", n ? "; " : "",
			 etcd_unreachable_hint(f->etcd));
	}
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

/* A watch on PREFIX/@what from revision @from into *@w, unless the last
 * one broke just now (then the next rounds read, once a second). */
static int zwd_fleet_watch(struct zwd_fleet *f, struct etcd_watch **w, const char *what,
			   bool prefix, int64_t from, struct diags *dg)
{
	char key[256];

	if (loop_now_ms() - f->watch_failed_at < ZWD_FLEET_RETRY_MS)
		return 0;
	snprintf(key, sizeof(key), "%s/%s", f->prefix, what);
	return etcd_watch_open(f->etcd, key, prefix, from, w, dg);
}

/* Read the epoch in force; fetch it when it is not the copy's.  A watch on
 * it starts after the revision read (or the view's, when none is pushed). */
static int zwd_fleet_follow(struct zwd_fleet *f, struct diags *dg)
{
	struct fleet_epoch cur;
	uint64_t have;
	int64_t rev;
	int rc;

	rc = fleet_epoch_current(f->etcd, f->prefix, &cur, &rev, dg);
	if (rc && rc != -ENOENT)
		return rc;
	if (!f->w_pol && (rc = zwd_fleet_watch(f, &f->w_pol, "policy/current", false,
					       (rev ? rev : fleet_view_revision(f->view)) + 1, dg)))
		return rc;
	if (!cur.epoch)
		return 0;	/* nothing pushed yet */
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

/* The view, as it stands, to the loop. */
static int zwd_fleet_handover(struct zwd_fleet *f)
{
	json_t *arr = fleet_view_json(f->view);

	if (!arr)
		return -ENOMEM;
	pthread_mutex_lock(&f->mu);
	json_decref(f->remote);
	f->remote = arr;
	f->remote_news = true;
	f->n_remote = json_array_size(arr);
	pthread_mutex_unlock(&f->mu);
	f->cache_due = true;
	zwd_fleet_wake_loop(f);
	return 0;
}

/* List the others' endpoints; a watch on them starts after the list. */
static int zwd_fleet_list(struct zwd_fleet *f, struct diags *dg)
{
	struct fleet_endpoints l;
	int rc;

	rc = fleet_endpoints_list(f->etcd, f->prefix, f->host, &l, dg);
	if (rc)
		return rc;
	rc = fleet_view_reset(f->view, &l);
	fleet_endpoints_free(&l);
	if (rc < 0)
		return rc;
	if ((rc || !f->listed) && (rc = zwd_fleet_handover(f)))
		return rc;
	f->listed = true;
	return zwd_fleet_watch(f, &f->w_ep, "endpoints/", true, fleet_view_revision(f->view) + 1,
			       dg);
}

int zwd_fleet_resync(struct zwd_fleet *f, struct diags *dg)
{
	int rc = 0;

	if (!f->w_ep)
		rc = zwd_fleet_list(f, dg);
	if (!rc && !f->w_pol)
		rc = zwd_fleet_follow(f, dg);
	return rc;
}

/* A watch that ended: closed, to be replaced by a read and a new watch. */
static void zwd_fleet_watch_end(struct zwd_fleet *f, struct etcd_watch **w, int rc)
{
	etcd_watch_close(*w);
	*w = NULL;
	if (rc != -ESTALE)	/* a compaction is no fault of the stream */
		f->watch_failed_at = loop_now_ms();
}

/* What the watches brought: endpoints into the view (handed over once the
 * whole of it is in), a move of the policy's epoch followed. */
static int zwd_fleet_drain(struct zwd_fleet *f, struct diags *dg)
{
	struct etcd_watch_msg m;
	int rc = 0, changed = 0, moved = 0;

	while (f->w_ep && (rc = etcd_watch_next(f->w_ep, &m, dg)) > 0) {
		rc = fleet_view_apply(f->view, m.ev, m.n);
		etcd_watch_msg_free(&m);
		if (rc < 0)
			return rc;
		changed |= rc;
	}
	if (rc < 0)
		zwd_fleet_watch_end(f, &f->w_ep, rc);
	while (f->w_pol && (rc = etcd_watch_next(f->w_pol, &m, dg)) > 0) {
		moved |= m.n > 0;
		etcd_watch_msg_free(&m);
	}
	if (rc < 0)
		zwd_fleet_watch_end(f, &f->w_pol, rc);
	if (changed && (rc = zwd_fleet_handover(f)))
		return rc;
	return moved && f->w_pol ? zwd_fleet_follow(f, dg) : 0;
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


void zwd_fleet_cache_write(struct zwd_fleet *f)
{
	char path[PATH_MAX], *text;
	json_t *remote;

	if (!f->cache_due)
		return;
	pthread_mutex_lock(&f->mu);
	remote = json_incref(f->remote);
	pthread_mutex_unlock(&f->mu);
	text = remote ? json_dumps(remote, JSON_COMPACT) : NULL;
	zwd_fleet_remote_path(f->d, path, sizeof(path));
	if (text && path[0])	/* best effort: only a start with etcd away reads it */
		fio_write_atomic(path, text, strlen(text));
	free(text);
	json_decref(remote);
	f->cache_due = false;
	f->cache_at = loop_now_ms();
}

/* One round: what the watches brought, reads where none watches, then this
 * host's report, endpoints and proposal.  A failure ends the watches (the
 * next round reads everything again). */
static int zwd_fleet_round(struct zwd_fleet *f, bool report_due, struct diags *dg)
{
	int rc = zwd_fleet_drain(f, dg);

	if (!rc)
		rc = zwd_fleet_resync(f, dg);
	if (!rc && report_due)
		rc = zwd_fleet_report(f, dg);
	if (!rc)
		rc = zwd_fleet_publish(f, dg);
	if (!rc)
		rc = zwd_fleet_proposal(f, dg);
	if (rc) {
		etcd_watch_close(f->w_ep);
		etcd_watch_close(f->w_pol);
		f->w_ep = f->w_pol = NULL;
	}
	if (f->cache_due && loop_now_ms() - f->cache_at >= ZWD_FLEET_CACHE_MS)
		zwd_fleet_cache_write(f);
	return rc;
}

/* How long to wait for the watches (or the loop) before the next round. */
static int zwd_fleet_wait_ms(const struct zwd_fleet *f, int rc, uint64_t next_report)
{
	uint64_t now = loop_now_ms(), ms = ZWD_FLEET_IDLE_MS;

	if (rc || !f->w_ep || !f->w_pol || f->proposal[0])
		ms = ZWD_FLEET_RETRY_MS;	/* reading, or a proposal's file to look at */
	if (f->cache_due && f->cache_at + ZWD_FLEET_CACHE_MS - now < ms)
		ms = f->cache_at + ZWD_FLEET_CACHE_MS > now ? f->cache_at + ZWD_FLEET_CACHE_MS - now : 0;
	if (next_report < now + ms)
		ms = next_report > now ? next_report - now : 0;
	return (int)ms;
}

void *zwd_fleet_worker(void *arg)
{
	struct zwd_fleet *f = arg;
	uint64_t last_report = 0, every = (uint64_t)f->ttl * 1000 / 3;
	struct diags dg;
	bool due;
	int rc;

	pthread_mutex_lock(&f->mu);
	while (!f->stop) {
		due = !f->reachable || f->dirty || loop_now_ms() - last_report >= every;
		pthread_mutex_unlock(&f->mu);
		diags_init(&dg);
		rc = zwd_fleet_round(f, due, &dg);
		if (!rc && due)
			last_report = loop_now_ms();
		pthread_mutex_lock(&f->mu);
		zwd_fleet_outcome(f, rc, &dg);
		f->watching = f->w_ep && f->w_pol;
		if (f->stop)
			break;
		pthread_mutex_unlock(&f->mu);
		/* the loop's news (endpoints to put, a report, the stop) cut it short */
		etcd_wait(f->etcd, zwd_fleet_wait_ms(f, rc, last_report + every));
		pthread_mutex_lock(&f->mu);
	}
	pthread_mutex_unlock(&f->mu);
	return NULL;
}
