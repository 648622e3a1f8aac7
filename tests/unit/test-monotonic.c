// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests: monotonic totals over counters reset by table replacements. */

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
	/* a replacement: read 12 just before, the new rule starts at 0 */
	tap_is_int(mono_fold(&s, "a\tb\tdenied", 12), 0, "fold the reading before a replacement");
	tap_is_int((int)mono_observe(&s, "a\tb\tdenied", 0), 12, "after the replacement: no drop");
	tap_is_int((int)mono_observe(&s, "a\tb\tdenied", 4), 16, "and it keeps counting");
	/* replaced behind our back (no fold): the last reading is kept */
	tap_is_int((int)mono_observe(&s, "a\tb\tdenied", 1), 17, "an unannounced reset is detected");
	/* two replacements in a row, nothing counted in between */
	mono_fold(&s, "a\tb\tdenied", 1);
	mono_fold(&s, "a\tb\tdenied", 0);
	tap_is_int((int)mono_observe(&s, "a\tb\tdenied", 2), 19, "back-to-back replacements");
	/* a key first seen at a fold (a rule that appeared and was replaced unseen) */
	mono_fold(&s, "c\td\tdenied", 7);
	tap_is_int((int)mono_observe(&s, "c\td\tdenied", 1), 8, "a key first met at a fold");
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
