// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: the policy parser and validator, and the canonical
 * writer on whatever it accepts (which must parse again to the same text).
 * The proposal parser gets the same bytes: both face files from outside.
 */

#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/policy.h"
#include "zonewall/proposal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pol_policy *p, *q;
	struct prop_set *s;
	struct diags d;
	char *a, *b;

	p = pol_parse((const char *)data, size, &d);
	if (p) {
		a = pol_format(p);
		q = a ? pol_parse(a, strlen(a), &d) : NULL;
		b = q ? pol_format(q) : NULL;
		if (a && (!q || !b || strcmp(a, b)))
			abort();	/* canonical output must round-trip */
		free(a);
		free(b);
		pol_free(q);
		pol_free(p);
	}
	s = prop_parse((const char *)data, size, &d);
	prop_free(s);
	return 0;
}
