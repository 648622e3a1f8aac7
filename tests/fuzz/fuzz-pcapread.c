// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: pcapread.c against libpcap.  The input is a capture
 * file; whenever pcapread takes it, libpcap must see the same link type,
 * the same records and the same end (tests/unit/pcapdiff.h), else abort.
 * Under ASan, a read past what pcapread read from the file is caught too.
 */

#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../unit/pcapdiff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[256];
	size_t records;

	if (pcapdiff(data, size, why, sizeof(why), &records) < 0) {
		fprintf(stderr, "pcapread and libpcap disagree: %s\n", why);
		abort();
	}
	return 0;
}
