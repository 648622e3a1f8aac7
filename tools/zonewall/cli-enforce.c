// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The adapter from this host's sources of truth to the compiler's snapshot:
 * the static inventory, the container runtime (running containers, each
 * network attachment with its addresses, MAC and host-side veth), and the
 * kernel (every bridge is a container bridge; for inventory entries, the
 * bridge port behind which their host address lives).
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "cli.h"
#include "cli-enforce.h"
#include "cli-policy.h"
#include "zonewall/inventory.h"
#include "zonewall/link.h"
#include "zonewall/nlreq.h"
#include "zonewall/owner.h"
#include "zonewall/ruleset.h"
#include "zonewall/runtime.h"

#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

int clie_option(const char *cmd, int c, const char *arg, struct clie_opts *o)
{
	char *end, q[RS_QUOTED_MAX];
	unsigned long v;

	switch (c) {
	case 'r':
		o->runtime = arg;
		return 1;
	case 'i':
		o->inventory = arg;
		return 1;
	case 'q':
		o->quiet = true;
		return 1;
	case 'b':
		if (o->n_bridges == sizeof(o->bridges) / sizeof(o->bridges[0]))
			return cli_usage_error(cmd, "too many --bridge");
		/* a name, not a pattern: "br*" is the bridge called br* */
		if (!rs_ifname_valid(arg))
			return cli_usage_error(cmd, "--bridge %s: not an interface name (1-%d bytes, "
					       "no '/', ':' or white space)",
					       rs_quote(arg, q, sizeof(q)), RS_IFNAMSIZ - 1);
		o->bridges[o->n_bridges++] = arg;
		return 1;
	case 'g':
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || v > 65535)
			return cli_usage_error(cmd, "--log-group wants 0-65535, not '%s'", arg);
		o->log_group = v;
		return 1;
	}
	return 0;
}

/* --- inventory ---------------------------------------------------------------- */

static int add_inventory(const char *cmd, const struct inv *inv, struct cmp_snapshot *s)
{
	char err[512];

	if (cmp_snap_add_inventory(s, inv, err, sizeof(err)))
		return cli_fail(cmd, "%s", err);
	return CLI_OK;
}

/* --- the runtime ---------------------------------------------------------------- */

/* With --bridge, only those bridges are ours to judge: an attachment to any
 * other bridge (or to one we could not identify) is left out, so apply never
 * filters traffic on another user's container networks. */
static bool bridge_selected(const struct clie_opts *o, const char *bridge)
{
	if (!o->n_bridges)
		return true;
	for (size_t i = 0; i < o->n_bridges; i++)
		if (!strcmp(o->bridges[i], bridge))
			return true;
	return false;
}

static int add_container(const char *cmd, const struct clie_opts *o, const struct id_rules *rules,
			 struct id_workload *iw, struct cmp_snapshot *s)
{
	char origin[300], q[RS_QUOTED_MAX], qm[RS_QUOTED_MAX];
	bool explicit_zone;
	int rc;

	if (id_resolve(rules, iw) < 0)
		return cli_fail(cmd, "out of memory");
	explicit_zone = iw->zone_source && strcmp(iw->zone_source, "default");
	snprintf(origin, sizeof(origin), "container %s (%.12s)", iw->name, iw->id);
	/* One endpoint per network attachment: each has its own port and MAC. */
	for (size_t j = 0; j < iw->n_nets; j++) {
		const struct id_net *n = &iw->nets[j];
		struct cmp_workload *w;

		if (!bridge_selected(o, n->bridge))
			continue;
		w = cmp_snap_add(s, iw->identity, explicit_zone ? iw->zone : NULL, origin);
		if (!w)
			return cli_fail(cmd, "%s: %s", origin, strerror(errno));
		for (size_t k = 0; k < iw->n_labels; k++)
			if (cmp_workload_add_label(w, iw->labels[k].key, iw->labels[k].value) < 0)
				return cli_fail(cmd, "out of memory");
		for (size_t k = 0; k < iw->n_nets; k++)
			if (cmp_workload_add_network(w, iw->nets[k].name) < 0)
				return cli_fail(cmd, "out of memory");
		if ((n->ipv4[0] && cmp_workload_add_addr(w, n->ipv4) < 0) ||
		    (n->ipv6[0] && cmp_workload_add_addr(w, n->ipv6) < 0))
			return cli_fail(cmd, "%s: bad address on network %s", origin, n->name);
		if (n->veth[0] && n->mac[0] && cmp_workload_set_port(w, n->veth, n->mac) < 0)
			cli_warn(cmd, "%s: port %s or MAC %s unusable: not bound", origin,
				 rs_quote(n->veth, q, sizeof(q)), rs_quote(n->mac, qm, sizeof(qm)));
		/* a bridge left out would be waved through as not container traffic */
		rc = n->bridge[0] ? cmp_snap_add_bridge(s, n->bridge) : 0;
		if (rc < 0)
			return cli_fail(cmd, "%s: network %s: bridge %s: %s", origin, n->name,
					rs_quote(n->bridge, q, sizeof(q)),
					rc == -EINVAL ? "not an interface name, cannot be guarded" :
					strerror(-rc));
	}
	return CLI_OK;
}

