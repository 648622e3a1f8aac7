// SPDX-License-Identifier: GPL-2.0-or-later
/* Host-side veths by network namespace id, over rtnetlink (see nsid.h). */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "zonewall/nsid.h"

static int nsid_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct rtgenmsg))
		if (mnl_attr_get_type(a) == NETNSA_NSID && mnl_attr_get_payload_len(a) >= 4)
			*(int *)data = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

int nsid_of_pid(int pid)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int seq = (unsigned int)time(NULL) ^ (unsigned int)pid;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;
	int nsid = -1, rc;
	ssize_t r;

	if (pid <= 0)
		return -ESRCH;
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		goto out_close;
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_PID, (uint32_t)pid);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		rc = -errno;
		goto out_close;
	}
	r = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (r < 0) {
		rc = -errno;
		goto out_close;
	}
	/* an error ack (no such process) comes back as -1 with errno set */
	if (mnl_cb_run(buf, (size_t)r, seq, mnl_socket_get_portid(nl), nsid_cb, &nsid) < 0)
		rc = -errno;
	else
		rc = nsid >= 0 ? nsid : -ENOENT;
out_close:
	mnl_socket_close(nl);
	return rc;
}

static bool nsid_bridge_has(const struct link_list *l, int ifindex, const char *gw)
{
	const struct link_info *br = link_list_find(l, ifindex);

	for (size_t i = 0; br && *gw && i < br->n_addrs; i++)
		if (!strcmp(br->addrs[i].text, gw))
			return true;
	return false;
}

const struct link_info *nsid_port_match(const struct link_list *l, int nsid,
					const char *gateway, size_t n_nets)
{
	const struct link_info *only = NULL, *hit = NULL;
	size_t n = 0, n_hits = 0;

	if (nsid < 0)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		const struct link_info *li = &l->v[i];

		if (!link_is_veth(li) || li->peer_netnsid != nsid)
			continue;
		n++;
		only = li;
		if (nsid_bridge_has(l, li->master, gateway)) {
			hit = li;
			n_hits++;
		}
	}
	if (n_hits == 1)
		return hit;
	return n == 1 && n_nets == 1 ? only : NULL;
}
