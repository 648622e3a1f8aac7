// SPDX-License-Identifier: GPL-2.0-or-later
/* Host-side veths by network namespace id, over rtnetlink (see nsid.h). */

#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "zonewall/nlreq.h"
#include "zonewall/nsid.h"

static int nsid_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct rtgenmsg))
		if (mnl_attr_get_type(a) == NETNSA_NSID && mnl_attr_get_payload_len(a) >= 4)
			*(int *)data = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
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

/* --- the port by the container's side ------------------------------------------- */

/* One link as RTM_NEWLINK tells it: what nsid_port_find() looks at. */
struct nsid_link {
	char name[16];
	uint8_t mac[6];
	bool has_mac, veth;
	int link, master, link_netnsid;
};

static void nsid_link_kind(const struct nlattr *li, struct nsid_link *l)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, li)
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
			l->veth = !strncmp(mnl_attr_get_payload(a), "veth",
					   mnl_attr_get_payload_len(a));
}

static void nsid_link_parse(const struct nlmsghdr *nlh, struct nsid_link *l)
{
	const struct nlattr *a;

	memset(l, 0, sizeof(*l));
	l->link_netnsid = -1;
	mnl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
		uint16_t len = mnl_attr_get_payload_len(a);

		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			snprintf(l->name, sizeof(l->name), "%.*s", (int)len,
				 (const char *)mnl_attr_get_payload(a));
			break;
		case IFLA_ADDRESS:
			if (len == 6) {
				memcpy(l->mac, mnl_attr_get_payload(a), 6);
				l->has_mac = true;
			}
			break;
		case IFLA_LINK:
			if (len >= 4)
				l->link = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_MASTER:
			if (len >= 4)
				l->master = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_LINK_NETNSID:
			if (len >= 4)
				l->link_netnsid = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_LINKINFO:
			nsid_link_kind(a, l);
			break;
		}
	}
}

struct nsid_find {
	uint8_t mac[6];
	int peer;		/* the matching link's IFLA_LINK, 0 if none */
	int matches;
	struct nsid_link got;	/* for a single-link request */
};

static int nsid_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nsid_find *f = data;
	struct nsid_link l;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	nsid_link_parse(nlh, &l);
	if (l.has_mac && !memcmp(l.mac, f->mac, 6) && l.link > 0) {
		f->peer = l.link;
		f->matches++;
	}
	return MNL_CB_OK;
}

static int nsid_get_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type == RTM_NEWLINK)
		nsid_link_parse(nlh, &((struct nsid_find *)data)->got);
	return MNL_CB_OK;
}

int nsid_of_pid(int pid)
{
	char buf[256];
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;
	int nsid = -1, rc;

	if (pid <= 0)
		return -ESRCH;
	nl = nlreq_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETNSID;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (unsigned int)time(NULL) ^ (unsigned int)pid;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_PID, (uint32_t)pid);
	/* an error ack (no such process) comes back as -errno */
	rc = nlreq_talk(nl, nlh, nsid_cb, &nsid);
	mnl_socket_close(nl);
	return rc ? rc : nsid >= 0 ? nsid : -ENOENT;
}

/* RTM_GETLINK for @ifindex here (0: a dump), in namespace @nsid if >= 0. */
static struct nlmsghdr *nsid_getlink(char *buf, unsigned int seq, int ifindex, int nsid)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_GETLINK;
	/* a single link's answer ends with the ack, a dump's with DONE */
	nlh->nlmsg_flags = NLM_F_REQUEST | (ifindex ? NLM_F_ACK : NLM_F_DUMP);
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (nsid >= 0)
		mnl_attr_put_u32(nlh, IFLA_TARGET_NETNSID, (uint32_t)nsid);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nlh;
}

static int nsid_mac_parse(const char *text, uint8_t mac[6])
{
	unsigned int b[6];
	char end;

	if (sscanf(text, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

int nsid_port_find(int nsid, const char *mac, char *veth, size_t vlen, char *bridge, size_t blen)
{
	char buf[256];
	unsigned int seq = (unsigned int)time(NULL) ^ (unsigned int)nsid << 16;
	struct nsid_find f = { .peer = 0 };
	struct mnl_socket *nl;
	int rc;

	if (nsid < 0 || nsid_mac_parse(mac, f.mac))
		return -EINVAL;
	nl = nlreq_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	/* the container's side: its interface with @mac names its peer here */
	rc = nlreq_talk(nl, nsid_getlink(buf, seq, 0, nsid), nsid_dump_cb, &f);
	if (!rc && f.matches != 1)
		rc = -ENOENT;
	/* the peer, by index: a veth whose own peer is in @nsid (an index
	 * alone could name a link in some third namespace) */
	if (!rc)
		rc = nlreq_talk(nl, nsid_getlink(buf, seq + 1, f.peer, -1), nsid_get_cb, &f);
	if (!rc && (!f.got.veth || f.got.link_netnsid != nsid))
		rc = -ENOENT;
	if (rc)
		goto out_close;
	snprintf(veth, vlen, "%s", f.got.name);
	bridge[0] = '\0';
	if (f.got.master > 0 &&
	    nlreq_talk(nl, nsid_getlink(buf, seq + 2, f.got.master, -1), nsid_get_cb, &f) == 0)
		snprintf(bridge, blen, "%s", f.got.name);
out_close:
	mnl_socket_close(nl);
	return rc;
}

int nsid_port_resolve(int pid, const char *mac, const char *gateway, size_t n_nets,
		      struct nsid_links *links, char *veth, size_t vlen, char *bridge, size_t blen)
{
	const struct link_info *li, *br;
	int nsid = nsid_of_pid(pid), rc;

	veth[0] = bridge[0] = '\0';
	if (nsid >= 0 && mac[0] && nsid_port_find(nsid, mac, veth, vlen, bridge, blen) == 0)
		return 0;
	veth[0] = bridge[0] = '\0';
	if (!links->valid) {
		rc = link_list_dump(&links->l);
		if (rc)
			return rc;
		links->valid = true;
		nsid = nsid_of_pid(pid);	/* the dump made the kernel name it */
	}
	li = nsid_port_match(&links->l, nsid, gateway, n_nets);
	if (!li)
		return -ENOENT;
	br = link_list_find(&links->l, li->master);
	snprintf(veth, vlen, "%s", li->name);
	if (br)
		snprintf(bridge, blen, "%s", br->name);
	return 0;
}

void nsid_links_free(struct nsid_links *links)
{
	if (links->valid)
		link_list_free(&links->l);
	links->valid = false;
}
