// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Frames to flows (see feed.h).
 */
#include "config.h"

#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>

#include "zonewall/feed.h"

void feed_init(struct feed *f, struct flow_table *table)
{
	memset(f, 0, sizeof(*f));
	f->table = table;
}

static void feed_flush(struct feed *f)
{
	flow_table_add_packets(f->table, f->batch, f->batch_ts, f->n);
	f->n = 0;
}

/* The per-packet path: decode into the batch, count a full batch. */
static void feed_frame(void *user, const struct cap_frame *fr)
{
	struct feed *f = user;
	enum dec_result r = dec_frame(f->linktype, fr->data, fr->caplen, &f->batch[f->n]);

	f->frames++;
	if (r != DEC_OK) {
		f->skipped[r]++;
		return;
	}
	f->batch_ts[f->n++] = fr->ts_ns;
	if (f->n == FEED_BATCH)
		feed_flush(f);
}

int feed_dispatch(struct feed *f, struct cap_source *s, struct cap_error *e)
{
	int n;

	f->linktype = cap_linktype(s);
	n = cap_dispatch(s, feed_frame, f, e);
	feed_flush(f);
	return n;
}

uint64_t feed_skipped(const struct feed *f)
{
	uint64_t n = 0;

	for (size_t r = 0; r < DEC_RESULT_MAX; r++)
		n += f->skipped[r];
	return n;
}

uint64_t feed_seed(void)
{
	uint64_t seed = 0;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	return seed;
}
