// SPDX-License-Identifier: GPL-2.0-or-later
/* RTM_NEWLINK messages as link records (src/net/link.c): no kernel, messages built here. */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "tap.h"
#include "zonewall/link.h"

/* An RTM_NEWLINK of @kind ("" for none) into @buf. */
static struct nlmsghdr *newlink(char *buf, int ifindex, const char *name, const char *kind)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *info;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (*kind) {
		info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
		mnl_attr_nest_end(nlh, info);
	}
	return nlh;
}

static void veth(void)
{
	static const uint8_t mac[6] = { 0x02, 0x42, 0xac, 0x11, 0x00, 0x02 };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = newlink(buf, 7, "veth1a2b", "veth");
	struct link_info li;

	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	mnl_attr_put_u32(nlh, IFLA_MASTER, 3);
	mnl_attr_put_u32(nlh, IFLA_LINK, 2);
	mnl_attr_put_u32(nlh, IFLA_LINK_NETNSID, 4);
	mnl_attr_put_u8(nlh, IFLA_OPERSTATE, IF_OPER_UP);
	tap_is_int(link_info_parse(nlh, &li), 0, "a veth parses");
	tap_ok(li.ifindex == 7 && !strcmp(li.name, "veth1a2b") && link_is_veth(&li) &&
	       li.master == 3 && li.mtu == 1500 && li.up, "index, name, kind, master, MTU, up");
	tap_is_str(li.mac, "02:42:ac:11:00:02", "its MAC");
	tap_is_str(li.operstate, "up", "its operstate");
	tap_ok(li.peer_ifindex == 2 && li.peer_netnsid == 4, "its peer: ifindex 2 in netns id 4");
}

static void bridge(void)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = newlink(buf, 3, "br0", "bridge");
	struct link_info li;

	mnl_attr_put_u32(nlh, IFLA_LINK, 9);	/* only a veth's IFLA_LINK is its peer */
	mnl_attr_put_u8(nlh, IFLA_OPERSTATE, IF_OPER_LOWERLAYERDOWN);
	tap_is_int(link_info_parse(nlh, &li), 0, "a bridge parses");
	tap_ok(link_is_bridge(&li) && !link_is_veth(&li) && li.peer_ifindex == 0 &&
	       li.peer_netnsid == -1 && !li.mac[0], "no peer, no MAC");
	tap_is_str(li.operstate, "lowerlayerdown", "its operstate");
	nlh = newlink(buf, 1, "lo", "");
	mnl_attr_put_u8(nlh, IFLA_OPERSTATE, 42);
	tap_ok(!link_info_parse(nlh, &li) && !li.kind[0] && !strcmp(li.operstate, "0x2a"),
	       "no kind; an unknown operstate as hex (%s)", li.operstate);
	nlh = newlink(buf, 5, "x", "veth");
	tap_ok(!link_info_parse(nlh, &li) && li.peer_netnsid == -1 && li.peer_ifindex == 0 &&
	       !strcmp(li.operstate, "unknown"), "a veth with nothing told: peer unknown");
	nlh->nlmsg_type = RTM_NEWADDR;
	tap_is_int(link_info_parse(nlh, &li), -EINVAL, "another message is refused");
	nlh->nlmsg_type = RTM_DELLINK;
	nlh->nlmsg_len = NLMSG_LENGTH(2);
	tap_is_int(link_info_parse(nlh, &li), -EINVAL, "a message too short is refused");
}

int main(void)
{
	veth();
	bridge();
	return tap_done();
}
