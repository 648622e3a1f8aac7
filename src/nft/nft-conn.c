// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The nf_tables netlink connection: the only code that sends on or
 * receives from the socket (nft.c builds batches, nft-read.c dumps; both go
 * through here).  Every wait is bounded by the connection's timeout.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "zonewall/nft.h"
#include "nft-int.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/* --- connection ------------------------------------------------------------ */

struct nft_conn *nft_open(void)
{
	struct nft_conn *c = calloc(1, sizeof(*c));
	int one = 1, rcvbuf = 4 << 20;

	if (!c)
		return NULL;
	c->rcv = malloc(RCV_BUF);
	if (!c->rcv)
		goto out_free_c;
	c->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!c->nl)
		goto out_free_c;
	if (mnl_socket_bind(c->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out_close;
	/* ext-ack tells which attribute the kernel refused; capped acks stay small */
	mnl_socket_setsockopt(c->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(c->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(c->nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(c->nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
	c->portid = mnl_socket_get_portid(c->nl);
	c->seq = (uint32_t)time(NULL) << 8;
	c->timeout_ms = 10000;
	return c;

out_close:
	{
		int saved = errno;

		mnl_socket_close(c->nl);
		errno = saved;
	}
out_free_c:
	{
		int saved = errno ? errno : ENOMEM;

		free(c->rcv);
		free(c);
		errno = saved;
	}
	return NULL;
}

void nft_close(struct nft_conn *c)
{
	if (!c)
		return;
	mnl_socket_close(c->nl);
	free(c->rcv);
	free(c);
}

void nft_set_timeout(struct nft_conn *c, int ms)
{
	c->timeout_ms = ms > 0 ? ms : 1;
}

static int remaining_ms(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

void nft_deadline_in(struct timespec *d, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, d);
	d->tv_sec += ms / 1000;
	d->tv_nsec += (long)(ms % 1000) * 1000000;
	if (d->tv_nsec >= 1000000000) {
		d->tv_sec++;
		d->tv_nsec -= 1000000000;
	}
}

/* Wait for the socket to be readable, at most until @deadline. */
static int nft_wait_readable(struct nft_conn *c, const struct timespec *deadline)
{
	struct pollfd p = { .fd = mnl_socket_get_fd(c->nl), .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, remaining_ms(deadline));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

/* See nft-int.h. */
ssize_t nft_recv(struct nft_conn *c, const struct timespec *deadline)
{
	ssize_t n;
	int r;

	for (;;) {
		r = nft_wait_readable(c, deadline);
		if (r < 0)
			return r;
		n = recv(mnl_socket_get_fd(c->nl), c->rcv, RCV_BUF, MSG_DONTWAIT);
		if (n >= 0)
			return n;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
}

/* Room in the socket's send buffer for a batch of @len bytes in one sendmsg. */
static void raise_sndbuf(struct nft_conn *c, size_t len)
{
	int want = len + MSG_MAX > (size_t)INT32_MAX / 2 ? INT32_MAX / 2 : (int)(len + MSG_MAX);
	int fd = mnl_socket_get_fd(c->nl);

	if (want <= c->sndbuf)
		return;
	/* the kernel doubles the value; FORCE passes wmem_max (CAP_NET_ADMIN) */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want)) < 0)
		return;
	c->sndbuf = want;
}

/* See nft-int.h. */
ssize_t nft_send(struct nft_conn *c, const void *buf, size_t len)
{
	raise_sndbuf(c, len);
	return mnl_socket_sendto(c->nl, buf, len);
}

/* --- dumps --------------------------------------------------------------------- */

/*
 * One received buffer of the answer to @seq: messages of other sequence
 * numbers (the rest of an exchange given up earlier) are skipped; after a
 * failure or an interrupted dump (NLM_F_DUMP_INTR: the ruleset changed
 * while it was read) the rest is read and dropped, so the socket is clean
 * for the next request.  Return: 1 when the answer is complete, else 0.
 */
static int dump_take(const void *buf, int len, uint32_t seq, mnl_cb_t cb, void *data, int *rc)
{
	for (const struct nlmsghdr *nlh = buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_seq != seq)
			continue;
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR && !*rc)
			*rc = -EINTR;
		if (nlh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(*e) && e->error && !*rc)
				*rc = e->error;
			return 1;
		}
		if (!*rc && cb && cb(nlh, data) == MNL_CB_ERROR)
			*rc = errno ? -errno : -EIO;
	}
	return 0;
}

/* See nft-int.h. */
int nft_dump(struct nft_conn *c, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	struct timespec deadline;
	ssize_t n;
	int rc = 0;

	req->nlmsg_seq = c->seq++;
	if (mnl_socket_sendto(c->nl, req, req->nlmsg_len) < 0)
		return -errno;
	nft_deadline_in(&deadline, c->timeout_ms);
	for (;;) {
		n = nft_recv(c, &deadline);
		if (n < 0)
			return (int)n;
		errno = 0;
		if (dump_take(c->rcv, (int)n, req->nlmsg_seq, cb, data, &rc))
			return rc;
	}
}
