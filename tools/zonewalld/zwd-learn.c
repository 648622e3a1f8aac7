// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Learn mode: capture on every container-facing interface (following links
 * as they come and go), count connection initiations in a flow table, and
 * every checkpoint_interval seconds (and on SIGTERM) move the table's rows
 * into the proposal, resolved through the runtime's identity index at each
 * flow's first packet, and write the proposal atomically into state_dir.
 *
 * The table is drained at each checkpoint (a fresh one replaces it), so a
 * row is observed exactly once and the proposal in memory always equals
 * the file plus at most one interval: kill -9 loses at most that interval,
 * and prop_save()'s temp + fsync + rename never leaves a damaged file.  A
 * restarted daemon loads the file and merges into it under a new run id.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "zonewall/capture.h"
#include "zonewall/feed.h"
#include "zonewall/fileio.h"
#include "zonewall/fleet.h"
#include "zonewall/flow.h"
#include "zonewall/host.h"
#include "zonewall/learn-remote.h"
#include "zonewall/learn.h"
#include "zonewall/link.h"
#include "zonewall/proposal.h"
#include "zonewall/timefmt.h"
#include "zwd.h"

#define ZWD_LEARN_MAX_IFACES 512
#define ZWD_PROPOSAL_FILE "proposal.json"

struct zwd_cap {
	struct zwd_learn *l;
	struct cap_source *src;
	struct loop_source *ls;
	int ifindex;
	enum cap_direction dir;
	char name[16];
	uint64_t drops_seen;	/* kernel drops already counted */
};

struct zwd_learn {
	struct zwd *d;
	struct zwd_rt *rt;
	struct pol_policy *pol;		/* optional: its zone selectors decide zones */
	struct learn_env env;
	struct flow_table *table;
	struct zwd_cap *caps[ZWD_LEARN_MAX_IFACES];
	size_t ncaps;
	struct link_monitor *lm;
	struct loop_source *lm_src, *timer;
	struct feed feed;		/* frames into table */
	struct fio_lock *lock;		/* the proposal's writer's lock, held while we run */
	struct learn_remote *remote;	/* a fleet's other hosts' workloads */
	struct rt_source sources[3];	/* env.sources: runtime, fleet, inventory */
	struct cmp_snapshot *snap;	/* this host's containers, for the fleet */
	struct prop_set *prop;
	char path[PATH_MAX + 32];
	char run_id[LEARN_RUN_ID_MAX];
	uint64_t flows_learned, kernel_drops;
	unsigned long checkpoints, checkpoint_failures;
	int64_t last_checkpoint;
	char last_error[PATH_MAX + 300];
};

/* --- interfaces ------------------------------------------------------------------ */

static void zwd_cap_close(struct zwd_learn *l, size_t i)
{
	struct zwd_cap *c = l->caps[i];
	struct cap_stats st;
	struct cap_error e;

	if (!cap_get_stats(c->src, &st, &e) && st.kernel_drops > c->drops_seen) {
		l->kernel_drops += st.kernel_drops - c->drops_seen;
		met_add(met_series_get1(l->d->m.capture_drops, c->name),
			(double)(st.kernel_drops - c->drops_seen));
	}
	loop_source_del(c->ls);
	cap_close(c->src);
	free(c);
	l->caps[i] = l->caps[--l->ncaps];
}

static void zwd_cap_ready(struct loop *lp, int fd, uint32_t events, void *arg)
{
	struct zwd_cap *c = arg;
	struct cap_error e;

	if (feed_dispatch(&c->l->feed, c->src, &e) < 0) {
		/* a vanished interface is normal: the link monitor closes it */
		zwd_log(LOG_INFO, "capture on %s ended: %s", c->name, e.msg);
		loop_source_del(c->ls);
		c->ls = NULL;
	}
}

