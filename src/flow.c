// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The bounded flow table.  Rows live in one array of 64-byte entries (one
 * cache line each) found through an open-addressing index with linear
 * probing; each 8-byte bucket holds a 32-bit hash tag and the row number
 * + 1 (0 = empty), so a probe touches the row only when the tag matches
 * and a deletion can shift buckets back without rehashing keys.  Rows
 * are chained from most to least recently seen by 32-bit indices: moving
 * a row to the front and evicting the last one are O(1).
 *
 * The table starts small and doubles up to its bound: the issue measured
 * a 4M-slot table to be slower than tcpdump, because a table much larger
 * than the working set misses the cache on every packet.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "zonewall/flow.h"

#define FLOW_NONE UINT32_MAX
#define FLOW_INITIAL_ROWS 1024u

struct flow_entry {
	struct flow_key key;
	uint32_t packets;
	uint64_t first_seen;
	uint64_t last_seen;
	uint32_t newer;		/* towards the most recently seen; FLOW_NONE at the head */
	uint32_t older;		/* towards the least recently seen; FLOW_NONE at the tail */
};

_Static_assert(sizeof(struct flow_key) == 36, "flow_key must stay packed");
_Static_assert(sizeof(struct flow_entry) == 64, "a row must fit one cache line");

struct flow_table {
	struct flow_entry *rows;
	uint64_t *buckets;	/* tag << 32 | (row + 1); 0 = empty */
	uint32_t mask;		/* buckets - 1 */
	uint32_t n, cap, max;
	uint32_t head, tail;	/* most / least recently seen */
	uint64_t seed;
	uint64_t packets, ignored, evictions;
};

/* 64x64->128 multiply folded: the mixing step of wyhash-style hashes. */
static inline uint64_t flow_mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t flow_load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t flow_hash(const struct flow_table *t, const struct flow_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t tail;
	uint64_t h;

	memcpy(&tail, p + 32, sizeof(tail));
	h = flow_mix(flow_load64(p) ^ t->seed, flow_load64(p + 8) ^ 0xe7037ed1a0b428dbull);
	h = flow_mix(flow_load64(p + 16) ^ h, flow_load64(p + 24) ^ 0x8ebc6af09c88c6e3ull);
	h = flow_mix(h ^ tail, 0x589965cc75374cc3ull ^ t->seed);
	return (uint32_t)(h >> 32) ^ (uint32_t)h;
}

