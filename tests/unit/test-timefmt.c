// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: the one RFC 3339 formatter, against fixed answers and against
 * gmtime_r()/strftime() (what its callers used before it). */

#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <time.h>

#include "tap.h"
#include "zonewall/timefmt.h"

#define NS 1000000000L

static void is_fmt(int64_t sec, long nsec, unsigned int flags, const char *want)
{
	char buf[64];
	int n = tfmt_rfc3339(buf, sizeof(buf), sec, nsec, flags);

	tap_is_str(buf, want, "%lld s %ld ns, flags %#x: %s", (long long)sec, nsec, flags, want);
	tap_is_int(n, (long long)strlen(want), "  and its length is returned");
}

static void is_err(int64_t sec, long nsec, unsigned int flags, size_t size, int want,
		   const char *what)
{
	char buf[64] = "untouched";
	int n = tfmt_rfc3339(buf, size, sec, nsec, flags);

	tap_is_int(n, want, "%s: error %d", what, want);
	tap_is_str(buf, size ? "" : "untouched", "%s: the buffer is %s", what,
		   size ? "emptied" : "not written");
}

/* Every day from 1600 to 2400 (two 400-year cycles: every leap rule),
 * at a second of the day that moves, against what gmtime_r() says. */
static void sweep_against_gmtime(void)
{
	int64_t day, first = -11676096000LL / 86400, last = 13601001600LL / 86400;
	char want[64], got[64];
	long bad = 0, n = 0;

	for (day = first; day <= last; day++, n++) {
		int64_t t = day * 86400 + (day * 7919 % 86400 + 86400) % 86400;
		time_t tt = (time_t)t;
		struct tm tm;

		gmtime_r(&tt, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		tfmt_rfc3339(got, sizeof(got), t, 0, TFMT_S);
		if (strcmp(got, want) && bad++ < 3)
			printf("# %lld: got %s, gmtime_r says %s\n", (long long)t, got, want);
		strftime(want, sizeof(want), "%Y%m%dT%H%M%SZ", &tm);
		tfmt_rfc3339(got, sizeof(got), t, 0, TFMT_S | TFMT_BASIC);
		if (strcmp(got, want) && bad++ < 3)
			printf("# %lld: basic %s, strftime says %s\n", (long long)t, got, want);
	}
	tap_ok(bad == 0, "%ld days from 1600 to 2400 match gmtime_r and strftime (%ld differ)",
	       n, bad);
}

int main(void)
{
	char buf[TFMT_LEN];

	/* the epoch, in every form */
	is_fmt(0, 0, TFMT_S, "1970-01-01T00:00:00Z");
	is_fmt(0, 0, TFMT_MS, "1970-01-01T00:00:00.000Z");
	is_fmt(0, 0, TFMT_US, "1970-01-01T00:00:00.000000Z");
	is_fmt(0, 0, TFMT_S | TFMT_BASIC, "19700101T000000Z");
	is_fmt(0, 0, TFMT_US | TFMT_BASIC, "19700101T000000.000000Z");
	is_fmt(1767225600, 0, TFMT_S | TFMT_BASIC, "20260101T000000Z");

	/* leap days: every fourth year, not 1900 or 2100, yes 2000 and 1600 */
	is_fmt(1709210096, 0, TFMT_S, "2024-02-29T12:34:56Z");
	is_fmt(951868799, 0, TFMT_S, "2000-02-29T23:59:59Z");
	is_fmt(951868799 + 1, 0, TFMT_S, "2000-03-01T00:00:00Z");
	is_fmt(-2203891200LL - 1, 0, TFMT_S, "1900-02-28T23:59:59Z");
	is_fmt(4107542400LL - 1, 0, TFMT_S, "2100-02-28T23:59:59Z");
	is_fmt(-11670998400LL, 0, TFMT_S, "1600-02-29T00:00:00Z");

	/* fractions are truncated, never rounded up into the next unit */
	is_fmt(59, NS - 1, TFMT_S, "1970-01-01T00:00:59Z");
	is_fmt(59, NS - 1, TFMT_MS, "1970-01-01T00:00:59.999Z");
	is_fmt(59, NS - 1, TFMT_US, "1970-01-01T00:00:59.999999Z");
	is_fmt(1709210096, 123456789, TFMT_MS, "2024-02-29T12:34:56.123Z");
	is_fmt(1709210096, 123456789, TFMT_US, "2024-02-29T12:34:56.123456Z");
	is_fmt(1709210096, 1000, TFMT_MS, "2024-02-29T12:34:56.000Z");
	is_fmt(1709210096, 999, TFMT_US, "2024-02-29T12:34:56.000000Z");

	/* before the epoch, and nanoseconds outside one second */
	is_fmt(-1, 0, TFMT_S, "1969-12-31T23:59:59Z");
	is_fmt(0, -1, TFMT_MS, "1969-12-31T23:59:59.999Z");
	is_fmt(-1, 500000000, TFMT_MS, "1969-12-31T23:59:59.500Z");
	is_fmt(0, 3 * NS + 250000000, TFMT_MS, "1970-01-01T00:00:03.250Z");
	/* what judge.c passes for a negative total: a remainder that borrows */
	is_fmt(-1500000000LL / NS, (long)(-1500000000LL % NS), TFMT_MS, "1969-12-31T23:59:58.500Z");

	/* the ends of four digits of year */
	is_fmt(-62167219200LL, 0, TFMT_S, "0000-01-01T00:00:00Z");
	is_fmt(-62135596800LL, 0, TFMT_S, "0001-01-01T00:00:00Z");
	is_fmt(253402300799LL, NS - 1, TFMT_US, "9999-12-31T23:59:59.999999Z");
	is_err(253402300800LL, 0, TFMT_S, 64, -ERANGE, "year 10000");
	is_err(253402300799LL, NS, TFMT_S, 64, -ERANGE, "carried into year 10000");
	is_err(-62167219201LL, 0, TFMT_S, 64, -ERANGE, "year -1");
	is_err(-62167219200LL, -1, TFMT_S, 64, -ERANGE, "borrowed into year -1");
	is_err(INT64_MAX, 0, TFMT_S, 64, -ERANGE, "INT64_MAX seconds");
	is_err(INT64_MIN, 0, TFMT_S, 64, -ERANGE, "INT64_MIN seconds");
	is_err(INT64_MAX, LONG_MIN, TFMT_S, 64, -ERANGE, "INT64_MAX s and LONG_MIN ns");
	is_err(INT64_MIN, LONG_MAX, TFMT_S, 64, -ERANGE, "INT64_MIN s and LONG_MAX ns");
	/* a caller's uint64_t nanoseconds beyond INT64_MAX still split cleanly */
	is_fmt((int64_t)(UINT64_MAX / NS), (long)(UINT64_MAX % NS), TFMT_US,
	       "2554-07-21T23:34:33.709551Z");

	/* buffer sizes: TFMT_LEN holds the longest form, one byte less holds nothing */
	tap_is_int(tfmt_rfc3339(buf, sizeof(buf), 0, 0, TFMT_US), TFMT_LEN - 1,
		   "TFMT_LEN holds TFMT_US");
	is_err(0, 0, TFMT_US, TFMT_LEN - 1, -ENOSPC, "TFMT_US in TFMT_LEN - 1 bytes");
	is_err(0, 0, TFMT_S, 20, -ENOSPC, "TFMT_S in 20 bytes");
	tap_is_int(tfmt_rfc3339(buf, 21, 0, 0, TFMT_S), 20, "TFMT_S fits in 21 bytes");
	is_err(0, 0, TFMT_S, 0, -ENOSPC, "no buffer at all");
	is_err(0, 0, 10, 64, -EINVAL, "ten fraction digits");
	is_fmt(0, 123456789, 9, "1970-01-01T00:00:00.123456789Z");

	sweep_against_gmtime();
	return tap_done();
}
