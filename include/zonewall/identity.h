/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_IDENTITY_H
#define ZONEWALL_IDENTITY_H

/*
 * Workload identity (pure: no I/O).  A workload record, as the runtime
 * mapper (runtime.c) or a test builds it, is named by identity rules
 * (label, compose, kubernetes, image, name) and placed in a zone (label,
 * network map, default).  The index maps addresses to workloads with a
 * short per-address history, so a packet is attributed to the workload
 * that held its address at the packet's time, and tells a listener about
 * every change (the enforcer turns those into set element updates).
 *
 * Times are int64_t nanoseconds since the Unix epoch (CLOCK_REALTIME, as in
 * pcap timestamps and the runtimes' event timeNano).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <jansson.h>

/* An IPv4 or IPv6 address; IPv4 uses a[0..3], the rest zero. */
struct id_addr {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char a[16];
};

/**
 * id_addr_parse() - parse a textual IPv4 or IPv6 address (no prefix).
 * Return: 0, or -EINVAL.
 */
int id_addr_parse(const char *text, struct id_addr *out);

/** id_addr_format() - @a as inet_ntop() text into @buf (INET6_ADDRSTRLEN). */
const char *id_addr_format(const struct id_addr *a, char *buf, size_t len);

struct id_label {
	char *key;
	char *value;
};

/* One network attachment of a workload. */
struct id_net {
	char *name;		/* network name */
	char *net_id;		/* NetworkID as reported (podman: the name, docker: hex) */
	char ipv4[INET6_ADDRSTRLEN];	/* "" when none */
	unsigned int ipv4_prefix;
	char ipv6[INET6_ADDRSTRLEN];	/* "" when none */
	unsigned int ipv6_prefix;
	char gateway[INET6_ADDRSTRLEN];	/* IPv4 gateway, "" when none */
	char mac[18];		/* "" when none */
	char veth[16];		/* host-side interface, "" when unknown */
	char bridge[16];	/* bridge that veth is a port of, "" when unknown */
};

/*
 * A workload: one container (or an inventory entry).  Reference counted,
 * because the address history may keep a removed workload alive.  Only the
 * index and the code that built the record write to it.
 */
struct id_workload {
	unsigned int refs;
	char *id;		/* full id */
	char *name;		/* without the leading '/' */
	char *image;		/* as the runtime reports it, "" when unknown */
	char *state;		/* "running", "exited", ... */
	char *runtime;		/* "docker", "podman", "inventory", ... */
	int pid;		/* main process, 0 when not running */
	int64_t started_ns;	/* 0 when unknown */
	char *pidfile;		/* where the runtime writes the main process's PID on
				 * each start (Podman), NULL when unknown */
	struct id_label *labels;	/* sorted by key */
	size_t n_labels;
	struct id_net *nets;	/* sorted by network name */
	size_t n_nets;
	/* Filled by id_resolve(): */
	char *identity;
	const char *identity_rule;	/* "label:KEY", "compose", ... (static) */
	char *zone;
	const char *zone_source;	/* "label", "network", "default" (static) */
};

/** id_workload_new() - an empty record with one reference, or NULL (errno). */
struct id_workload *id_workload_new(void);

/** id_workload_get() - take another reference to @w.  Return: @w. */
struct id_workload *id_workload_get(struct id_workload *w);

/** id_workload_put() - drop a reference; frees at zero.  Accepts NULL. */
void id_workload_put(struct id_workload *w);

/**
 * id_workload_set() - replace the string field at @field (e.g. &w->name)
 * with a copy of @value (NULL stores "").
 * Return: 0 or -ENOMEM.
 */
int id_workload_set(char **field, const char *value);

/** id_workload_add_label() - copy @key=@value in (replacing a same key).  Return: 0 or -ENOMEM. */
int id_workload_add_label(struct id_workload *w, const char *key, const char *value);

/** id_workload_add_net() - append a zeroed network named @name.  Return: it, or NULL (errno). */
struct id_net *id_workload_add_net(struct id_workload *w, const char *name);

