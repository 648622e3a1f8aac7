/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_POLICY_H
#define ZONEWALL_POLICY_H

/*
 * The policy model (policy.json, kept in git; rules/policy.schema.json
 * documents it): zones with member selectors and a mode, borders between
 * zone pairs, and allow rules between workload identities.
 *
 * Shaped for the compiler: zones are indexes 0..n_zones-1 (a border is a
 * cell of the n_zones x n_zones matrix, pol_border_verdict()), allow rules
 * are identity pairs with one protocol and one port interval, i.e. elements
 * of an "id . id . l4proto . port-interval" set once identities resolve to
 * addresses.
 *
 * pol_parse() is pure (no I/O) and reports every problem with its JSON path;
 * pol_load()/pol_save() are thin file wrappers.  pol_save() writes keys in
 * one fixed order with 2-space indentation so a load+save of a canonical
 * file is byte-identical and approvals make small git diffs.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "zonewall/diag.h"

#define POL_VERSION 1
#define POL_ZONE_NAME_MAX 32
#define POL_IDENTITY_MAX 255
/*
 * As large as a proposal may be (PROP_FILE_MAX): approving a proposal must
 * not make a policy that no longer loads.  100,000 rules saved with their
 * approvals are about 20 MiB; parsing is linear in the size.
 */
#define POL_FILE_MAX (256u << 20)

enum pol_mode {
	POL_MODE_LEARN,
	POL_MODE_MONITOR,
	POL_MODE_ENFORCE,
};

enum pol_verdict {
	POL_BORDER_DENY,	/* never opened, not even by an allow rule */
	POL_BORDER_ALLOWLIST,	/* only what an allow rule names (the default) */
	POL_BORDER_ALLOW,	/* everything */
};

struct pol_cidr {
	char *text;		/* as written, so a re-save is byte-identical */
	uint8_t family;		/* 4 or 6 */
	uint8_t prefix;
	uint8_t addr[16];	/* network address; IPv4 in the first 4 bytes */
};

struct pol_label {
	char *key;
	char *value;
};

/*
 * A workload belongs to the first zone, in file order, that one of its
 * selectors matches: all of @labels present with equal values (when
 * @n_labels > 0), or attached to one of @networks, or an address inside
 * one of @cidrs.  Workloads no zone matches belong to the default zone.
 */
struct pol_zone {
	char *name;
	char *comment;		/* NULL when absent */
	enum pol_mode mode;
	struct pol_label *labels;
	size_t n_labels;
	char **networks;
	size_t n_networks;
	struct pol_cidr *cidrs;
	size_t n_cidrs;
};

struct pol_border {
	size_t from, to;	/* zone indexes; from == to sets a zone's internal verdict */
	enum pol_verdict verdict;
	char *comment;
};

/*
 * An allow rule.  @from and @to are workload identities ("web",
 * "unknown:10.0.0.9") or "zone:NAME" for every workload of a zone.
 * @from_zone/@to_zone record the zones the edge was learned in (NULL when
 * not recorded); they let offline tools place the rule and let validation
 * refuse a rule across a deny border.  At run time zones come from the
 * selectors, and a deny border wins over any rule.
 */
struct pol_rule {
	char *from, *to;
	char *from_zone, *to_zone;
	uint8_t proto;		/* IPPROTO_TCP, _UDP, _ICMP or _ICMPV6 */
	uint16_t port_lo, port_hi; /* 0,0: any port (always so for ICMP) */
	char *comment, *approved_by, *approved_at;
};

struct pol_policy {
	unsigned int version;
	char *schema;		/* "$schema", NULL when absent */
	char *comment;
	size_t default_zone;
	struct pol_zone *zones;
	size_t n_zones;
	struct pol_border *borders;
	size_t n_borders;
	struct pol_rule *rules;
	size_t n_rules;
};

/* A flow (or learned edge) to judge.  NULL or "" zones mean the default zone. */
struct pol_flow {
	const char *from, *to;
	const char *from_zone, *to_zone;
	uint8_t proto;
	uint16_t port;		/* 0 for ICMP */
};

