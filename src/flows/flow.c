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
#include <sys/mman.h>

#include "flow-int.h"

#define FLOW_INITIAL_ROWS 1024u

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

/*
 * Rows and buckets are reached at random, so a large table misses the
 * TLB as well as the cache; from 2 MiB up they are asked to live on huge
 * pages (a hint: where transparent huge pages are off, nothing changes).
 */
#define FLOW_HUGE (2u << 20)

/* The index: @size bytes, 64-byte aligned, zeroed; or NULL. */
static void *flow_alloc_zeroed(size_t size)
{
	size_t align = size >= FLOW_HUGE ? FLOW_HUGE : 64;
	void *p;

	if (posix_memalign(&p, align, size))
		return NULL;
	if (align == FLOW_HUGE)
		madvise(p, size, MADV_HUGEPAGE);
	memset(p, 0, size);
	return p;
}

/*
 * The rows: an anonymous mapping of their own (page aligned, so a row is
 * one cache line), grown with mremap().  Growing moves page tables instead
 * of copying rows, and the old and new arrays never exist side by side,
 * so a table's peak is its size, not one and a half times it.
 * Return: the rows (moved, @old unmapped) or NULL (@old untouched).
 */
static struct flow_entry *flow_rows_map(struct flow_entry *old, uint32_t oldcap, uint32_t cap)
{
	size_t size = (size_t)cap * sizeof(*old);
	void *p;

	if (old)
		p = mremap(old, (size_t)oldcap * sizeof(*old), size, MREMAP_MAYMOVE);
	else
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (size >= FLOW_HUGE)
		madvise(p, size, MADV_HUGEPAGE);
	return p;
}

/* Rebuild the index with @nbuckets buckets from the tags already stored. */
static int flow_rehash(struct flow_table *t, uint32_t nbuckets)
{
	uint64_t *nb = flow_alloc_zeroed((size_t)nbuckets * sizeof(*nb));
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

/* Make room for @ncap rows; row numbers stay, so the LRU chain stays.
 * The index grows first: if the rows cannot, a larger index still serves. */
static int flow_resize(struct flow_table *t, uint32_t ncap)
{
	uint32_t nbuckets = flow_buckets_for(ncap);
	struct flow_entry *nr;

	if ((!t->buckets || nbuckets - 1 != t->mask) && flow_rehash(t, nbuckets))
		return -ENOMEM;
	nr = flow_rows_map(t->rows, t->cap, ncap);
	if (!nr)
		return -ENOMEM;
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
	if (t->rows)
		munmap(t->rows, (size_t)t->cap * sizeof(*t->rows));
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

static uint32_t flow_add_hashed(struct flow_table *t, const struct flow_key *key, uint32_t tag,
				uint64_t ts_ns)
{
	uint32_t b, row;
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

uint32_t flow_table_add(struct flow_table *t, const struct flow_key *key, uint64_t ts_ns)
{
	return flow_add_hashed(t, key, flow_hash(t, key), ts_ns);
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

/* Count @p, whose rule gave @key (hashed to @tag). */
static void flow_add_keyed(struct flow_table *t, const struct dec_packet *p,
			   const struct flow_key *key, uint32_t tag, uint64_t ts_ns)
{
	if (flow_udp_equal_ports(p)) {
		struct flow_key rev;
		uint32_t rtag;
		bool found;

		/* The conversation is the reverse one if that was seen first. */
		flow_key_set(&rev, p, true, p->sport);
		rtag = flow_hash(t, &rev);
		flow_probe(t, &rev, rtag, &found);
		if (found) {
			flow_add_hashed(t, &rev, rtag, ts_ns);
			return;
		}
	}
	flow_add_hashed(t, key, tag, ts_ns);
}

bool flow_table_add_packet(struct flow_table *t, const struct dec_packet *p, uint64_t ts_ns)
{
	struct flow_key key;

	if (!flow_key_from_packet(p, &key)) {
		t->ignored++;
		return false;
	}
	flow_add_keyed(t, p, &key, flow_hash(t, &key), ts_ns);
	return true;
}

/*
 * With more flows than the cache holds, a packet's cost is the wait for
 * its index bucket.  So a batch is taken in two passes: first every key
 * is made and hashed and its bucket requested (a prefetch), then the
 * packets are counted in order, by which time their buckets have mostly
 * arrived.  A bucket array replaced by growth in between only costs the
 * prefetch; the counting pass probes afresh.
 */
#define FLOW_BATCH 32
#define FLOW_AHEAD 8

/* Request the row the home bucket of @tag points to, if the tag matches
 * (the bucket itself was requested a while ago). */
static inline void flow_prefetch_row(const struct flow_table *t, uint32_t tag)
{
	uint64_t b = t->buckets[tag & t->mask];

	if (b && (uint32_t)(b >> 32) == tag)
		__builtin_prefetch(&t->rows[(uint32_t)b - 1]);
}

size_t flow_table_add_packets(struct flow_table *t, const struct dec_packet *p,
			      const uint64_t *ts_ns, size_t n)
{
	struct flow_key keys[FLOW_BATCH];
	uint32_t tags[FLOW_BATCH];
	bool ok[FLOW_BATCH];
	size_t done, i, m, matched = 0;

	for (done = 0; done < n; done += m, p += m, ts_ns += m) {
		m = n - done < FLOW_BATCH ? n - done : FLOW_BATCH;
		for (i = 0; i < m; i++) {
			ok[i] = flow_key_from_packet(&p[i], &keys[i]);
			if (!ok[i])
				continue;
			tags[i] = flow_hash(t, &keys[i]);
			__builtin_prefetch(&t->buckets[tags[i] & t->mask]);
		}
		for (i = 0; i < m; i++) {
			if (i + FLOW_AHEAD < m && ok[i + FLOW_AHEAD])
				flow_prefetch_row(t, tags[i + FLOW_AHEAD]);
			if (!ok[i]) {
				t->ignored++;
				continue;
			}
			flow_add_keyed(t, &p[i], &keys[i], tags[i], ts_ns[i]);
			matched++;
		}
	}
	return matched;
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
