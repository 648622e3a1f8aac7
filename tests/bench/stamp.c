// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Benchmark helper: each line of stdin to stdout after the wall-clock time
 * it was read at ("SECONDS.MICROS LINE").  The fleet benchmarks' witness
 * reads `nft monitor` with it: a table replaced with thousands of elements
 * is thousands of lines, which a shell's read loop would take longer to
 * stamp than the daemon took to write them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	struct timeval tv;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while (getline(&line, &cap, stdin) > 0) {
		gettimeofday(&tv, NULL);
		printf("%lld.%06ld %s", (long long)tv.tv_sec, (long)tv.tv_usec, line);
	}
	free(line);
	return 0;
}
