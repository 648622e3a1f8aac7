/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_ETCD_H
#define ZONEWALL_ETCD_H

/*
 * A client of etcd v3 through its HTTP/JSON gateway (libcurl, jansson):
 * ranges, puts, compare-and-swap transactions and leases, which is all
 * fleet mode asks of it.  Keys and values are bytes; the gateway's base64
 * stays inside.  Every call tries the endpoints in turn until one answers;
 * what went wrong is recorded in a diag list whose "where" is the
 * endpoint, or the key for etcd's own refusals.
 */

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zonewall/diag.h"

#define ETCD_ENDPOINTS_MAX 8

struct etcd_conf {
	char endpoints[ETCD_ENDPOINTS_MAX][128];	/* "HOST:PORT" */
	size_t n;
	char user[64];			/* "" without authentication */
	char password[256];
	char ca[PATH_MAX];		/* any of the three: https */
	char cert[PATH_MAX];
	char key[PATH_MAX];
	long timeout_ms;		/* per request; 0 for the default 5 s */
};

struct etcd_kv {
	char *key;			/* NUL-terminated */
	char *value;			/* NUL-terminated; value_len bytes */
	size_t value_len;
	int64_t create_rev, mod_rev, version, lease;
};

struct etcd_kvs {
	struct etcd_kv *v;
	size_t n;
	int64_t revision;		/* the store's revision at the read */
};

/* one put of a transaction */
struct etcd_put {
	const char *key;
	const void *value;
	size_t len;
	int64_t lease;			/* 0: none */
};

struct etcd;

/**
 * etcd_url_parse() - fill @c's endpoints from "etcd://HOST:PORT[,HOST:PORT...]".
 * Return: 0, or -EINVAL with the problem in @d.
 */
int etcd_url_parse(struct etcd_conf *c, const char *url, struct diags *d);

/** etcd_open() - a client of @c (copied).  Return: 0 or -ENOMEM. */
int etcd_open(const struct etcd_conf *c, struct etcd **out);

void etcd_close(struct etcd *e);

/**
 * etcd_get() - the key @key, or with @prefix every key starting with it,
 * sorted by key, into @out (etcd_kvs_free() it).
 * Return: 0 (an absent key is no entry), or -errno with @d filled:
 * -EHOSTUNREACH when no endpoint answers, -EACCES for refused credentials,
 * -EPROTO for an answer that is not etcd's.
 */
int etcd_get(struct etcd *e, const char *key, bool prefix, struct etcd_kvs *out,
	     struct diags *d);

/**
 * etcd_range_parse() - etcd's answer to a range, the JSON text @text, into
 * @out (etcd_kvs_free() it): what etcd_get() does with what it reads.
 * Return: 0; -EPROTO (@d says why, at @where); -ENOMEM.
 */
int etcd_range_parse(const char *text, size_t len, const char *where, struct etcd_kvs *out,
		     struct diags *d);

/** etcd_range() - etcd_get(), with @keys_only the keys alone (values ""). */
int etcd_range(struct etcd *e, const char *key, bool prefix, bool keys_only,
	       struct etcd_kvs *out, struct diags *d);

void etcd_kvs_free(struct etcd_kvs *k);

/**
 * etcd_unreachable_hint() - what to check when no endpoint of @e answered
 * (-EHOSTUNREACH): with TLS settings, those (a handshake etcd refuses looks
 * to curl like a peer that does not answer); without, that etcd runs there.
 */
const char *etcd_unreachable_hint(const struct etcd *e);

/** etcd_put() - put one key.  Return: as etcd_get(). */
int etcd_put(struct etcd *e, const struct etcd_put *p, struct diags *d);

/**
 * etcd_txn_if() - the puts @ops[0..@n) in one transaction, if @key's
 * mod revision is still @mod_rev (0: if @key does not exist).
 * Return: 0 when applied; -ECANCELED when @key changed (nothing applied);
 * otherwise as etcd_get().
 */
