/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_TAP_H
#define ZONEWALL_TAP_H

/*
 * A few TAP (Test Anything Protocol) helpers for unit tests run by
 * automake's tap-driver.sh.  Header-only so each test is one file.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline void tap_plan(int n)
{
	printf("1..%d\n", n);
}

static inline int tap_ok(int cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	fflush(stdout);
	return cond;
}

#define tap_is_int(got, want, ...) do {					\
	long long g_ = (got), w_ = (want);				\
	if (!tap_ok(g_ == w_, __VA_ARGS__))				\
		printf("#   got %lld, want %lld\n", g_, w_);		\
} while (0)

#define tap_is_str(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (!tap_ok(g_ && w_ && !strcmp(g_, w_), __VA_ARGS__))		\
		printf("#   got '%s'\n#  want '%s'\n", g_ ? g_ : "(null)", \
		       w_ ? w_ : "(null)");				\
} while (0)

static inline int tap_done(void)
{
	if (tap_n == 0)
		printf("1..0 # SKIP no tests run\n");
	else
		printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
