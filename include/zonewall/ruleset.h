/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_RULESET_H
#define ZONEWALL_RULESET_H

/*
 * The ruleset model: exactly what zonewall installs in the kernel, as plain
 * data, before any netlink.  The compiler builds one of these from a policy
 * and an identity snapshot; src/nft/ turns it into one netlink batch;
 * rs_render_text() turns the same model into nft syntax for `zonewall
 * compile` and dry runs.  One model, two renderings, so text and kernel
 * agree.  Each datatype and field is described once (rs-types.h), and both
 * renderings ask those descriptors.
 *
 * The IR covers what zonewall needs and no more: tables (inet, bridge),
 * named sets and verdict maps with (concatenated) keys and interval ranges,
 * base and regular chains, and rules built from a handful of statements:
 * match a field against a value, look a (concatenated) key up in a set
 * (or not), dispatch through a verdict map, counter, limit, log, verdict.
 *
 * Every object carries an "origin" string ("policy $.allow[3]", "zone web")
 * copied in at creation; src/nft/ quotes it when the kernel refuses the object.
 * Pure: no I/O.  Objects are owned by their parent; rs_ruleset_free()
 * releases everything.  Builders copy every string they are given.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "zonewall/diag.h"
#include "zonewall/nameidx.h"

#define RS_MAX_CONCAT 5		/* fields in one concatenated key */
#define RS_IFNAMSIZ 16
#define RS_QUOTED_MAX 72	/* rs_quote() of an interface name, escapes and quotes included */
#define RS_KEY_MAX 64		/* bytes: the kernel's 16 32-bit registers */

/* Table families, numbered as the kernel's NFPROTO_* values. */
enum rs_family {
	RS_INET = 1,
	RS_BRIDGE = 7,
};

/* Datatypes of values and set keys, numbered as nft's datatype ids. */
enum rs_type {
	RS_T_U8 = 4,		/* integer, one byte (matches only: arp hlen) */
	RS_T_IPV4 = 7,		/* ipv4_addr */
	RS_T_IPV6 = 8,		/* ipv6_addr */
	RS_T_ETHER = 9,		/* ether_addr */
	RS_T_ETHERTYPE = 10,	/* ether_type */
	RS_T_PROTO = 12,	/* inet_proto */
	RS_T_SERVICE = 13,	/* inet_service (port) */
	RS_T_CTSTATE = 26,	/* ct_state bit mask (matches only) */
	RS_T_ICMPV6_TYPE = 29,	/* icmpv6_type */
	RS_T_PKTTYPE = 31,	/* pkt_type: host, broadcast, multicast, other */
	RS_T_IFNAME = 41,	/* ifname */
	/* nft's integer (id 4) 128 bits wide, read raw (@th,64,128); the id a
	 * set key carries is the low byte (rs_key_typeid()) */
	RS_T_INT128 = 0x104,
};

/* ct state bits, as the kernel's NF_CT_STATE_* */
#define RS_CT_INVALID		0x01u
#define RS_CT_ESTABLISHED	0x02u
#define RS_CT_RELATED		0x04u
#define RS_CT_NEW		0x08u
#define RS_CT_UNTRACKED		0x40u

/* What a match or a lookup key reads from the packet. */
enum rs_field {
	RS_F_IP_SADDR,		/* ip saddr */
	RS_F_IP_DADDR,		/* ip daddr */
	RS_F_IP6_SADDR,		/* ip6 saddr */
	RS_F_IP6_DADDR,		/* ip6 daddr */
	RS_F_L4PROTO,		/* meta l4proto */
	RS_F_TH_DPORT,		/* th dport */
	RS_F_IIFNAME,		/* iifname */
	RS_F_OIFNAME,		/* oifname */
	RS_F_ETHER_SADDR,	/* ether saddr (bridge family) */
	RS_F_CT_STATE,		/* ct state (matches only) */
	RS_F_ARP_HLEN,		/* arp hlen (bridge family) */
	RS_F_ARP_PLEN,		/* arp plen (bridge family) */
	RS_F_ARP_SADDR_IP,	/* arp saddr ip: sender IPv4, valid when hlen 6 plen 4 */
	RS_F_ETHER_TYPE,	/* ether type (bridge family): a tagged frame's is its tag's */
	RS_F_ICMPV6_TYPE,	/* icmpv6 type, after meta l4proto ipv6-icmp */
	RS_F_ND_TARGET,		/* @th,64,128: a neighbour advertisement's target address */
	RS_F_PKTTYPE,		/* meta pkttype: how the frame was addressed */
	RS_F_ETHER_DADDR,	/* ether daddr (bridge family) */
	RS_F_ARP_SADDR_ETHER,	/* arp saddr ether: sender MAC, valid when hlen 6 plen 4 */
	/* the source address of a connection's original or reply direction
	 * (inet family): for a related ICMP error, the quoted connection's */
	RS_F_CT_ORIG_IP_SADDR,	/* ct original ip saddr */
	RS_F_CT_REPLY_IP_SADDR,	/* ct reply ip saddr */
	RS_F_CT_ORIG_IP6_SADDR,	/* ct original ip6 saddr */
	RS_F_CT_REPLY_IP6_SADDR,	/* ct reply ip6 saddr */
	RS_F__COUNT
};

