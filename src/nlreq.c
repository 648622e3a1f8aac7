// SPDX-License-Identifier: GPL-2.0-or-later
/* One netlink request and its answer (see nlreq.h). */
#include "config.h"

#include <errno.h>

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
