// SPDX-License-Identifier: GPL-2.0-or-later
/* "Did you mean" (include/zonewall/nearest.h): edit distance over short names. */

#include "config.h"

#include <string.h>

#include "zonewall/nearest.h"

#define NEAR_LEN_MAX 40

/* Optimal string alignment distance of @a and @b: names are short, so a
 * full table on the stack. */
static size_t near_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[NEAR_LEN_MAX][NEAR_LEN_MAX];

	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

const char *near_name(const char *word, const char *const *names, size_t n)
{
	size_t len = strlen(word), max = len < 4 ? 1 : len < 9 ? 2 : 3, best = max + 1;
	const char *hit = NULL;

	if (len >= NEAR_LEN_MAX)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t d;

		if (!names[i] || strlen(names[i]) >= NEAR_LEN_MAX)
			continue;
		d = near_distance(word, names[i]);
		if (d < best) {
			best = d;
			hit = names[i];
		}
	}
	return hit;
}
