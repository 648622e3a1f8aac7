/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_FLEET_H
#define ZONEWALL_FLEET_H

/*
 * The fleet's records in etcd, under a prefix (default /zonewall/v1):
 *
 *   PREFIX/policy/current            the policy in force: its epoch and digest
 *   PREFIX/policy/epochs/NNNNNNNNNN  every epoch's record, the same JSON
 *   PREFIX/policy/blob/DIGEST/NNNNNN the policy's bytes, in pieces under
 *                                    etcd's request limit (1.5 MiB)
 *   PREFIX/hosts/HOST                each daemon's report, on its lease
 *   PREFIX/proposals/HOST/current    each learning host's last proposal
 *   PREFIX/proposals/HOST/DIGEST/NNNNNN  its pieces (no lease: what a host
 *                                    learned outlives it)
 *   PREFIX/endpoints/HOST/ADDR       each of its containers (keyed by its first
 *                                    address), on the same lease
 *
 * A push writes the pieces first (named by the digest: a retry or a
 * concurrent push of the same file writes the same keys), then moves
 * "current" with a compare-and-swap on the record it read: of two
 * concurrent pushes one wins and the other is told.  etcd decides nothing
 * about traffic: it carries the policy and the hosts' reports.
 */

#include <stdint.h>
#include <jansson.h>

#include "zonewall/etcd.h"
#include "zonewall/sha256.h"

#define FLEET_PREFIX_DEFAULT "/zonewall/v1"
#define FLEET_CHUNK (768u << 10)	/* 1 MiB of base64 and its JSON */

struct fleet_epoch {
	uint64_t epoch;			/* 1, 2, ...; 0: none pushed yet */
	char digest[SHA256_HEX_LEN];	/* of the policy's bytes */
	uint64_t size;
	unsigned int chunks;
	char pushed_at[40];		/* RFC 3339 */
	char pushed_by[128];		/* user@host */
	char commit[48];		/* the git commit pushed from; "" none */
};

struct fleet_host {
	char host[64];
	char mode[16];			/* learn, monitor, enforce */
	char state[32];			/* ready, fleet_stale, runtime_down, ... */
	uint64_t epoch;			/* the policy epoch it enforces; 0 none */
	char digest[SHA256_HEX_LEN];
	uint64_t endpoints;		/* local endpoints it publishes */
	char seen[40];			/* RFC 3339 of its last report */
	int64_t pid;
};

/**
 * fleet_epoch_current() - the record of the policy in force into @ep and
 * its key's mod revision into *@mod_rev.
 * Return: 0; -ENOENT when none was pushed (@ep zeroed, *@mod_rev 0);
 * -EPROTO for a record that is not one (@d says why); else as etcd_get().
 */
int fleet_epoch_current(struct etcd *e, const char *prefix, struct fleet_epoch *ep,
			int64_t *mod_rev, struct diags *d);

/**
 * fleet_policy_push() - store @text[0..@len) as the next epoch.  @ep
 * gives pushed_at, pushed_by and commit; the rest is filled in.
 * Return: 0 with @ep the new epoch; -EALREADY when the policy in force has
 * the same digest (@ep is it, nothing written); -ECANCELED when another
 * push moved the policy meanwhile (nothing replaced); else as etcd_get().
 */
int fleet_policy_push(struct etcd *e, const char *prefix, const char *text, size_t len,
		      struct fleet_epoch *ep, struct diags *d);

/**
 * fleet_policy_fetch() - the policy in force: its record into @ep and its
 * bytes into *@text (NUL-terminated, free() it), checked against the digest.
 * Return: 0; -ENOENT none pushed; -EPROTO pieces missing or not matching
 * the digest; else as etcd_get().
 */
int fleet_policy_fetch(struct etcd *e, const char *prefix, struct fleet_epoch *ep,
		       char **text, size_t *len, struct diags *d);

/**
 * fleet_policy_fetch_epoch() - as fleet_policy_fetch(), the policy of
 * @epoch (its record PREFIX/policy/epochs/NNNNNNNNNN) rather than the one
 * in force.  Return: as fleet_policy_fetch(); -ENOENT for no such epoch.
 */
int fleet_policy_fetch_epoch(struct etcd *e, const char *prefix, uint64_t epoch,
			     struct fleet_epoch *ep, char **text, size_t *len, struct diags *d);

/**
 * fleet_hosts_list() - every host's report, sorted by host name, into
 * *@v (free() it).  A record that cannot be read is skipped and noted in @d
 * (the rest are still listed).
 */
int fleet_hosts_list(struct etcd *e, const char *prefix, struct fleet_host **v, size_t *n,
		     struct diags *d);

/** fleet_host_publish() - write @h's report on lease @lease (0: none). */
int fleet_host_publish(struct etcd *e, const char *prefix, const struct fleet_host *h,
		       int64_t lease, struct diags *d);

/* A host's document (its proposal), fetched whole and checked. */
struct fleet_doc {
	char host[64];
	char *text;
	size_t len;
	char pushed_at[40];
};

