/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_FLOW_H
#define ZONEWALL_FLOW_H

/*
 * The learner's flow table: which client talked to which server on which
 * port, how often and when.  Pure (no I/O); bounded: it holds at most
 * max_flows rows and, when full, evicts the least recently seen one.
 *
 * Memory: one 64-byte row (one cache line) per flow plus an index of
 * 8-byte buckets, a power of two at most 75% full, so 80..107 bytes per
 * flow.  Rows and buckets grow by doubling up to the bound, so a short
 * capture never pays for a million-row table, and a flood of random
 * sources never grows memory past the bound.
 *
 * Which packets make a flow (the README's contract):
 * - TCP: SYN without ACK gives (src, dst, dst port); SYN+ACK gives the same
 *   flow reversed (its sender is the server).  Other segments start or
 *   count nothing.
 * - UDP, per conversation: if exactly one end is multicast (224/4,
 *   ff00::/8) or 255.255.255.255, that end is the server; else the lower
 *   port's end; on equal ports the destination of the first packet seen.
 * - ICMP echo request (8) and ICMPv6 echo request (128): sender -> target,
 *   port 8 or 128.  Nothing else.
 * A row's packets counts the packets that matched its rule: SYN and
 * SYN+ACK segments for TCP (connection attempts and their answers), every
 * datagram of the conversation both ways for UDP, echo requests for ICMP.
 * Live capture's kernel filter passes exactly these, so a file and a live
 * capture of the same traffic give the same counts.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zonewall/decode.h"

#define FLOW_DEFAULT_MAX 1000000u
#define FLOW_MAX_LIMIT 0x40000000u	/* 2^30: 32-bit indices with room */

/* What identifies a flow.  IPv4 addresses use the first 4 bytes of the
 * 16 and zero the rest (as struct dec_packet does); @family tells them
 * apart from IPv6. */
struct flow_key {
	uint8_t client[16];
	uint8_t server[16];
	uint16_t port;		/* the server's port; 8 or 128 for ICMP echo */
	uint8_t proto;		/* IPPROTO_TCP, _UDP, _ICMP or _ICMPV6 */
	uint8_t family;		/* 4 or 6 */
};

/* One row of the table as handed out by flow_table_sorted(). */
struct flow_row {
	struct flow_key key;
	uint32_t packets;	/* saturates at UINT32_MAX */
	uint64_t first_seen;	/* nanoseconds since the Unix epoch */
	uint64_t last_seen;
};

struct flow_stats {
	size_t flows;		/* rows now */
	size_t max_flows;	/* the bound */
	size_t capacity;	/* rows allocated now (grows up to max_flows) */
	size_t bytes;		/* memory the table holds now */
	uint64_t packets;	/* packets that matched a flow rule */
	uint64_t ignored;	/* decoded packets no rule applies to */
	uint64_t evictions;	/* rows dropped to make room */
};

struct flow_table;

/**
 * flow_table_new() - an empty table holding at most @max_flows rows.
 * @max_flows: 1..FLOW_MAX_LIMIT (0 means FLOW_DEFAULT_MAX).
 * @seed:      hash seed; pass a random value so that crafted addresses
 *             cannot pile up in one bucket chain.
 * Return: the table (free with flow_table_free()), or NULL with errno
 * EINVAL (bad bound) or ENOMEM.
 */
struct flow_table *flow_table_new(size_t max_flows, uint64_t seed);

/** flow_table_free() - release @t.  Accepts NULL. */
void flow_table_free(struct flow_table *t);

/**
 * flow_key_from_packet() - apply the TCP and ICMP rules to @p.
 * UDP needs the table (equal ports depend on what was seen first), so
 * this only computes the lower-port/multicast orientation for UDP.
 * Return: true and @key filled when @p can belong to a flow.
 */
bool flow_key_from_packet(const struct dec_packet *p, struct flow_key *key);