/** id_workload_sort() - sort labels and networks (call once the record is complete). */
void id_workload_sort(struct id_workload *w);

/** id_workload_label() - the value of label @key, or NULL. */
const char *id_workload_label(const struct id_workload *w, const char *key);

/**
 * id_workload_json() - @w as a row: id (12 chars), full_id, name, identity,
 * identity_rule, zone, zone_source, image, ipv4, ipv6, networks, mac, veth,
 * bridge (arrays, one element per network that has one), state, pid,
 * runtime, labels (object).
 * Return: a new object (caller owns), or NULL on allocation failure.
 */
json_t *id_workload_json(const struct id_workload *w);

/* --- identity rules ------------------------------------------------------ */

enum id_rule_kind {
	ID_RULE_LABEL,		/* the value of one label (arg: its key) */
	ID_RULE_COMPOSE,	/* "project/service" from the compose labels */
	ID_RULE_KUBERNETES,	/* app.kubernetes.io/name, else app */
	ID_RULE_IMAGE,		/* image repository without tag or digest */
	ID_RULE_NAME,		/* container name without a replica number */
};

#define ID_RULES_MAX 16

struct id_rule {
	enum id_rule_kind kind;
	char *arg;		/* label key for ID_RULE_LABEL */
	char *text;		/* "label:KEY", "compose", ... for reports */
};

struct id_net_zone {
	char *network;
	char *zone;
};

struct id_rules {
	struct id_rule v[ID_RULES_MAX];
	size_t n;
	struct id_net_zone *net_zones;
	size_t n_net_zones;
	char *zone_label;	/* "zonewall.zone" */
	char *default_zone;	/* "default" */
};

/**
 * id_rules_init() - the default rules: label:zonewall.identity, compose,
 * kubernetes, image, name; zone from label zonewall.zone, no network map,
 * default zone "default".
 * Return: 0 or -ENOMEM (@r is then empty but safe to id_rules_free()).
 */
int id_rules_init(struct id_rules *r);

/** id_rules_free() - release what @r holds.  Accepts NULL. */
void id_rules_free(struct id_rules *r);

/**
 * id_rules_set_order() - replace the rule list with @n rules named as in
 * the inventory file: "label:KEY", "compose", "kubernetes", "image", "name".
 * @path: where the list is ("$.identity.rules"); @d gets every problem
 * there or at an element ("$.identity.rules[1]").
 * Return: 0; -EINVAL (@r unchanged) for an unknown name, a churn label key,
 * an empty list or too many rules; -ENOMEM.
 */
struct diags;

int id_rules_set_order(struct id_rules *r, const char *const *names, size_t n,
		       const char *path, struct diags *d);

/** id_rules_add_network_zone() - map network @network to @zone.  Return: 0 or -ENOMEM. */
int id_rules_add_network_zone(struct id_rules *r, const char *network, const char *zone);

/** id_rules_set_default_zone() - Return: 0 or -ENOMEM. */
int id_rules_set_default_zone(struct id_rules *r, const char *zone);

/**
 * id_label_is_churn() - true for labels whose value changes with every
 * rollout or replica (pod-template-hash, controller-revision-hash,
 * statefulset.kubernetes.io/pod-name, ...): never part of an identity.
 */
bool id_label_is_churn(const char *key);

/**
 * id_image_repository() - @image without tag or digest, with Docker Hub's
 * "docker.io/" and "library/" dropped (so both runtimes name it alike);
 * other registry hosts are kept.  NULL when @image is an image id.
 * Return: a malloc'ed string, or NULL.
 */
char *id_image_repository(const char *image);

/**
 * id_name_base() - @name without a leading '/' and a trailing replica
 * number after '-', '_' or '.' ("web-1", "shop_api_2" -> "web", "shop_api").
 * Return: a malloc'ed string, or NULL (errno).
 */
char *id_name_base(const char *name);

/**
 * id_resolve() - fill @w's identity, identity_rule, zone and zone_source
 * by @r.  Every workload gets an identity: the name rule's answer, else
 * the id, is the last resort.
 * Return: 0 or -ENOMEM.
 */
