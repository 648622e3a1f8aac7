// SPDX-License-Identifier: GPL-2.0-or-later
/* Host-side veths by network namespace id, over rtnetlink (see netns-id.h). */

#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "zonewall/nlreq.h"
#include "zonewall/netns-id.h"

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

/* One RTM_GETNSID, or RTM_NEWNSID for any free id, about @pid's namespace
 * on @nl; an answer's id goes to @nsid. */
static int nsid_request(struct mnl_socket *nl, uint16_t type, int pid, int *nsid)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (unsigned int)time(NULL) ^ (unsigned int)pid ^ (unsigned int)type << 24;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_PID, (uint32_t)pid);
	if (type == RTM_NEWNSID)
		mnl_attr_put_u32(nlh, NETNSA_NSID, (uint32_t)-1);	/* -1: any free id */
	/* an error ack (no such process) comes back as -errno */
	return nlreq_talk(nl, nlh, nsid_cb, nsid);
}

/* nsid_of_pid() on @nl. */
static int nsid_get(struct mnl_socket *nl, int pid)
{
	int nsid = -1, rc;

	if (pid <= 0)
		return -ESRCH;
	rc = nsid_request(nl, RTM_GETNSID, pid, &nsid);
	return rc ? rc : nsid >= 0 ? nsid : -ENOENT;
}

int nsid_of_pid(int pid)
{
	struct mnl_socket *nl = nlreq_open(NETLINK_ROUTE);
	int rc;

	if (!nl)
		return -errno;
	rc = nsid_get(nl, pid);
	mnl_socket_close(nl);
	return rc;
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

/*
 * The peer here, by index @peer, of an interface in namespace @nsid: it
 * must be a veth whose own peer is in @nsid (an index alone could name a
 * link in some third namespace), and when @there > 0 that very interface.
 * Fills @veth and @bridge (its master's name, "" when none).
 * Return: 0; -ENOENT when it is not such a veth; another -errno.
 */
static int nsid_peer_read(struct mnl_socket *nl, unsigned int seq, int nsid, int peer, int there,
			  char *veth, size_t vlen, char *bridge, size_t blen, int *master)
{
	char buf[256];
	struct nsid_find f;
	int rc;

	memset(&f, 0, sizeof(f));
	rc = nlreq_talk(nl, nsid_getlink(buf, seq, peer, -1), nsid_get_cb, &f);
	if (rc == -ENODEV || (!rc && (!f.got.veth || f.got.link_netnsid != nsid ||
				      (there > 0 && f.got.link != there))))
		rc = -ENOENT;
	if (rc)
		return rc;
	snprintf(veth, vlen, "%s", f.got.name);
	bridge[0] = '\0';
	*master = f.got.master;
	if (f.got.master > 0 &&
	    nlreq_talk(nl, nsid_getlink(buf, seq + 1, f.got.master, -1), nsid_get_cb, &f) == 0)
		snprintf(bridge, blen, "%s", f.got.name);
	return 0;
}

int nsid_port_find(int nsid, const char *mac, char *veth, size_t vlen, char *bridge, size_t blen)
{
	char buf[256];
	unsigned int seq = (unsigned int)time(NULL) ^ (unsigned int)nsid << 16;
	struct nsid_find f = { .peer = 0 };
	struct mnl_socket *nl;
	int rc, master;

	if (nsid < 0 || nsid_mac_parse(mac, f.mac))
		return -EINVAL;
	nl = nlreq_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	/* the container's side: its interface with @mac names its peer here */
	rc = nlreq_talk(nl, nsid_getlink(buf, seq, 0, nsid), nsid_dump_cb, &f);
	if (!rc && f.matches != 1)
		rc = -ENOENT;
	if (!rc)
		rc = nsid_peer_read(nl, seq + 1, nsid, f.peer, 0, veth, vlen, bridge, blen, &master);
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

/* --- a container's attachments ------------------------------------------------------- */

int nsid_assign_pid(int pid)
{
	struct mnl_socket *nl = nlreq_open(NETLINK_ROUTE);
	int nsid, unused = -1, rc;

	if (!nl)
		return -errno;
	nsid = nsid_get(nl, pid);
	if (nsid == -ENOENT) {
		rc = nsid_request(nl, RTM_NEWNSID, pid, &unused);
		/* EEXIST: someone assigned one meanwhile */
		nsid = rc && rc != -EEXIST ? rc : nsid_get(nl, pid);
	}
	mnl_socket_close(nl);
	return nsid;
}

/* What nsid_ports_read() gathers: per port, its index there and its peer's here. */
struct nsid_scan {
	struct nsid_port *v;
	size_t max, n;
	int there[NSID_PORTS_MAX], here[NSID_PORTS_MAX], bridge[NSID_PORTS_MAX];
	bool too_many;
};

static int nsid_scan_link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nsid_scan *s = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nsid_link l;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	nsid_link_parse(nlh, &l);
	if (!l.veth || !l.has_mac || l.link <= 0)
		return MNL_CB_OK;
	if (s->n == s->max || s->n == NSID_PORTS_MAX) {
		s->too_many = true;
		return MNL_CB_OK;
	}
	memset(&s->v[s->n], 0, sizeof(s->v[s->n]));
	snprintf(s->v[s->n].mac, sizeof(s->v[s->n].mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		 l.mac[0], l.mac[1], l.mac[2], l.mac[3], l.mac[4], l.mac[5]);
	s->there[s->n] = ifi->ifi_index;
	s->here[s->n] = l.link;
	s->n++;
	return MNL_CB_OK;
}

/* Drop port @i of @s (its peer is not here). */
static void nsid_scan_drop(struct nsid_scan *s, size_t i)
{
	s->n--;
	s->v[i] = s->v[s->n];
	s->there[i] = s->there[s->n];
	s->here[i] = s->here[s->n];
	s->bridge[i] = s->bridge[s->n];
}

/* Each port's peer here, checked to be a veth leading back to the same
 * interface in @nsid (an index alone could name a link anywhere), and its bridge. */
static int nsid_scan_peers(struct mnl_socket *nl, unsigned int seq, int nsid, struct nsid_scan *s)
{
	size_t i = 0;
	int rc;

	while (i < s->n) {
		struct nsid_port *p = &s->v[i];

		rc = nsid_peer_read(nl, seq, nsid, s->here[i], s->there[i], p->veth, sizeof(p->veth),
				    p->bridge, sizeof(p->bridge), &s->bridge[i]);
		seq += 2;
		if (rc == -ENOENT) {
			nsid_scan_drop(s, i);
			continue;
		}
		if (rc)
			return rc;
		i++;
	}
	return 0;
}

/* An address dump's callback context: the ports' indexes on one side. */
struct nsid_addr_walk {
	struct nsid_scan *s;
	bool bridges;		/* the bridges' addresses here, else the ports' there */
};

/* @addr: nlreq_ifa_local()'s, of the family's length */
static void nsid_prefix_add(struct nsid_prefix *v, size_t *n, const struct ifaddrmsg *ifa,
			    const struct nlattr *addr)
{
	if (*n < NSID_PORT_ADDRS) {
		v[*n].family = ifa->ifa_family;
		memset(v[*n].a, 0, sizeof(v[*n].a));
		memcpy(v[*n].a, mnl_attr_get_payload(addr), mnl_attr_get_payload_len(addr));
		v[*n].len = ifa->ifa_prefixlen;
	}
	(*n)++;
}

static int nsid_addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nsid_addr_walk *w = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *local;
	struct nsid_scan *s = w->s;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_scope != RT_SCOPE_UNIVERSE ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return MNL_CB_OK;
	local = nlreq_ifa_local(nlh);
	for (size_t i = 0; local && i < s->n; i++) {
		struct nsid_port *p = &s->v[i];

		if (w->bridges && s->bridge[i] > 0 && (int)ifa->ifa_index == s->bridge[i])
			nsid_prefix_add(p->br_addrs, &p->n_br_addrs, ifa, local);
		else if (!w->bridges && (int)ifa->ifa_index == s->there[i])
			nsid_prefix_add(p->addrs, &p->n_addrs, ifa, local);
	}
	return MNL_CB_OK;
}

/* RTM_GETADDR dump of @family, in namespace @nsid if >= 0 (strict checking on). */
static struct nlmsghdr *nsid_getaddr(char *buf, unsigned int seq, int family, int nsid)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (unsigned char)family;
	if (nsid >= 0)
		mnl_attr_put_u32(nlh, IFA_TARGET_NETNSID, (uint32_t)nsid);
	return nlh;
}