static int zwd_cap_open(struct zwd_learn *l, const struct link_info *li, enum cap_direction dir)
{
	struct cap_live_opts o = { .dir = dir };
	struct cap_error e;
	struct zwd_cap *c;

	if (l->ncaps == ZWD_LEARN_MAX_IFACES)
		return -ENOSPC;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->l = l;
	c->src = cap_open_live(li->name, &o, &e);
	if (!c->src) {
		zwd_log(LOG_WARNING, "capture: %s", e.msg);
		free(c);
		return -EIO;
	}
	c->ls = loop_fd_add(l->d->loop, cap_fd(c->src), EPOLLIN, zwd_cap_ready, c);
	if (!c->ls) {
		cap_close(c->src);
		free(c);
		return -errno;
	}
	c->ifindex = li->ifindex;
	c->dir = dir;
	snprintf(c->name, sizeof(c->name), "%s", li->name);
	l->caps[l->ncaps++] = c;
	zwd_log(LOG_INFO, "capturing on %s (%s)", li->name, dir == CAP_DIR_IN ? "in" : "out");
	return 0;
}

/*
 * Each frame is captured where it enters the container network, once:
 * bridge ports and unbridged veths inbound, bridges outbound (what the
 * host itself sends into a bridge).  As `zonewall flows --auto`.
 */
static bool zwd_wanted(const struct cfg *c, const struct link_list *ll,
		       const struct link_info *li, enum cap_direction *dir)
{
	const struct link_info *br = li->master ? link_list_find(ll, li->master) : NULL;

	if (!li->up)
		return false;
	if (link_is_bridge(li)) {
		*dir = CAP_DIR_OUT;
		return zwd_bridge_wanted(c, li->name);
	}
	if (c->bridges[0] && !(br && zwd_bridge_wanted(c, br->name)))
		return false;	/* only the named bridges' ports */
	if (li->master || link_is_veth(li)) {
		*dir = CAP_DIR_IN;
		return true;
	}
	return false;
}

static int zwd_learn_links_sync(struct zwd_learn *l)
{
	struct link_list ll;
	enum cap_direction dir;
	const struct link_info *li;
	int err = link_list_dump(&ll);

	if (err) {
		zwd_log(LOG_ERR, "cannot read links over rtnetlink: %s", strerror(-err));
		return err;
	}
	for (size_t i = l->ncaps; i-- > 0;) {
		li = link_list_find(&ll, l->caps[i]->ifindex);
		if (!l->caps[i]->ls || !li || strcmp(li->name, l->caps[i]->name) ||
		    !zwd_wanted(&l->d->cfg, &ll, li, &dir) || dir != l->caps[i]->dir) {
			zwd_log(LOG_INFO, "stopped capturing on %s", l->caps[i]->name);
			zwd_cap_close(l, i);
		}
	}
	for (size_t i = 0; i < ll.n; i++) {
		bool have = false;

		for (size_t k = 0; k < l->ncaps && !have; k++)
			have = l->caps[k]->ifindex == ll.v[i].ifindex;
		if (!have && zwd_wanted(&l->d->cfg, &ll, &ll.v[i], &dir))
			zwd_cap_open(l, &ll.v[i], dir);
	}
	link_list_free(&ll);
	return 0;
}

static void zwd_learn_on_links(struct loop *lp, int fd, uint32_t events, void *arg)
{
	struct zwd_learn *l = arg;

	if (link_monitor_drain(l->lm) > 0)
		zwd_learn_links_sync(l);
}

/* --- checkpoints ------------------------------------------------------------------- */

