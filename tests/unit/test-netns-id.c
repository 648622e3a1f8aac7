// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nsid_port_match(): which host-side veth is a container attachment's,
 * from a link dump alone (pure).  A wrong answer would bind one
 * container's MAC to another's port, so ambiguity must answer "none".
 */
#include "config.h"

#include <string.h>

#include "tap.h"
#include "zonewall/netns-id.h"

/* Links sorted by ifindex, as link_list_dump() returns them. */
static struct link_addr br0_addr = { .family = AF_INET, .text = "10.88.0.1", .prefixlen = 16 };
static struct link_addr br1_addr = { .family = AF_INET, .text = "10.89.0.1", .prefixlen = 16 };

static void link_set(struct link_info *li, int ifindex, const char *name, const char *kind,
		     int master, int nsid)
{
	memset(li, 0, sizeof(*li));
	li->ifindex = ifindex;
	snprintf(li->name, sizeof(li->name), "%s", name);
	snprintf(li->kind, sizeof(li->kind), "%s", kind);
	li->master = master;
	li->peer_netnsid = nsid;
}

static const char *name_of(const struct link_info *li)
{
	return li ? li->name : "(none)";
}

int main(void)
{
	struct link_info v[6];
	struct link_list l = { .v = v, .n = 6 };

	link_set(&v[0], 2, "br0", "bridge", 0, -1);
	v[0].addrs = &br0_addr;
	v[0].n_addrs = 1;
	link_set(&v[1], 3, "br1", "bridge", 0, -1);
	v[1].addrs = &br1_addr;
	v[1].n_addrs = 1;
	link_set(&v[2], 10, "veth-a0", "veth", 2, 5);	/* container 5 on br0 */
	link_set(&v[3], 11, "veth-a1", "veth", 3, 5);	/* and on br1 */
	link_set(&v[4], 12, "veth-b", "veth", 2, 6);	/* container 6, br0 only */
	link_set(&v[5], 13, "dummy0", "dummy", 0, 7);	/* not a veth */

	tap_is_str(name_of(nsid_port_match(&l, 6, "", 1)), "veth-b",
		   "one veth, one attachment: that veth without a gateway");
	tap_is_str(name_of(nsid_port_match(&l, 6, "10.88.0.1", 1)), "veth-b",
		   "and with the gateway of its bridge");
	tap_is_str(name_of(nsid_port_match(&l, 5, "10.89.0.1", 2)), "veth-a1",
		   "two attachments: the gateway picks the bridge");
	tap_is_str(name_of(nsid_port_match(&l, 5, "10.88.0.1", 2)), "veth-a0",
		   "and the other one");
	tap_is_str(name_of(nsid_port_match(&l, 5, "", 2)), "(none)",
		   "two attachments, no gateway: ambiguous, none");
	tap_is_str(name_of(nsid_port_match(&l, 5, "10.1.2.3", 2)), "(none)",
		   "a gateway no bridge holds: none");
	tap_is_str(name_of(nsid_port_match(&l, 6, "", 2)), "(none)",
		   "one veth seen but two attachments said: not guessed");
	tap_is_str(name_of(nsid_port_match(&l, 7, "", 1)), "(none)", "a non-veth is never a port");
	tap_is_str(name_of(nsid_port_match(&l, 9, "", 1)), "(none)", "an unknown namespace: none");
	tap_is_str(name_of(nsid_port_match(&l, -1, "", 1)), "(none)", "no namespace id: none");
	return tap_done();
}
