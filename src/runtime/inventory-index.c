// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The inventory's longest-prefix lookup by hash: one probe per prefix
 * length that some entry uses, longest first, instead of a test of every
 * CIDR of every entry.  For callers that look up every flow's two ends
 * (learn, replay) in an inventory of many single-address identities.
 */

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/inventory.h"

#define NO_CAND ((size_t)-1)

/* An entry's CIDR; those of one network are chained in entry order. */
struct inv_cand {
	const struct inv_entry *e;
	struct inv_prefix p;	/* all bits past len zero */
	uint64_t hash;
	size_t next, tail;	/* the chain's next; the head keeps its last */
};

struct inv_index {
	const struct inv *inv;	/* borrowed */
	struct inv_cand *c;
	size_t n;
	size_t *slot;		/* chain heads, NO_CAND: empty */
	size_t mask;
	bool lens[2][129];	/* [v6][len]: some CIDR has that length */
};

static struct inv_prefix prefix_trunc(const struct id_addr *a, unsigned int len)
{
	struct inv_prefix p = { .addr = *a, .len = len };
	unsigned int full = len / 8;

	if (full < 16) {
		p.addr.a[full] &= (uint8_t)(0xff00 >> (len % 8));
		memset(p.addr.a + full + 1, 0, 15 - full);
	}
	return p;
}

static uint64_t prefix_hash(const struct inv_prefix *p)
{
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned char k[18];

	k[0] = p->addr.family == AF_INET6;
	k[1] = (unsigned char)p->len;
	memcpy(k + 2, p->addr.a, 16);
	for (size_t i = 0; i < sizeof(k); i++) {
		h ^= k[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static bool prefix_eq(const struct inv_prefix *x, const struct inv_prefix *y)
{
	return x->addr.family == y->addr.family && x->len == y->len &&
	       !memcmp(x->addr.a, y->addr.a, 16);
}

/* The slot of @p's chain: its head, or the empty slot it would take. */
static size_t slot_find(const struct inv_index *ix, const struct inv_prefix *p, uint64_t h)
{
	size_t s;

	for (s = h & ix->mask; ix->slot[s] != NO_CAND; s = (s + 1) & ix->mask)
		if (ix->c[ix->slot[s]].hash == h && prefix_eq(&ix->c[ix->slot[s]].p, p))
			break;
	return s;
}

static void cand_add(struct inv_index *ix, const struct inv_entry *e, const struct inv_prefix *p)
{
	struct inv_cand *c = &ix->c[ix->n];
	size_t s, head;

	c->e = e;
	c->p = prefix_trunc(&p->addr, p->len);
	c->hash = prefix_hash(&c->p);
	c->next = NO_CAND;
	c->tail = ix->n;
	ix->lens[p->addr.family == AF_INET6][p->len] = true;
	s = slot_find(ix, &c->p, c->hash);
	head = ix->slot[s];
	if (head == NO_CAND) {
		ix->slot[s] = ix->n;
	} else {
		ix->c[ix->c[head].tail].next = ix->n;
		ix->c[head].tail = ix->n;
	}
	ix->n++;
}

struct inv_index *inv_index_new(const struct inv *inv)
{
	struct inv_index *ix = calloc(1, sizeof(*ix));
	size_t n = 0, cap = 16;

	if (!ix)
		return NULL;
	for (size_t i = 0; i < inv->n; i++)
		n += inv->v[i].n_cidrs;
	while (cap < 2 * n)
		cap *= 2;
	ix->c = calloc(n + 1, sizeof(*ix->c));
	ix->slot = malloc(cap * sizeof(*ix->slot));
	if (!ix->c || !ix->slot) {
		inv_index_free(ix);
		errno = ENOMEM;
		return NULL;
	}
	memset(ix->slot, 0xff, cap * sizeof(*ix->slot));	/* NO_CAND */
	ix->inv = inv;
	ix->mask = cap - 1;
	for (size_t i = 0; i < inv->n; i++)
		for (size_t j = 0; j < inv->v[i].n_cidrs; j++)
			if (inv->v[i].cidrs[j].len <= 128)
				cand_add(ix, &inv->v[i], &inv->v[i].cidrs[j]);
	return ix;
}

const struct inv *inv_index_inventory(const struct inv_index *ix)
{
	return ix->inv;
}

void inv_index_free(struct inv_index *ix)
{
	if (!ix)
		return;
	free(ix->c);
	free(ix->slot);
	free(ix);
}

static bool excepted(const struct inv_entry *e, const struct id_addr *a)
{
	for (size_t k = 0; k < e->n_except; k++)
		if (inv_prefix_contains(&e->except[k], a))
			return true;
	return false;
}

const struct inv_entry *inv_index_lookup(const struct inv_index *ix, const struct id_addr *a,
					 unsigned int *len_out)
{
	int v6 = a->family == AF_INET6;

	if (a->family != AF_INET && !v6)
		return NULL;
	for (int len = v6 ? 128 : 32; len >= 0; len--) {
		struct inv_prefix p;
		size_t s;

		if (!ix->lens[v6][len])
			continue;
		p = prefix_trunc(a, (unsigned int)len);
		s = slot_find(ix, &p, prefix_hash(&p));
		for (size_t c = ix->slot[s]; c != NO_CAND; c = ix->c[c].next)
			if (!excepted(ix->c[c].e, a)) {
				if (len_out)
					*len_out = (unsigned int)len;
				return ix->c[c].e;
			}
	}
	return NULL;
}
