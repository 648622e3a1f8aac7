// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: zonewalld's configuration parser. */

#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "zonewall/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg_diags d;
	struct cfg c;

	cfg_parse(&c, (const char *)data, size, &d);
	return 0;
}
