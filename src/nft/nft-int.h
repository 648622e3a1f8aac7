/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_NFT_INT_H
#define ZONEWALL_NFT_INT_H

/*
 * Inside the nf_tables code, lowest first: nft-conn.c (the connection and
 * its bounded waits: the only socket I/O), nft-read.c (dumps: what a table
 * holds now), nft.c (batches).  Not part of the library's interface.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include <libmnl/libmnl.h>

#include "zonewall/ruleset.h"

#define RCV_BUF (MNL_SOCKET_BUFFER_SIZE * 4)

/*
 * One message never exceeds this: an nlattr's length is 16 bits, so the
 * element list nest of NEWSETELEM must stay below 64 KiB.  The batch
 * buffer always keeps this much room free before a message is started.
 */
#define MSG_MAX (UINT16_MAX + 4096)

struct nft_conn {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	int timeout_ms;
	int sndbuf;		/* what SO_SNDBUF(FORCE) was raised to */
	char *rcv;
};

/** nft_deadline_in() - @d = now + @ms (CLOCK_MONOTONIC). */
void nft_deadline_in(struct timespec *d, int ms);

/**
 * nft_recv() - the next datagram of @c's socket into c->rcv, waiting at
 * most until @deadline.  Return: its length; -ETIMEDOUT or -errno.
 */
ssize_t nft_recv(struct nft_conn *c, const struct timespec *deadline);

/**
 * nft_send() - send @len bytes at @buf in one sendmsg, the socket's send
 * buffer raised first to hold them (SO_SNDBUFFORCE, else SO_SNDBUF).
 * Return: the bytes sent, or -1 with errno.
 */
ssize_t nft_send(struct nft_conn *c, const void *buf, size_t len);

/**
 * nft_dump() - send @req (its sequence number is set here) and run @cb on
 * every answer until NLMSG_DONE or the ack.  The whole answer is always
 * read, also after a failure.
 * Return: 0, -EINTR when the ruleset changed during the dump (what @cb saw
 * may be inconsistent: read again), the kernel's -errno, or -ETIMEDOUT
 * past the connection's timeout.
 */
int nft_dump(struct nft_conn *c, struct nlmsghdr *req, mnl_cb_t cb, void *data);

struct nft_live_name {
	char *name;
	uint32_t objtype;	/* objects: NFT_OBJECT_* */
};

struct nft_live_list {
	struct nft_live_name *v;
	size_t n;
	bool oom;
};

/* What a table holds now, by name: what a replacement in place deletes. */
struct nft_live {
	bool present;
	struct nft_live_list sets, chains, objs;
	const char *name;	/* the table's: dumps of chains are not filtered by the kernel */
};

/** nft_gen_read() - the ruleset's generation now (a batch begun with it fails if anything changed). */
int nft_gen_read(struct nft_conn *c, uint32_t *genid);

/**
 * nft_live_read() - the named sets, chains and objects of table @t
 * (anonymous sets left out: they go with their rules).  An absent table
 * is not an error (present false).  Release with nft_live_free().
 * Return: 0 or -errno.
 */
int nft_live_read(struct nft_conn *c, const struct rs_table *t, struct nft_live *out);

/** nft_live_free() - release what nft_live_read() filled. */
void nft_live_free(struct nft_live *lt);

#endif
