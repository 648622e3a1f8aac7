/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_RULESET_INT_H
#define ZONEWALL_RULESET_INT_H

/*
 * Inside the ruleset model: rs-types.c and rs-fields.c (the descriptor
 * tables), ruleset.c (building), rs-check.c (validation), rs-render.c (nft
 * text).  Not part of the library's interface.
 */

#include <stdbool.h>
#include <stddef.h>

#include "zonewall/rs-types.h"
#include "zonewall/ruleset.h"

#define RS_NAME_MAX 64		/* shorter than the kernel's NFT_NAME_MAXLEN (256) */
#define RS_TEXT_MAX 127		/* comments and log prefixes (NF_LOG_PREFIXLEN - 1) */

/* A key field's bytes: concatenated fields sit in 32-bit registers. */
static inline unsigned int rs_pad4(unsigned int n)
{
	return (n + 3) & ~3u;
}

/** rs_key_len() - bytes of a key of @k, fields padded when concatenated. */
unsigned int rs_key_len(const struct rs_key *k);

/** rs_field_fits() - whether tables of @fam have field @f. */
bool rs_field_fits(enum rs_field f, enum rs_family fam);

/** rs_value_print() - @v in nft syntax, appended to @b. */
void rs_value_print(struct rs_sbuf *b, const struct rs_value *v);

/**
 * rs_fail() - MESSAGE at ORIGIN into @d (NULL: not wanted); "ruleset"
 * stands for an empty @origin.  Return: -EINVAL.
 */
int rs_fail(struct diags *d, const char *origin, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
