/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_NUMARG_H
#define ZONEWALL_NUMARG_H

/*
 * Numbers an operator types (command-line flags): one strict grammar and a
 * closed range, so that "0", "-0", "nan", "inf", " 5", "0x10" and a value
 * past the range are each refused with the reason that applies, instead of
 * wrapping, saturating or meaning "forever".  Pure: no I/O, no logging.
 */

#include <stdint.h>

/* The longest duration any flag accepts: one year, in seconds. */
#define NUM_SECONDS_MAX 31536000

/**
 * num_parse_uint() - parse an unsigned decimal integer in @min..@max.
 * @s: decimal digits only (no sign, white space, base prefix or fraction).
 * @out: receives the value on success only.
 * Return: 0; -EINVAL when @s is not such a number; -ERANGE when it is one
 * but lies outside @min..@max (however many digits it has).
 */
int num_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/**
 * num_parse_seconds() - parse a duration in seconds: more than 0, at most
 * @max.
 * @s: decimal digits with an optional fraction ("1", "0.5", "2.25"); no
 * sign, exponent, white space, "nan" or "inf".
 * @out: receives the value on success only.
 * Return: 0; -EINVAL when @s is not such a number; -ERANGE when it is 0 or
 * more than @max.
 */
int num_parse_seconds(const char *s, double max, double *out);

#endif
