/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_NLREQ_H
#define ZONEWALL_NLREQ_H

/*
 * One netlink request and its answer over libmnl: what every rtnetlink
 * request (link.c's dumps, netns-id.c, bridge-learning.c) and ctnetlink
 * (conntrack.c) share.  Not for nf_tables batches (src/nft/nft-batch.c) or
 * notifications (link.c's monitor reads its own socket).
 */

#include <libmnl/libmnl.h>

/** nlreq_open() - a socket on @bus (NETLINK_ROUTE, ...) bound to an automatic port id; NULL with errno. */
struct mnl_socket *nlreq_open(int bus);

/**
 * nlreq_open_strict() - nlreq_open() with strict checking of requests
 * (NETLINK_GET_STRICT_CHK): only then does the kernel honour a dump's
 * filters, IFA_TARGET_NETNSID among them (without it an address dump
 * "in another namespace" answers with this one's).  NULL with errno.
 */
struct mnl_socket *nlreq_open_strict(int bus);

/**
 * nlreq_ifa_local() - the interface's own address in RTM_NEWADDR @nlh:
 * IFA_LOCAL, else IFA_ADDRESS (which is the peer's on a point-to-point
 * link, and the only one elsewhere); NULL when neither, or when its length
 * is not that of an address of the message's family.
 */
const struct nlattr *nlreq_ifa_local(const struct nlmsghdr *nlh);

/**
 * nlreq_talk() - send @nlh (its sequence number set) and run @cb (may be
 * NULL) over each answer until the kernel is done: DONE for a dump, the
 * ack for a request with NLM_F_ACK.  A request without either would wait.
 * Return: 0, or -errno (an error ack's own errno).
 */
int nlreq_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

#endif
