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

#include "zonewall/brnf.h"
#include "zonewall/nft.h"
#include "zonewall/nlreq.h"

struct brnf_answer {
	bool bridge, v4, v6;
};

static int brnf_data_cb(const struct nlattr *a, void *data)
{
	struct brnf_answer *ans = data;
	int type = mnl_attr_get_type(a);

	if ((type == IFLA_BR_NF_CALL_IPTABLES || type == IFLA_BR_NF_CALL_IP6TABLES) &&
	    mnl_attr_get_payload_len(a) >= 1) {
		if (type == IFLA_BR_NF_CALL_IPTABLES)
			ans->v4 = mnl_attr_get_u8(a) != 0;
		else
			ans->v6 = mnl_attr_get_u8(a) != 0;
	}
	return MNL_CB_OK;
}

static int brnf_info_cb(const struct nlattr *a, void *data)
{
	struct brnf_answer *ans = data;

	if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
		ans->bridge = mnl_attr_get_payload_len(a) >= 6 &&
			      !strncmp(mnl_attr_get_payload(a), "bridge", 6);
	else if (mnl_attr_get_type(a) == IFLA_INFO_DATA)
		mnl_attr_parse_nested(a, brnf_data_cb, ans);
	return MNL_CB_OK;
}

static int brnf_link_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == IFLA_LINKINFO)
		mnl_attr_parse_nested(a, brnf_info_cb, data);
	return MNL_CB_OK;
}

static int brnf_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWLINK)
		mnl_attr_parse(nlh, sizeof(struct ifinfomsg), brnf_link_cb, data);
	return MNL_CB_OK;
}

int brnf_bridge_read(const char *name, bool *v4, bool *v6)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct brnf_answer ans = { 0 };
	struct mnl_socket *nl;
	int rc;

	if (!name[0] || strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	nlh->nlmsg_type = RTM_GETLINK;
	/* the ack ends the exchange after the one RTM_NEWLINK */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (unsigned int)time(NULL);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	nl = nlreq_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	rc = nlreq_talk(nl, nlh, brnf_msg_cb, &ans);
	mnl_socket_close(nl);
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

	if (!f->br_netfilter_loaded || (f->br_netfilter && f->br_netfilter6))
		return;
	for (size_t i = 0; i < n && (all4 || all6); i++) {
		bool v4 = false, v6 = false;

		if (brnf_bridge_read(bridges[i], &v4, &v6) < 0)
			v4 = v6 = false;
		all4 = all4 && v4;
		all6 = all6 && v6;
	}
	f->br_netfilter = f->br_netfilter || all4;
	f->br_netfilter6 = f->br_netfilter6 || all6;
}
