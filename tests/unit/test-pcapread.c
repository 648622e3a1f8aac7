// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit tests: pcapread.c reads classic pcap files exactly as libpcap does
 * (libpcap is the witness, through pcapdiff.h): every byte order and
 * timestamp resolution, the three link types, records cut to the snapshot
 * length, records across its 1 MiB buffer, every kind of damage, and a few
 * thousand mutated files.  Files it must leave to libpcap are declined.
 */

#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "pcapdiff.h"

struct img {
	uint8_t *b;
	size_t n, cap;
};

static void put(struct img *m, const void *p, size_t n)
{
	if (m->n + n > m->cap) {
		m->cap = (m->n + n) * 2;
		m->b = realloc(m->b, m->cap);
		if (!m->b)
			abort();
	}
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void put32(struct img *m, uint32_t v, bool be)
{
	if (be)
		v = __builtin_bswap32(v);
	put(m, &v, 4);
}

static void put16(struct img *m, uint16_t v, bool be)
{
	if (be)
		v = __builtin_bswap16(v);
	put(m, &v, 2);
}

static void file_header(struct img *m, bool be, bool nsec, uint16_t vmin, uint32_t snaplen,
			uint32_t linktype)
{
	put32(m, nsec ? 0xa1b23c4d : 0xa1b2c3d4, be);
	put16(m, 2, be);
	put16(m, vmin, be);
	put32(m, 0, be);
	put32(m, 0, be);
	put32(m, snaplen, be);
	put32(m, linktype, be);
}

/* A TCP SYN over Ethernet (or an SLL/SLL2 header of the same length
 * class), padded to @caplen with a pattern. */
static void record(struct img *m, bool be, uint32_t sec, uint32_t frac, uint32_t caplen,
		   uint32_t len)
{
	static const uint8_t syn[] = {
		0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
		0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0,
	};
	uint32_t i;

	put32(m, sec, be);
	put32(m, frac, be);
	put32(m, caplen, be);
	put32(m, len, be);
	for (i = 0; i < caplen; i++) {
		uint8_t c = i < sizeof(syn) ? syn[i] : (uint8_t)(i * 7 + caplen);

		put(m, &c, 1);
	}
}

static int check(const struct img *m, const char *what, int want)
{
	char why[256];
	size_t records;
	int rc = pcapdiff(m->b, m->n, why, sizeof(why), &records);

	if (!tap_ok(rc == want, "%s (%zu records)", what, records))
		printf("#   got %d: %s\n", rc, rc < 0 ? why : "");
	return rc;
}

static void test_variants(void)
{
	static const uint32_t links[] = { 1, 113, 276 };
	int be, nsec, l, bad = 0, runs = 0;

	for (be = 0; be < 2; be++)
		for (nsec = 0; nsec < 2; nsec++)
			for (l = 0; l < 3; l++) {
				struct img m = { 0 };
				char why[256];
				size_t rec;

				file_header(&m, be, nsec, 4, 65535, links[l]);
				record(&m, be, 1700000000, 123456, 54, 54);
				record(&m, be, 1700000001, nsec ? 999999999 : 999999, 60, 1514);
				record(&m, be, 0xffffffffu, 0x80000000u, 0, 0);	/* negative */
				record(&m, be, 5, 7, 1, 100);
				runs++;
				if (pcapdiff(m.b, m.n, why, sizeof(why), &rec) != 1 || rec != 4) {
					printf("# be %d nsec %d link %u: %s\n", be, nsec, links[l], why);
					bad++;
				}
				free(m.b);
			}
	tap_is_int(bad, 0, "byte orders x resolutions x link types (%d files) read as libpcap does",
		   runs);
}

static void test_damage(void)
{
	struct img m = { 0 }, t;
	size_t cut;
	int bad = 0;

	file_header(&m, false, false, 4, 65535, 1);
	check(&m, "a header and no records", 1);
	record(&m, false, 1, 2, 54, 54);
	record(&m, false, 3, 4, 300, 300);
	/* Cut at every length: in the record header, in the data, between. */
	for (cut = 24; cut <= m.n; cut++) {
		char why[256];
		size_t rec;

		t = m;
		t.n = cut;
		bad += pcapdiff(t.b, t.n, why, sizeof(why), &rec) != 1;
	}
	tap_is_int(bad, 0, "the file cut at each of its %zu lengths: same records, same end",
		   m.n - 23);
	free(m.b);

	m = (struct img){ 0 };
	file_header(&m, false, false, 4, 64, 1);
	record(&m, false, 1, 2, 100, 100);	/* past the snapshot: cut to 64 */
	record(&m, false, 1, 3, 54, 54);
	check(&m, "records longer than the snapshot length are cut to it", 1);
	free(m.b);

	m = (struct img){ 0 };
	file_header(&m, true, true, 4, 0, 113);	/* 0: the maximum */
	record(&m, true, 1, 2, 54, 54);
	put32(&m, 1, true);
	put32(&m, 1, true);
	put32(&m, PCR_MAX_SNAPLEN + 1, true);	/* insane length: an error */
	put32(&m, 60, true);
	check(&m, "a capture length past the maximum is damage", 1);
	free(m.b);

	m = (struct img){ 0 };
	file_header(&m, false, false, 4, 0x80000000u, 276);	/* > INT_MAX */
	record(&m, false, 9, 9, 54, 54);
	check(&m, "a snapshot length past INT_MAX means the maximum", 1);
	free(m.b);
}

static void test_declined(void)
{
	struct img m = { 0 };

	file_header(&m, false, false, 3, 65535, 1);
	record(&m, false, 1, 2, 54, 54);
	check(&m, "version 2.3 (lengths maybe swapped) is left to libpcap", 0);
	free(m.b);

	m = (struct img){ 0 };
	file_header(&m, false, false, 4, 65535, 1 | 0x10000000u);	/* FCS bits */
	check(&m, "a link type with extra bits is left to libpcap", 0);
	free(m.b);

	m = (struct img){ 0 };
	file_header(&m, false, false, 4, 65535, 101);
	check(&m, "another link type is left to libpcap", 0);
	free(m.b);

	m = (struct img){ 0 };
	put32(&m, 0x0a0d0d0a, false);	/* pcapng */
	put32(&m, 28, false);
	put32(&m, 0x1a2b3c4d, false);
	put32(&m, 0, false);
	put32(&m, 0, false);
	put32(&m, 0, false);
	check(&m, "pcapng is left to libpcap", 0);
	m.n = 10;
	check(&m, "a file shorter than a header is left to libpcap", 0);
	free(m.b);
}

/* More than the reader's 1 MiB buffer, records of every size up to the
 * maximum, so records straddle the buffer's end at many offsets. */
static void test_large(void)
{
	struct img m = { 0 };
	uint32_t i, len = 1;

	file_header(&m, false, true, 4, 0, 1);
	for (i = 0; m.n < (5u << 20); i++) {
		record(&m, false, i, i * 1000, len, len);
		len = len * 3 + 17;
		if (len > PCR_MAX_SNAPLEN)
			len = len % 4096;
	}
	record(&m, false, i, 0, PCR_MAX_SNAPLEN, PCR_MAX_SNAPLEN);
	check(&m, "5 MiB of records up to the maximum length, across buffer refills", 1);
	free(m.b);
}

static uint64_t rnd_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Mutations of a small valid file: bytes overwritten (lengths lie,
 * timestamps go anywhere), the file cut, a header field set to an edge. */
static void test_mutations(void)
{
	static const uint32_t edges[] = { 0, 1, 53, 54, 64, 65535, PCR_MAX_SNAPLEN,
					  PCR_MAX_SNAPLEN + 1, 0x7fffffff, 0x80000000u, 0xffffffffu };
	struct img bases[4] = { { 0 } };
	int i, bad = 0, read = 0, k, v;

	for (v = 0; v < 4; v++) {	/* both byte orders, both resolutions */
		file_header(&bases[v], v & 1, v & 2, 4, 200, v == 3 ? 276 : 1);
		for (k = 0; k < 6; k++)
			record(&bases[v], v & 1, 1000 + k, 10 * k, 40 + 20 * k, 60 + 20 * k);
	}
	for (i = 0; i < 3000; i++) {
		const struct img base = bases[i % 4];
		struct img m = { malloc(base.n), base.n, base.n };
		char why[256];
		size_t rec;
		int rc, j, n = 1 + (int)(rnd() % 4);

		memcpy(m.b, base.b, base.n);
		for (j = 0; j < n; j++) {
			size_t at = 24 + rnd() % (base.n - 24);
			uint32_t e = edges[rnd() % (sizeof(edges) / sizeof(edges[0]))];

			if (rnd() % 2 && at + 4 <= m.n)
				memcpy(m.b + at, &e, 4);
			else
				m.b[at] = (uint8_t)rnd();
		}
		if (rnd() % 3 == 0)
			m.n = 24 + rnd() % (m.n - 23);
		rc = pcapdiff(m.b, m.n, why, sizeof(why), &rec);
		if (rc < 0 && bad++ < 3)
			printf("# mutation %d: %s\n", i, why);
		read += rc == 1;
		free(m.b);
	}
	tap_is_int(bad, 0, "3000 mutated files: pcapread and libpcap agree on every one");
	tap_ok(read == 3000, "and pcapread read all of them itself (%d)", read);
	for (v = 0; v < 4; v++)
		free(bases[v].b);
}

int main(void)
{
	test_variants();
	test_damage();
	test_declined();
	test_large();
	test_mutations();
	return tap_done();
}