int zwd_learn_checkpoint(struct zwd_learn *l)
{
	struct learn_stats st = { 0 };
	struct flow_table *fresh;
	struct flow_row *rows = NULL;
	size_t n = 0;
	int err;

	for (size_t i = 0; i < l->ncaps; i++)
		if (l->caps[i]->ls)
			zwd_cap_ready(l->d->loop, -1, EPOLLIN, l->caps[i]);
	err = flow_table_sorted(l->table, &rows, &n);
	if (!err)
		err = learn_observe_rows(l->prop, &l->env, rows, n, l->run_id, &st);
	free(rows);
	fresh = err ? NULL : flow_table_new(l->d->cfg.flow_limit, feed_seed());
	if (!fresh) {
		err = err ? err : -errno;
		snprintf(l->last_error, sizeof(l->last_error), "checkpoint: %s", strerror(-err));
		zwd_log(LOG_ERR, "%s", l->last_error);
		met_inc(met_series_get1(l->d->m.checkpoints, "failed"));
		l->checkpoint_failures++;
		return err;
	}
	flow_table_free(l->table);
	l->table = fresh;
	l->feed.table = fresh;
	l->flows_learned += n;
	met_add(met_scalar(l->d->m.flows_learned), (double)n);
	err = prop_save(l->prop, l->path);
	if (err) {
		/* the rows are in l->prop: the next checkpoint writes them */
		if (err == -EFBIG)
			snprintf(l->last_error, sizeof(l->last_error), "checkpoint %s: the proposal "
				 "would be larger than %zu MiB, the most zonewall reads back; "
				 "not written", l->path, PROP_FILE_MAX >> 20);
		else
			snprintf(l->last_error, sizeof(l->last_error), "checkpoint %s: %s",
				 l->path, strerror(-err));
		zwd_log(LOG_ERR, "%s", l->last_error);
		met_inc(met_series_get1(l->d->m.checkpoints, "failed"));
		l->checkpoint_failures++;
		return err;
	}
	l->checkpoints++;
	l->last_checkpoint = time(NULL);
	met_inc(met_series_get1(l->d->m.checkpoints, "ok"));
	zwd_log(LOG_DEBUG, "checkpoint %s: %zu flows, %zu edges", l->path, n, l->prop->n);
	return 0;
}

static void zwd_learn_on_timer(struct loop *lp, void *arg)
{
	zwd_learn_checkpoint(arg);
}

/* --- setup ---------------------------------------------------------------------------- */

/*
 * The proposal is this daemon's for as long as it runs: checked writable
 * before anything is captured (a state_dir that is a file, or read-only,
 * fails the start instead of every checkpoint), and its writer's lock held
 * (fio_lock()), so `zonewall merge -o` or another daemon cannot write it
 * in between and lose either side's edges.
 */
static int zwd_learn_claim(struct zwd_learn *l, struct diags *dg)
{
	char where[sizeof(l->d->cfg.state_dir) + 16];
	pid_t holder = 0;
	int err = fio_check_writable(l->path);

	if (err) {
		snprintf(where, sizeof(where), "state_dir %s", l->d->cfg.state_dir);
		diag_add(dg, where, "cannot write %s there: %s", ZWD_PROPOSAL_FILE,
			 fio_strerror(err));
		return err;
	}
	err = fio_lock(l->path, 0, &l->lock, &holder);
	if (err == -ETIMEDOUT)
		diag_add(dg, "", "%s is being written by another process (pid %d): a "
			 "second learner would lose its edges", l->path, (int)holder);
	else if (err)
		diag_add(dg, l->path, "cannot take its writer's lock: %s", fio_strerror(err));
	return err;
}

static int zwd_learn_load(struct zwd_learn *l, struct diags *why)
{
	struct diags dg;
	int err;

	diags_init(&dg);
	snprintf(l->path, sizeof(l->path), "%s/%s", l->d->cfg.state_dir, ZWD_PROPOSAL_FILE);
	err = zwd_learn_claim(l, why);
	if (err)
		return err;
	if (access(l->path, F_OK) != 0) {
		l->prop = prop_new();
		return l->prop ? 0 : -ENOMEM;
	}
	l->prop = prop_load(l->path, &dg);
	if (!l->prop) {
		diag_add(why, l->path, "%s: %s (move it away to start afresh)",
			 dg.n ? dg.v[0].where : "$", dg.n ? dg.v[0].msg : strerror(errno));
		return -EINVAL;
	}
	zwd_log(LOG_NOTICE, "learn: merging into %s (%zu edges)", l->path, l->prop->n);
	return 0;
}

static int zwd_learn_policy(struct zwd_learn *l, struct diags *why)
{
	char where[sizeof(l->d->cfg.policy) + 8];
	struct diags dg;

	if (!l->d->cfg.policy[0] || access(l->d->cfg.policy, F_OK) != 0)
		return 0;
	diags_init(&dg);
	l->pol = pol_load(l->d->cfg.policy, &dg);
	if (l->pol)
		return 0;
	snprintf(where, sizeof(where), "policy %s", l->d->cfg.policy);
	diag_add(why, where, "%s: %s", dg.n ? dg.v[0].where : "$",
		 dg.n ? dg.v[0].msg : strerror(errno));
	return -EINVAL;
}

