// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * gen-flows: write a synthetic pcap (microseconds, little-endian,
 * Ethernet) of small packets for tests/bench/flows.  Not part of the
 * build; the benchmark script compiles it into /tmp.
 *
 * Usage: gen-flows FILE CONNECTIONS [PACKETS-PER-CONNECTION [syn|CLIENTS]]
 *
 * By default each connection has its own client address (10.0.0.0/8),
 * so every connection is a distinct flow and the table works at full
 * size; with CLIENTS, connections come from that many client hosts, each
 * using 4 services (the flow key has no client port, so repeated
 * connections share a flow: about 4 x CLIENTS flows).  One in
 * ten connections is a UDP exchange (a lookup per packet, the expensive
 * case); the rest are TCP: SYN, SYN+ACK, ACK, data both ways, FIN.
 * Connections are interleaved in blocks of 2048, as on a busy host.
 * With "syn", every packet is a SYN from a new source: the table-flood case.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 2048

static const uint16_t server_ports[] = { 80, 443, 5432, 6379, 8080, 9092, 53, 3306 };

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

struct conn {
	uint32_t client, server;
	uint16_t cport, sport;
	int udp;
};

/* One frame of @c at @step: 0 SYN, 1 SYN+ACK, then alternating data. */
static size_t frame(uint8_t *f, const struct conn *c, int step, int steps)
{
	int from_client = step == 1 ? 0 : step % 2 == 0;
	size_t l4 = c->udp ? 8 : 20, payload = step < 3 ? 0 : 6, iplen = 20 + l4 + payload;
	uint8_t *ip = f + 14, *t = ip + 20;

	memset(f, 0, 14 + iplen);
	memcpy(f, from_client ? "\x02\0\0\0\0\x02" : "\x02\0\0\0\0\x01", 6);
	memcpy(f + 6, from_client ? "\x02\0\0\0\0\x01" : "\x02\0\0\0\0\x02", 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)iplen);
	ip[8] = 64;
	ip[9] = c->udp ? 17 : 6;
	put32(ip + 12, from_client ? c->client : c->server);
	put32(ip + 16, from_client ? c->server : c->client);
	put16(ip + 10, csum(ip, 20));
	put16(t, from_client ? c->cport : c->sport);
	put16(t + 2, from_client ? c->sport : c->cport);
	if (c->udp) {
		put16(t + 4, (uint16_t)(8 + payload));
	} else {
		put32(t + 4, 1000 + step);
		put32(t + 8, step ? 2000 + step : 0);
		t[12] = 5 << 4;
		t[13] = step == 0 ? 0x02 : step == 1 ? 0x12 : step >= steps - 2 ? 0x11 : 0x18;
		put16(t + 14, 65535);
	}
	return 14 + iplen;
}

static void record(FILE *out, uint64_t us, const uint8_t *f, size_t n)
{
	uint32_t h[4] = { (uint32_t)(us / 1000000), (uint32_t)(us % 1000000),
			  (uint32_t)n, (uint32_t)n };

	fwrite(h, sizeof(h), 1, out);
	fwrite(f, n, 1, out);
}

int main(int argc, char **argv)
{
	uint32_t gh[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 262144, 1 };
	uint64_t us = 1700000000ull * 1000000, npk = 0;
	long nconn, steps, b, i;
	long nclients = 0;
	int syn_flood;
	struct conn *cs;
	uint8_t f[128];
	FILE *out;

	if (argc < 3) {
		fprintf(stderr, "usage: gen-flows FILE CONNECTIONS [PACKETS-PER-CONNECTION [syn|CLIENTS]]\n");
		return 2;
	}
	nconn = atol(argv[2]);
	steps = argc > 3 ? atol(argv[3]) : 13;
	syn_flood = argc > 4 && !strcmp(argv[4], "syn");
	if (argc > 4 && !syn_flood)
		nclients = atol(argv[4]);
	if (syn_flood)
		steps = 1;
	out = fopen(argv[1], "wb");
	cs = calloc(BLOCK, sizeof(*cs));
	if (!out || !cs || nconn < 1 || steps < 1)
		return 1;
	fwrite(gh, sizeof(gh), 1, out);
	for (b = 0; b < nconn; b += BLOCK) {
		long n = nconn - b < BLOCK ? nconn - b : BLOCK;
		int s;

		for (i = 0; i < n; i++) {
			long k = b + i;

			/* With a client pool, each client uses 4 services. */
			long svc = nclients ? (k % nclients) * 4 + (k / nclients) % 4 : k;

			cs[i].client = 0x0a000000u | (uint32_t)((nclients ? k % nclients : k) + 1);
			cs[i].server = 0xac100000u | (uint32_t)((uint64_t)svc * 2654435761u % 512);
			cs[i].cport = (uint16_t)(32768 + k % 28000);
			cs[i].sport = server_ports[svc % 8];
			cs[i].udp = !syn_flood && k % 10 == 9;
		}
		for (s = 0; s < steps; s++) {
			for (i = 0; i < n; i++) {
				record(out, us, f, frame(f, &cs[i], s, (int)steps));
				us += 3;
				npk++;
			}
		}
	}
	free(cs);
	if (fclose(out))
		return 1;
	fprintf(stderr, "gen-flows: %s: %llu packets, %ld connections\n", argv[1],
		(unsigned long long)npk, nconn);
	return 0;
}
