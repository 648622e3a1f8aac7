// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A reload off the loop.  Reading, validating and compiling a policy of
 * 100,000 rules takes most of a second (more on a busy host); on the loop
 * that long the control socket, runtime events and NFLOG would all wait.
 * So the loop builds the snapshot (cheap), hands it with the policy's path
 * and the compiler's options to a worker thread that owns them, and goes
 * on serving.  The worker reads the policy, compiles it and signals an
 * eventfd; the loop then applies the result in one transaction (the old
 * tables stay on any failure) and, when runtime events changed the
 * snapshot meanwhile, follows them with element updates as for any event.
 *
 * The worker touches only its job: no logging, no daemon state.  One job
 * runs at a time (the control commands refuse a second reload).  The
 * fleet's epochs take the same steps on the loop (zwd_enforce_reload()).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "zwd-enforce.h"

struct zwd_reload_job {
	/* the worker's inputs, owned by the job */
	char path[PATH_MAX];
	char gate[PATH_MAX];		/* ZONEWALLD_TEST_RELOAD_GATE, or "" */
	bool monitor;
	struct cmp_options co;
	struct cmp_snapshot *snap;
	/* the worker's results, read by the loop after the eventfd */
	struct pol_policy *pol;
	struct rs_ruleset *rs;
	struct cmp_incr *incr;		/* what the compile left for the next */
	int rc;
	struct diags why;		/* what failed, for the log: one line */
	struct diags dg;		/* the policy's every problem, for the caller */
	/* the loop's side */
	struct zwd_enforce *e;
	zwd_reload_fn done;
	pthread_t thread;
	int efd;
	struct loop_source *src;
	bool superseded;		/* a policy was applied on the loop meanwhile */
};

static void zwd_reload_job_drop(struct zwd_reload_job *j)
{
	if (!j)
		return;
	loop_source_del(j->src);
	if (j->efd >= 0)
		close(j->efd);
	cmp_snap_free(j->snap);
	pol_free(j->pol);
	rs_ruleset_free(j->rs);
	cmp_incr_free(j->incr);
	free(j);
}