enum rs_hook {
	RS_HOOK_NONE,		/* a regular chain */
	RS_HOOK_PREROUTING,
	RS_HOOK_INPUT,
	RS_HOOK_FORWARD,
	RS_HOOK_OUTPUT,
	RS_HOOK_POSTROUTING,
};

enum rs_verdict_code {
	RS_V_NONE,		/* no verdict (a plain set, or "continue") */
	RS_V_ACCEPT,
	RS_V_DROP,
	RS_V_JUMP,
	RS_V_GOTO,
	RS_V_RETURN,
};

struct rs_verdict {
	enum rs_verdict_code code;
	char *chain;		/* RS_V_JUMP and RS_V_GOTO */
};

/* One typed value, e.g. an address with a prefix or a port range. */
struct rs_value {
	enum rs_type type;
	unsigned int prefix;	/* addresses: prefix length (full when equal to the bits);
				 * RS_T_ETHER: 1-47 masks a match, 0 or 48 is exact */
	uint16_t port_hi;	/* RS_T_SERVICE: range end (0 or == port: one port) */
	bool addr_range;	/* addresses: [u, addr_hi] ("10.0.0.5-10.0.0.9") */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr_hi;
	union {
		struct in_addr v4;
		struct in6_addr v6;	/* also RS_T_INT128, big-endian */
		uint8_t ether[6];
		uint8_t proto;
		uint8_t u8;		/* RS_T_U8, RS_T_ICMPV6_TYPE, RS_T_PKTTYPE */
		uint16_t port;		/* host order */
		uint16_t ethertype;	/* host order */
		char ifname[RS_IFNAMSIZ];
		uint32_t ctmask;	/* RS_CT_* bits */
	} u;
};

struct rs_key {
	enum rs_type t[RS_MAX_CONCAT];
	unsigned int n;
};

/*
 * A named set or verdict map.  Elements are stored packed as the kernel
 * wants them (each field padded to 4 bytes), so 100,000 of them cost a few
 * MB and go into the batch without conversion.  Interval sets keep the low
 * and the high end of each element.
 */
struct rs_set {
	char *name;
	char *origin;
	struct rs_key key;
	unsigned int keylen;	/* bytes, padded */
	bool interval;		/* ranges (CIDR); concatenated keys use pipapo */
	bool vmap;		/* a verdict map: each element maps to a verdict */
	uint32_t size;		/* size hint given by the builder, 0: derived */
	enum rs_field typeof_f[RS_MAX_CONCAT];	/* declared by what fills it (rs_set_typeof) */
	bool has_typeof;
	size_t n_elems;
	size_t cap;
	uint8_t *lo;		/* n_elems * keylen */
	uint8_t *hi;		/* interval sets: n_elems * keylen, else NULL */
	struct rs_verdict *verdicts;	/* vmap: one per element */
	uint32_t *elem_origin;	/* index into origins, one per element */
	char **origins;		/* distinct element origins; [0] is "" */
	size_t n_origins, origins_cap;
	struct rs_chunk *origin_mem;	/* where the origin strings are: freed at once */
};

enum rs_stmt_kind {
	RS_S_MATCH,		/* field == / != value */
	RS_S_LOOKUP,		/* fields @set  /  fields != @set */
	RS_S_VMAP,		/* fields vmap @map */
	RS_S_COUNTER,		/* the rule's own counter, or a named counter object */
	RS_S_LIMIT,		/* limit rate N/second burst B packets */
	RS_S_LOG,		/* log prefix P group G */
	RS_S_VERDICT,
};