static inline bool flow_key_eq(const struct flow_key *a, const struct flow_key *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* The bucket holding @k, or the empty bucket where it would go. */
static inline uint32_t flow_probe(const struct flow_table *t, const struct flow_key *k,
				  uint32_t tag, bool *found)
{
	uint32_t i = tag & t->mask;

	for (;;) {
		uint64_t b = t->buckets[i];

		if (!b) {
			*found = false;
			return i;
		}
		if ((uint32_t)(b >> 32) == tag &&
		    flow_key_eq(&t->rows[(uint32_t)b - 1].key, k)) {
			*found = true;
			return i;
		}
		i = (i + 1) & t->mask;
	}
}

static uint32_t flow_buckets_for(uint32_t rows)
{
	uint64_t want = (uint64_t)rows * 4 / 3 + 1, n = 16;

	while (n < want)
		n <<= 1;
	return (uint32_t)n;
}

/* Rebuild the index with @nbuckets buckets from the tags already stored. */
static int flow_rehash(struct flow_table *t, uint32_t nbuckets)
{
	uint64_t *nb = calloc(nbuckets, sizeof(*nb));
	uint32_t i, nmask = nbuckets - 1;

	if (!nb)
		return -ENOMEM;
	for (i = 0; t->buckets && i <= t->mask; i++) {
		uint64_t b = t->buckets[i];
		uint32_t j;

		if (!b)
			continue;
		for (j = (uint32_t)(b >> 32) & nmask; nb[j]; j = (j + 1) & nmask)
			;
		nb[j] = b;
	}
	free(t->buckets);
	t->buckets = nb;
	t->mask = nmask;
	return 0;
}

/* Make room for @ncap rows; row numbers stay, so the LRU chain stays. */
static int flow_resize(struct flow_table *t, uint32_t ncap)
{
	uint32_t nbuckets = flow_buckets_for(ncap);
	struct flow_entry *nr;

	if (posix_memalign((void **)&nr, 64, (size_t)ncap * sizeof(*nr)))
		return -ENOMEM;
	if (t->n)
		memcpy(nr, t->rows, (size_t)t->n * sizeof(*nr));
	if ((!t->buckets || nbuckets - 1 != t->mask) && flow_rehash(t, nbuckets)) {
		free(nr);
		return -ENOMEM;
	}
	free(t->rows);
	t->rows = nr;
	t->cap = ncap;
	return 0;
}

static int flow_grow(struct flow_table *t)
{
	uint64_t ncap = (uint64_t)t->cap * 2;
	int err = flow_resize(t, ncap > t->max ? t->max : (uint32_t)ncap);

	if (err)
		t->max = t->cap;	/* memory refused: what we have is the bound */
	return err;
}

struct flow_table *flow_table_new(size_t max_flows, uint64_t seed)
{
	struct flow_table *t;

	if (!max_flows)
		max_flows = FLOW_DEFAULT_MAX;
	if (max_flows > FLOW_MAX_LIMIT) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->max = (uint32_t)max_flows;
	t->seed = seed ^ 0xa0761d6478bd642full;
	t->head = t->tail = FLOW_NONE;
	if (flow_resize(t, t->max < FLOW_INITIAL_ROWS ? t->max : FLOW_INITIAL_ROWS))
		goto out_free_t;
	return t;

out_free_t:
	flow_table_free(t);
	errno = ENOMEM;
	return NULL;
}

void flow_table_free(struct flow_table *t)
{
	if (!t)
		return;
	free(t->rows);
	free(t->buckets);
	free(t);
}

static inline void flow_lru_unlink(struct flow_table *t, uint32_t i)
{
	struct flow_entry *e = &t->rows[i];

	if (e->newer != FLOW_NONE)
		t->rows[e->newer].older = e->older;
	else
		t->head = e->older;
	if (e->older != FLOW_NONE)
		t->rows[e->older].newer = e->newer;
	else
		t->tail = e->newer;
}

static inline void flow_lru_push(struct flow_table *t, uint32_t i)
{
	struct flow_entry *e = &t->rows[i];

	e->newer = FLOW_NONE;
	e->older = t->head;
	if (t->head != FLOW_NONE)
		t->rows[t->head].newer = i;
	else
		t->tail = i;
	t->head = i;
}

/* Empty bucket @i and shift later members of its probe run back, so
 * every key stays reachable from its home bucket (no tombstones). */
static void flow_bucket_delete(struct flow_table *t, uint32_t i)
{
	uint32_t j = i;

	for (;;) {
		uint32_t home;

		t->buckets[i] = 0;
		for (;;) {
			j = (j + 1) & t->mask;
			if (!t->buckets[j])
				return;
			home = (uint32_t)(t->buckets[j] >> 32) & t->mask;
			/* Move j back to i unless its home lies in (i, j]. */
			if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
				continue;
			break;
		}
		t->buckets[i] = t->buckets[j];
		i = j;
	}
}

/* Free the least recently seen row; return its number for reuse. */
static uint32_t flow_evict(struct flow_table *t)
{
	uint32_t victim = t->tail;
	const struct flow_key *k = &t->rows[victim].key;
	bool found;
	uint32_t b = flow_probe(t, k, flow_hash(t, k), &found);

	if (found)
		flow_bucket_delete(t, b);
	flow_lru_unlink(t, victim);
	t->evictions++;
	t->n--;
	return victim;
}

static uint32_t flow_insert(struct flow_table *t, const struct flow_key *key,
			    uint32_t tag, uint64_t ts_ns)
{
	struct flow_entry *e;
	uint32_t row, b;
	bool found;

	if (t->n == t->cap && (t->cap == t->max || flow_grow(t)))
		row = flow_evict(t);
	else
		row = t->n;
	b = flow_probe(t, key, tag, &found);	/* the index may have moved */
	t->buckets[b] = (uint64_t)tag << 32 | (row + 1);
	t->n++;
	e = &t->rows[row];
	e->key = *key;
	e->packets = 1;
	e->first_seen = e->last_seen = ts_ns;
	flow_lru_push(t, row);
	return 1;
}

uint32_t flow_table_add(struct flow_table *t, const struct flow_key *key, uint64_t ts_ns)
{
	uint32_t tag = flow_hash(t, key), b, row;
	struct flow_entry *e;
	bool found;

	t->packets++;
	b = flow_probe(t, key, tag, &found);
	if (!found)
		return flow_insert(t, key, tag, ts_ns);
	row = (uint32_t)t->buckets[b] - 1;
	e = &t->rows[row];
	if (e->packets != UINT32_MAX)
		e->packets++;
	if (ts_ns > e->last_seen)
		e->last_seen = ts_ns;
	if (ts_ns < e->first_seen)
		e->first_seen = ts_ns;
	if (t->head != row) {
		flow_lru_unlink(t, row);
		flow_lru_push(t, row);
	}
	return e->packets;
}

bool flow_addr_is_multicast(const uint8_t addr[16], uint8_t family)
{
	if (family == 6)
		return addr[0] == 0xff;
	return (addr[0] & 0xf0) == 0xe0 ||
	       (addr[0] == 255 && addr[1] == 255 && addr[2] == 255 && addr[3] == 255);
}

static inline void flow_key_set(struct flow_key *k, const struct dec_packet *p,
				bool reversed, uint16_t port)
{
	memcpy(k->client, reversed ? p->dst : p->src, 16);
	memcpy(k->server, reversed ? p->src : p->dst, 16);
	k->port = port;
	k->proto = p->proto;
	k->family = p->family;
}

/* UDP orientation when the ports or multicast decide it; equal ports with
 * no multicast end are left src -> dst ("first packet seen"). */
static bool flow_udp_reversed(const struct dec_packet *p)
{
	bool ms = flow_addr_is_multicast(p->src, p->family);
	bool md = flow_addr_is_multicast(p->dst, p->family);

	if (ms != md)
		return ms;
	return p->sport < p->dport;
}

bool flow_key_from_packet(const struct dec_packet *p, struct flow_key *key)
{
	switch (p->proto) {
	case IPPROTO_TCP:
		if (!(p->tcp_flags & 0x02))
			return false;
		if (p->tcp_flags & 0x10)
			flow_key_set(key, p, true, p->sport);
		else
			flow_key_set(key, p, false, p->dport);
		return true;
	case IPPROTO_UDP: {
		bool rev = flow_udp_reversed(p);

		flow_key_set(key, p, rev, rev ? p->sport : p->dport);
		return true;
	}
	case IPPROTO_ICMP:
		if (p->family != 4 || p->icmp_type != 8)
			return false;
		flow_key_set(key, p, false, 8);
		return true;
	case IPPROTO_ICMPV6:
		if (p->family != 6 || p->icmp_type != 128)
			return false;
		flow_key_set(key, p, false, 128);
		return true;
	default:
		return false;
	}
}

static inline bool flow_udp_equal_ports(const struct dec_packet *p)
{
	return p->proto == IPPROTO_UDP && p->sport == p->dport &&
	       flow_addr_is_multicast(p->src, p->family) ==
	       flow_addr_is_multicast(p->dst, p->family);
}

bool flow_table_add_packet(struct flow_table *t, const struct dec_packet *p, uint64_t ts_ns)
{
	struct flow_key key;

	if (!flow_key_from_packet(p, &key)) {
		t->ignored++;
		return false;
	}
	if (flow_udp_equal_ports(p)) {
		struct flow_key rev;
		bool found;

		/* The conversation is the reverse one if that was seen first. */
		flow_key_set(&rev, p, true, p->sport);
		flow_probe(t, &rev, flow_hash(t, &rev), &found);
		if (found)
			key = rev;
	}
	flow_table_add(t, &key, ts_ns);
	return true;
}

static void flow_row_fill(struct flow_row *r, const struct flow_entry *e)
{
	r->key = e->key;
	r->packets = e->packets;
	r->first_seen = e->first_seen;
	r->last_seen = e->last_seen;
}

bool flow_table_lookup(const struct flow_table *t, const struct flow_key *key,
		       struct flow_row *row)
{
	bool found;
	uint32_t b = flow_probe(t, key, flow_hash(t, key), &found);

	if (found)
		flow_row_fill(row, &t->rows[(uint32_t)t->buckets[b] - 1]);
	return found;
}

void flow_table_stats(const struct flow_table *t, struct flow_stats *st)
{
	st->flows = t->n;
	st->max_flows = t->max;
	st->capacity = t->cap;
	st->bytes = sizeof(*t) + (size_t)t->cap * sizeof(struct flow_entry) +
		    ((size_t)t->mask + 1) * sizeof(uint64_t);
	st->packets = t->packets;
	st->ignored = t->ignored;
	st->evictions = t->evictions;
}

static int flow_proto_rank(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_ICMP:
		return 0;
	case IPPROTO_ICMPV6:
		return 1;
	case IPPROTO_TCP:
		return 2;
	case IPPROTO_UDP:
		return 3;
	default:
		return 4 + proto;
	}
}