/**
 * fleet_proposal_push() - store @text[0..@len) as @host's proposal, written
 * at @when (RFC 3339); the pieces of the one it replaces are deleted.
 * Return: 0; -EALREADY when it is the one stored; else as etcd_get().
 */
int fleet_proposal_push(struct etcd *e, const char *prefix, const char *host, const char *text,
			size_t len, const char *when, struct diags *d);

/**
 * fleet_proposals_fetch() - every host's proposal into *@v (fleet_docs_free()).
 * A host's that is not whole is skipped and named in @d.
 * Return: 0 or as etcd_get().
 */
int fleet_proposals_fetch(struct etcd *e, const char *prefix, struct fleet_doc **v, size_t *n,
			  struct diags *d);

void fleet_docs_free(struct fleet_doc *v, size_t n);

struct cmp_snapshot;
struct cmp_workload;

/* One endpoint of the fleet: its key and its record (JSON text). */
struct fleet_endpoint {
	char *key;
	char *value;
	char host[64];			/* the host that published it */
};

struct fleet_endpoints {
	struct fleet_endpoint *v;
	size_t n;
	size_t total;			/* keys read, this host's own included */
	int64_t revision;		/* etcd's revision at the read */
};

/**
 * fleet_endpoint_record() - @w (a container of this host) as its key under
 * PREFIX/endpoints/@host/ and its record: identity, explicit zone, labels,
 * networks and addresses, which is what another host compiling the same
 * policy needs to put it in the same zone.  Return: 0, -ENOENT for an
 * endpoint without an address, -ENOMEM.
 */
int fleet_endpoint_record(const char *prefix, const char *host, const struct cmp_workload *w,
			  char **key, char **value);

/**
 * fleet_endpoint_add() - the record @value of a remote host's endpoint
 * into @s, its origin "fleet HOST".  Return: 0, or -EINVAL with the
 * problem in @d at @key (the record is left out; the rest go on).
 */
int fleet_endpoint_add(struct cmp_snapshot *s, const char *key, const char *value,
		       const char *host, struct diags *d);

/**
 * fleet_endpoints_list() - every host's endpoints but @self's, sorted by key.
 * Return: 0 or as etcd_get().
 */
int fleet_endpoints_list(struct etcd *e, const char *prefix, const char *self,
			 struct fleet_endpoints *out, struct diags *d);

void fleet_endpoints_free(struct fleet_endpoints *l);

/*
 * The other hosts' endpoints as a daemon follows them (fleet-view.c): a
 * list, then a watch's changes on top of it.  Keys are
 * PREFIX/endpoints/HOST/ADDR; this host's own are left out.
 */
struct fleet_view;

/** fleet_view_new() - an empty view under @prefix, @self's keys left out. */
struct fleet_view *fleet_view_new(const char *prefix, const char *self);

void fleet_view_free(struct fleet_view *v);

/**
 * fleet_view_reset() - the view becomes the list @l (taken at @l->revision).
 * Return: 1 when that changed it, 0 when not, -ENOMEM.
 */
int fleet_view_reset(struct fleet_view *v, const struct fleet_endpoints *l);

/**
 * fleet_view_apply() - a watch's changes @ev[0..@n): puts and deletes of
 * endpoint keys (any other key under the prefix is ignored, and so is a
 * change no newer than the list or change the view last took).
 * Return: 1 when they changed it, 0 when not, -ENOMEM.
 */
int fleet_view_apply(struct fleet_view *v, const struct etcd_event *ev, size_t n);

/** fleet_view_revision() - the revision the view is current at. */
int64_t fleet_view_revision(const struct fleet_view *v);

/**
 * fleet_view_json() - the view as [{key, value, host}] sorted by key, the
 * form fleet_endpoints_remote() and the daemon's modes take.
 * Return: a new reference, or NULL (out of memory).
 */
json_t *fleet_view_json(const struct fleet_view *v);

struct learn_remote;

/**
 * fleet_endpoints_remote() - the endpoint records @list ([{key, value,
 * host}], as the daemon's worker hands them over) as a table of workloads
 * by address for the learner, into *@out.  A record without an identity is
 * left out and named in @d.  Return: 0 or -ENOMEM.
 */
int fleet_endpoints_remote(const json_t *list, struct learn_remote **out, struct diags *d);

/**
 * fleet_epoch_parse() - a policy epoch record (@need_epoch) or a host's
 * proposal record @text, read from key @key, into @ep.
 * Return: 0, or -EPROTO with the problem in @d at @key.
 */
int fleet_epoch_parse(const char *text, size_t len, const char *key, struct fleet_epoch *ep,
		      bool need_epoch, struct diags *d);

/** fleet_host_parse() - a host's report @kv into @h.  Return: 0 or -EPROTO (@d). */
int fleet_host_parse(const struct etcd_kv *kv, struct fleet_host *h, struct diags *d);

/** fleet_name_ok() - whether @s can name a host or a prefix part in a key. */
bool fleet_name_ok(const char *s);

#endif
