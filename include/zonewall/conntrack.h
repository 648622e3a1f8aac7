/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_CONNTRACK_H
#define ZONEWALL_CONNTRACK_H

/*
 * Cutting established connections (ctnetlink over libmnl): a policy that
 * tightens does not touch connections conntrack already accepted, since
 * our chains accept "ct state established" first.  ctk_cut() walks the
 * conntrack table and deletes the entries a judge refuses; their next
 * packet is then "new" (TCP: invalid, no SYN) and meets the new policy.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A connection's original direction. */
struct ctk_tuple {
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;		/* IPPROTO_* */
	uint8_t src[16], dst[16];	/* IPv4 in the first 4 bytes */
	uint16_t sport, dport;	/* host order; 0 for ICMP */
};

/* Return true to delete the entry. */
typedef bool (*ctk_judge_fn)(void *data, const struct ctk_tuple *t);

/**
 * ctk_cut() - dump the conntrack table of this namespace (IPv4 and IPv6)
 * and delete every entry @fn(@data, tuple) refuses.  An entry that vanished
 * in between is not an error.
 * @seen, @cut: receive how many entries were judged and deleted.
 * Return: 0 or -errno (netlink; EPERM without CAP_NET_ADMIN).
 */
int ctk_cut(ctk_judge_fn fn, void *data, size_t *seen, size_t *cut);

#endif
