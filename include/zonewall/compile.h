/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_COMPILE_H
#define ZONEWALL_COMPILE_H

/*
 * The compiler: a policy (policy.h) and a snapshot of this host's
 * workloads -> the ruleset model (ruleset.h) that `zonewall apply`
 * installs and `zonewall compile` prints.  Pure: no I/O.
 *
 * The snapshot is plain data, deliberately independent of the runtime
 * mapper and the inventory parser: tools/ fills it from either (or a test
 * fills it by hand).  A snapshot endpoint is anything with addresses and an
 * identity: a container (host addresses, its bridge port and MAC) or a
 * static inventory entry (CIDRs, e.g. the internet as 0.0.0.0/0).
 *
 * The layout of what comes out is documented in README.md ("Enforcement:
 * compile, apply, status, denied").  In short: table inet zonewall with
 * forward and input base chains (priority -5) that dispatch only traffic
 * entering or leaving a container bridge, a source-address verdict map to
 * one chain per source zone (unknown addresses: the default zone), in it a
 * destination map to one chain per zone pair, where the shared allowlist
 * sets are looked up and the pair's mode decides the rest; and table bridge
 * zonewall binding each container port to its addresses and MAC.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "zonewall/diag.h"
#include "zonewall/policy.h"
#include "zonewall/ruleset.h"

#define CMP_TABLE "zonewall"
#define CMP_LOG_GROUP 4269		/* NFLOG group of refusals: the CLI's and the daemon's default */
#define CMP_LOG_RATE 10			/* log lines per second per zone pair */
#define CMP_LOG_BURST 5
#define CMP_LOG_PREFIX "zw "		/* every log prefix starts so */

/* An address or a CIDR. */
struct cmp_prefix {
	uint8_t family;		/* 4 or 6 */
	uint8_t len;		/* prefix length; 32/128 for one address */
	uint8_t rank;		/* what competes for the longest prefix: len, or the
				 * length of the inventory CIDR an "except" carved
				 * this piece from */
	uint8_t a[16];		/* network address, host bits zero; IPv4 in a[0..3] */
};

/* One endpoint: a workload or a static inventory entry. */
struct cmp_workload {
	char *identity;		/* what allow rules name */
	char *zone;		/* explicit zone name, NULL: by the policy's selectors */
	char *origin;		/* "container web-1 (0123456789ab)", "inventory entries[2]" */
	struct pol_label *labels;
	size_t n_labels;
	char **networks;
	size_t n_networks;
	struct cmp_prefix *addrs;
	size_t n_addrs;
	char port[16];		/* host-side interface (bridge port), "" unknown */
	uint8_t mac[6];
	bool has_mac;
};

struct cmp_snapshot {
	struct cmp_workload **w;
	size_t n;
	char **bridges;		/* container bridges: only their traffic is dispatched */
	size_t n_bridges;
};

/** cmp_snap_new() - an empty snapshot.  Return: it, or NULL (errno ENOMEM). */
struct cmp_snapshot *cmp_snap_new(void);

/** cmp_snap_free() - release @s and everything in it.  Accepts NULL. */
void cmp_snap_free(struct cmp_snapshot *s);

/**
 * cmp_snap_equal() - whether @a and @b hold the same endpoints (every field,
 * in the same order) and bridges: compiling either gives the same model, so
 * a caller following the runtime can skip a recompile.  Pure.
 */
bool cmp_snap_equal(const struct cmp_snapshot *a, const struct cmp_snapshot *b);

/**
 * cmp_snap_add() - append an endpoint (strings copied; @zone and @origin
 * may be NULL).
 * Return: the endpoint, owned by @s, or NULL (errno EINVAL for an empty
 * identity, ENOMEM).
 */
struct cmp_workload *cmp_snap_add(struct cmp_snapshot *s, const char *identity,
				  const char *zone, const char *origin);

/**
 * cmp_snap_add_copy() - append a copy of @w (another snapshot's): every
 * field, strings copied.  Return: 0, -EINVAL (no identity), -ENOMEM.
 */