struct rs_stmt {
	enum rs_stmt_kind kind;
	bool neg;
	enum rs_field f[RS_MAX_CONCAT];
	unsigned int n_f;
	struct rs_value val;	/* RS_S_MATCH */
	char *set;		/* RS_S_LOOKUP, RS_S_VMAP */
	uint32_t rate, burst;	/* RS_S_LIMIT */
	uint16_t group;		/* RS_S_LOG */
	char *prefix;		/* RS_S_LOG, may be NULL */
	struct rs_verdict v;	/* RS_S_VERDICT */
	char *obj;		/* RS_S_COUNTER: the table's named counter, NULL: anonymous */
};

struct rs_rule {
	char *comment;		/* shown by `nft list`; may be NULL */
	char *origin;
	struct rs_stmt *s;
	size_t n;
};

struct rs_chain {
	char *name;
	char *origin;
	enum rs_hook hook;	/* RS_HOOK_NONE: regular chain */
	int prio;
	bool policy_drop;
	struct rs_rule **rules;
	size_t n_rules;
};

struct rs_table {
	enum rs_family family;
	char *name;
	char *origin;
	struct rs_set **sets;
	size_t n_sets;
	struct rs_chain **chains;
	size_t n_chains;
	char **counters;	/* named counter objects, in declaration order */
	size_t n_counters;
	/* names to positions: a table of 100 zones has 10,000 pair chains and
	 * counters, and every rule's check looked them up one by one */
	struct nix set_ix, chain_ix, counter_ix;
};

struct rs_ruleset {
	struct rs_table **tables;
	size_t n_tables;
};

/* --- building ------------------------------------------------------------ */

/** rs_ruleset_new() - an empty model.  Return: it, or NULL (errno ENOMEM). */
struct rs_ruleset *rs_ruleset_new(void);

/** rs_ruleset_free() - release @rs and everything in it.  Accepts NULL. */
void rs_ruleset_free(struct rs_ruleset *rs);

/**
 * rs_table_add() - add table @name of @family.
 * Return: the table (owned by @rs), or NULL (errno ENOMEM, or EEXIST).
 */
struct rs_table *rs_table_add(struct rs_ruleset *rs, enum rs_family family,
			      const char *name, const char *origin);

/** rs_table_find() - the table @family/@name of @rs, or NULL. */
struct rs_table *rs_table_find(const struct rs_ruleset *rs, enum rs_family family,
			       const char *name);

/**
 * rs_set_add() - declare a set (or, with @vmap, a verdict map) in @t.
 * @key: the key's types, one per concatenated field.
 * @interval: elements are ranges/prefixes.
 * Return: the set (owned by @t), or NULL (errno EINVAL for a bad key or
 * name, EEXIST, ENOMEM).
 */
struct rs_set *rs_set_add(struct rs_table *t, const char *name, const struct rs_key *key,
			  bool interval, bool vmap, const char *origin);

/**
 * rs_set_typeof() - declare @s by the @n fields that fill its key, as nft's
 * "typeof": needed where nft has no datatype for a field (a raw payload is
 * a bare integer) and so could not compare it with a typed key.  Each
 * field's type must be the key's at that place; only iifname, ether saddr
 * and the ND target can be described this way (nft's own encoding of them).
 * Return: 0 or -EINVAL.
 */
int rs_set_typeof(struct rs_set *s, const enum rs_field *f, unsigned int n);

/**
 * rs_set_new() - a free-standing set, not in any table: the container for
 * an incremental element update (nft_elems_update()).  Same arguments and
 * return as rs_set_add(); release with rs_set_free().
 */
struct rs_set *rs_set_new(const char *name, const struct rs_key *key, bool interval,
			  bool vmap, const char *origin);

/** rs_set_free() - release a set made by rs_set_new().  Accepts NULL. */
void rs_set_free(struct rs_set *s);

/** rs_set_find() - the set @name of @t, or NULL. */
struct rs_set *rs_set_find(const struct rs_table *t, const char *name);

/**
 * rs_set_add_elem() - add one element: @vals holds one value per key field
 * (an address value with a prefix or a port range is a range, allowed only
 * in interval sets).  @v is the verdict for a verdict map (ignored, may be
 * NULL, otherwise).  @origin may be NULL (the set's origin then stands for
 * the element).  Copies everything.
 * Return: 0, -EINVAL (type mismatch, range in a non-interval set, verdict
 * missing), -ENOMEM.
 */