static int add_runtime(const char *cmd, const struct clie_opts *o, const struct id_rules *rules,
		       struct cmp_snapshot *s)
{
	char err[512], found[512];
	struct id_workload **v = NULL;
	struct rt_client *c;
	size_t n = 0;
	int rc, status = CLI_OK;

	const char *uri = o->runtime;

	if (uri && !strcmp(uri, "none"))
		return CLI_OK;
	if (!uri) {
		if (!rt_detect(found, sizeof(found)))
			return cli_runtime_missing(cmd);
		uri = found;
	}
	c = rt_client_new(uri, err, sizeof(err));
	if (!c)
		return cli_fail(cmd, "runtime %s: %s", uri, err);
	rc = rt_negotiate(c, err, sizeof(err));
	if (rc == 0)
		rc = rt_list(c, &v, &n, err, sizeof(err));
	if (rc) {
		status = cli_fail(cmd, "runtime %s: %s", uri, err);
		goto out_free_client;
	}
	rt_ports_resolve(v, n);	/* best effort: unbound ports are warned about */
	for (size_t i = 0; i < n && status == CLI_OK; i++)
		if (v[i]->state && !strcmp(v[i]->state, "running"))
			status = add_container(cmd, o, rules, v[i], s);
	for (size_t i = 0; i < n; i++)
		id_workload_put(v[i]);
	free(v);
out_free_client:
	rt_client_free(c);
	return status;
}

/* --- the kernel: bridges, and where inventory addresses live -------------------------- */

struct peer_info {
	int ifindex;
	char mac[18];
	struct cmp_prefix addrs[16];
	size_t n_addrs;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct peer_info *pi = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWLINK || ifi->ifi_index != pi->ifindex)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifi)) {
		const uint8_t *m = mnl_attr_get_payload(a);

		if (mnl_attr_get_type(a) == IFLA_ADDRESS && mnl_attr_get_payload_len(a) == 6)
			snprintf(pi->mac, sizeof(pi->mac), "%02x:%02x:%02x:%02x:%02x:%02x",
				 m[0], m[1], m[2], m[3], m[4], m[5]);
	}
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct peer_info *pi = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	struct cmp_prefix *p;

	if (nlh->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != pi->ifindex ||
	    ifa->ifa_scope != RT_SCOPE_UNIVERSE || pi->n_addrs == 16)
		return MNL_CB_OK;
	a = nlreq_ifa_local(nlh);
	if (!a)
		return MNL_CB_OK;
	p = &pi->addrs[pi->n_addrs++];
	memset(p, 0, sizeof(*p));
	p->family = ifa->ifa_family == AF_INET ? 4 : 6;
	p->len = p->family == 4 ? 32 : 128;
	p->rank = p->len;
	memcpy(p->a, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
	return MNL_CB_OK;
}

static int nl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static unsigned int seq;

	nlh->nlmsg_seq = ++seq + (unsigned int)time(NULL);
	return nlreq_talk(nl, nlh, cb, data);
}

/* The peer's MAC and global addresses, asked of its namespace by netns id. */
static int peer_read(struct mnl_socket *nl, int nsid, struct peer_info *pi)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct ifaddrmsg *ifa;
	int rc;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = pi->ifindex;
	mnl_attr_put_u32(nlh, IFLA_TARGET_NETNSID, nsid);
	if ((rc = nl_talk(nl, nlh, link_cb, pi)) < 0)
		return rc;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_index = pi->ifindex;
	mnl_attr_put_u32(nlh, IFA_TARGET_NETNSID, nsid);
	return nl_talk(nl, nlh, addr_cb, pi);
}

/* Bind an inventory entry's host address to the port it was found behind. */
static void bind_found(struct cmp_snapshot *s, const struct link_info *li, const struct peer_info *pi)
{
	for (size_t k = 0; k < pi->n_addrs; k++)
		for (size_t i = 0; i < s->n; i++) {
			struct cmp_workload *w = s->w[i];

			if (w->port[0] || strncmp(w->origin, "inventory ", 10))
				continue;
			for (size_t j = 0; j < w->n_addrs; j++)
				if (!memcmp(&w->addrs[j], &pi->addrs[k], sizeof(pi->addrs[k])) && pi->mac[0])
					cmp_workload_set_port(w, li->name, pi->mac);
		}
}

static bool is_ours(const struct cmp_snapshot *s, const struct link_info *br)
{
	for (size_t i = 0; br && i < s->n_bridges; i++)
		if (!strcmp(s->bridges[i], br->name))
			return true;
	return false;
}