int cmp_snap_add_copy(struct cmp_snapshot *s, const struct cmp_workload *w);

/**
 * cmp_snap_take() - move endpoint @i of @from to the end of @s (no copy);
 * @from keeps a hole there, which cmp_snap_free() passes over (so @from is
 * only freed afterwards, not compiled).  Return: 0, -ENOENT (no endpoint
 * there), -ENOMEM.
 */
int cmp_snap_take(struct cmp_snapshot *s, struct cmp_snapshot *from, size_t i);

/**
 * cmp_snap_add_bridge() - add a container bridge by name (duplicates are
 * ignored).  Return: 0, -EINVAL (not an interface name), -ENOMEM.
 */
int cmp_snap_add_bridge(struct cmp_snapshot *s, const char *name);

/**
 * cmp_workload_add_addr() - add "ADDR" or "ADDR/LEN" (host bits must be
 * zero) to @w.  Return: 0, -EINVAL, -ENOMEM.
 */
int cmp_workload_add_addr(struct cmp_workload *w, const char *text);

/**
 * cmp_workload_add_piece() - add prefix "ADDR/LEN" that competes in the
 * zone map's longest-prefix match as if it were @rank bits long (@rank <=
 * LEN): a piece of a CIDR whose "except" carved it (inv_entry_pieces()),
 * so it never beats a prefix the CIDR itself would not.
 * Return: 0, -EINVAL, -ENOMEM.
 */
int cmp_workload_add_piece(struct cmp_workload *w, const char *text, unsigned int rank);

struct inv_entry;

/**
 * cmp_snap_add_entry() - one endpoint for address entry @e (an inventory's):
 * identity = entry name, its zone, its CIDRs minus its "except" prefixes
 * (src/compile/compile-inv.c); @origin names it ("inventory $.entries[I] NAME").
 * @d: gets the problem at @origin.
 * Return: 0, or -errno with @d naming the entry.
 */
int cmp_snap_add_entry(struct cmp_snapshot *s, const struct inv_entry *e, const char *origin,
		       struct diags *d);

/** cmp_workload_add_label() - copy @key=@value in.  Return: 0 or -ENOMEM. */
int cmp_workload_add_label(struct cmp_workload *w, const char *key, const char *value);

/** cmp_workload_add_network() - copy @name in.  Return: 0 or -ENOMEM. */
int cmp_workload_add_network(struct cmp_workload *w, const char *name);

/**
 * cmp_workload_set_port() - @w sends through bridge port @ifname with MAC
 * @mac ("aa:bb:cc:dd:ee:ff"): its addresses get bound to that port.
 * Return: 0 or -EINVAL.
 */
int cmp_workload_set_port(struct cmp_workload *w, const char *ifname, const char *mac);

/** cmp_prefix_parse() - "ADDR" or "ADDR/LEN" into @out.  Return: 0 or -EINVAL. */
int cmp_prefix_parse(const char *text, struct cmp_prefix *out);

/** cmp_prefix_format() - @p as "ADDR" (full length) or "ADDR/LEN" into @buf (>= 50 bytes). */
const char *cmp_prefix_format(const struct cmp_prefix *p, char *buf, size_t len);

struct cmp_options {
	uint16_t log_group;	/* NFLOG group, default CMP_LOG_GROUP */
	uint32_t log_rate;	/* per second per zone pair, default CMP_LOG_RATE */
};

/**
 * cmp_zone_index() - the zone of @w under @p: its explicit zone when the
 * policy has it, else the policy's selectors (labels, networks, the first
 * address), else the default zone.
 * @unknown: if not NULL, set true when @w names a zone the policy lacks.
 */
size_t cmp_zone_index(const struct pol_policy *p, const struct cmp_workload *w, bool *unknown);