int rs_set_add_elem(struct rs_set *s, const struct rs_value *vals,
		    const struct rs_verdict *v, const char *origin);

/**
 * rs_chain_add() - add a regular chain, or with rs_chain_set_hook() a base chain.
 * Return: the chain (owned by @t), or NULL (errno EEXIST, EINVAL, ENOMEM).
 */
struct rs_chain *rs_chain_add(struct rs_table *t, const char *name, const char *origin);

/** rs_chain_set_hook() - make @c a filter base chain on @hook at @prio. */
void rs_chain_set_hook(struct rs_chain *c, enum rs_hook hook, int prio, bool policy_drop);

/** rs_chain_find() - the chain @name of @t, or NULL. */
struct rs_chain *rs_chain_find(const struct rs_table *t, const char *name);

/**
 * rs_rule_add() - append an empty rule to @c; fill it with the rs_rule_*
 * statement builders below, in packet order.
 * Return: the rule (owned by @c), or NULL (errno ENOMEM).
 */
struct rs_rule *rs_rule_add(struct rs_chain *c, const char *comment, const char *origin);

/* Statement builders: each returns 0, -EINVAL (wrong type or count), or -ENOMEM. */
int rs_rule_match(struct rs_rule *r, enum rs_field f, bool neg, const struct rs_value *v);
int rs_rule_lookup(struct rs_rule *r, const enum rs_field *f, unsigned int n, bool neg,
		   const char *set);
int rs_rule_vmap(struct rs_rule *r, const enum rs_field *f, unsigned int n, const char *map);
int rs_rule_counter(struct rs_rule *r);

/*
 * Named counters are objects of the table, not of a rule: several rules
 * may count into one, and nft_apply() keeps them (with their values) when
 * it replaces the table, so a reload loses no count.
 */

/** rs_counter_add() - declare counter object @name in @t (again: no-op).  Return: 0, -EINVAL, -ENOMEM. */
int rs_counter_add(struct rs_table *t, const char *name);

/** rs_counter_find() - whether @t declares counter @name. */
bool rs_counter_find(const struct rs_table *t, const char *name);

/** rs_rule_counter_named() - count into the table's counter @name (see rs_counter_add()). */
int rs_rule_counter_named(struct rs_rule *r, const char *name);
int rs_rule_limit(struct rs_rule *r, uint32_t per_second, uint32_t burst);
int rs_rule_log(struct rs_rule *r, uint16_t group, const char *prefix);
int rs_rule_verdict(struct rs_rule *r, enum rs_verdict_code code, const char *chain);

/* --- checking and describing ---------------------------------------------- */

/**
 * rs_validate() - check @rs as a whole: every set a rule names exists in
 * its table with the key the fields make, vmap vs plain set, every chain a
 * verdict names exists, base-chain hooks fit the family, fields fit the
 * family (ether saddr, ether type and arp fields only in bridge tables).
 * @d: gets the first problem at its origin (emptied first).
 * Return: 0 or -EINVAL.
 */
int rs_validate(const struct rs_ruleset *rs, struct diags *d);

/**
 * rs_value_parse() - parse @text as a value of @type: "10.0.0.0/8",
 * "fd00::1", "aa:bb:cc:dd:ee:ff", "tcp" or "6", "80" or "8000-8080",
 * "eth0", "established,related", "6" (RS_T_U8), "ip6" or "0x88b5" (RS_T_ETHERTYPE),
 * "nd-router-advert" or "134" (RS_T_ICMPV6_TYPE), "broadcast" (RS_T_PKTTYPE).
 * An interface name is taken as its bytes (rs_ifname_valid()), never as a
 * pattern: "br*" is the interface called br*.
 * Return: 0 or -EINVAL.
 */
int rs_value_parse(enum rs_type type, const char *text, struct rs_value *out);

/**
 * rs_ifname_valid() - whether Linux could name an interface @s (its
 * dev_valid_name()): 1 to RS_IFNAMSIZ - 1 bytes, not "." or "..", none of
 * them '/', ':' or what the kernel's isspace() calls space (\t \n \v \f
 * \r, ' ' and 0xa0).  Any other byte is fine, '"', '\\' and '*' included:
 * the kernel path carries every such name byte for byte.  NULL is not.
 */
bool rs_ifname_valid(const char *s);

