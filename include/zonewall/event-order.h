/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_EVTIME_H
#define ZONEWALL_EVTIME_H

/*
 * The newest event time seen per container, to tell replays from news.
 * Podman's file event logger, when it rotates its log, streams the kept
 * half again: events of minutes or seconds ago, in their old order.  An
 * engine may also publish two events of one container a hair out of
 * order (Docker stamps before it takes its publish lock), so only events
 * older than the newest by more than a margin count as replays.  Pure.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evtime;

/** evtime_new() - room for @max containers (the oldest is forgotten past it); NULL on ENOMEM. */
struct evtime *evtime_new(size_t max);

/** evtime_free() - Accepts NULL. */
void evtime_free(struct evtime *t);

/**
 * evtime_replay() - is an event of container @id stamped @time_ns (> 0)
 * older than the newest one seen for @id by more than @margin_ns, or
 * stamped exactly as one of the last few seen for @id?  If not, @time_ns
 * is recorded.  An @id never seen is news.
 */
bool evtime_replay(struct evtime *t, const char *id, int64_t time_ns, int64_t margin_ns);

/**
 * evtime_newer() - is @time_ns later than every event recorded for @id
 * (true for an @id never seen)?  Records nothing.
 */
bool evtime_newer(const struct evtime *t, const char *id, int64_t time_ns);

/** evtime_count() - containers remembered. */
size_t evtime_count(const struct evtime *t);

#endif
