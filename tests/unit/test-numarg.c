// SPDX-License-Identifier: GPL-2.0-or-later
/* The numeric flag parser (src/lib/numarg.c): grammar and ranges. */

#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "tap.h"
#include "zonewall/numarg.h"

static int uint_of(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	*v = 12345;
	return num_parse_uint(s, min, max, v);
}

static int secs_of(const char *s, double *v)
{
	*v = -1;
	return num_parse_seconds(s, NUM_SECONDS_MAX, v);
}

int main(void)
{
	static const char *const not_uint[] = { "", "-1", "+1", " 1", "1 ", "0x10", "1.0",
						"1e3", "nan", "-0", NULL };
	static const char *const not_secs[] = { "", "nan", "NaN", "inf", "-inf", "infinity",
						"-0", "-1", "+1", " 1", "1e3", "0x1p3", ".5", "5.",
						"1,5", NULL };
	uint64_t u;
	double d;
	bool all = true;

	tap_ok(uint_of("4269", 1, 65535, &u) == 0 && u == 4269, "4269 in 1..65535");
	tap_ok(uint_of("65535", 1, 65535, &u) == 0 && u == 65535, "the maximum is in range");
	tap_ok(uint_of("0", 1, 65535, &u) == -ERANGE && u == 12345,
	       "0 out of 1..65535: ERANGE, the value untouched");
	tap_ok(uint_of("65536", 1, 65535, &u) == -ERANGE, "65536 out of 1..65535");
	tap_ok(uint_of("99999999999999999999999", 1, 65535, &u) == -ERANGE,
	       "more digits than 64 bits hold: ERANGE, not a wrap");
	tap_ok(uint_of("18446744073709551615", 0, UINT64_MAX, &u) == 0 && u == UINT64_MAX,
	       "UINT64_MAX itself");
	tap_ok(uint_of("007", 1, 10, &u) == 0 && u == 7, "leading zeros are decimal");
	for (int i = 0; not_uint[i]; i++)
		all = all && uint_of(not_uint[i], 0, UINT64_MAX, &u) == -EINVAL;
	tap_ok(all, "signs, spaces, hex, fractions, exponents and nan are not integers");
	tap_ok(num_parse_uint(NULL, 0, 1, &u) == -EINVAL, "NULL is not a number");

	tap_ok(secs_of("30", &d) == 0 && d == 30, "30 s");
	tap_ok(secs_of("0.5", &d) == 0 && d == 0.5, "0.5 s");
	tap_ok(secs_of("0", &d) == -ERANGE && secs_of("0.000", &d) == -ERANGE && d == -1,
	       "0 s is out of range (it would mean forever)");
	tap_ok(secs_of("31536000", &d) == 0, "the maximum (a year) is in range");
	tap_ok(secs_of("31536000.5", &d) == -ERANGE && secs_of("2147483648", &d) == -ERANGE,
	       "past the maximum: ERANGE");
	tap_ok(secs_of("1" "000000000000000000000000000000000000000000000000000000000000000000"
		       "000000000000000000000000000000000000000000000000000000000000000000000000"
		       "000000000000000000000000000000000000000000000000000000000000000000000000"
		       "000000000000000000000000000000000000000000000000000000000000000000000000"
		       "0000000000000000000000000000000000000000000000000000000000000000", &d) ==
	       -ERANGE, "a number past a double's range: ERANGE, not inf");
	all = true;
	for (int i = 0; not_secs[i]; i++)
		all = all && secs_of(not_secs[i], &d) == -EINVAL;
	tap_ok(all, "nan, inf, signs, exponents, hex floats and bare points are not seconds");
	return tap_done();
}
