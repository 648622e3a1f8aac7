// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: the numeric flag parser.  Beyond not crashing, a value
 * it accepts lies in its range, and an accepted integer prints back as the
 * same digits (less leading zeros): nothing wraps or saturates.
 */

#include "config.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/numarg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_uint(const char *s, uint64_t min, uint64_t max)
{
	char back[32];
	uint64_t v;

	if (num_parse_uint(s, min, max, &v))
		return;
	while (s[0] == '0' && s[1])
		s++;
	snprintf(back, sizeof(back), "%" PRIu64, v);
	if (v < min || v > max || strcmp(back, s))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	double d;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_uint(s, 1, 65535);
	check_uint(s, 0, UINT64_MAX);
	if (!num_parse_seconds(s, NUM_SECONDS_MAX, &d) && !(d > 0 && d <= NUM_SECONDS_MAX))
		abort();
	free(s);
	return 0;
}