/**
 * rs_quote() - @s in double quotes for a message, on one line whatever it
 * holds: '"' and '\\' escaped with a backslash, \n, \t, and every other
 * byte outside printable ASCII as \xNN; cut with "..." after the quote
 * when @len is too short (RS_QUOTED_MAX fits any interface name).
 * Return: @buf.
 */
const char *rs_quote(const char *s, char *buf, size_t len);

/**
 * rs_type_parse() - map an nft type name ("ipv4_addr", "inet_service", ...)
 * to its enum rs_type.  Return: 0 or -EINVAL.
 */
int rs_type_parse(const char *name, enum rs_type *out);

/** rs_type_name() - nft's name for @t ("ipv4_addr"), or "?" */
const char *rs_type_name(enum rs_type t);

/** rs_type_len() - bytes a field of @t occupies in a key, unpadded (0: not a key type). */
unsigned int rs_type_len(enum rs_type t);

/** rs_field_type() - the datatype @f reads. */
enum rs_type rs_field_type(enum rs_field f);

/** rs_field_name() - nft syntax for @f ("ip saddr"). */
const char *rs_field_name(enum rs_field f);

/**
 * rs_field_ethertype() - the network protocol whose header @f reads, as an
 * ethertype (0x0800 IPv4, 0x86dd IPv6, 0x0806 ARP), or 0 when @f needs none.
 * A rule checks it once, before the first such field: in bridge tables by
 * the frame's ether type (a VLAN-tagged frame's is its tag's, so a tagged
 * frame never passes for IPv4), in inet tables by meta nfproto.
 */
uint16_t rs_field_ethertype(enum rs_field f);

/** rs_field_parse() - the field written as @text in nft syntax.  Return: 0 or -EINVAL. */
int rs_field_parse(const char *text, enum rs_field *out);

/** rs_hook_name() - "forward", ... or NULL for RS_HOOK_NONE. */
const char *rs_hook_name(enum rs_hook h);

/** rs_family_name() - "inet" or "bridge". */
const char *rs_family_name(enum rs_family f);

/** rs_key_typeid() - the kernel's key type id for @k (nft's concatenated datatype id). */
uint32_t rs_key_typeid(const struct rs_key *k);

/**
 * rs_elem_text() - element @i of @s as nft writes it ("10.0.0.1 . 10.0.0.2
 * . tcp . 80"), without the verdict, into @buf (always terminated).
 */
void rs_elem_text(const struct rs_set *s, size_t i, char *buf, size_t len);

/** rs_elem_origin() - the origin recorded for element @i of @s (the set's when none). */
const char *rs_elem_origin(const struct rs_set *s, size_t i);

/**
 * rs_set_copy_elem() - append element @i of @src (key bytes, verdict,
 * origin) to @dst, which must have the same key, interval and vmap flags.
 * Return: 0, -EINVAL (the sets differ in kind), -ENOMEM.
 */
int rs_set_copy_elem(struct rs_set *dst, const struct rs_set *src, size_t i);

/** rs_set_size_hint() - the size to declare for @s: the builder's, or the element count with headroom. */
uint32_t rs_set_size_hint(const struct rs_set *s);

enum rs_render_flags {
	RS_RENDER_REPLACE = 1 << 0,	/* precede each table by "add table; delete table" */
};

/**
 * rs_render_check() - whether nft's text can say every value of @rs: some
 * interface names cannot be written so that nft reads back the same bytes
 * (a '"'; a backslash in a name ending in '*'; zonewall also refuses raw
 * control bytes in text).  The netlink path (nft_apply()) carries them all.
 * @d: gets "interface name \"NAME\" (set S) cannot be written in nft's
 * text: WHY" at its origin for the first one (emptied first; NULL: not
 * wanted).
 * Return: 0 or -EINVAL.
 */
int rs_render_check(const struct rs_ruleset *rs, struct diags *d);

/**
 * rs_render_text() - @rs in nft syntax, accepted by `nft -c -f`.  With
 * RS_RENDER_REPLACE the text replaces our tables atomically when given to
 * `nft -f` (deleting and creating them: unlike nft_apply(), which replaces
 * them in place, the named counters start again from zero).
 * Return: a malloc'ed string the caller frees, or NULL (errno ENOMEM, or
 * EINVAL when rs_render_check() refuses @rs: never text nft would read as
 * another ruleset).
 */
char *rs_render_text(const struct rs_ruleset *rs, unsigned int flags);

#endif
