// SPDX-License-Identifier: GPL-2.0-or-later
/* Monotonic totals over counters that reset (see monotonic.h).  Pure. */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/monotonic.h"

void mono_init(struct mono_set *s)
{
	memset(s, 0, sizeof(*s));
}

void mono_free(struct mono_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].key);
	free(s->v);
	mono_init(s);
}

/* The entry for @key, made when absent; NULL when memory runs out. */
static struct mono_ctr *mono_get(struct mono_set *s, const char *key)
{
	struct mono_ctr *nv;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].key, key))
			return &s->v[i];
	if (s->n == s->cap) {
		nv = realloc(s->v, (s->cap ? s->cap * 2 : 16) * sizeof(*nv));
		if (!nv)
			return NULL;
		s->v = nv;
		s->cap = s->cap ? s->cap * 2 : 16;
	}
	s->v[s->n].key = strdup(key);
	if (!s->v[s->n].key)
		return NULL;
	s->v[s->n].base = s->v[s->n].last = 0;
	return &s->v[s->n++];
}

uint64_t mono_observe(struct mono_set *s, const char *key, uint64_t raw)
{
	struct mono_ctr *c = mono_get(s, key);

	if (!c)
		return raw;
	if (raw < c->last)	/* replaced behind our back: the old generation ended at last */
		c->base += c->last;
	c->last = raw;
	return c->base + raw;
}
