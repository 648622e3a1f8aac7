/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_TIMEFMT_H
#define ZONEWALL_TIMEFMT_H

/*
 * The one formatter of wall-clock times: RFC 3339 in UTC ('Z'), to the
 * second, millisecond or microsecond, for JSON fields, logs and tables.
 * Pure arithmetic on the proleptic Gregorian calendar (no gmtime_r, no
 * locale, no time zone, no lock): the bytes gmtime_r() and strftime's
 * "%Y-%m-%dT%H:%M:%SZ" give for years 1000 to 9999 (earlier years get the
 * four digits RFC 3339 wants, which glibc's %Y does not pad to), cheap
 * enough to call twice per row of a large table.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* @flags of tfmt_rfc3339(): one precision, optionally with TFMT_BASIC.
 * A precision is the number of fraction digits; any of 0 to 9 works. */
enum {
	TFMT_S = 0,		/* 2026-01-01T00:00:00Z */
	TFMT_MS = 3,		/* 2026-01-01T00:00:00.123Z */
	TFMT_US = 6,		/* 2026-01-01T00:00:00.123456Z */
	TFMT_PREC_MASK = 0xff,
	TFMT_BASIC = 0x100,	/* ISO 8601 basic, no '-' or ':': 20260101T000000Z (for names) */
};

/*
 * The last second of the times zonewall records: 2106-02-07T06:28:14Z, the
 * largest a capture file's 32-bit seconds hold below all ones (-1 to a
 * reader that takes them as signed).  A time before the epoch or after this
 * comes from a damaged record or a broken clock, not from a packet seen.
 */
#define TFMT_PLAUSIBLE_MAX 0xfffffffeLL

/** tfmt_sec_plausible() - whether @sec lies in 0..TFMT_PLAUSIBLE_MAX. */
static inline bool tfmt_sec_plausible(int64_t sec)
{
	return sec >= 0 && sec <= TFMT_PLAUSIBLE_MAX;
}

/* A buffer this size holds every form up to TFMT_US, NUL included. */
#define TFMT_LEN 28

/**
 * tfmt_rfc3339() - @sec seconds and @nsec nanoseconds since the epoch as
 * UTC text into @buf, in the form @flags asks for.
 * @buf: where the text goes, NUL-terminated
 * @size: bytes at @buf
 * @sec: seconds since 1970-01-01T00:00:00Z (negative is before it)
 * @nsec: nanoseconds added to @sec; any value, so a caller may pass its
 *	  total's remainder as it comes (a negative one borrows a second)
 * @flags: TFMT_S, TFMT_MS or TFMT_US, or'ed with TFMT_BASIC for the form
 *	   without separators
 *
 * The fraction is truncated, never rounded: a time is never shown in a
 * second (or millisecond) it has not reached yet.  Leap seconds do not
 * exist here, as in time_t.
 *
 * Return: the length written (not counting the NUL), or -ERANGE when the
 * year is outside 0000 to 9999 (RFC 3339 has four digits for it), -ENOSPC
 * when @size is too small, -EINVAL for a precision above 9.  On error
 * @buf holds "" (when @size is not 0): the caller chooses what to show.
 */
int tfmt_rfc3339(char *buf, size_t size, int64_t sec, long nsec, unsigned int flags);

#endif
