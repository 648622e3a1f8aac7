// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Container-facing links over rtnetlink, through libmnl and nlreq.c like
 * every other netlink request of zonewall (see docs/layout.md): one dump
 * of the links, one of the addresses, and a notification socket.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "zonewall/link.h"
#include "zonewall/nlreq.h"

/* The default table fits 120 columns: the peer's namespace id and the MAC
 * only with --wide, long address and port lists cut. */
const struct out_column link_columns[] = {
	{ .key = "ifindex", .title = "IFINDEX", .right = true },
	{ .key = "name", .title = "NAME" },
	{ .key = "kind", .title = "KIND" },
	{ .key = "bridge", .title = "BRIDGE" },
	{ .key = "peer_ifindex", .title = "PEER", .right = true },
	{ .key = "peer_netnsid", .title = "NETNSID", .right = true, .wide_only = true },
	{ .key = "state", .title = "STATE" },
	{ .key = "mac", .title = "MAC", .wide_only = true },
	{ .key = "addresses", .title = "ADDRESSES", .max = 28 },
	{ .key = "ports", .title = "PORTS", .max = 26 },
	{ .key = NULL },
};

bool link_is_bridge(const struct link_info *li)
{
	return !strcmp(li->kind, "bridge");
}

bool link_is_veth(const struct link_info *li)
{
	return !strcmp(li->kind, "veth");
}

const struct link_info *link_list_find(const struct link_list *l, int ifindex)
{
	size_t lo = 0, hi = l->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid].ifindex == ifindex)
			return &l->v[mid];
		if (l->v[mid].ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void link_list_free(struct link_list *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		free(l->v[i].addrs);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* --- the dump ---------------------------------------------------------------------- */

/* Every link of the dump, and the kind of each (to know its ports). */
struct link_dump {
	struct link_info *v;
	size_t n, cap;
	int err;		/* -ENOMEM while collecting */
};

static void link_operstate(uint8_t st, char *buf, size_t len)
{
	static const char *const names[] = {
		[IF_OPER_UNKNOWN] = "unknown", [IF_OPER_NOTPRESENT] = "notpresent",
		[IF_OPER_DOWN] = "down", [IF_OPER_LOWERLAYERDOWN] = "lowerlayerdown",
		[IF_OPER_TESTING] = "testing", [IF_OPER_DORMANT] = "dormant",
		[IF_OPER_UP] = "up",
	};

	if (st < sizeof(names) / sizeof(names[0]) && names[st])
		snprintf(buf, len, "%s", names[st]);
	else
		snprintf(buf, len, "0x%x", st);
}

static void link_kind_parse(const struct nlattr *info, struct link_info *li)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, info)
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
			snprintf(li->kind, sizeof(li->kind), "%.*s",
				 (int)strnlen(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a)),
				 (const char *)mnl_attr_get_payload(a));
}

/* One attribute of RTM_NEWLINK into @li (IFLA_LINK and IFLA_LINK_NETNSID kept for veths later). */
static void link_attr_parse(const struct nlattr *a, struct link_info *li, int *link, int *netnsid)
{
	uint16_t len = mnl_attr_get_payload_len(a);
	const uint8_t *p = mnl_attr_get_payload(a);

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		snprintf(li->name, sizeof(li->name), "%.*s", (int)strnlen((const char *)p, len),
			 (const char *)p);
		break;
	case IFLA_ADDRESS:
		if (len == 6)
			snprintf(li->mac, sizeof(li->mac), "%02x:%02x:%02x:%02x:%02x:%02x",
				 p[0], p[1], p[2], p[3], p[4], p[5]);
		break;
	case IFLA_MTU:
		if (len >= 4)
			li->mtu = mnl_attr_get_u32(a);
		break;
	case IFLA_MASTER:
		if (len >= 4)
			li->master = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINK:
		if (len >= 4)
			*link = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_LINK_NETNSID:
		if (len >= 4)
			*netnsid = (int)mnl_attr_get_u32(a);
		break;
	case IFLA_OPERSTATE:
		if (len >= 1)
			link_operstate(mnl_attr_get_u8(a), li->operstate, sizeof(li->operstate));
		break;
	case IFLA_LINKINFO:
		link_kind_parse(a, li);
		break;
	}
}

