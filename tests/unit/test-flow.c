// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for the flow table: the direction rules, equal-port UDP,
 * multicast, counts, eviction order and the bound under a flood. */

#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zonewall/flow.h"
#include "tap.h"

static struct dec_packet pkt(uint8_t proto, const char *src, uint16_t sport,
			     const char *dst, uint16_t dport)
{
	struct dec_packet p = { .proto = proto, .sport = sport, .dport = dport };

	p.family = strchr(src, ':') ? 6 : 4;
	inet_pton(p.family == 6 ? AF_INET6 : AF_INET, src, p.src);
	inet_pton(p.family == 6 ? AF_INET6 : AF_INET, dst, p.dst);
	return p;
}

static struct flow_key key(uint8_t proto, const char *client, const char *server,
			   uint16_t port)
{
	struct flow_key k = { .proto = proto, .port = port };

	k.family = strchr(client, ':') ? 6 : 4;
	inet_pton(k.family == 6 ? AF_INET6 : AF_INET, client, k.client);
	inet_pton(k.family == 6 ? AF_INET6 : AF_INET, server, k.server);
	return k;
}

static bool has(struct flow_table *t, uint8_t proto, const char *c, const char *s,
		uint16_t port, uint32_t packets)
{
	struct flow_key k = key(proto, c, s, port);
	struct flow_row r;

	return flow_table_lookup(t, &k, &r) && r.packets == packets;
}

static size_t nflows(struct flow_table *t)
{
	struct flow_stats st;

	flow_table_stats(t, &st);
	return st.flows;
}

static void test_tcp(void)
{
	struct flow_table *t = flow_table_new(16, 1);
	struct dec_packet p = pkt(IPPROTO_TCP, "10.0.0.1", 40000, "10.0.0.2", 80);

	p.tcp_flags = 0x02;	/* SYN */
	tap_ok(flow_table_add_packet(t, &p, 100), "TCP SYN matches");
	p = pkt(IPPROTO_TCP, "10.0.0.2", 80, "10.0.0.1", 40000);
	p.tcp_flags = 0x12;	/* SYN+ACK */
	tap_ok(flow_table_add_packet(t, &p, 200), "TCP SYN+ACK matches");
	tap_ok(has(t, IPPROTO_TCP, "10.0.0.1", "10.0.0.2", 80, 2),
	       "SYN and SYN+ACK count into one flow client -> server:80");
	p.tcp_flags = 0x10;	/* ACK */
	tap_ok(!flow_table_add_packet(t, &p, 300), "a plain ACK starts nothing");
	p.tcp_flags = 0x11;	/* FIN+ACK */
	tap_ok(!flow_table_add_packet(t, &p, 300), "FIN starts nothing");
	tap_is_int(nflows(t), 1, "still one flow");

	/* A capture started mid-handshake learns from the SYN+ACK alone. */
	p = pkt(IPPROTO_TCP, "fd00::5", 443, "fd00::9", 51000);
	p.tcp_flags = 0x12;
	flow_table_add_packet(t, &p, 400);
	tap_ok(has(t, IPPROTO_TCP, "fd00::9", "fd00::5", 443, 1),
	       "SYN+ACK alone gives the reversed flow (IPv6)");
	flow_table_free(t);
}

