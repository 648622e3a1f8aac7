// SPDX-License-Identifier: GPL-2.0-or-later
/* Newest event time per container (src/runtime/event-order.c): replays told from news. */
#include "config.h"

#include <stdio.h>

#include "tap.h"
#include "zonewall/event-order.h"

#define S 1000000000LL

int main(void)
{
	struct evtime *t = evtime_new(3);
	char id[16];

	tap_ok(t != NULL, "created");
	tap_ok(!evtime_replay(t, "a", 100 * S, S), "a container never seen: news");
	tap_ok(!evtime_replay(t, "a", 105 * S, S), "newer: news");
	tap_ok(!evtime_replay(t, "a", 104 * S + S / 2, S), "half a second older: within the margin (publish order)");
	tap_ok(evtime_replay(t, "a", 104 * S + S / 2, S), "... but the very same stamp again: a replay");
	tap_ok(evtime_replay(t, "a", 105 * S, S), "the newest again: a replay");
	tap_ok(evtime_replay(t, "a", 103 * S, S), "two seconds older than the newest: a replay");
	tap_ok(evtime_replay(t, "a", 100 * S, S), "the first event again: a replay");
	tap_ok(!evtime_replay(t, "b", 50 * S, S), "another container's older time: news for it");
	tap_ok(!evtime_replay(t, "a", 106 * S, S), "a's next event: news");
	tap_ok(!evtime_replay(t, "a", 0, S), "no time stamp: never called a replay");
	tap_ok(!evtime_replay(t, "c", 200 * S, S), "third container");
	tap_is_int((int)evtime_count(t), 3, "three remembered");
	tap_ok(!evtime_replay(t, "d", 300 * S, S), "a fourth past the room of three");
	tap_is_int((int)evtime_count(t), 3, "... forgets one");
	tap_ok(!evtime_replay(t, "b", 10 * S, S), "the one forgotten is b (oldest newest event): anything is news again");
	tap_ok(evtime_replay(t, "d", 100 * S, S), "d remembered: its old event is a replay");
	for (int i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "x%03d", i);
		evtime_replay(t, id, (1000 + i) * S, S);
	}
	tap_is_int((int)evtime_count(t), 3, "bounded under churn");
	tap_ok(evtime_newer(t, "never", 1), "newer: a container never seen");
	tap_ok(evtime_newer(t, "x099", 1099 * S + 1), "newer: one ns past the newest");
	tap_ok(!evtime_newer(t, "x099", 1099 * S), "not newer: the newest itself");
	tap_ok(!evtime_newer(t, "x099", 1000 * S), "not newer: older");
	tap_is_int((int)evtime_count(t), 3, "newer records nothing");
	tap_ok(evtime_replay(t, "x099", 1000 * S, S), "the newest kept: x099");
	evtime_free(t);
	evtime_free(NULL);
	return tap_done();
}
