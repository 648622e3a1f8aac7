/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_NFT_H
#define ZONEWALL_NFT_H

/*
 * The only code that talks to nf_tables (src/nft/nft.c and its nft-batch.c,
 * nft-elem.c and nft-expr.c write, src/nft/nft-read.c reads back): a ruleset model (ruleset.h) goes
 * to the kernel as ONE netlink batch (NFNL_MSG_BATCH_BEGIN ... END), so it
 * lands whole or not at all.  Tables, chains, sets and rules are built as
 * libnftnl objects; set elements are written straight into the batch with
 * libmnl (100,000 elements: ~6 MB and a few ms instead of ~37 MB as
 * objects).  Every message asks for an ack (NLM_F_ACK) and extended acks
 * are on, so a refusal maps back through its sequence number, and for
 * elements through the attribute offset, to the model object's origin.
 *
 * Our tables are replaced in place in one transaction: their rules are
 * flushed, their sets, chains and stale objects deleted and everything
 * built again, while the named counters the model still declares stay
 * (with their values).  The batch carries the generation the deletions
 * were read at, so a concurrent change makes the kernel refuse it whole
 * and nft_apply() retries.  A reload never leaves a moment without rules,
 * nor loses a count.  Tables are created without the owner flag: enforcement
 * outlives the process.  Nothing here flushes the ruleset or touches a
 * table it was not given.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zonewall/ruleset.h"

struct nft_conn;

/* One kernel refusal, for one clear line. */
struct nft_error {
	int err;		/* -errno, 0 when none */
	char origin[256];	/* the model object's origin, "" when unknown */
	char text[1536];	/* "kernel refused ORIGIN [OBJECT]: STRERROR (EXT-ACK)" */
};

/**
 * nft_open() - open and bind a NETLINK_NETFILTER socket with extended and
 * capped acks, and big send/receive buffers.
 * Return: the connection (free with nft_close()), or NULL (errno set).
 */
struct nft_conn *nft_open(void);

/** nft_close() - close @c.  Accepts NULL. */
void nft_close(struct nft_conn *c);

/** nft_set_timeout() - bound every wait for the kernel's answers to @ms (default 10,000). */
void nft_set_timeout(struct nft_conn *c, int ms);

/**
 * nft_gen_read() - the ruleset's generation now: every transaction of
 * anyone's bumps it (a batch begun with it fails if anything changed).
 * Return: 0 or -errno (-EINTR: interrupted by a change, read again).
 */
int nft_gen_read(struct nft_conn *c, uint32_t *genid);

/**
 * nft_apply() - replace every table of @rs in the kernel by its model, in
 * one transaction.  Does not validate @rs (see rs_validate()): what the
 * model gets wrong, the kernel refuses, and @e says where.
 * @e: filled on a refusal (may be NULL).
 * Return: 0, -errno of the first refused message (nothing changed),
 * -ERESTART when the ruleset changed under every attempt, or -ETIMEDOUT
 * when acks did not all arrive in time (outcome unknown).
 */
int nft_apply(struct nft_conn *c, const struct rs_ruleset *rs, struct nft_error *e);

/**
 * nft_elems_update() - one transaction adding the elements of @add and
 * deleting those of @del (either may be NULL) in the live set of the same
 * name in table @family/@table.  The sets here are free-standing
 * rs_set_new() containers with the live set's key.
 * Return: 0 or -errno as nft_apply().
 */
int nft_elems_update(struct nft_conn *c, enum rs_family family, const char *table,
		     const struct rs_set *add, const struct rs_set *del, struct nft_error *e);

/* The element changes of one set, for nft_elems_update_many(). */
struct nft_elems_change {
	enum rs_family family;
	const char *table;
	const struct rs_set *add, *del;	/* either may be NULL */
};

/**
 * nft_elems_update_many() - the changes of @n sets in ONE transaction (one
 * send, one wait for the acks): every deletion first, then every addition,
 * so an address leaving one set loses its rights before another set gains
 * it.  Sets as for nft_elems_update().
 * Return: 0 (also when there is nothing to send) or -errno as nft_apply().
 */
int nft_elems_update_many(struct nft_conn *c, const struct nft_elems_change *v, size_t n,
			  struct nft_error *e);

/**
 * nft_uninstall() - delete every table @rs names (its content does not
 * matter), in one transaction, absent tables included without error.
 * Return: 0 or -errno.
 */
int nft_uninstall(struct nft_conn *c, const struct rs_ruleset *rs, struct nft_error *e);

struct nft_set_stat {
	char name[64];
	uint32_t flags;		/* NFT_SET_* */
	uint64_t elements;	/* model elements: interval end markers not counted */
};

/*
 * A rule's counter is its own or a named counter object of the table,
 * which several rules may share: the object's values are reported on the
 * first rule that names it (has_counter), so a sum over rules counts each
 * counter once.
 */
struct nft_rule_stat {
	char chain[64];
	char comment[256];	/* "" when the rule has none */
	char counter[64];	/* the named counter it counts into, "" when none */
	uint64_t handle;
	bool has_counter;
	uint64_t packets, bytes;
};

struct nft_status {
	struct nft_set_stat *sets;
	size_t n_sets;
	struct nft_rule_stat *rules;
	size_t n_rules;
};

/**
 * nft_status_read() - read back table @family/@table: its sets with their
 * element counts, its rules with comments and counters.
 * @out: filled on success; release with nft_status_free().
 * Return: 0, -ENOENT when the table does not exist, -EINTR when the
 * ruleset changed during each of three reads, other -errno.
 */
int nft_status_read(struct nft_conn *c, enum rs_family family, const char *table,
		    struct nft_status *out);

/**
 * nft_rules_read() - nft_status_read() without the sets (none listed, no
 * element dumped): the rules with their comments and counters, for a
 * scrape that only wants the counters.
 */
int nft_rules_read(struct nft_conn *c, enum rs_family family, const char *table,
		   struct nft_status *out);

/** nft_status_free() - release what nft_status_read() filled.  Accepts NULL. */
void nft_status_free(struct nft_status *s);

struct nft_features {
	bool br_netfilter_loaded;	/* br_netfilter is there (/proc/sys/net/bridge) */
	bool br_netfilter;	/* bridged IPv4 traffic reaches the inet hooks */
	bool br_netfilter6;	/* bridged IPv6 traffic reaches the inet hooks */
	bool conntrack_bridge;	/* ct expressions work in the bridge family */
	int conntrack_bridge_err;	/* the kernel's -errno when not */
};

/**
 * nft_probe() - what this kernel can enforce.  br_netfilter is read from
 * /proc/sys/net/bridge/bridge-nf-call-iptables (and -ip6tables: the two are
 * separate switches, and this namespace's own); nf_conntrack_bridge by
 * sending a batch (throwaway bridge table, a rule with a ct expression)
 * whose last message is meant to fail, so the kernel validates everything
 * and commits nothing.
 * Return: 0 or -errno when the probe itself could not run.
 */
int nft_probe(struct nft_conn *c, struct nft_features *out);

/**
 * nft_kernel_path() - in words, which traffic the probed kernel lets our
 * tables judge: routed paths (across bridges, to the host, egress) always;
 * same-bridge traffic per address family only where br_netfilter hands it
 * to the inet hooks.
 * @same_bridge: set to whether same-bridge traffic of both families is.
 * Return: a static string.
 */
const char *nft_kernel_path(const struct nft_features *f, bool *same_bridge);

#endif
