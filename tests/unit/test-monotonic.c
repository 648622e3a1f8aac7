// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: monotonic totals over counters that may be reset. */

#include "config.h"

#include "tap.h"
#include "zonewall/monotonic.h"

int main(void)
{
	struct mono_set s;
	uint64_t t;

	mono_init(&s);
	tap_is_int((int)mono_observe(&s, "a\tb\tdenied", 5), 5, "first reading is the total");
	tap_is_int((int)mono_observe(&s, "a\tb\tdenied", 9), 9, "a rising counter passes through");
	tap_is_int((int)mono_observe(&s, "a\tb\taccepted", 3), 3, "keys are independent");
	/* reset behind our back (the table deleted and created again) */
	tap_is_int((int)mono_observe(&s, "a\tb\tdenied", 1), 10, "a reset is detected");
	tap_is_int((int)mono_observe(&s, "a\tb\tdenied", 4), 13, "and it keeps counting");
	tap_is_int((int)mono_observe(&s, "a\tb\tdenied", 0), 13, "a second reset");
	tap_is_int((int)mono_observe(&s, "a\tb\tdenied", 2), 15, "counts on from there");
	for (int i = 0; i < 100; i++) {
		char k[16];

		snprintf(k, sizeof(k), "k%d", i);
		mono_observe(&s, k, (uint64_t)i);
	}
	t = mono_observe(&s, "a\tb\taccepted", 10);
	tap_is_int((int)t, 10, "many keys: earlier entries intact after growth");
	mono_free(&s);
	mono_free(NULL);
	return tap_done();
}
