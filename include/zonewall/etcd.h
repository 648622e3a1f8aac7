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
 * etcd_count() - how many keys start with @prefix, of those only the ones
 * modified at revision @min_mod_rev or later (0: all; else the keys are
 * read, without their values), into *@n; the
 * store's revision into *@revision.  Return: as etcd_get().
 */
int etcd_count(struct etcd *e, const char *prefix, int64_t min_mod_rev, size_t *n,
	       int64_t *revision, struct diags *d);

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

#endif
