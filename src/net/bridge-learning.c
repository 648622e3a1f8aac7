// SPDX-License-Identifier: GPL-2.0-or-later
/* A bridge's learning from link-local frames (see bridge-learning.h). */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "zonewall/bridge-learning.h"
#include "zonewall/nlreq.h"

/* RTM_NEWLINK for bridge @name: IFLA_LINKINFO { kind bridge, data { multi-boolopt } } */
static int brlearn_set(struct mnl_socket *nl, const char *name, unsigned int seq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct br_boolopt_multi opt = {
		.optval = 1u << BR_BOOLOPT_NO_LL_LEARN,
		.optmask = 1u << BR_BOOLOPT_NO_LL_LEARN,
	};
	struct ifinfomsg *ifm;
	struct nlattr *info, *data;

	if (!name[0] || strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	/* the kind makes the kernel refuse a device that is no bridge */
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put(nlh, IFLA_BR_MULTI_BOOLOPT, sizeof(opt), &opt);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nlreq_talk(nl, nlh, NULL, NULL);
}

int brlearn_linklocal_off(char *const *bridges, size_t n, size_t *failed)
{
	unsigned int seq = (unsigned int)time(NULL);
	struct mnl_socket *nl;
	int first = 0;

	if (!n)
		return 0;
	nl = nlreq_open(NETLINK_ROUTE);
	if (!nl) {
		*failed = 0;
		return -errno;
	}
	for (size_t i = 0; i < n; i++) {
		int rc = brlearn_set(nl, bridges[i], seq + (unsigned int)i);

		if (rc && !first) {
			first = rc;
			*failed = i;
		}
	}
	mnl_socket_close(nl);
	return first;
}