enum pol_decision {
	POL_ALLOWED_BY_RULE,
	POL_ALLOWED_BY_BORDER,	/* the zone pair's border is "allow" */
	POL_REFUSED_BY_BORDER,	/* the zone pair's border is "deny" */
	POL_REFUSED_NO_RULE,	/* allowlist border and no rule names it */
};

/* Why pol_check() decided as it did. */
struct pol_reason {
	const struct pol_rule *rule;	/* for POL_ALLOWED_BY_RULE */
	const struct pol_border *border; /* the explicit border, NULL for the default */
	size_t from_zone, to_zone;	/* zone indexes used */
	bool unknown_zone;		/* a named zone is not in the policy: default used */
};

/**
 * pol_parse() - parse and validate @len bytes of policy JSON.
 * Every problem (syntax, trailing garbage, wrong type, unknown key, missing
 * key, unknown or duplicate zone, invalid CIDR or port, a border naming no
 * zone, a rule across a deny border, ...) is added to @d with its JSON path;
 * validation goes on past errors so all are reported at once.
 * Return: a new policy the caller frees with pol_free(); NULL with errno
 * EINVAL (problems in @d) or ENOMEM.
 */
struct pol_policy *pol_parse(const char *text, size_t len, struct diags *d);

/**
 * pol_load() - read @path (at most POL_FILE_MAX bytes) and pol_parse() it.
 * Return: a new policy, or NULL with errno: EINVAL (problems in @d) or the
 * reason the file could not be read (@d then holds one "$" entry).
 */
struct pol_policy *pol_load(const char *path, struct diags *d);

/** pol_free() - free @p and everything it owns; accepts NULL. */
void pol_free(struct pol_policy *p);

/**
 * pol_to_json() - @p as a JSON object in the canonical key order.
 * Return: a new reference, or NULL (ENOMEM).
 */
json_t *pol_to_json(const struct pol_policy *p);

/**
 * pol_format() - @p as canonical text: 2-space indentation, fixed key
 * order, a final newline.
 * Return: a malloc'ed string the caller frees, or NULL (ENOMEM).
 */
char *pol_format(const struct pol_policy *p);

/**
 * pol_save() - write pol_format(@p) to @path atomically (fio_write_atomic()).
 * Return: 0 or -errno; -EFBIG when the text is larger than POL_FILE_MAX
 * (pol_load() would refuse it); @path is untouched on failure.
 */
int pol_save(const struct pol_policy *p, const char *path);

/** pol_zone_find() - index of the zone called @name, or -1. */
long pol_zone_find(const struct pol_policy *p, const char *name);

/**
 * pol_border_verdict() - the verdict from zone @from to zone @to (indexes).
 * @which: if not NULL, set to the explicit border, or NULL for the default
 * (allowlist).
 */
enum pol_verdict pol_border_verdict(const struct pol_policy *p, size_t from, size_t to,
				    const struct pol_border **which);

/**
 * pol_rule_matches() - whether @r names @f: identities equal (or "zone:Z"
 * with Z the flow's zone), same protocol, port inside the rule's interval.
 */
bool pol_rule_matches(const struct pol_rule *r, const struct pol_flow *f);

/**
 * pol_check() - decide @f under @p: a deny border refuses first, an allow
 * border accepts, otherwise the first matching rule accepts.
 * @why: if not NULL, filled with the rule or border that decided.
 */
enum pol_decision pol_check(const struct pol_policy *p, const struct pol_flow *f,
			    struct pol_reason *why);

/*
 * A policy's lookups by hash, for callers that ask once per flow: the same
 * answers as pol_zone_of() and pol_check() in a few probes, not a scan of
 * every zone and rule.  It borrows the policy, which must outlive it:
 * rules appended with pol_add_rule() after it was built are not in it,
 * and nothing else of the policy may change.
 */
struct pol_judge;

/**
 * pol_judge_new() - index @p for pol_judge_zone_of() and pol_judge_check().
 * Building is linear in the zones, borders and rules.
 * Return: a judge the caller frees with pol_judge_free(), or NULL (ENOMEM).
 */