/**
 * flow_table_add_packet() - count one decoded packet seen at @ts_ns.
 * Applies the rules above; creates the row if needed (evicting the least
 * recently seen one when the table is full) and updates packets and
 * first/last seen.  Never fails: when memory for growth is refused the
 * table keeps its current size as its bound.
 * Return: true when the packet matched a flow rule.
 */
bool flow_table_add_packet(struct flow_table *t, const struct dec_packet *p, uint64_t ts_ns);

/**
 * flow_table_add_packets() - flow_table_add_packet() for each of @n
 * packets in order (@p[i] seen at @ts_ns[i]), with the same result, but
 * faster on large tables: memory for later packets is fetched while
 * earlier ones are counted.
 * Return: how many packets matched a flow rule.
 */
size_t flow_table_add_packets(struct flow_table *t, const struct dec_packet *p,
			      const uint64_t *ts_ns, size_t n);

/**
 * flow_table_add() - count one packet of flow @key at @ts_ns (the rules
 * already applied by the caller).
 * Return: the row's packets after counting.
 */
uint32_t flow_table_add(struct flow_table *t, const struct flow_key *key, uint64_t ts_ns);

/**
 * flow_table_lookup() - copy the row for @key into @row.
 * Return: true if the table holds it.  Does not count as "seen".
 */
bool flow_table_lookup(const struct flow_table *t, const struct flow_key *key,
		       struct flow_row *row);

/** flow_table_stats() - fill @st with the table's counters. */
void flow_table_stats(const struct flow_table *t, struct flow_stats *st);

/**
 * flow_table_sorted() - a copy of every row, sorted by flow_key_cmp()
 * (flow_table_order() without the copy is cheaper for large tables).
 * @rows: set to a malloc'ed array the caller frees (NULL when empty).
 * @n:    set to the number of rows.
 * Return: 0 or -ENOMEM.
 */
int flow_table_sorted(const struct flow_table *t, struct flow_row **rows, size_t *n);

/**
 * flow_table_order() - the numbers of the rows in flow_key_cmp() order,
 * so a caller can read them one at a time with flow_table_row() instead of
 * copying every row.  Sorting costs 16 bytes per row while it runs and
 * leaves 4 bytes per row.  The numbers are valid until the table changes.
 * @idx: set to a malloc'ed array the caller frees (NULL when empty).
 * @n:   set to the number of rows.
 * Return: 0 or -ENOMEM.
 */
int flow_table_order(const struct flow_table *t, uint32_t **idx, size_t *n);

/**
 * flow_table_row() - copy row number @i (one of flow_table_order()'s)
 * into @row.
 */
void flow_table_row(const struct flow_table *t, uint32_t i, struct flow_row *row);

/**
 * flow_table_rows() - copy rows @idx[0..@n-1] (numbers from
 * flow_table_order()) into @out in that order, the same as
 * flow_table_row() for each but fetching later rows while copying earlier.
 */
void flow_table_rows(const struct flow_table *t, const uint32_t *idx, size_t n,
		     struct flow_row *out);

/**
 * flow_table_lru() - the rows from least to most recently seen (for tests
 * and for a daemon that wants to age rows out).
 * Return: 0 or -ENOMEM; @rows as for flow_table_sorted().
 */
int flow_table_lru(const struct flow_table *t, struct flow_row **rows, size_t *n);

/**
 * flow_key_cmp() - the canonical order: proto name ("icmp" < "icmpv6" <
 * "tcp" < "udp"), then client, server (IPv4 before IPv6, numerically),
 * then port.
 * Return: <0, 0 or >0.
 */
int flow_key_cmp(const struct flow_key *a, const struct flow_key *b);

/** flow_proto_name() - "tcp", "udp", "icmp", "icmpv6" or "?". */
const char *flow_proto_name(uint8_t proto);

/** flow_addr_is_multicast() - 224.0.0.0/4, 255.255.255.255 or ff00::/8. */
bool flow_addr_is_multicast(const uint8_t addr[16], uint8_t family);

#endif
