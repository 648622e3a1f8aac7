/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_ZWD_FLEET_H
#define ZONEWALL_ZWD_FLEET_H

/*
 * The daemon in a fleet, shared by its two sides: the worker thread
 * (zwd-fleet-worker.c) does all of etcd's I/O; the loop's side
 * (zwd-fleet.c) applies what the worker brings and tells it what to
 * publish.  They meet under mu: the loop is woken through the eventfd efd,
 * the worker through etcd_wakeup() (it waits in etcd_wait(), on its
 * watches).
 */

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <jansson.h>

#include "zwd.h"
#include "zonewall/fleet.h"

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
	/* --- under mu ---------------------------------------------------- */
	bool stop;
	bool dirty;			/* the report changed: publish it now */
	struct fleet_host report;	/* what the loop wants published */
	struct fleet_epoch fetched;	/* the epoch in the policy copy */
	bool reachable;
	bool watching;			/* both watches stream (else: read each round) */
	char error[640];		/* the last failure, "" once reachable again */
	int64_t lease;
	uint64_t seen_epoch;		/* the fleet's current epoch, last read */
	json_t *want;			/* this host's endpoints to publish: {key: record} */
	json_t *remote;			/* the others', for the loop: [{key, value, host}] */
	bool remote_news;
	size_t n_published, n_remote;
	char prop_note[160];		/* what became of the last proposal */
	/* --- the worker's own ------------------------------------------------ */
	json_t *published;		/* {key: record} as put on pub_lease */
	int64_t pub_lease;
	struct fleet_view *view;	/* the others' endpoints: a list, then a watch */
	bool listed;			/* the view was listed once */
	struct etcd_watch *w_ep;	/* PREFIX/endpoints/ (NULL: list each round) */
	struct etcd_watch *w_pol;	/* PREFIX/policy/current (NULL: read each round) */
	uint64_t watch_failed_at;	/* loop_now_ms() of the last watch that broke */
	bool cache_due;			/* the view changed since fleet-endpoints.json */
	uint64_t cache_at;		/* when that was last written */
	char proposal[PATH_MAX];	/* learn mode: the proposal to share, "" otherwise */
	struct timespec prop_mtime;	/* of the one last stored */
	off_t prop_size;
	/* --- the loop's own ---------------------------------------------- */
	uint64_t applied;		/* epoch enforced (0: none) */
	char applied_digest[SHA256_HEX_LEN];
	char apply_error[600];
	bool was_reachable;
};

/** zwd_fleet_meta_read() - the epoch of the policy copy in state_dir into @ep (0: none). */
void zwd_fleet_meta_read(const struct zwd *d, struct fleet_epoch *ep);

/** zwd_fleet_remote_path() - fleet-endpoints.json in state_dir ("" if too long). */
void zwd_fleet_remote_path(const struct zwd *d, char *buf, size_t len);

/** zwd_fleet_outcome() - record a round's outcome @rc (under mu). */
void zwd_fleet_outcome(struct zwd_fleet *f, int rc, const struct diags *dg);

/**
 * zwd_fleet_resync() - list the others' endpoints and read the policy's
 * epoch where no watch follows them, (re)opening the watches; the first
 * round at start, and each round after a watch broke.  Return: 0 or -errno.
 */
int zwd_fleet_resync(struct zwd_fleet *f, struct diags *dg);

/** zwd_fleet_worker() - the worker thread's body (@arg: the zwd_fleet). */
void *zwd_fleet_worker(void *arg);

/** zwd_fleet_cache_write() - fleet-endpoints.json, if the view changed since. */
void zwd_fleet_cache_write(struct zwd_fleet *f);

#endif