static void test_udp(void)
{
	struct flow_table *t = flow_table_new(16, 2);
	struct dec_packet p;

	p = pkt(IPPROTO_UDP, "10.0.0.1", 53000, "10.0.0.53", 53);
	flow_table_add_packet(t, &p, 1);
	p = pkt(IPPROTO_UDP, "10.0.0.53", 53, "10.0.0.1", 53000);
	flow_table_add_packet(t, &p, 2);
	tap_ok(has(t, IPPROTO_UDP, "10.0.0.1", "10.0.0.53", 53, 2),
	       "UDP: the lower port's end is the server, both directions count");

	/* The reply arriving first still gives the same direction. */
	p = pkt(IPPROTO_UDP, "10.0.0.54", 53, "10.0.0.2", 41000);
	flow_table_add_packet(t, &p, 3);
	tap_ok(has(t, IPPROTO_UDP, "10.0.0.2", "10.0.0.54", 53, 1),
	       "UDP: reply seen first, lower port still the server");

	/* Equal ports: the destination of the first packet is the server. */
	p = pkt(IPPROTO_UDP, "192.0.2.9", 123, "192.0.2.1", 123);
	flow_table_add_packet(t, &p, 4);
	p = pkt(IPPROTO_UDP, "192.0.2.1", 123, "192.0.2.9", 123);
	flow_table_add_packet(t, &p, 5);
	flow_table_add_packet(t, &p, 6);
	tap_ok(has(t, IPPROTO_UDP, "192.0.2.9", "192.0.2.1", 123, 3),
	       "UDP equal ports: first packet's destination is the server");
	tap_ok(!has(t, IPPROTO_UDP, "192.0.2.1", "192.0.2.9", 123, 2),
	       "UDP equal ports: no reversed duplicate");

	/* Multicast and broadcast ends are the server, whatever the ports. */
	p = pkt(IPPROTO_UDP, "10.0.0.7", 5353, "224.0.0.251", 5353);
	flow_table_add_packet(t, &p, 7);
	tap_ok(has(t, IPPROTO_UDP, "10.0.0.7", "224.0.0.251", 5353, 1), "UDP to 224/4");
	p = pkt(IPPROTO_UDP, "fe80::1", 547, "ff02::1:2", 546);
	flow_table_add_packet(t, &p, 8);
	tap_ok(has(t, IPPROTO_UDP, "fe80::1", "ff02::1:2", 546, 1),
	       "UDP to ff00::/8 is the server even with the higher port");
	p = pkt(IPPROTO_UDP, "0.0.0.0", 68, "255.255.255.255", 67);
	flow_table_add_packet(t, &p, 9);
	tap_ok(has(t, IPPROTO_UDP, "0.0.0.0", "255.255.255.255", 67, 1),
	       "UDP to 255.255.255.255");
	p = pkt(IPPROTO_UDP, "224.0.0.1", 9, "239.1.1.1", 10);
	flow_table_add_packet(t, &p, 10);
	tap_ok(has(t, IPPROTO_UDP, "239.1.1.1", "224.0.0.1", 9, 1),
	       "UDP with two multicast ends falls back to the lower port");
	flow_table_free(t);
}

static void test_icmp(void)
{
	struct flow_table *t = flow_table_new(16, 3);
	struct dec_packet p = pkt(IPPROTO_ICMP, "10.1.0.1", 0, "10.1.0.2", 0);

	p.icmp_type = 8;
	tap_ok(flow_table_add_packet(t, &p, 1), "ICMP echo request matches");
	p = pkt(IPPROTO_ICMP, "10.1.0.2", 0, "10.1.0.1", 0);
	p.icmp_type = 0;
	tap_ok(!flow_table_add_packet(t, &p, 2), "ICMP echo reply does not");
	p.icmp_type = 3;
	tap_ok(!flow_table_add_packet(t, &p, 2), "ICMP unreachable does not");
	p = pkt(IPPROTO_ICMPV6, "fd00::1", 0, "fd00::2", 0);
	p.icmp_type = 128;
	flow_table_add_packet(t, &p, 3);
	p.icmp_type = 135;	/* neighbour solicitation */
	tap_ok(!flow_table_add_packet(t, &p, 4), "ICMPv6 neighbour discovery does not");
	tap_ok(has(t, IPPROTO_ICMP, "10.1.0.1", "10.1.0.2", 8, 1), "icmp flow, port 8");
	tap_ok(has(t, IPPROTO_ICMPV6, "fd00::1", "fd00::2", 128, 1), "icmpv6 flow, port 128");
	flow_table_free(t);
}

static void test_times_and_sort(void)
{
	struct flow_table *t = flow_table_new(16, 4);
	struct flow_key a = key(IPPROTO_UDP, "10.0.0.2", "10.0.0.1", 53);
	struct flow_key b = key(IPPROTO_TCP, "10.0.0.9", "10.0.0.1", 80);
	struct flow_key c = key(IPPROTO_ICMP, "10.0.0.9", "10.0.0.1", 8);
	struct flow_key d = key(IPPROTO_TCP, "10.0.0.10", "10.0.0.1", 80);
	struct flow_row *rows;
	size_t n;

	flow_table_add(t, &a, 500);
	flow_table_add(t, &a, 300);	/* out of order: first_seen moves back */
	flow_table_add(t, &a, 900);
	flow_table_add(t, &b, 1);
	flow_table_add(t, &c, 1);
	flow_table_add(t, &d, 1);
	tap_ok(!flow_table_sorted(t, &rows, &n) && n == 4, "sorted gives every row");
	tap_ok(rows[0].key.proto == IPPROTO_ICMP && rows[1].key.proto == IPPROTO_TCP &&
	       rows[3].key.proto == IPPROTO_UDP, "sorted by proto name");
	tap_ok(rows[1].key.client[3] == 9 && rows[2].key.client[3] == 10,
	       "addresses sort numerically (10.0.0.9 before 10.0.0.10)");
	tap_ok(rows[3].first_seen == 300 && rows[3].last_seen == 900 && rows[3].packets == 3,
	       "first/last seen are the min/max timestamps, packets counted");
	free(rows);
	flow_table_free(t);
}

