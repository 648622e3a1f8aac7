// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one parser of typed numbers (include/zonewall/numarg.h).  The grammar
 * is checked by hand before strtoull()/strtod() convert, because those accept
 * leading white space, signs ("-1" wraps to ULLONG_MAX), hex, exponents, nan
 * and inf.
 */

#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "zonewall/numarg.h"

static bool num_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Length of the run of digits at @s. */
static size_t num_digits(const char *s)
{
	size_t n = 0;

	while (num_is_digit(s[n]))
		n++;
	return n;
}

int num_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	size_t n;

	if (!s)
		return -EINVAL;
	n = num_digits(s);
	if (!n || s[n])
		return -EINVAL;
	errno = 0;
	v = strtoull(s, NULL, 10);
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int num_parse_seconds(const char *s, double max, double *out)
{
	size_t n, f = 0;
	double v;

	if (!s)
		return -EINVAL;
	n = num_digits(s);
	if (s[n] == '.') {
		f = num_digits(s + n + 1);
		if (!f)
			return -EINVAL;
		f++;
	}
	if (!n || s[n + f])
		return -EINVAL;
	/* digits only: strtod cannot see a sign, nan or inf; a huge value is HUGE_VAL */
	v = strtod(s, NULL);
	if (!(v > 0) || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}