/* The inputs: @next's policy, options and mode, and the snapshot now. */
static struct zwd_reload_job *zwd_reload_job_new(struct zwd_enforce *e, const struct cfg *next,
						 char *why, size_t whylen)
{
	struct zwd_reload_job *j;

	if (e->d->pending.armed) {
		snprintf(why, whylen, "a change waits for confirm (%s): confirm it or let it roll "
			 "back first", e->d->pending.what);
		errno = EBUSY;
		return NULL;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	j->e = e;
	j->efd = -1;
	diags_init(&j->why);
	diags_init(&j->dg);
	snprintf(j->path, sizeof(j->path), "%s", next->policy);
	j->monitor = next->mode == CFG_MODE_MONITOR;
	zwd_compile_options(next, &j->co);
	j->snap = zwd_snap_now(e, &j->why);
	if (!j->snap) {
		int err = errno;

		diags_summary(&j->why, why, whylen);
		zwd_reload_job_drop(j);
		errno = err;
		return NULL;
	}
	diags_init(&j->why);	/* what the snapshot left out was logged */
	return j;
}

/* Read and compile: the worker's part, pure of daemon state. */
static void zwd_reload_job_run(struct zwd_reload_job *j)
{
	j->rc = zwd_policy_load(j->path, j->monitor, &j->pol, &j->dg, &j->why);
	if (j->rc)
		return;
	j->rs = zwd_compile(j->pol, j->snap, &j->co, NULL, &j->incr, &j->why);
	if (!j->rs) {
		j->rc = errno ? -errno : -EINVAL;
		diags_nest(&j->dg, &j->why, "");	/* the compiler's problems, each */
	}
}

/* The compiled result on the loop: in the kernel, or nothing changed. */
static int zwd_reload_job_apply(struct zwd_enforce *e, struct zwd_reload_job *j)
{
	int rc;

	if (j->rc)
		return j->rc;
	/* a policy of the same shape goes in as element updates, one transaction
	 * of what changed, unless someone else touched the tables since our last
	 * change (a reload then replaces them, as it always may) */
	rc = zwd_sync_apply(e, j->snap, j->rs, j->incr, !zwd_kernel_untouched(e), &j->why);
	j->snap = NULL;
	j->rs = NULL;
	j->incr = NULL;
	if (rc)
		return rc;
	pol_free(e->pol);
	e->pol = j->pol;
	j->pol = NULL;
	snprintf(e->pol_path, sizeof(e->pol_path), "%s", j->path);
	/* containers that started or stopped while the worker compiled */
	zwd_follow(e);
	zwd_kernel_probe(e);
	return 0;
}

/*
 * For the daemon tests only: ZONEWALLD_TEST_RELOAD_GATE names a FIFO that,
 * when it exists, holds the worker until a writer opens and closes it, so
 * a test can look at the daemon while a reload is under way without
 * guessing how long a compile takes.
 */
static void zwd_reload_gate(const char *path)
{
	char buf[64];
	int fd;

	if (!path[0])
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

static void *zwd_reload_work(void *arg)
{
	struct zwd_reload_job *j = arg;
	uint64_t one = 1;

	zwd_reload_gate(j->gate);
	zwd_reload_job_run(j);
	/* an eventfd's counter cannot overflow from one write */
	if (write(j->efd, &one, sizeof(one)) < 0 && !j->rc)
		j->rc = -errno;
	return NULL;
}

/* The worker is done (or must be waited for): apply or drop, then tell. */
static void zwd_reload_job_end(struct zwd_reload_job *j, bool stopping)
{
	char line[DIAG_LINE_MAX];
	struct zwd_enforce *e = j->e;
	int rc;

	pthread_join(j->thread, NULL);
	e->job = NULL;
	if (stopping) {
		rc = -ECANCELED;
		diag_add(&j->why, "", "zonewalld is stopping: the reload was not applied");
	} else if (j->superseded) {
		rc = -ECANCELED;
		diag_add(&j->why, "", "a fleet policy epoch was applied while this reload "
			 "compiled; nothing of it was applied: reload again");
	} else {
		rc = zwd_reload_job_apply(e, j);
	}
	diags_summary(&j->why, line, sizeof(line));
	/* the worker's problems each on their own; the kernel's have one line */
	j->done(e->d, rc, rc ? line : "", j->rc ? &j->dg : NULL);
	zwd_reload_job_drop(j);
}

static void zwd_reload_on_done(struct loop *lp, int fd, uint32_t events, void *arg)
{
	struct zwd_enforce *e = arg;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0 || !e->job)
		return;	/* EAGAIN: not done yet */
	zwd_reload_job_end(e->job, false);
}

int zwd_enforce_reload_start(struct zwd_enforce *e, const struct cfg *next, zwd_reload_fn done,
			     char *why, size_t whylen)
{
	struct zwd_reload_job *j = zwd_reload_job_new(e, next, why, whylen);
	int rc;

	if (!j)
		return -errno;
	j->done = done;
	snprintf(j->gate, sizeof(j->gate), "%s", getenv("ZONEWALLD_TEST_RELOAD_GATE") ?: "");
	j->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (j->efd < 0 || !(j->src = loop_fd_add(e->d->loop, j->efd, EPOLLIN,
						  zwd_reload_on_done, e))) {
		rc = -errno;
		snprintf(why, whylen, "eventfd: %s", strerror(-rc));
		goto out_drop;
	}
	rc = -pthread_create(&j->thread, NULL, zwd_reload_work, j);
	if (rc) {
		snprintf(why, whylen, "cannot start the reload's worker: %s", strerror(-rc));
		goto out_drop;
	}
	e->job = j;
	return ZWD_RELOAD_RUNNING;
out_drop:
	zwd_reload_job_drop(j);
	return rc;
}

int zwd_enforce_reload(struct zwd_enforce *e, const struct cfg *next, char *why, size_t whylen)
{
	struct zwd_reload_job *j = zwd_reload_job_new(e, next, why, whylen);
	int rc;

	if (!j)
		return -errno;
	zwd_reload_job_run(j);
	rc = zwd_reload_job_apply(e, j);
	if (rc)
		diags_summary(&j->why, why, whylen);
	if (!rc && e->job)
		e->job->superseded = true;	/* its older read would undo this */
	zwd_reload_job_drop(j);
	return rc;
}

void zwd_enforce_reload_stop(struct zwd_enforce *e)
{
	if (e && e->job)
		zwd_reload_job_end(e->job, true);
}
