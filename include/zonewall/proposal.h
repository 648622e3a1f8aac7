/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_PROPOSAL_H
#define ZONEWALL_PROPOSAL_H

/*
 * Proposals (proposal.json; rules/proposal.schema.json documents it): the
 * edges a learner saw, "from identity -> to identity, proto, port", each
 * with its evidence.  Pure: the learner feeds observations with
 * prop_observe(), fleets combine with prop_merge(); both are commutative
 * and associative, so merging the proposals of two captures equals
 * learning both captures at once.
 *
 * Evidence: packets add up; first/last seen are min/max; days (distinct UTC
 * days, as day numbers since the epoch) and runs (learning run ids) are set
 * unions, bounded (the most recent PROP_DAYS_MAX days, the greatest
 * PROP_RUNS_MAX run ids in byte order); samples are the PROP_SAMPLES_MAX
 * smallest distinct address pairs in byte order, so the choice does not
 * depend on the order of arrival.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "zonewall/diag.h"

#define PROP_VERSION 1
#define PROP_SAMPLES_MAX 5
#define PROP_DAYS_MAX 366
#define PROP_RUNS_MAX 64
#define PROP_ADDR_MAX 64	/* an address as text, with a zone id */
#define PROP_ID_LEN 12		/* hex digits of an edge id */
/*
 * The most a proposal file may hold, in bytes: prop_load() refuses a larger
 * file and prop_save() refuses to write one.  A learned edge takes about
 * 300-400 bytes, so a million edges fit with room for their samples.
 */
#define PROP_FILE_MAX ((size_t)1 << 30)

/* One observation by a learner, for prop_observe(). */
struct prop_obs {
	const char *from, *to;		/* identities; "unknown:ADDRESS" for unknown ones */
	const char *from_zone, *to_zone; /* NULL or "" when not known */
	uint8_t proto;			/* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6 */
	uint16_t port;			/* destination port, 1..65535 for TCP/UDP; 0 for ICMP */
	uint64_t packets;
	int64_t first_seen, last_seen;	/* seconds since the epoch, UTC */
	const char *sample_from, *sample_to; /* an address pair, or NULL */
	const char *run_id;		/* the learning run, or NULL */
};

/*
 * The strings of a set's edges (identities, zones, run ids, sample
 * addresses) are interned in the set: one copy of each, owned by the set
 * and freed by prop_free(); never free or change them through an edge.
 */
struct prop_sample {
	char *from, *to;		/* each shorter than PROP_ADDR_MAX */
};

struct prop_edge {
	char *from, *to;
	char *from_zone, *to_zone;	/* NULL when not known */
	uint8_t proto;
	uint16_t port;
	uint64_t packets;
	int64_t first_seen, last_seen;
	int32_t *days;			/* sorted, distinct */
	size_t n_days;
	char **runs;			/* sorted, distinct */
	size_t n_runs;
	struct prop_sample samples[PROP_SAMPLES_MAX]; /* sorted, distinct */
	size_t n_samples;
	uint64_t hash;			/* of from|to|proto|port; the id is its top 48 bits */
};

struct prop_set {
	struct prop_edge *edges;
	size_t n, cap;
	size_t *index;			/* open addressing over hash: edge index + 1, 0 empty */
	size_t index_cap;
	char **strs;			/* interned strings, open addressing; NULL empty */
	size_t n_strs, strs_cap;
};

/** prop_new() - an empty proposal; NULL (ENOMEM). Free with prop_free(). */
struct prop_set *prop_new(void);

/** prop_free() - free @s and its edges; accepts NULL. */
void prop_free(struct prop_set *s);

/**
 * prop_observe() - add one observation to @s: a new edge, or evidence
 * added to the edge with the same from, to, proto and port.  The day of
 * first_seen and the day of last_seen count as seen.  Strings are copied.
 * Return: 0; -EINVAL for an invalid identity, protocol, port or time order;
 * -ENOMEM.
 */
int prop_observe(struct prop_set *s, const struct prop_obs *o);

/**
 * prop_merge() - add every edge of @src to @dst (evidence combined as the
 * header says).  @src is not changed.
 * Return: 0 or -ENOMEM (@dst then holds part of @src).
 */
int prop_merge(struct prop_set *dst, const struct prop_set *src);

/**
 * prop_edge_id() - @e's stable id (PROP_ID_LEN hex digits, the same for
 * the same from|to|proto|port on any host and run) into @buf (>= 13 bytes).
 */
void prop_edge_id(const struct prop_edge *e, char *buf, size_t size);

/** prop_find_id() - the edge whose id is @id, or NULL. */
const struct prop_edge *prop_find_id(const struct prop_set *s, const char *id);

/**
 * prop_sort() - order the edges by from, to, proto, port (the order
 * prop_to_json() writes; call it before indexing edges by position).
 */
void prop_sort(struct prop_set *s);

/**
 * prop_parse() - parse and validate proposal JSON.  A damaged proposal
 * (syntax, wrong type, unknown key, id not matching its edge, duplicate
 * edge, last_seen before first_seen, ...) is refused: every problem goes
 * to @d with its JSON path.
 * Return: a new set, or NULL with errno EINVAL (problems in @d) or ENOMEM.
 */
struct prop_set *prop_parse(const char *text, size_t len, struct diags *d);

/**
 * prop_load() - read @path (at most PROP_FILE_MAX bytes) and prop_parse() it.
 * Return: as prop_parse(); NULL with the read error in errno (and one "$"
 * entry in @d) when the file cannot be read.
 */
struct prop_set *prop_load(const char *path, struct diags *d);

/** prop_load_max() - prop_load() with a limit of @max bytes (tests). */
struct prop_set *prop_load_max(const char *path, size_t max, struct diags *d);

/**
 * prop_to_json() - @s as proposal JSON, edges sorted, keys in a fixed order.
 * Return: a new reference, or NULL (ENOMEM).
 */
json_t *prop_to_json(struct prop_set *s);

/**
 * prop_edge_json() - one edge as the object prop_to_json() writes.
 * Return: a new reference, or NULL (ENOMEM).
 */
json_t *prop_edge_json(const struct prop_edge *e);

/**
 * prop_save() - write @s to @path atomically: the keys indented by 2, one
 * edge per line (as json_dumps(prop_edge_json(e), 0)), final newline.
 * Return: 0 or -errno; -EFBIG when the file would be larger than
 * PROP_FILE_MAX (prop_load() would refuse it): @path is then untouched.
 */
int prop_save(struct prop_set *s, const char *path);

/** prop_save_max() - prop_save() with a limit of @max bytes (tests). */
int prop_save_max(struct prop_set *s, const char *path, size_t max);

/**
 * prop_write_fd() - @s as prop_save() writes it, into the open @fd (no
 * limit: a stream is not read back).
 * Return: 0 or -errno.
 */
int prop_write_fd(struct prop_set *s, int fd);

/** prop_day_format() - day number @day as "YYYY-MM-DD" into @buf (>= 11 bytes). */
void prop_day_format(int32_t day, char *buf, size_t size);

#endif
