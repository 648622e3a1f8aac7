/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef ZONEWALL_NSID_H
#define ZONEWALL_NSID_H

/*
 * A container's host-side veth without privileges over the container.
 * The veth's peer lives in the container's network namespace, which this
 * namespace knows by an id (IFLA_LINK_NETNSID in a link dump).  Asking the
 * kernel for the id of "the network namespace of process PID" over
 * rtnetlink (RTM_GETNSID with NETNSA_PID) needs no access to that process,
 * unlike opening /proc/PID/ns/net, which needs ptrace read access
 * (CAP_SYS_PTRACE once the caller's capabilities are fewer than the
 * container's).  So zonewalld can bind ports after dropping to
 * CAP_NET_ADMIN and CAP_NET_RAW.
 */

#include <stdbool.h>
#include <stddef.h>

#include "zonewall/link.h"

/**
 * nsid_of_pid() - the id this network namespace gives the network namespace
 * of process @pid.  The kernel assigns ids as a link dump reports veth
 * peers (link_list_dump()), so dump first.
 * Return: the id (>= 0), -ENOENT when @pid's namespace has no id here (no
 * veth of it seen yet, or it is this namespace), -ESRCH when there is no
 * such process, or another -errno.
 */
int nsid_of_pid(int pid);

/**
 * nsid_port_match() - of the links in @l, the host-side veth of a
 * workload's attachment: the veths whose peer is in namespace @nsid, and
 * among them the one whose bridge holds @gateway (the attachment's IPv4
 * gateway, may be ""); a single veth for a workload with a single
 * attachment (@n_nets 1) needs no gateway.  Pure.
 * Return: the link (borrowed from @l), or NULL when none or ambiguous.
 */
const struct link_info *nsid_port_match(const struct link_list *l, int nsid,
					const char *gateway, size_t n_nets);

/**
 * nsid_port_find() - the host-side veth of the interface with MAC @mac
 * ("02:42:ac:11:00:02") in the namespace this one calls @nsid, and the
 * bridge it is a port of.  The container's few links are read in place
 * (RTM_GETLINK with IFLA_TARGET_NETNSID, Linux 4.20+, CAP_NET_ADMIN
 * there), the peer and its bridge by index here: no dump of this
 * namespace's links, whose size grows with every container.
 * Return: 0 with @veth set and @bridge set or "" (not a bridge port);
 * -ENOENT when no single interface there has @mac or its peer here is not
 * a veth leading back to @nsid; -EINVAL for a bad @mac or @nsid; or
 * another -errno (a kernel without IFLA_TARGET_NETNSID: -EINVAL or
 * -EOPNOTSUPP).
 */
int nsid_port_find(int nsid, const char *mac, char *veth, size_t vlen, char *bridge,
		   size_t blen);

/* This namespace's links, dumped at most once, when first needed. */
struct nsid_links {
	struct link_list l;
	bool valid;
};

/**
 * nsid_port_resolve() - the host-side veth and bridge of one attachment
 * (@mac, @gateway) of a workload with @n_nets attachments whose process is
 * @pid.  Its own namespace is asked first (nsid_port_find(): a few small
 * requests); only when that cannot answer (no id for the namespace yet, no
 * MAC) are this namespace's links used: dumped into @links on first need
 * (the dump also makes the kernel assign namespace ids), then
 * nsid_port_match().  Release @links with nsid_links_free().
 * Return: 0 with @veth and @bridge (maybe "") set; -ENOENT when unknown
 * (both ""); the -errno of a failed dump.
 */
int nsid_port_resolve(int pid, const char *mac, const char *gateway, size_t n_nets,
		      struct nsid_links *links, char *veth, size_t vlen, char *bridge, size_t blen);

/** nsid_links_free() - release the dump in @links, if made; it is empty afterwards. */
void nsid_links_free(struct nsid_links *links);

/* --- a container's attachments as the kernel has them --------------------------- */

#define NSID_PORT_ADDRS 4
#define NSID_PORTS_MAX 16

/* An address with its prefix length, in binary (IPv4 in a[0..3]). */
struct nsid_prefix {
	int family;			/* AF_INET or AF_INET6 */
	unsigned char a[16];
	unsigned int len;
};

/* One veth of a container whose peer is here, and the bridge of that peer. */
struct nsid_port {
	char mac[18];			/* the container side's, "aa:bb:..." */
	char veth[16];			/* the peer here */
	char bridge[16];		/* the peer's master, "" when none */
	/* the container side's addresses of global scope; n_addrs counts all
	 * of them even past NSID_PORT_ADDRS, so a caller can tell ambiguity */
	struct nsid_prefix addrs[NSID_PORT_ADDRS];
	size_t n_addrs;
	struct nsid_prefix br_addrs[NSID_PORT_ADDRS];	/* the bridge's own, here */
	size_t n_br_addrs;
};

/**
 * nsid_assign_pid() - the id this namespace gives the network namespace of
 * process @pid, asking the kernel to assign one (RTM_NEWNSID) when it has
 * none yet: a namespace made a moment ago has none until something asks.
 * Do not call it for a process that may share this namespace (the kernel
 * would give this namespace an id of its own).
 * Return: the id (>= 0), -ESRCH when there is no such process, or -errno.
 */
int nsid_assign_pid(int pid);

/**
 * nsid_ports_read() - the veths of namespace @nsid whose peers are veths
 * here leading back to it, each with its MAC, global addresses, peer and
 * the peer's bridge and that bridge's addresses: read in place
 * (IFLA_TARGET_NETNSID, IFA_TARGET_NETNSID) and by index here, a handful
 * of requests whatever the number of links on the host.
 * @v: gets up to @max ports; @n gets how many.
 * Return: 0; -E2BIG when the namespace has more than @max such veths;
 * -EINVAL for a bad @nsid; or another -errno.
 */
int nsid_ports_read(int nsid, struct nsid_port *v, size_t max, size_t *n);

#endif