/**
 * cmp_compile() - the ruleset that enforces @p on the endpoints of @s.
 * @o: may be NULL (defaults).
 * @warn: receives non-fatal findings (a rule naming no endpoint here, a
 *        zone the policy lacks, an unbound port); may be NULL.
 * @errs: gets the problem that stops the compilation, at its origin (an
 *        address two endpoints of different zones claim, an endpoint whose
 *        zone is unknown and has no fallback, ...).
 * Return: a new model (rs_ruleset_free()), or NULL with errno EINVAL
 * (@errs filled) or ENOMEM.
 */
struct rs_ruleset *cmp_compile(const struct pol_policy *p, const struct cmp_snapshot *s,
			       const struct cmp_options *o, struct diags *warn,
			       struct diags *errs);

/* What one compile leaves for the next compile of the same policy. */
struct cmp_incr;

/**
 * cmp_compile_next() - cmp_compile() for a caller that follows a changing
 * snapshot with one policy (zonewalld): with @prev and @prev_rs (the state
 * and the model of the last compile of @p, in the same struct, unchanged),
 * only the allow rules that name an identity or a zone whose addresses
 * changed are expanded again, and the allowlist sets are the last model's
 * patched with the difference, so an event costs in proportion to what it
 * changed, not to the policy.  Without them, or when much changed, a full
 * compile.  The allowlist sets come out sorted (rsd_set_sort()).
 * @next: set to the state for the compile after this one (cmp_incr_free()),
 *        NULL on failure.
 * Return: the model, as cmp_compile() (no warnings), or NULL with errno.
 */
struct rs_ruleset *cmp_compile_next(const struct pol_policy *p, const struct cmp_snapshot *s,
				    const struct cmp_options *o, const struct rs_ruleset *prev_rs,
				    const struct cmp_incr *prev, struct cmp_incr **next,
				    struct diags *errs);

/** cmp_incr_free() - release @st.  Accepts NULL. */
void cmp_incr_free(struct cmp_incr *st);

/**
 * cmp_incr_was_full() - whether the compile that left @st compiled the
 * whole allowlist (no last state, or too much changed).
 */
bool cmp_incr_was_full(const struct cmp_incr *st);

/**
 * cmp_empty_ruleset() - a model naming our tables with nothing in them:
 * what nft_uninstall() needs.  Return: it, or NULL (errno ENOMEM).
 */
struct rs_ruleset *cmp_empty_ruleset(void);

/* What a counting rule counts, recovered from its comment by status. */
enum cmp_count_kind {
	CMP_COUNT_NONE,		/* not one of ours */
	CMP_COUNT_ACCEPTED,	/* an allow rule or an allow border accepted it */
	CMP_COUNT_LEARNED,	/* learn mode: unlisted, accepted without a verdict */
	CMP_COUNT_WOULD_DENY,	/* monitor: refused by policy, accepted */
	CMP_COUNT_DENIED,	/* enforce: dropped */
	CMP_COUNT_SPOOFED,	/* bridge table: a port sent from an address not its own */
	CMP_COUNT_INVALID,	/* ct state invalid, dropped */
	CMP_COUNT_SPOOFED_PASSED,	/* as spoofed, from a port whose zone does not enforce: passed */
	CMP_COUNT_GROUP,	/* bridge table: broadcast/multicast IP between containers, dropped */
	CMP_COUNT_GROUP_PASSED,	/* the same where neither zone enforces: passed */
};

/**
 * cmp_count_parse() - read a rule comment written by the compiler:
 * "FROM>TO: accepted", "FROM>TO: would-deny (border)", ...
 * @from, @to: receive the zone names (POL_ZONE_NAME_MAX + 1 bytes each)
 *             when the comment names a pair, else "".
 * @border: set true for a deny-border refusal.
 * Return: the kind, CMP_COUNT_NONE when the comment is not ours.
 */
enum cmp_count_kind cmp_count_parse(const char *comment, char *from, char *to, bool *border);

/** cmp_count_name() - "accepted", "learned", "would-deny", "denied", "spoofed", "invalid". */
const char *cmp_count_name(enum cmp_count_kind k);

