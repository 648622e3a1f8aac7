// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * RFC 3339 UTC times (see timefmt.h).  The date comes from the day count
 * by Howard Hinnant's civil_from_days(), exact for any day of the
 * proleptic Gregorian calendar; the digits are written by hand, since
 * listing a large capture formats two times per row.
 */

#include "config.h"

#include <errno.h>
#include <stdbool.h>

#include "zonewall/timefmt.h"

#define TFMT_NS_PER_S 1000000000L
#define TFMT_S_PER_DAY 86400

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: four digits of year. */
#define TFMT_SEC_MIN (-62167219200LL)
#define TFMT_SEC_MAX 253402300799LL

/* More seconds than any @nsec can carry (LONG_MAX ns is 9.3e9 s): a @sec
 * outside by this much is out of range whatever @nsec is, and one inside
 * cannot overflow when the carry is added. */
#define TFMT_CARRY_MAX 10000000000LL

static const uint32_t tfmt_pow10[] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
};

struct tfmt_civil {
	int year, month, day, hour, min, sec;
};

static void tfmt_civil_from(int64_t sec, struct tfmt_civil *c)
{
	int64_t days = sec / TFMT_S_PER_DAY, rem = sec % TFMT_S_PER_DAY;
	int64_t z, era, doe, yoe, doy, mp;

	if (rem < 0) {		/* C division truncates; a day starts at its midnight */
		rem += TFMT_S_PER_DAY;
		days--;
	}
	z = days + 719468;	/* days since 0000-03-01: leap days fall at a year's end */
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	c->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	c->year = (int)(yoe + era * 400 + (c->month <= 2));
	c->hour = (int)(rem / 3600);
	c->min = (int)(rem / 60 % 60);
	c->sec = (int)(rem % 60);
}

static char *tfmt_digits(char *p, uint32_t v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--, v /= 10)
		p[i] = (char)('0' + v % 10);
	return p + width;
}

int tfmt_rfc3339(char *buf, size_t size, int64_t sec, long nsec, unsigned int flags)
{
	unsigned int prec = flags & TFMT_PREC_MASK;
	bool basic = flags & TFMT_BASIC;
	size_t len = (basic ? 16 : 20) + (prec ? prec + 1 : 0);
	struct tfmt_civil c;
	char *p = buf;

	if (size)
		buf[0] = '\0';
	if (prec > 9)
		return -EINVAL;
	if (sec < TFMT_SEC_MIN - TFMT_CARRY_MAX || sec > TFMT_SEC_MAX + TFMT_CARRY_MAX)
		return -ERANGE;
	sec += nsec / TFMT_NS_PER_S;
	nsec %= TFMT_NS_PER_S;
	if (nsec < 0) {
		nsec += TFMT_NS_PER_S;
		sec--;
	}
	if (sec < TFMT_SEC_MIN || sec > TFMT_SEC_MAX)
		return -ERANGE;
	if (size <= len)
		return -ENOSPC;

	tfmt_civil_from(sec, &c);
	p = tfmt_digits(p, (uint32_t)c.year, 4);
	if (!basic)
		*p++ = '-';
	p = tfmt_digits(p, (uint32_t)c.month, 2);
	if (!basic)
		*p++ = '-';
	p = tfmt_digits(p, (uint32_t)c.day, 2);
	*p++ = 'T';
	p = tfmt_digits(p, (uint32_t)c.hour, 2);
	if (!basic)
		*p++ = ':';
	p = tfmt_digits(p, (uint32_t)c.min, 2);
	if (!basic)
		*p++ = ':';
	p = tfmt_digits(p, (uint32_t)c.sec, 2);
	if (prec) {
		/* truncated: a time is never shown in a unit it has not reached */
		*p++ = '.';
		p = tfmt_digits(p, (uint32_t)nsec / tfmt_pow10[9 - prec], (int)prec);
	}
	*p++ = 'Z';
	*p = '\0';
	return (int)(p - buf);
}