int link_info_parse(const struct nlmsghdr *nlh, struct link_info *li)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	int link = 0, netnsid = -1;

	if ((nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return -EINVAL;
	memset(li, 0, sizeof(*li));
	li->ifindex = ifi->ifi_index;
	li->up = ifi->ifi_flags & IFF_UP;
	link_operstate(IF_OPER_UNKNOWN, li->operstate, sizeof(li->operstate));
	mnl_attr_for_each(a, nlh, sizeof(*ifi))
		link_attr_parse(a, li, &link, &netnsid);
	li->peer_netnsid = -1;
	if (link_is_veth(li)) {
		/* IFLA_LINK names the peer's ifindex; in another namespace
		 * it is only meaningful together with IFLA_LINK_NETNSID. */
		li->peer_ifindex = link;
		li->peer_netnsid = netnsid;
	}
	return 0;
}

static int link_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct link_dump *d = data;
	struct link_info li;

	if (nlh->nlmsg_type != RTM_NEWLINK || link_info_parse(nlh, &li))
		return MNL_CB_OK;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct link_info *v = realloc(d->v, cap * sizeof(*v));

		if (!v) {
			d->err = -ENOMEM;
			return MNL_CB_OK;
		}
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = li;
	return MNL_CB_OK;
}

static int link_cmp_ifindex(const void *a, const void *b)
{
	const struct link_info *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

/* A port of a bridge, a bridge or a veth: what containers plug into. */
static bool link_wanted(const struct link_list *all, const struct link_info *li)
{
	const struct link_info *m;

	if (link_is_bridge(li) || link_is_veth(li))
		return true;
	m = li->master > 0 ? link_list_find(all, li->master) : NULL;
	return m && link_is_bridge(m);
}

/* Move the wanted links of @all (sorted by ifindex) to @out.  Return: 0 or -ENOMEM. */
static int link_keep_wanted(struct link_list *all, struct link_list *out)
{
	bool *keep = calloc(all->n + 1, sizeof(*keep));
	size_t k = 0;

	if (!keep)
		return -ENOMEM;
	for (size_t i = 0; i < all->n; i++)
		keep[i] = link_wanted(all, &all->v[i]);
	for (size_t i = 0; i < all->n; i++)
		if (keep[i])
			all->v[k++] = all->v[i];
	free(keep);
	out->v = all->v;
	out->n = k;
	all->v = NULL;
	all->n = 0;
	return 0;
}

static int link_addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *local;
	struct link_list *l = data;
	struct link_addr *grown, *a;
	struct link_info *li;

	if (nlh->nlmsg_type != RTM_NEWADDR || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return MNL_CB_OK;
	li = (struct link_info *)link_list_find(l, (int)ifa->ifa_index);
	local = li ? nlreq_ifa_local(nlh) : NULL;
	if (!local)
		return MNL_CB_OK;
	grown = realloc(li->addrs, (li->n_addrs + 1) * sizeof(*grown));
	if (!grown) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	li->addrs = grown;
	a = &li->addrs[li->n_addrs];
	a->family = ifa->ifa_family;
	a->prefixlen = ifa->ifa_prefixlen;
	if (inet_ntop(a->family, mnl_attr_get_payload(local), a->text, sizeof(a->text)))
		li->n_addrs++;
	return MNL_CB_OK;
}

/* A dump request of @type for @family into @buf. */
static struct nlmsghdr *link_dump_req(char *buf, uint16_t type, uint8_t family, unsigned int seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = family;
	return nlh;
}

int link_list_dump(struct link_list *out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct link_dump d = { 0 };
	struct link_list all;
	struct mnl_socket *nl;
	int err;

	out->v = NULL;
	out->n = 0;
	nl = nlreq_open(NETLINK_ROUTE);
	if (!nl)
		return -errno;
	err = nlreq_talk(nl, link_dump_req(buf, RTM_GETLINK, AF_UNSPEC, 1), link_dump_cb, &d);
	if (!err)
		err = d.err;
	all.v = d.v;
	all.n = d.n;
	if (!err) {
		qsort(all.v, all.n, sizeof(*all.v), link_cmp_ifindex);
		err = link_keep_wanted(&all, out);
	}
	if (!err) {
		err = nlreq_talk(nl, link_dump_req(buf, RTM_GETADDR, AF_UNSPEC, 2),
				 link_addr_cb, out);
	}
	link_list_free(&all);
	if (err)
		link_list_free(out);
	mnl_socket_close(nl);
	return err;
}

/* --- rows -------------------------------------------------------------------------- */

static json_t *link_int_or_null(int v, bool known)
{
	return known ? json_integer(v) : json_null();
}

static json_t *link_ports_json(const struct link_list *l, const struct link_info *br)
{
	json_t *ports = json_array();
	size_t i;

	for (i = 0; ports && i < l->n; i++)
		if (l->v[i].master == br->ifindex)
			json_array_append_new(ports, json_string(l->v[i].name));
	return ports;
}

static json_t *link_addrs_json(const struct link_info *li)
{
	json_t *addrs = json_array();
	size_t i;

	for (i = 0; addrs && i < li->n_addrs; i++)
		json_array_append_new(addrs, json_sprintf("%s/%u", li->addrs[i].text,
							  li->addrs[i].prefixlen));
	return addrs;
}

static json_t *link_info_json(const struct link_list *l, const struct link_info *li)
{
	const struct link_info *br = li->master ? link_list_find(l, li->master) : NULL;
	bool veth = link_is_veth(li);

	return json_pack("{s:i, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:b, s:s, s:i, s:o}",
			 "ifindex", li->ifindex,
			 "name", li->name,
			 "kind", li->kind[0] ? li->kind : "-",
			 "bridge", br ? json_string(br->name) : json_null(),
			 "ports", link_is_bridge(li) ? link_ports_json(l, li) : json_null(),
			 "peer_ifindex", link_int_or_null(li->peer_ifindex, veth && li->peer_ifindex > 0),
			 "peer_netnsid", link_int_or_null(li->peer_netnsid, li->peer_netnsid >= 0),
			 "state", li->operstate,
			 "up", li->up,
			 "mac", li->mac[0] ? li->mac : "-",
			 "mtu", (int)li->mtu,
			 "addresses", link_addrs_json(li));
}

json_t *link_list_json(const struct link_list *l)
{
	json_t *rows = json_array();
	size_t i;

	for (i = 0; rows && i < l->n; i++) {
		json_t *row = link_info_json(l, &l->v[i]);

		if (!row || json_array_append_new(rows, row)) {
			json_decref(rows);
			return NULL;
		}
	}
	return rows;
}

/* --- notifications ----------------------------------------------------------------- */

#define LINK_MON_BRIDGES 64	/* bridges remembered; past it, every one is news */

struct link_monitor {
	struct mnl_socket *nl;
	int seen;
	int bridge_news;	/* this drain: bridges that came, went or were renamed */
	/* bridges seen in notifications, so a bridge's own NEWLINK for a
	 * port joining or leaving (carrier, state) is not mistaken for news */
	struct { int ifindex; char name[IFNAMSIZ]; } br[LINK_MON_BRIDGES];
	size_t n_br;
};

/* A bridge's NEWLINK or DELLINK: is it news (new, renamed, gone)? */
static bool link_monitor_bridge(struct link_monitor *m, const struct nlmsghdr *nlh,
				const struct link_info *li)
{
	size_t i;

	for (i = 0; i < m->n_br && m->br[i].ifindex != li->ifindex; i++)
		;
	if (nlh->nlmsg_type == RTM_DELLINK) {
		if (i < m->n_br)
			m->br[i] = m->br[--m->n_br];
		return true;
	}
	if (i < m->n_br) {
		if (!strcmp(m->br[i].name, li->name))
			return false;
	} else if (m->n_br < LINK_MON_BRIDGES) {
		m->br[m->n_br++].ifindex = li->ifindex;
	} else {
		return true;
	}
	snprintf(m->br[i].name, sizeof(m->br[i].name), "%s", li->name);
	return true;
}

static int link_monitor_count(const struct nlmsghdr *nlh, void *data)
{
	struct link_monitor *m = data;
	struct link_info li;

	m->seen++;
	if (!link_info_parse(nlh, &li) && link_is_bridge(&li) && link_monitor_bridge(m, nlh, &li))
		m->bridge_news++;
	return MNL_CB_OK;
}

int link_monitor_open(struct link_monitor **out)
{
	struct link_monitor *m = calloc(1, sizeof(*m));
	int err = 0, fl;

	if (!m)
		return -ENOMEM;
	m->nl = mnl_socket_open(NETLINK_ROUTE);
	if (!m->nl || mnl_socket_bind(m->nl, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0)
		err = -errno;
	fl = err ? -1 : fcntl(mnl_socket_get_fd(m->nl), F_GETFL);
	if (!err && (fl < 0 || fcntl(mnl_socket_get_fd(m->nl), F_SETFL, fl | O_NONBLOCK) < 0))
		err = -errno;
	if (err) {
		link_monitor_free(m);
		return err;
	}
	*out = m;
	return 0;
}

int link_monitor_fd(const struct link_monitor *m)
{
	return mnl_socket_get_fd(m->nl);
}

int link_monitor_drain(struct link_monitor *m)
{
	char buf[32768];
	ssize_t n;

	m->seen = 0;
	m->bridge_news = 0;
	for (;;) {
		n = mnl_socket_recvfrom(m->nl, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return m->seen;
		/* ENOBUFS: notifications were lost. */
		if (n < 0 && errno == ENOBUFS) {
			m->seen++;
			m->bridge_news++;
			continue;
		}
		if (n < 0)
			return -errno;
		/* notifications carry no sequence number or port id of ours */
		mnl_cb_run(buf, (size_t)n, 0, 0, link_monitor_count, m);
	}
}

int link_monitor_bridge_news(const struct link_monitor *m)
{
	return m->bridge_news;
}

void link_monitor_free(struct link_monitor *m)
{
	if (!m)
		return;
	if (m->nl)
		mnl_socket_close(m->nl);
	free(m);
}