/*
 * For the benchmark only: ZONEWALLD_TEST_LEARN_FILE names a capture file
 * fed to the learner at start, as if it had arrived on an interface.
 */
static void zwd_learn_test_file(struct zwd_learn *l)
{
	const char *path = getenv("ZONEWALLD_TEST_LEARN_FILE");
	struct cap_source *src;
	struct cap_error e;

	if (!path || !*path)
		return;
	src = cap_open_file(path, &e);
	if (!src) {
		zwd_log(LOG_ERR, "test file: %s", e.msg);
		return;
	}
	while (feed_dispatch(&l->feed, src, &e) > 0)
		;
	cap_close(src);
	zwd_log(LOG_NOTICE, "test file %s read: %llu frames", path,
		(unsigned long long)l->feed.frames);
}

/* Who names an address, first the runtime's workloads (a container's
 * address inside an inventory CIDR is the container's), then other hosts'. */
static void zwd_learn_sources(struct zwd_learn *l)
{
	size_t n = 0;

	n += zwd_rt_runtime(l->rt, &l->sources[n]);
	if (l->remote)
		l->sources[n++] = learn_remote_source(l->remote);
	n += zwd_rt_inventory(l->rt, &l->sources[n]);
	l->env.sources = l->sources;
	l->env.n_sources = n;
}

static int zwd_learn_open(struct zwd *d, struct zwd_learn **out, struct diags *why)
{
	struct zwd_learn *l = calloc(1, sizeof(*l));
	char host[256] = "";
	int err;

	if (!l)
		return -ENOMEM;
	*out = l;
	l->d = d;
	if ((err = zwd_learn_load(l, why)) || (err = zwd_learn_policy(l, why)) ||
	    (err = zwd_rt_open(d, NULL, NULL, &l->rt, why)))
		return err;
	if (gethostname(host, sizeof(host) - 1))
		host[0] = '\0';
	learn_run_id(l->run_id, sizeof(l->run_id), (int64_t)time(NULL), (long)getpid(), host);
	zwd_learn_sources(l);
	l->env.pol = l->pol;
	l->table = flow_table_new(d->cfg.flow_limit, feed_seed());
	feed_init(&l->feed, l->table);
	if (!l->table) {
		diag_add(why, "", "flow table of %lu rows: %s", d->cfg.flow_limit, strerror(errno));
		return -errno;
	}
	err = link_monitor_open(&l->lm);
	if (err) {
		diag_add(why, "link monitor", "%s", strerror(-err));
		return err;
	}
	l->lm_src = loop_fd_add(d->loop, link_monitor_fd(l->lm), EPOLLIN, zwd_learn_on_links, l);
	l->timer = loop_timer_add(d->loop, d->cfg.checkpoint_interval * 1000ULL,
				  d->cfg.checkpoint_interval * 1000ULL, zwd_learn_on_timer, l);
	if (!l->lm_src || !l->timer) {
		diag_add(why, "loop", "%s", strerror(errno));
		return -errno;
	}
	err = zwd_learn_links_sync(l);
	if (err) {
		diag_add(why, "links", "%s", strerror(-err));
		return err;
	}
	zwd_learn_test_file(l);
	zwd_log(LOG_NOTICE, "learn: run %s, %zu interfaces, checkpoint every %u s into %s",
		l->run_id, l->ncaps, d->cfg.checkpoint_interval, l->path);
	return 0;
}

int zwd_learn_start(struct zwd *d, struct zwd_learn **out, char *why, size_t whylen)
{
	struct diags dg;
	int err;

	diags_init(&dg);
	err = zwd_learn_open(d, out, &dg);
	if (err && diags_any(&dg))
		diags_summary(&dg, why, whylen);
	return err;
}

void zwd_learn_reload(struct zwd_learn *l, const struct cfg *next)
{
	loop_timer_set(l->timer, next->checkpoint_interval * 1000ULL,
		       next->checkpoint_interval * 1000ULL);
	/* flow_limit applies to the table the next checkpoint makes */
}

