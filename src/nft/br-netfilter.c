// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A bridge's own br_netfilter flags.  With the namespace's sysctl off,
 * `ip link set BR type bridge nf_call_iptables 1` still makes br_netfilter
 * hand that bridge's IPv4 to the inet hooks: without reading the flags the
 * kernel path would warn that same-bridge traffic is not enforced when it is.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "zonewall/br-netfilter.h"
#include "zonewall/nft.h"
#include "zonewall/nlreq.h"

struct brnf_answer {
	bool bridge, v4, v6;
};

/* IFLA_LINKINFO: the kind, and a bridge's IFLA_INFO_DATA flags */
static void brnf_info_parse(const struct nlattr *info, struct brnf_answer *ans)
{
	const struct nlattr *a, *d;

	mnl_attr_for_each_nested(a, info) {
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
			ans->bridge = !strncmp(mnl_attr_get_payload(a), "bridge",
					       mnl_attr_get_payload_len(a));
		if (mnl_attr_get_type(a) != IFLA_INFO_DATA)
			continue;
		mnl_attr_for_each_nested(d, a) {
			if (mnl_attr_get_payload_len(d) < 1)
				continue;
			if (mnl_attr_get_type(d) == IFLA_BR_NF_CALL_IPTABLES)
				ans->v4 = mnl_attr_get_u8(d) != 0;
			else if (mnl_attr_get_type(d) == IFLA_BR_NF_CALL_IP6TABLES)
				ans->v6 = mnl_attr_get_u8(d) != 0;
		}
	}
}

static int brnf_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg))
		if (mnl_attr_get_type(a) == IFLA_LINKINFO)
			brnf_info_parse(a, data);
	return MNL_CB_OK;
}

/* Bridge @name's own nf_call_iptables / nf_call_ip6tables flags, asked on @nl.
 * Return: 0, -ENODEV (no such interface), -EINVAL (not a bridge) or -errno. */
static int brnf_ask(struct mnl_socket *nl, const char *name, bool *v4, bool *v6)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct brnf_answer ans = { 0 };
	int rc;

	if (!name[0] || strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	nlh->nlmsg_type = RTM_GETLINK;
	/* the ack ends the exchange after the one RTM_NEWLINK */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (unsigned int)time(NULL);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	rc = nlreq_talk(nl, nlh, brnf_msg_cb, &ans);
	if (rc)
		return rc;
	if (!ans.bridge)
		return -EINVAL;
	*v4 = ans.v4;
	*v6 = ans.v6;
	return 0;
}

void brnf_features_for(struct nft_features *f, char *const *bridges, size_t n)
{
	bool all4 = n > 0, all6 = n > 0;
	struct mnl_socket *nl;

	if (!f->br_netfilter_loaded || (f->br_netfilter && f->br_netfilter6))
		return;
	nl = nlreq_open(NETLINK_ROUTE);
	for (size_t i = 0; i < n && (all4 || all6); i++) {
		bool v4 = false, v6 = false;

		if (!nl || brnf_ask(nl, bridges[i], &v4, &v6) < 0)
			v4 = v6 = false;
		all4 = all4 && v4;
		all6 = all6 && v6;
	}
	if (nl)
		mnl_socket_close(nl);
	f->br_netfilter = f->br_netfilter || all4;
	f->br_netfilter6 = f->br_netfilter6 || all6;
}