static struct flow_key nth(uint32_t i)
{
	struct flow_key k = { .proto = IPPROTO_TCP, .family = 4, .port = 80 };

	k.client[0] = 10;
	k.client[1] = (uint8_t)(i >> 16);
	k.client[2] = (uint8_t)(i >> 8);
	k.client[3] = (uint8_t)i;
	k.server[0] = 192;
	return k;
}

static void test_eviction(void)
{
	struct flow_table *t = flow_table_new(4, 5);
	struct flow_key k;
	struct flow_stats st;
	struct flow_row *rows;
	size_t n;
	uint32_t i;

	for (i = 0; i < 4; i++) {
		k = nth(i);
		flow_table_add(t, &k, i);
	}
	k = nth(0);
	flow_table_add(t, &k, 10);	/* 0 is now the most recently seen */
	k = nth(4);
	flow_table_add(t, &k, 11);	/* evicts 1, the least recently seen */
	k = nth(1);
	tap_ok(!flow_table_lookup(t, &k, &(struct flow_row){ 0 }), "least recently seen evicted");
	k = nth(0);
	tap_ok(flow_table_lookup(t, &k, &(struct flow_row){ 0 }), "recently seen one kept");
	flow_table_stats(t, &st);
	tap_is_int(st.evictions, 1, "one eviction counted");
	tap_is_int(st.flows, 4, "table stays at its bound");
	flow_table_lru(t, &rows, &n);
	tap_ok(n == 4 && rows[0].key.client[3] == 2 && rows[1].key.client[3] == 3 &&
	       rows[2].key.client[3] == 0 && rows[3].key.client[3] == 4,
	       "LRU order: 2, 3, 0, 4");
	free(rows);
	flow_table_free(t);
}

/* A flood of random sources: memory stops at the bound, every lookup of
 * a row still present works after millions of evictions. */
static void test_flood(void)
{
	const uint32_t bound = 50000;
	struct flow_table *t = flow_table_new(bound, 6);
	struct flow_stats st;
	size_t bytes_at_bound = 0;
	uint64_t x = 88172645463325252ull;
	uint32_t i, missing = 0;
	struct flow_key k;

	for (i = 0; i < 2000000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		k = nth((uint32_t)x);
		k.server[1] = (uint8_t)(x >> 32);
		k.port = (uint16_t)(x >> 40);
		flow_table_add(t, &k, i);
		if (i == bound) {
			flow_table_stats(t, &st);
			bytes_at_bound = st.bytes;
		}
	}
	flow_table_stats(t, &st);
	tap_is_int(st.flows, bound, "flood: flows stay at the bound");
	tap_is_int(st.bytes, bytes_at_bound, "flood: memory does not grow past the bound");
	tap_ok(st.bytes <= (size_t)bound * 110, "flood: %zu bytes for %u flows (<= 110 B/flow)",
	       st.bytes, bound);
	tap_ok(st.evictions >= 2000000 - bound - 100, "flood: evictions counted (%llu)",
	       (unsigned long long)st.evictions);
	/* The last `bound` distinct keys are all still reachable. */
	{
		struct flow_row *rows;
		size_t n, j;

		flow_table_lru(t, &rows, &n);
		for (j = 0; j < n; j++)
			if (!flow_table_lookup(t, &rows[j].key, &(struct flow_row){ 0 }))
				missing++;
		free(rows);
	}
	tap_is_int(missing, 0, "flood: every row in the LRU chain is found by lookup");
	flow_table_free(t);
}

static uint64_t order_rnd = 88172645463325252ull;

static uint32_t order_next(void)
{
	order_rnd ^= order_rnd << 13;
	order_rnd ^= order_rnd >> 7;
	order_rnd ^= order_rnd << 17;
	return (uint32_t)order_rnd;
}

/* A key from a small alphabet, so prefixes tie often: few clients, one
 * server network, both families, the four protocols and a few others. */
static struct flow_key order_key(void)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP,
					  IPPROTO_ICMPV6, 47, 132 };
	static const uint8_t families[] = { 4, 4, 4, 6, 6, 0, 5, 9 };
	struct flow_key k = { 0 };
	uint32_t r = order_next();

	k.proto = protos[r % 6];
	k.family = families[(r >> 3) % 8];
	k.client[0] = 10;
	k.client[3] = (uint8_t)(r >> 6 & 7);
	k.server[0] = 172;
	k.server[3] = (uint8_t)(r >> 9);
	if (k.family != 4) {
		k.client[15] = (uint8_t)(r >> 17 & 3);
		k.server[12] = (uint8_t)(r >> 19 & 1);
	}
	k.port = (uint16_t)(r >> 20 & 7);
	return k;
}

