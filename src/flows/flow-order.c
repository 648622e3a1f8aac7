// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The flow table read out: its rows in least-recently-seen order or sorted
 * by flow_key_cmp(), and the names and order of flow keys.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "flow-int.h"

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

/*
 * Sorting without moving rows: each row gets a 64-bit prefix of its place
 * in flow_key_cmp() order, and an LSD radix sort orders 8-byte words of
 * (prefix's leading bits, row number); rows whose leading bits tie are
 * then put in order by flow_key_cmp().  The prefix only has to be
 * monotone (a < b implies prefix(a) <= prefix(b)): rank (2 bits), family
 * (3 bits), then the leading address bits, the client's first.  Keys no
 * rule makes (another protocol or family) get a coarse prefix and are
 * ordered among themselves by the comparison alone.  Sorting a million
 * rows so costs 16 bytes per row while it runs, and leaves 4.
 */
static uint64_t flow_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static uint64_t flow_sort_prefix(const struct flow_key *k)
{
	uint64_t rank = (uint64_t)flow_proto_rank(k->proto);

	if (rank > 3)
		return UINT64_MAX;
	rank <<= 62;
	if (k->family == 4)
		return rank | 1ull << 59 | flow_be(k->client, 4) << 27 | flow_be(k->server, 4) >> 5;
	if (k->family == 6)
		return rank | 3ull << 59 | flow_be(k->client, 8) >> 5;
	/* Families below 4, 5, above 6: between or around the real ones. */
	return rank | (uint64_t)(k->family < 4 ? 0 : k->family == 5 ? 2 : 4) << 59;
}

/* Stable LSD radix sort of @n words, a byte at a time from byte @first,
 * skipping bytes every word shares.  Return: @a or @tmp, whichever holds
 * the result, or NULL. */
static uint64_t *flow_radix(uint64_t *a, uint64_t *tmp, size_t n, unsigned int first)
{
	uint32_t (*count)[256] = calloc(8, sizeof(*count));
	unsigned int d, b;
	uint64_t *swap;
	size_t i;

	if (!count)
		return NULL;
	for (i = 0; i < n; i++)
		for (d = first; d < 8; d++)
			count[d][(a[i] >> (8 * d)) & 0xff]++;
	for (d = first; d < 8; d++) {
		uint32_t *c = count[d], sum = 0, v;

		if (c[(a[0] >> (8 * d)) & 0xff] == n)
			continue;
		for (b = 0; b < 256; b++) {
			v = c[b];
			c[b] = sum;
			sum += v;
		}
		for (i = 0; i < n; i++)
			tmp[c[(a[i] >> (8 * d)) & 0xff]++] = a[i];
		swap = a;
		a = tmp;
		tmp = swap;
	}
	free(count);
	return a;
}

struct flow_sort_ctx {
	const struct flow_table *t;
	uint64_t mask;		/* the row number's bits of a word */
};

static int flow_word_cmp(const void *x, const void *y, void *ctx)
{
	const struct flow_sort_ctx *c = ctx;

	return flow_key_cmp(&c->t->rows[*(const uint64_t *)x & c->mask].key,
			    &c->t->rows[*(const uint64_t *)y & c->mask].key);
}

/* Order each run of equal leading bits by the full comparison. */
static void flow_sort_ties(struct flow_sort_ctx *c, uint64_t *v, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && (v[j] & ~c->mask) == (v[i] & ~c->mask); j++)
			;
		if (j - i > 1)
			qsort_r(v + i, j - i, sizeof(*v), flow_word_cmp, c);
	}
}

int flow_table_order(const struct flow_table *t, uint32_t **idx, size_t *n)
{
	struct flow_sort_ctx c = { .t = t };
	uint64_t *words, *tmp, *sorted;
	unsigned int bits = 1;
	uint32_t *out, row, k;

	*idx = NULL;
	*n = 0;
	if (!t->n)
		return 0;
	while (bits < 32 && (1ull << bits) < t->n)
		bits++;
	c.mask = (1ull << bits) - 1;
	words = malloc((size_t)t->n * sizeof(*words));
	tmp = malloc((size_t)t->n * sizeof(*tmp));
	if (!words || !tmp)
		goto out_free_words;
	for (k = 0; k < t->n; k++)	/* rows 0..n-1 are all in use */
		words[k] = (flow_sort_prefix(&t->rows[k].key) & ~c.mask) | k;
	sorted = flow_radix(words, tmp, t->n, bits / 8);
	if (!sorted)
		goto out_free_words;
	flow_sort_ties(&c, sorted, t->n);
	free(sorted == words ? tmp : words);
	/* Compact in place: each row number goes where its word was read
	 * from or before, never over a word not yet read. */
	out = (uint32_t *)(void *)sorted;
	for (k = 0; k < t->n; k++) {
		row = (uint32_t)(sorted[k] & c.mask);
		memcpy(&out[k], &row, sizeof(row));
	}
	*idx = realloc(out, (size_t)t->n * sizeof(*out));
	if (!*idx)
		*idx = out;
	*n = t->n;
	return 0;

out_free_words:
	free(words);
	free(tmp);
	return -ENOMEM;
}

void flow_table_row(const struct flow_table *t, uint32_t i, struct flow_row *row)
{
	flow_row_fill(row, &t->rows[i]);
}

/* Sorted order visits rows at random: ask for a few rows ahead. */
#define FLOW_ROWS_AHEAD 8

void flow_table_rows(const struct flow_table *t, const uint32_t *idx, size_t n,
		     struct flow_row *out)
{
	size_t i;

	for (i = 0; i < n && i < FLOW_ROWS_AHEAD; i++)
		__builtin_prefetch(&t->rows[idx[i]]);
	for (i = 0; i < n; i++) {
		if (i + FLOW_ROWS_AHEAD < n)
			__builtin_prefetch(&t->rows[idx[i + FLOW_ROWS_AHEAD]]);
		flow_row_fill(&out[i], &t->rows[idx[i]]);
	}
}

int flow_table_sorted(const struct flow_table *t, struct flow_row **rows, size_t *n)
{
	struct flow_row *v = NULL;
	uint32_t *idx;
	int err = flow_table_order(t, &idx, n);

	if (err)
		return err;
	if (*n) {
		v = malloc(*n * sizeof(*v));
		if (!v) {
			free(idx);
			return -ENOMEM;
		}
	}
	flow_table_rows(t, idx, *n, v);
	free(idx);
	*rows = v;
	return 0;
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
