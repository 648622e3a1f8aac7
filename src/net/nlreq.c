// SPDX-License-Identifier: GPL-2.0-or-later
/* One netlink request and its answer (see nlreq.h). */
#include "config.h"

#include <errno.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>

#include "zonewall/nlreq.h"

struct mnl_socket *nlreq_open(int bus)
{
	struct mnl_socket *nl = mnl_socket_open(bus);
	int e;

	if (nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = errno;
		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	return nl;
}

struct mnl_socket *nlreq_open_strict(int bus)
{
	struct mnl_socket *nl = nlreq_open(bus);
	int one = 1, e;

	if (nl && mnl_socket_setsockopt(nl, NETLINK_GET_STRICT_CHK, &one, sizeof(one)) < 0) {
		e = errno;
		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	return nl;
}

const struct nlattr *nlreq_ifa_local(const struct nlmsghdr *nlh)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *local = NULL, *address = NULL;

	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		if (mnl_attr_get_type(a) == IFA_LOCAL)
			local = a;
		else if (mnl_attr_get_type(a) == IFA_ADDRESS)
			address = a;
	}
	a = local ? local : address;
	if (!a || mnl_attr_get_payload_len(a) != (ifa->ifa_family == AF_INET ? 4u : 16u))
		return NULL;
	return a;
}

int nlreq_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[32768];	/* a dump answer of up to 32 KiB per read */
	unsigned int portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int rc;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		rc = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, cb, data);
	} while (rc > MNL_CB_STOP);
	return rc < 0 ? -errno : 0;
}