struct pol_judge *pol_judge_new(const struct pol_policy *p);

/** pol_judge_free() - free @j (not its policy); accepts NULL. */
void pol_judge_free(struct pol_judge *j);

/** pol_judge_zone_of() - pol_zone_of() of @j's policy, by the index. */
size_t pol_judge_zone_of(const struct pol_judge *j, const struct pol_label *labels,
			 size_t n_labels, const char *const *networks, size_t n_networks,
			 int family, const uint8_t *addr);

/**
 * pol_judge_check() - pol_check() of @j's policy, by the index: the same
 * decision and @why.  Costs a probe per pairing of the flow's ends
 * (identity or zone) plus a scan of the rules of a pairing whose port
 * interval holds more than one port.
 */
enum pol_decision pol_judge_check(const struct pol_judge *j, const struct pol_flow *f,
				  struct pol_reason *why);

/**
 * pol_add_rule() - append a copy of @r (all strings copied; NULL strings
 * stay absent) to @p.
 * Return: 0 or -ENOMEM.
 */
int pol_add_rule(struct pol_policy *p, const struct pol_rule *r);

/**
 * pol_zone_of() - the zone index a workload belongs to (first match in
 * file order, else the default zone).  @labels holds @n_labels key/value
 * pairs, @networks the names of its networks; @family (4 or 6, or 0 for
 * none) and @addr an address of it.
 */
size_t pol_zone_of(const struct pol_policy *p, const struct pol_label *labels, size_t n_labels,
		   const char *const *networks, size_t n_networks, int family,
		   const uint8_t *addr);

/* Names for the enums: "learn"/"monitor"/"enforce", "deny"/"allowlist"/
 * "allow", "tcp"/"udp"/"icmp"/"icmpv6" (NULL for another protocol). */
const char *pol_mode_name(enum pol_mode m);
const char *pol_verdict_name(enum pol_verdict v);
const char *pol_proto_name(uint8_t proto);

/** pol_port_json() - a port as written: an integer, "LO-HI", or null for none (@lo 0). */
json_t *pol_port_json(uint16_t lo, uint16_t hi);

/** pol_service_format() - "tcp", "tcp/443" or "tcp/8000-8080" into @buf. */
void pol_service_format(uint8_t proto, uint16_t lo, uint16_t hi, char *buf, size_t size);

/** pol_proto_parse() - "tcp", "udp", "icmp", "icmpv6" to an IPPROTO_*; 0 if unknown. */
uint8_t pol_proto_parse(const char *name);

/** pol_proto_has_ports() - true for TCP and UDP. */
bool pol_proto_has_ports(uint8_t proto);

/**
 * pol_identity_valid() - whether @s can be a workload identity: 1 to
 * POL_IDENTITY_MAX bytes, printable ASCII without spaces, quotes or
 * backslashes.
 */
bool pol_identity_valid(const char *s);

/**
 * pol_zone_name_valid() - whether @s can name a zone: 1 to
 * POL_ZONE_NAME_MAX letters, digits, '-' and '_', starting with a letter
 * or digit.
 */
bool pol_zone_name_valid(const char *s);

/**
 * pol_time_format() - @t (seconds since the epoch) as RFC 3339 UTC
 * ("2026-01-01T00:00:00Z") into @buf (at least 21 bytes), by
 * tfmt_rfc3339(); a @t outside 1970 .. 2106-02-07 (tfmt_sec_plausible())
 * is written as the epoch, so the field stays one pol_time_parse() accepts.
 */
void pol_time_format(int64_t t, char *buf, size_t size);

/**
 * pol_time_parse() - parse RFC 3339 ("YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm)").
 * Return: 0 with *@t set; -EINVAL when @s is not such a time; -ERANGE when
 * it is one outside 1970 .. 2106-02-07 (tfmt_sec_plausible()): a damaged
 * record or clock.
 */
int pol_time_parse(const char *s, int64_t *t);

#endif
