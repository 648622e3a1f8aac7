// SPDX-License-Identifier: GPL-2.0-or-later
/* NFLOG group reader over libmnl: bind, configure copy mode, parse packets. */

#include "config.h"

#include <endian.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>

#include "zonewall/nflog.h"

struct nflog_conn {
	struct mnl_socket *nl;
	uint16_t group;
	uint32_t seq;
	char buf[1 << 16];
};

struct nflog_walk {
	nflog_fn fn;
	void *ctx;
	int n;
};

static struct nlmsghdr *cfg_msg(struct nflog_conn *c, char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++c->seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(c->group);
	return nlh;
}

static int cfg_send(struct nflog_conn *c, struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	ssize_t n;

	if (mnl_socket_sendto(c->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	n = mnl_socket_recvfrom(c->nl, buf, sizeof(buf));
	if (n < 0)
		return -errno;
	if (mnl_cb_run(buf, n, nlh->nlmsg_seq, mnl_socket_get_portid(c->nl), NULL, NULL) < 0)
		return -errno;
	return 0;
}

static int cfg_cmd(struct nflog_conn *c, uint8_t cmd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = cfg_msg(c, buf);
	struct nfulnl_msg_config_cmd k = { .command = cmd };

	mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(k), &k);
	return cfg_send(c, nlh);
}

static int cfg_mode(struct nflog_conn *c, unsigned int copy)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = cfg_msg(c, buf);
	struct nfulnl_msg_config_mode m = { .copy_range = htonl(copy),
					    .copy_mode = NFULNL_COPY_PACKET };

	mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof(m), &m);
	/* One packet per message, at once: a report should not wait a second. */
	mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(1));
	return cfg_send(c, nlh);
}

struct nflog_conn *nflog_open(uint16_t group, unsigned int copy)
{
	struct nflog_conn *c = calloc(1, sizeof(*c));
	int rc, size = 1 << 22;

	if (!c)
		return NULL;
	c->group = group;
	c->seq = time(NULL);
	c->nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!c->nl || mnl_socket_bind(c->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out_fail;
	setsockopt(mnl_socket_get_fd(c->nl), SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if ((rc = cfg_cmd(c, NFULNL_CFG_CMD_BIND)) < 0 || (rc = cfg_mode(c, copy)) < 0) {
		errno = -rc;
		goto out_fail;
	}
	return c;
out_fail:
	rc = errno;
	if (c->nl)
		mnl_socket_close(c->nl);
	free(c);
	errno = rc;
	return NULL;
}

int nflog_fd(const struct nflog_conn *c)
{
	return mnl_socket_get_fd(c->nl);
}

static uint32_t attr_be32(const struct nlattr *a)
{
	return ntohl(mnl_attr_get_u32(a));
}

static void packet_attr(const struct nlattr *a, struct nflog_event *ev)
{
	const struct nfulnl_msg_packet_hdr *ph;
	struct nfulnl_msg_packet_timestamp ts;

	switch (mnl_attr_get_type(a)) {
	case NFULA_PACKET_HDR:
		ph = mnl_attr_get_payload(a);
		if (mnl_attr_get_payload_len(a) >= sizeof(*ph))
			ev->hw_proto = ntohs(ph->hw_protocol);
		break;
	case NFULA_PREFIX:
		snprintf(ev->prefix, sizeof(ev->prefix), "%.*s", (int)mnl_attr_get_payload_len(a),
			 (const char *)mnl_attr_get_payload(a));
		break;
	case NFULA_TIMESTAMP:
		/* Attributes are 4-byte aligned, the timestamp holds u64s: copy. */
		if (mnl_attr_get_payload_len(a) >= sizeof(ts)) {
			memcpy(&ts, mnl_attr_get_payload(a), sizeof(ts));
			ev->time_ns = (int64_t)be64toh(ts.sec) * 1000000000 +
				      (int64_t)be64toh(ts.usec) * 1000;
		}
		break;
	case NFULA_IFINDEX_INDEV:
		ev->indev = attr_be32(a);
		break;
	case NFULA_IFINDEX_OUTDEV:
		ev->outdev = attr_be32(a);
		break;
	case NFULA_IFINDEX_PHYSINDEV:
		ev->physindev = attr_be32(a);
		break;
	case NFULA_IFINDEX_PHYSOUTDEV:
		ev->physoutdev = attr_be32(a);
		break;
	case NFULA_PAYLOAD:
		ev->payload = mnl_attr_get_payload(a);
		ev->len = mnl_attr_get_payload_len(a);
		break;
	}
}

static int packet_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nflog_walk *w = data;
	struct nflog_event ev = { 0 };
	const struct nlattr *a;

	if ((nlh->nlmsg_type & 0xff) != NFULNL_MSG_PACKET)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		packet_attr(a, &ev);
	if (!ev.time_ns) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		ev.time_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	}
	w->n++;
	w->fn(w->ctx, &ev);
	return MNL_CB_OK;
}

int nflog_read(struct nflog_conn *c, int timeout_ms, nflog_fn fn, void *ctx)
{
	struct pollfd pfd = { .fd = nflog_fd(c), .events = POLLIN };
	struct nflog_walk w = { fn, ctx, 0 };
	ssize_t n;
	int rc;

	rc = poll(&pfd, 1, timeout_ms);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return 0;
	do {
		n = recv(pfd.fd, c->buf, sizeof(c->buf), MSG_DONTWAIT);
		if (n < 0)
			return errno == EAGAIN ? w.n : -errno;
		/* Packets come with sequence 0 from the kernel: no seq check. */
		if (mnl_cb_run(c->buf, n, 0, 0, packet_cb, &w) < 0)
			return -errno;
	} while (n > 0);
	return w.n;
}

void nflog_close(struct nflog_conn *c)
{
	if (!c)
		return;
	if (c->nl) {
		cfg_cmd(c, NFULNL_CFG_CMD_UNBIND);
		mnl_socket_close(c->nl);
	}
	free(c);
}

void nflog_in_port(const struct nflog_event *ev, char *name)
{
	uint32_t ifindex = ev->physindev ? ev->physindev : ev->indev;

	name[0] = '\0';
	if (!ifindex || !if_indextoname(ifindex, name))
		name[0] = '\0';
}
