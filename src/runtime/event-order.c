// SPDX-License-Identifier: GPL-2.0-or-later
/* Newest event time per container (see event-order.h): a sorted array, since
 * a host runs thousands of containers at most and events are rare. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/event-order.h"

#define EVTIME_RECENT 4	/* exact times kept: a replay inside the margin */

struct evtime_ent {
	char id[80];
	int64_t t;			/* newest */
	int64_t recent[EVTIME_RECENT];	/* the last times seen, any order */
	unsigned int next;
};

struct evtime {
	struct evtime_ent *v;
	size_t n, max;
};

struct evtime *evtime_new(size_t max)
{
	struct evtime *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->v = calloc(max ? max : 1, sizeof(*t->v));
	if (!t->v) {
		free(t);
		return NULL;
	}
	t->max = max ? max : 1;
	return t;
}

void evtime_free(struct evtime *t)
{
	if (!t)
		return;
	free(t->v);
	free(t);
}

size_t evtime_count(const struct evtime *t)
{
	return t->n;
}

/* Index of @id, or where it would go (*@found false). */
static size_t evtime_find(const struct evtime *t, const char *id, bool *found)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(t->v[mid].id, id);

		if (!c) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* Full: forget the container whose newest event is the oldest. */
static void evtime_evict(struct evtime *t)
{
	size_t old = 0;

	for (size_t i = 1; i < t->n; i++)
		if (t->v[i].t < t->v[old].t)
			old = i;
	memmove(&t->v[old], &t->v[old + 1], (t->n - old - 1) * sizeof(*t->v));
	t->n--;
}

bool evtime_replay(struct evtime *t, const char *id, int64_t time_ns, int64_t margin_ns)
{
	bool found;
	size_t i;

	if (time_ns <= 0 || strlen(id) >= sizeof(t->v[0].id))
		return false;
	i = evtime_find(t, id, &found);
	if (found) {
		struct evtime_ent *e = &t->v[i];

		if (time_ns + margin_ns < e->t)
			return true;
		/* within the margin, only an event seen already is a replay:
		 * stamps are nanoseconds, two events never share one */
		for (unsigned int k = 0; k < EVTIME_RECENT; k++)
			if (e->recent[k] == time_ns)
				return true;
		e->recent[e->next++ % EVTIME_RECENT] = time_ns;
		if (time_ns > e->t)
			e->t = time_ns;
		return false;
	}
	if (t->n == t->max) {
		evtime_evict(t);
		i = evtime_find(t, id, &found);
	}
	memmove(&t->v[i + 1], &t->v[i], (t->n - i) * sizeof(*t->v));
	memset(&t->v[i], 0, sizeof(t->v[i]));
	snprintf(t->v[i].id, sizeof(t->v[i].id), "%s", id);
	t->v[i].t = time_ns;
	t->v[i].recent[t->v[i].next++] = time_ns;
	t->n++;
	return false;
}

bool evtime_newer(const struct evtime *t, const char *id, int64_t time_ns)
{
	bool found;
	size_t i = evtime_find(t, id, &found);

	return !found || time_ns > t->v[i].t;
}