static int flow_addr_cmp(const uint8_t *a, const uint8_t *b, uint8_t fa, uint8_t fb)
{
	if (fa != fb)
		return fa < fb ? -1 : 1;
	return memcmp(a, b, 16);
}

int flow_key_cmp(const struct flow_key *a, const struct flow_key *b)
{
	int c = flow_proto_rank(a->proto) - flow_proto_rank(b->proto);

	if (c)
		return c;
	c = flow_addr_cmp(a->client, b->client, a->family, b->family);
	if (c)
		return c;
	c = flow_addr_cmp(a->server, b->server, a->family, b->family);
	if (c)
		return c;
	return (int)a->port - (int)b->port;
}

static int flow_row_qcmp(const void *a, const void *b)
{
	return flow_key_cmp(&((const struct flow_row *)a)->key, &((const struct flow_row *)b)->key);
}

int flow_table_lru(const struct flow_table *t, struct flow_row **rows, size_t *n)
{
	struct flow_row *v = NULL;
	uint32_t i, k = 0;

	if (t->n) {
		v = malloc((size_t)t->n * sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	for (i = t->tail; i != FLOW_NONE; i = t->rows[i].newer)
		flow_row_fill(&v[k++], &t->rows[i]);
	*rows = v;
	*n = k;
	return 0;
}

int flow_table_sorted(const struct flow_table *t, struct flow_row **rows, size_t *n)
{
	int err = flow_table_lru(t, rows, n);

	if (!err && *n)
		qsort(*rows, *n, sizeof(**rows), flow_row_qcmp);
	return err;
}

const char *flow_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		return "?";
	}
}
