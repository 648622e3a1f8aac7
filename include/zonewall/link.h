/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_LINK_H
#define ZONEWALL_LINK_H

/*
 * The container-facing interfaces of this host: bridges, their ports and
 * veths, read from the kernel over rtnetlink (libmnl, nlreq.h).  The dump is I/O;
 * everything else here works on the plain struct link_list it returns.
 */

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <jansson.h>

#include "zonewall/output.h"

struct link_addr {
	int family;			/* AF_INET or AF_INET6 */
	char text[INET6_ADDRSTRLEN];	/* canonical inet_ntop() form */
	unsigned int prefixlen;
};

struct link_info {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[16];		/* rtnetlink IFLA_INFO_KIND: "bridge", "veth", ... or "" */
	int master;		/* ifindex of the bridge this is a port of, 0 if none */
	int peer_ifindex;	/* veth: the peer's ifindex in its namespace, 0 if untold */
	int peer_netnsid;	/* veth: the peer's netns id seen from here, -1 if untold */
	char mac[18];		/* "aa:bb:cc:dd:ee:ff" or "" */
	unsigned int mtu;
	bool up;		/* IFF_UP */
	char operstate[16];	/* "up", "down", "lowerlayerdown", ... */
	struct link_addr *addrs;
	size_t n_addrs;
};

struct link_list {
	struct link_info *v;	/* sorted by ifindex */
	size_t n;
};

/**
 * link_list_dump() - read every link and address of the current network
 * namespace and keep the container-facing ones: bridges, veths, and any
 * port of a bridge.
 * @out: filled on success; release with link_list_free().
 * Return: 0 or -errno (-EINTR: the dump was interrupted by a change; ask again).
 */
int link_list_dump(struct link_list *out);

struct nlmsghdr;

/**
 * link_info_parse() - an RTM_NEWLINK or RTM_DELLINK message as a struct
 * link_info (no addresses): index, name, kind, master, MAC, MTU, IFF_UP,
 * operstate, and for a veth its peer's ifindex and netns id.  Pure.
 * Return: 0; -EINVAL for another message or one too short.
 */
int link_info_parse(const struct nlmsghdr *nlh, struct link_info *li);

/** link_list_free() - release what link_list_dump() filled.  Accepts NULL. */
void link_list_free(struct link_list *l);

/** link_list_find() - the entry with @ifindex, or NULL. */
const struct link_info *link_list_find(const struct link_list *l, int ifindex);

/** link_is_bridge() - true when @li is a Linux bridge. */
bool link_is_bridge(const struct link_info *li);

/** link_is_veth() - true when @li is one end of a veth pair. */
bool link_is_veth(const struct link_info *li);

/**
 * link_list_json() - the list as rows for out_rows_print(): one object per
 * link with ifindex, name, kind, bridge (name or null), ports (names, for
 * bridges), peer_ifindex and peer_netnsid (null when untold), mac, mtu,
 * state (operstate), up (administratively) and addresses ("addr/prefix").
 * Return: a new JSON array (caller owns it), or NULL on allocation failure.
 */
json_t *link_list_json(const struct link_list *l);

/* The table columns for link_list_json() rows, {NULL}-terminated. */
extern const struct out_column link_columns[];

/*
 * Link notifications (rtnetlink RTNLGRP_LINK): a nonblocking socket to
 * put in an epoll set; when it is readable, link_monitor_drain() and, if
 * it says something changed, link_list_dump() again.
 */
struct link_monitor;

/**
 * link_monitor_open() - subscribe to link notifications.
 * @out: set to the monitor; release with link_monitor_free().
 * Return: 0 or -errno.
 */
int link_monitor_open(struct link_monitor **out);

/** link_monitor_fd() - the descriptor to wait on for readability. */
int link_monitor_fd(const struct link_monitor *m);

/**
 * link_monitor_drain() - read every pending notification without blocking.
 * Return: the number of link messages read (>0: links changed; an
 * overrun of the socket buffer counts as a change, since the caller
 * re-dumps anyway), 0 if none, or -errno on a socket failure.
 */
int link_monitor_drain(struct link_monitor *m);

/**
 * link_monitor_bridge_news() - of the last drain: how many notifications
 * told of a bridge that came, went or was renamed (an overrun counts: it
 * may have hidden one).  A bridge's own notifications for ports joining
 * or leaving it are not news.  The first notification of a bridge the
 * monitor has not seen before is news, once.
 */
int link_monitor_bridge_news(const struct link_monitor *m);

/** link_monitor_free() - close the monitor.  Accepts NULL. */
void link_monitor_free(struct link_monitor *m);

#endif