void zwd_learn_status(struct zwd_learn *l, json_t *o)
{
	struct flow_stats fs;
	json_t *ifs = json_array();
	char when[40] = "";

	flow_table_stats(l->table, &fs);
	for (size_t i = 0; ifs && i < l->ncaps; i++)
		json_array_append_new(ifs, json_string(l->caps[i]->name));
	if (l->last_checkpoint)
		tfmt_rfc3339(when, sizeof(when), l->last_checkpoint, 0, TFMT_S);
	json_object_set_new(o, "run_id", json_string(l->run_id));
	json_object_set_new(o, "proposal", json_string(l->path));
	json_object_set_new(o, "interfaces", ifs ? ifs : json_null());
	json_object_set_new(o, "frames", json_integer((json_int_t)l->feed.frames));
	json_object_set_new(o, "flows_tracked", json_integer((json_int_t)fs.flows));
	json_object_set_new(o, "flows_learned", json_integer((json_int_t)l->flows_learned));
	json_object_set_new(o, "edges", json_integer((json_int_t)l->prop->n));
	json_object_set_new(o, "kernel_drops", json_integer((json_int_t)l->kernel_drops));
	json_object_set_new(o, "checkpoints", json_integer((json_int_t)l->checkpoints));
	json_object_set_new(o, "checkpoint_failures", json_integer((json_int_t)l->checkpoint_failures));
	json_object_set_new(o, "last_checkpoint", when[0] ? json_string(when) : json_null());
	json_object_set_new(o, "last_error", l->last_error[0] ? json_string(l->last_error) :
			    json_null());
	zwd_rt_status(l->rt, o);
}

void zwd_learn_metrics(struct zwd_learn *l)
{
	struct flow_stats fs;
	struct cap_stats st;
	struct cap_error e;

	flow_table_stats(l->table, &fs);
	met_set(met_scalar(l->d->m.flows_tracked), (double)fs.flows);
	met_set(met_scalar(l->d->m.edges), (double)l->prop->n);
	for (size_t i = 0; i < l->ncaps; i++) {
		struct zwd_cap *c = l->caps[i];

		if (cap_get_stats(c->src, &st, &e) || st.kernel_drops <= c->drops_seen)
			continue;
		met_add(met_series_get1(l->d->m.capture_drops, c->name),
			(double)(st.kernel_drops - c->drops_seen));
		l->kernel_drops += st.kernel_drops - c->drops_seen;
		c->drops_seen = st.kernel_drops;
	}
	zwd_rt_metrics(l->rt);
}

void zwd_learn_free(struct zwd_learn *l)
{
	if (!l)
		return;
	while (l->ncaps)
		zwd_cap_close(l, l->ncaps - 1);
	loop_source_del(l->lm_src);
	loop_source_del(l->timer);
	link_monitor_free(l->lm);
	flow_table_free(l->table);
	prop_free(l->prop);
	pol_free(l->pol);
	zwd_rt_free(l->rt);
	learn_remote_free(l->remote);
	cmp_snap_free(l->snap);
	fio_unlock(l->lock);
	free(l);
}

void zwd_learn_remote(struct zwd_learn *l, const json_t *remote)
{
	struct learn_remote *r = NULL;
	char line[512];
	struct diags d;

	diags_init(&d);
	if (fleet_endpoints_remote(remote, &r, &d)) {
		zwd_log(LOG_ERR, "fleet: other hosts' endpoints not taken: out of memory");
		return;
	}
	if (d.n) {
		diags_summary(&d, line, sizeof(line));
		zwd_log(LOG_WARNING, "fleet: left out: %s", line);
	}
	learn_remote_free(l->remote);
	l->remote = r;
	zwd_learn_sources(l);	/* the next checkpoint resolves with it */
}

const struct cmp_snapshot *zwd_learn_snapshot(struct zwd_learn *l)
{
	struct rt_source runtime;
	struct host_src src = { .sources = &runtime, .n_sources = 1 };
	struct cmp_snapshot *s = NULL;
	struct diags d;

	if (!zwd_rt_runtime(l->rt, &runtime))
		return NULL;
	diags_init(&d);
	if (host_snap_build(&src, &s, &d))
		return l->snap;	/* the last one stands */
	cmp_snap_free(l->snap);
	l->snap = s;
	return s;
}