static int nsid_scan_addrs(struct mnl_socket *nl, unsigned int seq, int nsid, struct nsid_scan *s)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct nsid_addr_walk there = { .s = s }, here = { .s = s, .bridges = true };
	char buf[256];
	int rc = 0;

	for (size_t f = 0; !rc && f < 2; f++) {
		rc = nlreq_talk(nl, nsid_getaddr(buf, seq++, families[f], nsid), nsid_addr_cb, &there);
		/* a host without IPv6 has no dump for it */
		if (rc == -EAFNOSUPPORT || rc == -EOPNOTSUPP)
			rc = 0;
		if (!rc)
			rc = nlreq_talk(nl, nsid_getaddr(buf, seq++, families[f], -1), nsid_addr_cb,
					&here);
		if (rc == -EAFNOSUPPORT || rc == -EOPNOTSUPP)
			rc = 0;
	}
	return rc;
}

int nsid_ports_read(int nsid, struct nsid_port *v, size_t max, size_t *n)
{
	unsigned int seq = (unsigned int)time(NULL) ^ (unsigned int)nsid << 20;
	struct nsid_scan s = { .v = v, .max = max };
	char buf[256];
	struct mnl_socket *nl;
	int rc;

	*n = 0;
	if (nsid < 0)
		return -EINVAL;
	nl = nlreq_open_strict(NETLINK_ROUTE);	/* for IFA_TARGET_NETNSID */
	if (!nl)
		return -errno;
	rc = nlreq_talk(nl, nsid_getlink(buf, seq, 0, nsid), nsid_scan_link_cb, &s);
	if (!rc && s.too_many)
		rc = -E2BIG;
	if (!rc)
		rc = nsid_scan_peers(nl, seq + 1, nsid, &s);
	if (!rc)
		rc = nsid_scan_addrs(nl, seq + 64, nsid, &s);
	if (!rc)
		*n = s.n;
	mnl_socket_close(nl);
	return rc;
}