int id_resolve(const struct id_rules *r, struct id_workload *w);

/* --- the index --------------------------------------------------------------- */

#define ID_ADDR_HISTORY 4	/* holders remembered per address */

struct id_index;

enum id_change {
	ID_ADDED,
	ID_CHANGED,		/* addresses, state, identity or zone changed */
	ID_REMOVED,
};

/*
 * Called after each change, with the old record (NULL for ID_ADDED) and the
 * new one (NULL for ID_REMOVED); both stay valid only during the call.
 */
typedef void (*id_notify_fn)(void *ctx, enum id_change what, int64_t t_ns,
			     const struct id_workload *old_w,
			     const struct id_workload *new_w);

/**
 * id_index_new() - an empty index.
 * @rules: borrowed; must outlive the index.
 * @max_addrs: addresses tracked at most (history included); at the bound
 *             the address whose last holder left longest ago is forgotten.
 * @max_workloads: workloads held at most.
 * Return: the index, or NULL (errno).
 */
struct id_index *id_index_new(const struct id_rules *rules, size_t max_addrs,
			      size_t max_workloads);

/** id_index_free() - release the index and its references.  Accepts NULL. */
void id_index_free(struct id_index *idx);

/** id_index_set_notify() - call @fn(@ctx, ...) after every change. */
void id_index_set_notify(struct id_index *idx, id_notify_fn fn, void *ctx);

/**
 * id_index_upsert() - add @w or replace the workload with @w's id, resolve
 * its identity and zone, and move address holdings: addresses it no longer
 * has are released at @t_ns, new ones held from @t_ns (from @w->started_ns
 * instead when the workload is new to the index and started earlier).
 * Takes over the caller's reference to @w, even on error.
 * Return: 0; -ENOSPC at max_workloads or when no address can be forgotten;
 * -ENOMEM.
 */
int id_index_upsert(struct id_index *idx, struct id_workload *w, int64_t t_ns);

/**
 * id_index_remove() - the workload with @id is gone at @t_ns: its addresses
 * are released (history kept).
 * Return: 0, or -ENOENT when no such workload is indexed.
 */
int id_index_remove(struct id_index *idx, const char *id, int64_t t_ns);

struct id_sync_stats {
	size_t added, changed, removed, unchanged;
};

/**
 * id_index_sync() - make the index hold exactly @v[0..n): upsert each, and
 * remove the workloads not among them.  Takes over the references in @v
 * (the array itself stays the caller's).
 * Return: 0, or the first error of id_index_upsert() (the rest still applied).
 */
int id_index_sync(struct id_index *idx, struct id_workload **v, size_t n,
		  int64_t t_ns, struct id_sync_stats *st);

/**
 * id_index_lookup() - the workload that held @a at @t_ns (t_ns <= 0: now).
 * Return: a borrowed pointer valid until the next change, or NULL.
 */
const struct id_workload *id_index_lookup(const struct id_index *idx,
					  const struct id_addr *a, int64_t t_ns);

/** id_index_find() - the workload with full @id (or a unique id prefix of 12+ chars), or NULL. */
const struct id_workload *id_index_find(const struct id_index *idx, const char *id);

/** id_index_count() - how many workloads are indexed. */
size_t id_index_count(const struct id_index *idx);

/** id_index_at() - the @i-th workload (sorted by name, then id), or NULL past the end. */
const struct id_workload *id_index_at(const struct id_index *idx, size_t i);

/** id_index_addr_count() - how many addresses the history tracks. */
size_t id_index_addr_count(const struct id_index *idx);

/**
 * id_index_set_stale() - the source of truth is unreachable since @since_ns
 * (0: it is reachable again).  Lookups still answer from the last mapping;
 * id_index_stale() lets every consumer tell and report it.
 */
void id_index_set_stale(struct id_index *idx, int64_t since_ns);

/** id_index_stale() - true while the mapping may be stale; @since_ns gets when it began. */
bool id_index_stale(const struct id_index *idx, int64_t *since_ns);

#endif
