/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_NFLOG_H
#define ZONEWALL_NFLOG_H

/*
 * Reading an NFLOG group (nfnetlink_log over libmnl): the refused and
 * would-refuse packets our rules log with `log group N`, rate-limited in
 * the kernel.  Only one socket per network namespace can bind a group;
 * a second gets EBUSY.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nflog_event {
	int64_t time_ns;	/* the kernel's timestamp, else when it was read */
	char prefix[128];	/* the log statement's prefix, "" when none */
	uint32_t indev, outdev;	/* ifindexes, 0 when none */
	uint32_t physindev, physoutdev;	/* bridge ports (br_netfilter), 0 when none */
	uint16_t hw_proto;	/* ethertype, host order */
	const uint8_t *payload;	/* the packet from its network header */
	size_t len;		/* bytes copied (at most the copy range) */
};

struct nflog_conn;

typedef void (*nflog_fn)(void *ctx, const struct nflog_event *ev);

/**
 * nflog_open() - bind NFLOG group @group, copying the first @copy bytes of
 * each packet (enough for the IP and transport headers: 128), delivered
 * without batching.
 * Return: the connection (nflog_close()), or NULL with errno (EBUSY: the
 * group has another listener; EPERM: not CAP_NET_ADMIN).
 */
struct nflog_conn *nflog_open(uint16_t group, unsigned int copy);

/** nflog_fd() - the descriptor to poll for readability. */
int nflog_fd(const struct nflog_conn *c);

/**
 * nflog_read() - wait up to @timeout_ms (-1: forever) for messages and
 * call @fn(@ctx, ev) for each packet; @ev lives during the call only.
 * Return: the number of packets (0 on timeout), or -errno.  -ENOBUFS
 * means the socket overran and events were lost; reading may go on.
 */
int nflog_read(struct nflog_conn *c, int timeout_ms, nflog_fn fn, void *ctx);

/**
 * nflog_in_port() - the name of the interface @ev came in by: its bridge
 * port when the kernel says (a bridge table's log, br_netfilter), else its
 * input device.  @name: IF_NAMESIZE bytes, "" when neither is known.
 */
void nflog_in_port(const struct nflog_event *ev, char *name);

/** nflog_close() - unbind the group and close.  Accepts NULL. */
void nflog_close(struct nflog_conn *c);

#endif
