// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Container-facing links over rtnetlink with libnl-3.  Only this file and
 * link_dump's callers see libnl; NLE_* errors become -errno here.
 */

#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/addr.h>

#include "zonewall/link.h"

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

static int link_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_AF_NOSUPPORT:
	case NLE_PROTO_MISMATCH:
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_DUMP_INTR:
		return -EINTR;
	default:
		return -EIO;
	}
}

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

static void link_info_fill(struct link_info *li, struct rtnl_link *rl)
{
	const char *kind = rtnl_link_get_type(rl);
	struct nl_addr *ll = rtnl_link_get_addr(rl);
	int32_t nsid;

	memset(li, 0, sizeof(*li));
	li->ifindex = rtnl_link_get_ifindex(rl);
	snprintf(li->name, sizeof(li->name), "%s", rtnl_link_get_name(rl));
	snprintf(li->kind, sizeof(li->kind), "%s", kind ? kind : "");
	li->master = rtnl_link_get_master(rl);
	li->peer_netnsid = -1;
	if (kind && !strcmp(kind, "veth")) {
		/* IFLA_LINK names the peer's ifindex; in another namespace
		 * it is only meaningful together with IFLA_LINK_NETNSID. */
		li->peer_ifindex = rtnl_link_get_link(rl);
		if (rtnl_link_get_link_netnsid(rl, &nsid) == 0)
			li->peer_netnsid = nsid;
	}
	if (ll && nl_addr_get_len(ll) == 6) {
		const unsigned char *m = nl_addr_get_binary_addr(ll);

		snprintf(li->mac, sizeof(li->mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	li->mtu = rtnl_link_get_mtu(rl);
	li->up = rtnl_link_get_flags(rl) & IFF_UP;
	rtnl_link_operstate2str(rtnl_link_get_operstate(rl), li->operstate,
				sizeof(li->operstate));
}

/* A port of a bridge, a bridge or a veth: what containers plug into. */
static bool link_wanted(struct rtnl_link *rl, struct nl_cache *cache)
{
	const char *kind = rtnl_link_get_type(rl);
	struct rtnl_link *m;
	bool port = false;

	if (kind && (!strcmp(kind, "bridge") || !strcmp(kind, "veth")))
		return true;
	if (rtnl_link_get_master(rl) <= 0)
		return false;
	m = rtnl_link_get(cache, rtnl_link_get_master(rl));
	if (m) {
		const char *mk = rtnl_link_get_type(m);

		port = mk && !strcmp(mk, "bridge");
		rtnl_link_put(m);
	}
	return port;
}

static int link_addr_add(struct link_info *li, struct rtnl_addr *ra)
{
	struct nl_addr *local = rtnl_addr_get_local(ra);
	int family = rtnl_addr_get_family(ra);
	struct link_addr *grown, *a;

	if (!local || (family != AF_INET && family != AF_INET6))
		return 0;
	grown = realloc(li->addrs, (li->n_addrs + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	li->addrs = grown;
	a = &li->addrs[li->n_addrs];
	a->family = family;
	a->prefixlen = rtnl_addr_get_prefixlen(ra);
	if (!inet_ntop(family, nl_addr_get_binary_addr(local), a->text, sizeof(a->text)))
		return 0;
	li->n_addrs++;
	return 0;
}

static int link_cmp_ifindex(const void *a, const void *b)
{
	const struct link_info *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static int link_collect(struct link_list *out, struct nl_cache *lc)
{
	struct nl_object *o;
	size_t cap = nl_cache_nitems(lc);

	out->v = calloc(cap ? cap : 1, sizeof(*out->v));
	if (!out->v)
		return -ENOMEM;
	for (o = nl_cache_get_first(lc); o && out->n < cap; o = nl_cache_get_next(o)) {
		struct rtnl_link *rl = (struct rtnl_link *)o;

		if (link_wanted(rl, lc))
			link_info_fill(&out->v[out->n++], rl);
	}
	qsort(out->v, out->n, sizeof(*out->v), link_cmp_ifindex);
	return 0;
}

static int link_collect_addrs(struct link_list *out, struct nl_cache *ac)
{
	struct nl_object *o;
	int err;

	for (o = nl_cache_get_first(ac); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)o;
		struct link_info *li = (struct link_info *)
			link_list_find(out, rtnl_addr_get_ifindex(ra));

		if (!li)
			continue;
		err = link_addr_add(li, ra);
		if (err)
			return err;
	}
	return 0;
}

int link_list_dump(struct link_list *out)
{
	struct nl_cache *lc = NULL, *ac = NULL;
	struct nl_sock *sk;
	int err;

	out->v = NULL;
	out->n = 0;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		err = link_errno(err);
		goto out_free_sock;
	}
	err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &lc);
	if (err < 0) {
		err = link_errno(err);
		goto out_free_sock;
	}
	err = rtnl_addr_alloc_cache(sk, &ac);
	if (err < 0) {
		err = link_errno(err);
		goto out_free_lcache;
	}
	err = link_collect(out, lc);
	if (!err)
		err = link_collect_addrs(out, ac);
	if (err)
		link_list_free(out);
	nl_cache_free(ac);
out_free_lcache:
	nl_cache_free(lc);
out_free_sock:
	nl_socket_free(sk);
	return err;
}

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

#define LINK_MON_BRIDGES 64	/* bridges remembered; past it, every one is news */

struct link_monitor {
	struct nl_sock *sk;
	int seen;
	int bridge_news;	/* this drain: bridges that came, went or were renamed */
	/* bridges seen in notifications, so a bridge's own NEWLINK for a
	 * port joining or leaving (carrier, state) is not mistaken for news */
	struct { int ifindex; char name[IFNAMSIZ]; } br[LINK_MON_BRIDGES];
	size_t n_br;
};

static bool link_msg_is_bridge(struct nlmsghdr *nlh)
{
	struct nlattr *li = nlmsg_find_attr(nlh, sizeof(struct ifinfomsg), IFLA_LINKINFO);
	struct nlattr *kind = li ? nla_find(nla_data(li), nla_len(li), IFLA_INFO_KIND) : NULL;

	return kind && !strncmp(nla_data(kind), "bridge", (size_t)nla_len(kind));
}

/* A bridge's NEWLINK or DELLINK: is it news (new, renamed, gone)? */
static bool link_monitor_bridge(struct link_monitor *m, struct nlmsghdr *nlh)
{
	struct ifinfomsg *ifi = nlmsg_data(nlh);
	struct nlattr *na = nlmsg_find_attr(nlh, sizeof(*ifi), IFLA_IFNAME);
	char name[IFNAMSIZ] = "";
	size_t i;

	if (na)
		nla_strlcpy(name, na, sizeof(name));
	for (i = 0; i < m->n_br && m->br[i].ifindex != ifi->ifi_index; i++)
		;
	if (nlh->nlmsg_type == RTM_DELLINK) {
		if (i < m->n_br)
			m->br[i] = m->br[--m->n_br];
		return true;
	}
	if (i < m->n_br) {
		if (!strcmp(m->br[i].name, name))
			return false;
	} else if (m->n_br < LINK_MON_BRIDGES) {
		m->br[m->n_br++].ifindex = ifi->ifi_index;
	} else {
		return true;
	}
	snprintf(m->br[i].name, sizeof(m->br[i].name), "%s", name);
	return true;
}

static int link_monitor_count(struct nl_msg *msg, void *arg)
{
	struct link_monitor *m = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	m->seen++;
	if ((nlh->nlmsg_type == RTM_NEWLINK || nlh->nlmsg_type == RTM_DELLINK) &&
	    nlmsg_valid_hdr(nlh, sizeof(struct ifinfomsg)) && link_msg_is_bridge(nlh) &&
	    link_monitor_bridge(m, nlh))
		m->bridge_news++;
	return NL_OK;
}

int link_monitor_open(struct link_monitor **out)
{
	struct link_monitor *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	m->sk = nl_socket_alloc();
	if (!m->sk) {
		err = -ENOMEM;
		goto out_free_m;
	}
	/* Notifications carry no sequence number of ours. */
	nl_socket_disable_seq_check(m->sk);
	nl_socket_modify_cb(m->sk, NL_CB_VALID, NL_CB_CUSTOM, link_monitor_count, m);
	err = nl_connect(m->sk, NETLINK_ROUTE);
	if (!err)
		err = nl_socket_add_membership(m->sk, RTNLGRP_LINK);
	if (!err)
		err = nl_socket_set_nonblocking(m->sk);
	if (err < 0) {
		err = link_errno(err);
		goto out_free_m;
	}
	*out = m;
	return 0;

out_free_m:
	link_monitor_free(m);
	return err;
}

int link_monitor_fd(const struct link_monitor *m)
{
	return nl_socket_get_fd(m->sk);
}

int link_monitor_drain(struct link_monitor *m)
{
	int err;

	m->seen = 0;
	m->bridge_news = 0;
	for (;;) {
		err = nl_recvmsgs_default(m->sk);
		if (err == -NLE_AGAIN)
			return m->seen;
		/* ENOBUFS (libnl: NLE_NOMEM): notifications were lost. */
		if (err == -NLE_NOMEM) {
			m->seen++;
			m->bridge_news++;
			continue;
		}
		if (err < 0)
			return link_errno(err);
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
	nl_socket_free(m->sk);
	free(m);
}