/* A log prefix, taken apart ("zw enforce web>app ", "zw monitor border a>b "). */
struct cmp_logtag {
	enum pol_mode mode;	/* monitor or enforce ("zw passed spoofed ": monitor) */
	bool border;		/* refused by a deny border */
	bool spoofed;		/* the bridge table's: a port sent what it may not */
	bool invalid;		/* the base chains': conntrack found it invalid */
	char from[POL_ZONE_NAME_MAX + 1], to[POL_ZONE_NAME_MAX + 1];
};

/**
 * cmp_logtag_parse() - parse an NFLOG prefix written by the compiler.
 * Return: true when @prefix is one of ours (@out filled).
 */
bool cmp_logtag_parse(const char *prefix, struct cmp_logtag *out);

/** cmp_zone_mode_parse() - read "zone NAME: MODE" comments of the zones chain. */
bool cmp_zone_mode_parse(const char *comment, char *zone, size_t zlen, enum pol_mode *mode);

/**
 * cmp_lookup() - the endpoint of @s whose address or CIDR holds @addr
 * (@family 4 or 6) with the longest prefix, as the compiled maps decide.
 * Return: a borrowed endpoint, or NULL (an address of the default zone).
 */
const struct cmp_workload *cmp_lookup(const struct cmp_snapshot *s, uint8_t family,
				      const uint8_t *addr);

/**
 * cmp_log_row() - one packet our rules logged to NFLOG, as reported by
 * `zonewall denied` and the daemon's denied stream and log.  A refusal (or
 * would-refuse): time (RFC 3339 UTC, ms), verdict ("denied", "would-deny",
 * with " (border)" for a deny border), mode, border, proto,
 * from/from_zone/src, to/to_zone/dst (an address of no endpoint is
 * "unknown:ADDR"), sport, dport; any IP protocol (proto its name, or its
 * number for one without), ports null where the packet has none (or they
 * cannot be read: a later fragment).  An invalid packet (@tag->invalid): the
 * same with verdict "invalid" and zones by address (under @p).  A frame the
 * bridge table refused (or,
 * where the zone does not enforce, passed; @tag->spoofed): the same shape
 * with verdict "spoofed" or "spoofed (passed)", "port" the bridge port it
 * came in by, from = the identity bound to that port ("unknown:port PORT"
 * when none), from_zone (under @p; "" without a policy), addresses and
 * ports from its IP packet, or for ARP (@ethertype 0x0806) its sender and
 * target and proto "arp"; null and "other" for anything else.
 * @l3, @len: the packet from its network header, as NFLOG copies it.
 * @t_ns: its time in ns since the epoch.
 * Return: a new JSON object (caller owns it), or NULL when a refusal's
 * packet is not IP or on allocation failure.
 */
json_t *cmp_log_row(const struct cmp_snapshot *s, const struct pol_policy *p,
		    const struct cmp_logtag *tag, const char *port, uint16_t ethertype,
		    const uint8_t *l3, size_t len, int64_t t_ns);

/* A flow as the compiled ruleset sees its first packet. */
struct cmp_judgement {
	enum cmp_count_kind kind;	/* accepted, learned, would-deny or denied */
	bool border;			/* refused by a deny border */
	const struct cmp_workload *from, *to;	/* NULL: no identity (default zone) */
	size_t from_zone, to_zone;
	const struct pol_rule *rule;	/* the allow rule, when one accepted it */
};

/**
 * cmp_judge() - what the ruleset compiled from @p and @s does with a new
 * flow @src -> @dst (@family 4 or 6), @proto, @dport (0 for ICMP): the
 * same decision the kernel takes, for reports (denied) and for cutting
 * established connections a new policy refuses.
 */
void cmp_judge(const struct pol_policy *p, const struct cmp_snapshot *s, uint8_t family,
	       const uint8_t *src, const uint8_t *dst, uint8_t proto, uint16_t dport,
	       struct cmp_judgement *out);

#endif