static int order_qcmp(const void *a, const void *b)
{
	return flow_key_cmp(&((const struct flow_row *)a)->key, &((const struct flow_row *)b)->key);
}

/* flow_table_order() (radix sort on prefixes, ties by comparison) against
 * qsort() with flow_key_cmp() alone. */
static void test_order(void)
{
	struct flow_table *t = flow_table_new(4096, 7);
	struct flow_row *want = NULL;
	uint32_t *idx = NULL, i;
	size_t n = 0, nw = 0;
	bool same = true;

	tap_ok(!flow_table_order(t, &idx, &n) && n == 0 && !idx, "order of an empty table");
	for (i = 0; i < 20000; i++) {
		struct flow_key k = order_key();

		flow_table_add(t, &k, i);
	}
	tap_ok(!flow_table_lru(t, &want, &nw), "order: rows copied");
	qsort(want, nw, sizeof(*want), order_qcmp);
	same = !flow_table_order(t, &idx, &n);
	tap_ok(same && n == nw && n > 1000, "order gives every row (%zu)", nw);
	for (i = 0; same && i < n; i++) {
		struct flow_row r;

		flow_table_row(t, idx[i], &r);
		same = !flow_key_cmp(&r.key, &want[i].key) && r.packets == want[i].packets;
	}
	tap_ok(same, "order agrees with qsort by flow_key_cmp");
	free(idx);
	free(want);
	flow_table_free(t);
}

/* A random packet from a small world: few hosts and ports (so flows repeat
 * and UDP ports are often equal), some multicast, every protocol and TCP
 * flag combination, both families. */
static struct dec_packet batch_packet(void)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP,
					  IPPROTO_ICMPV6 };
	static const uint16_t ports[] = { 53, 80, 123, 40000, 40001 };
	struct dec_packet p = { 0 };
	uint32_t r = order_next();

	p.proto = protos[r & 3];
	p.family = (r >> 2) % 5 == 0 ? 6 : 4;
	p.src[0] = (r >> 5) % 7 == 0 ? (p.family == 6 ? 0xff : 224) : 10;
	p.src[3] = (uint8_t)((r >> 8) & 15);
	p.dst[0] = 10;
	p.dst[3] = (uint8_t)((r >> 12) & 15);
	p.sport = ports[(r >> 16) % 5];
	p.dport = ports[(r >> 19) % 5];
	p.tcp_flags = (uint8_t)((r >> 22) & 0x12);
	p.icmp_type = (r >> 24) & 1 ? (p.family == 6 ? 128 : 8) : 0;
	return p;
}

/* flow_table_add_packets() gives what flow_table_add_packet() one at a
 * time gives: the same rows, counts, times, LRU order and counters, with
 * growth and eviction (a small bound) happening inside batches. */
static void test_batch(void)
{
	struct flow_table *one = flow_table_new(300, 3), *many = flow_table_new(300, 3);
	static struct dec_packet p[5000];
	static uint64_t ts[5000];
	struct flow_row *ra = NULL, *rb = NULL;
	struct flow_stats sa, sb;
	size_t na, nb, i, matched = 0, done;

	for (i = 0; i < 5000; i++) {
		p[i] = batch_packet();
		ts[i] = 1000 + (i * 7919) % 5000;	/* not in order */
		matched += flow_table_add_packet(one, &p[i], ts[i]);
	}
	for (done = 0, i = 1; done < 5000; done += i, i = i * 3 % 97 + 1) {
		size_t n = 5000 - done < i ? 5000 - done : i;

		matched -= flow_table_add_packets(many, p + done, ts + done, n);
	}
	tap_is_int(matched, 0, "batch: as many packets matched");
	flow_table_stats(one, &sa);
	flow_table_stats(many, &sb);
	tap_ok(sa.flows == sb.flows && sa.packets == sb.packets && sa.ignored == sb.ignored &&
	       sa.evictions == sb.evictions && sa.evictions > 0,
	       "batch: same counters (%zu flows, %llu evictions)", sa.flows,
	       (unsigned long long)sa.evictions);
	tap_ok(!flow_table_lru(one, &ra, &na) && !flow_table_lru(many, &rb, &nb) && na == nb &&
	       !memcmp(ra, rb, na * sizeof(*ra)), "batch: same rows in the same LRU order");
	free(ra);
	free(rb);
	flow_table_free(one);
	flow_table_free(many);
}

int main(void)
{
	test_tcp();
	test_udp();
	test_icmp();
	test_times_and_sort();
	test_eviction();
	test_flood();
	test_order();
	test_batch();
	tap_ok(flow_table_new(FLOW_MAX_LIMIT + 1ull, 0) == NULL, "bound past the limit refused");
	return tap_done();
}
