/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_FEED_H
#define ZONEWALL_FEED_H

/*
 * Frames to flows: the one path from a capture source (a file or an
 * interface) through the decoder into a flow table, shared by the CLI's
 * flows/learn and zonewalld's learn mode.  Decoded packets go to the table
 * in batches (flow_table_add_packets() fetches their buckets ahead); a
 * batch is always flushed before feed_dispatch() returns, so no packet is
 * left uncounted between calls.  Nothing allocates per packet.
 */

#include <stddef.h>
#include <stdint.h>

#include "zonewall/capture.h"
#include "zonewall/decode.h"
#include "zonewall/flow.h"

#define FEED_BATCH 64

struct feed {
	struct flow_table *table;	/* borrowed */
	int linktype;			/* of the source being dispatched */
	uint64_t frames;		/* read, decoded or not */
	uint64_t skipped[DEC_RESULT_MAX];	/* by the decoder's reason */
	struct dec_packet batch[FEED_BATCH];	/* decoded, not yet counted */
	uint64_t batch_ts[FEED_BATCH];
	size_t n;
};

/** feed_init() - a feed into @table (borrowed), counters zero. */
void feed_init(struct feed *f, struct flow_table *table);

/**
 * feed_dispatch() - cap_dispatch() @s into the table.
 * Return: what cap_dispatch() returns (frames read, 0, or -errno with @e set).
 */
int feed_dispatch(struct feed *f, struct cap_source *s, struct cap_error *e);

/** feed_skipped() - the frames the decoder could not use, all reasons together. */
uint64_t feed_skipped(const struct feed *f);

/**
 * feed_seed() - a random seed for flow_table_new(), so that remote hosts
 * cannot aim packets at one hash bucket (the time and pid when the kernel
 * has no randomness yet).
 */
uint64_t feed_seed(void);

#endif
