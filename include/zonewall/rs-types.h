/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_RS_TYPES_H
#define ZONEWALL_RS_TYPES_H

/*
 * The ruleset model's datatypes and fields, each described once (as nft's
 * src/datatype.c does): one row per type says how its text is read and
 * written and how a value becomes the bytes the kernel compares; one row per
 * field says what it reads, of which type, in which tables, and how the
 * kernel loads it.  The parser, the text rendering, the validation and the
 * netlink encoder (src/nft/) all ask these tables: a new match type is one
 * row and its functions in src/model/rs-types.c.  Pure: no I/O.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zonewall/ruleset.h"

#define RS_VALUE_MAX 16		/* bytes of the widest value (ipv6_addr, ifname) */

/* A fixed buffer being filled with text, always terminated. */
struct rs_sbuf {
	char *p;
	size_t len;		/* room left, the terminator included */
};

/* One datatype. */
struct rs_type_desc {
	enum rs_type type;
	const char *name;	/* nft's ("ipv4_addr") */
	unsigned int len;	/* bytes of one value in a register or a key field, unpadded */
	bool key;		/* may be a set key field (else matches only) */
	bool ranges;		/* a value may be a range (prefix, "a-b"): interval sets only */
	bool cidr;		/* nft writes a prefix as "/N"; without, a masked match is "& MASK" */
	bool bitmask;		/* a match means any of the value's bits (ct state) */
	uint8_t byteorder;	/* nft's, for a set's user data: 1 host, 2 big endian */
	/* @text into @out (zeroed, type set by the caller).  Return: 0 or -EINVAL. */
	int (*parse)(const char *text, struct rs_value *out);
	/* the value's low and high end as the kernel holds them, @len bytes each */
	void (*encode)(const struct rs_value *v, uint8_t *lo, uint8_t *hi);
	/* the encoded range [@lo, @hi] in nft syntax */
	void (*print)(struct rs_sbuf *b, const uint8_t *lo, const uint8_t *hi);
	/* NULL, or why nft's text cannot carry the encoded value @lo, with the
	 * value named for a message in @what (rs_render_check()) */
	const char *(*text_problem)(const uint8_t *lo, char *what, size_t len);
};

/* How the kernel loads a field into a register. */
enum rs_load {
	RS_LOAD_PAYLOAD,	/* bytes of a header: base, offset, len */
	RS_LOAD_META,		/* meta key */
	RS_LOAD_CT,		/* conntrack key, in a direction */
};

/* One field a rule reads. */
struct rs_field_desc {
	const char *name;	/* nft syntax ("ip saddr") */
	enum rs_type type;
	uint16_t ethertype;	/* the protocol whose header it reads (rs_field_ethertype()) */
	enum rs_family family;	/* the only family whose tables have it; 0: any */
	bool icmpv6;		/* reads the ICMPv6 header: meta l4proto ipv6-icmp must precede */
	struct {
		enum rs_load how;
		uint32_t base, offset, len;	/* payload: NFT_PAYLOAD_*, bytes; len also for others */
		uint32_t key;			/* NFT_META_* or NFT_CT_* */
		uint8_t dir;			/* ct: 1 original, 2 reply, 0 none */
	} load;
	/* how nft describes a set declared by this field ("typeof", rs_set_typeof()) */
	struct {
		uint32_t expr;			/* nft's expression type; 0: it cannot */
		unsigned int n;
		uint32_t data[5];		/* the expression's data, numbered from 0 */
	} nft_typeof;
};

/** rs_type_desc() - the descriptor of @t, or NULL for a number that is no type. */
const struct rs_type_desc *rs_type_desc(enum rs_type t);

/**
 * rs_type_at() - the @i-th descriptor of the table, to walk every type.
 * Return: it, or NULL past the last.
 */
const struct rs_type_desc *rs_type_at(size_t i);

/** rs_field_desc() - the descriptor of @f, or NULL when @f is no field. */
const struct rs_field_desc *rs_field_desc(enum rs_field f);

/**
 * rs_value_encode() - @v's low and high end as the kernel holds them (equal
 * unless @v is a range), into @lo and @hi (RS_VALUE_MAX bytes each).
 * Return: the bytes written (the type's len), 0 for an unknown type.
 */
unsigned int rs_value_encode(const struct rs_value *v, uint8_t *lo, uint8_t *hi);

/**
 * rs_value_is_range() - whether @v stands for more than one value of a
 * type that has ranges (an address prefix shorter than the address, an
 * address or port range): such values go only into interval sets.
 */
bool rs_value_is_range(const struct rs_value *v);

/**
 * rs_value_match() - what a match statement compares @v with: @val, the
 * value's bytes (its low end: a match takes one value, a range's high end
 * is not part of it) under @mask.  *@masked says whether the mask matters
 * (a prefix shorter than the value, or a bit mask type, whose @val is
 * zero: its match is "the masked register is not zero").
 * Return: the bytes of @val and @mask (at most RS_VALUE_MAX), 0 for an unknown type.
 */
unsigned int rs_value_match(const struct rs_value *v, uint8_t *val, uint8_t *mask,
			    bool *masked);

/**
 * rs_value_text() - @v in nft syntax ("10.0.0.0/8", "tcp", "80-90",
 * "established,related"), as rs_render_text() writes it, into @buf
 * (always terminated).
 */
void rs_value_text(const struct rs_value *v, char *buf, size_t len);

/** rs_sbuf_printf() - append to @b, cutting what does not fit. */
void rs_sbuf_printf(struct rs_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