static void find_inventory_ports(const struct link_list *l, struct cmp_snapshot *s)
{
	struct mnl_socket *nl = nlreq_open_strict(NETLINK_ROUTE);

	if (!nl)
		return;
	for (size_t i = 0; i < l->n; i++) {
		const struct link_info *li = &l->v[i];
		struct peer_info pi = { .ifindex = li->peer_ifindex };

		if (!link_is_veth(li) || !is_ours(s, link_list_find(l, li->master)) ||
		    li->peer_netnsid < 0 || li->peer_ifindex <= 0)
			continue;
		if (peer_read(nl, li->peer_netnsid, &pi) == 0)
			bind_found(s, li, &pi);
	}
	mnl_socket_close(nl);
}

static int add_kernel(const char *cmd, const struct clie_opts *o, struct cmp_snapshot *s)
{
	struct link_list l;
	char q[RS_QUOTED_MAX];
	int rc = link_list_dump(&l), status = CLI_OK;

	if (rc)
		return cli_fail(cmd, "cannot read links over rtnetlink: %s", strerror(-rc));
	/* --bridge names were checked by clie_option(); the kernel's are valid
	 * by its own rules: a failure (memory) must still not leave one out */
	for (size_t i = 0; i < o->n_bridges && !rc; i++)
		if ((rc = cmp_snap_add_bridge(s, o->bridges[i])) < 0)
			status = cli_fail(cmd, "--bridge %s: %s", rs_quote(o->bridges[i], q, sizeof(q)),
					  strerror(-rc));
	for (size_t i = 0; i < l.n && !o->n_bridges && !rc; i++)
		if (link_is_bridge(&l.v[i]) && (rc = cmp_snap_add_bridge(s, l.v[i].name)) < 0)
			status = cli_fail(cmd, "bridge %s: cannot be guarded: %s",
					  rs_quote(l.v[i].name, q, sizeof(q)), strerror(-rc));
	if (status == CLI_OK)
		find_inventory_ports(&l, s);
	link_list_free(&l);
	return status;
}

int clie_snapshot(const char *cmd, const struct clie_opts *o, struct cmp_snapshot **out)
{
	struct cmp_snapshot *s = cmp_snap_new();
	struct inv inv;
	int status;

	if (!s)
		return cli_fail(cmd, "out of memory");
	status = clip_load_inventory(cmd, o->inventory, &inv);
	if (status != CLI_OK) {
		cmp_snap_free(s);
		return status;
	}
	status = add_inventory(cmd, &inv, s);
	if (status == CLI_OK)
		status = add_runtime(cmd, o, &inv.rules, s);
	if (status == CLI_OK)
		status = add_kernel(cmd, o, s);
	inv_free(&inv);
	if (status != CLI_OK) {
		cmp_snap_free(s);
		return status;
	}
	*out = s;
	return CLI_OK;
}

int clie_compile(const char *cmd, const char *policy_path, const struct clie_opts *o,
		 struct pol_policy **pp, struct cmp_snapshot **sp, struct rs_ruleset **rs)
{
	struct cmp_options co = { .log_group = o->log_group };
	struct pol_policy *p = NULL;
	struct cmp_snapshot *s = NULL;
	struct diags warn;
	char err[512];
	int status;

	status = clip_load_policy(cmd, policy_path, &p);
	if (status != CLI_OK)
		return status;
	status = clie_snapshot(cmd, o, &s);
	if (status != CLI_OK)
		goto out_free;
	diags_init(&warn);
	*rs = cmp_compile(p, s, &co, &warn, err, sizeof(err));
	if (!*rs) {
		/* Exit 2: the inputs cannot be compiled as they are. */
		status = cli_fail(cmd, "%s", errno == EINVAL ? err : strerror(errno));
		if (errno == EINVAL)
			status = CLI_USAGE;
		goto out_free;
	}
	for (size_t i = 0; i < warn.n && !o->quiet; i++)
		cli_warn(cmd, "%s: %s", warn.v[i].where, warn.v[i].msg);
out_free:
	if (pp && status == CLI_OK)
		*pp = p;
	else
		pol_free(p);
	if (sp && status == CLI_OK)
		*sp = s;
	else
		cmp_snap_free(s);
	return status;
}

int clie_owner_check(const char *cmd, bool force)
{
	char path[256], holder[OWN_HOLDER_MAX];
	int rc = own_path(path, sizeof(path));

	if (!rc)
		rc = own_check(path, holder, sizeof(holder));
	if (rc < 0) {
		cli_warn(cmd, "cannot tell whether a zonewalld controls the tables here: %s",
			 strerror(-rc));
		return CLI_OK;
	}
	if (rc == 0)
		return CLI_OK;
	if (force) {
		cli_warn(cmd, "replacing the tables of a running zonewalld (%s): its next change "
			 "puts its own back", holder);
		return CLI_OK;
	}
	return cli_fail(cmd, "a running zonewalld controls the tables of this network namespace "
			"(%s): change them through it (zonewall reload, or apply --confirm-within), "
			"or pass --force", holder);
}