int etcd_txn_if(struct etcd *e, const char *key, int64_t mod_rev, const struct etcd_put *ops,
		size_t n, struct diags *d);

/** etcd_delete() - delete @key (with @prefix, every key under it). */
int etcd_delete(struct etcd *e, const char *key, bool prefix, struct diags *d);

/** etcd_lease_grant() - a lease of @ttl seconds into *@id. */
int etcd_lease_grant(struct etcd *e, long ttl, int64_t *id, struct diags *d);

/**
 * etcd_lease_keepalive() - renew lease @id.
 * Return: 0, -ENOENT when it expired (its keys are gone), or as etcd_get().
 */
int etcd_lease_keepalive(struct etcd *e, int64_t id, struct diags *d);

/** etcd_lease_revoke() - end lease @id now, deleting its keys. */
int etcd_lease_revoke(struct etcd *e, int64_t id, struct diags *d);

/* --- watches (etcd-watch.c) ------------------------------------------------ */

/* one change a watch saw */
struct etcd_event {
	bool deleted;			/* a DELETE (kv has key and mod_rev only) */
	struct etcd_kv kv;
};

/* one message of a watch stream */
struct etcd_watch_msg {
	int64_t revision;		/* the store's revision at the message */
	bool created, canceled;
	int64_t compact_revision;	/* canceled: history before it is gone */
	char reason[160];		/* canceled: etcd's reason, if it gave one */
	struct etcd_event *ev;
	size_t n;
};

struct etcd_watch;

/**
 * etcd_watch_parse() - one message of a watch stream, the JSON text @text,
 * into @out (etcd_watch_msg_free() it).
 * Return: 0; -ECANCELED for etcd's error instead of a result (@d says it,
 * at @where); -EPROTO for anything else that is not etcd's; -ENOMEM.
 */
int etcd_watch_parse(const char *text, size_t len, const char *where,
		     struct etcd_watch_msg *out, struct diags *d);

void etcd_watch_msg_free(struct etcd_watch_msg *m);

/**
 * etcd_watch_open() - watch @key (with @prefix, every key under it) from
 * revision @start_rev on, over a stream of its own at the endpoint that
 * answered last; it only starts here: what it brings is read with
 * etcd_watch_next() after etcd_wait().  The stream asks etcd to end it when
 * its member loses the cluster's leader (so a member cut off from the
 * others cannot hold a watch that never fires).
 * Return: 0, -ENOSPC past ETCD_WATCHES_MAX open watches, -ENOMEM.
 */
int etcd_watch_open(struct etcd *e, const char *key, bool prefix, int64_t start_rev,
		    struct etcd_watch **out, struct diags *d);

/**
 * etcd_watch_next() - the next message the stream brought, into @m.
 * Return: 1 with a message (etcd_watch_msg_free() it); 0 when none is
 * waiting; the end of the watch: -ESTALE when etcd compacted the revisions
 * it needed (m->compact_revision set: list again, then watch from there),
 * -ECANCELED when etcd ended it for another reason (a member without a
 * leader, an error in the stream), -EPIPE when the stream closed or never
 * opened, -EPROTO for a message that is not etcd's, or etcd's refusal of
 * the request as etcd_get() (-EACCES: credentials); @d says which.  Close
 * the watch after any of them.
 */
int etcd_watch_next(struct etcd_watch *w, struct etcd_watch_msg *m, struct diags *d);

/** etcd_watch_close() - end the stream (NULL accepted). */
void etcd_watch_close(struct etcd_watch *w);

/**
 * etcd_wait() - wait up to @timeout_ms for a watch's stream to bring data,
 * or etcd_wakeup(), and move the streams on.  The only call that reads them.
 */
void etcd_wait(struct etcd *e, int timeout_ms);

/** etcd_wakeup() - end an etcd_wait() of another thread now (or the next one). */
void etcd_wakeup(struct etcd *e);

#endif
