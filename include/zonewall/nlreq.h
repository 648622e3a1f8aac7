/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_NLREQ_H
#define ZONEWALL_NLREQ_H

/*
 * One netlink request and its answer over libmnl: what the rtnetlink
 * lookups (nsid.c, the CLI's inventory ports) and ctnetlink (conntrack.c)
 * share.  Not for nf_tables batches (nft.c) or notifications.
 */

#include <libmnl/libmnl.h>

/** nlreq_open() - a socket on @bus (NETLINK_ROUTE, ...) bound to an automatic port id; NULL with errno. */
struct mnl_socket *nlreq_open(int bus);

/**
 * nlreq_talk() - send @nlh (its sequence number set) and run @cb (may be
 * NULL) over each answer until the kernel is done: DONE for a dump, the
 * ack for a request with NLM_F_ACK.  A request without either would wait.
 * Return: 0, or -errno (an error ack's own errno).
 */
int nlreq_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

#endif
